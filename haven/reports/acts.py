# ruff: noqa: S608 (the SQL text holds names and int() values only; see haven.reports.counting)
"""The acts a report counts: the user's countable acts, or their counted copies, narrowed
by the report's filters (need-to-know: ``countable_by``, see ``haven.reports.counting``)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from haven.accounts.models import Team
from haven.incidents.models import Act
from haven.locations.models import Location
from haven.reports.definition import Definition
from haven.reports.models import CountedAct, CountedAffiliation
from haven.vocab.models import Term


def countable_acts(user, definition: Definition):
    """The acts a report over ``definition`` counts, as the rows its SQL reads: the
    user's countable acts, narrowed by the definition's filters."""
    acts = Act.objects.countable_by(user).filter(incident__deleted_at__isnull=True)
    if definition.teams:
        acts = acts.filter(team__uuid__in=list(definition.teams))
    if definition.act_types:
        acts = acts.filter(act_type__code__in=list(definition.act_types))
    if definition.region:
        place = Location.objects.filter(pk=definition.region).first()
        path = place.path if place else "/none/"
        acts = acts.filter(
            Q(location__path__startswith=path)
            | Q(location__isnull=True, incident__location__path__startswith=path)
        )
    acts = acts.annotate(
        r_first=Coalesce("start_earliest", "incident__start_earliest"),
        r_last=Coalesce("start_latest", "incident__start_latest"),
    )
    if definition.date_from:
        acts = acts.filter(r_last__gte=definition.date_from)
    if definition.date_to:
        acts = acts.filter(r_first__lte=definition.date_to)
    return acts.values(
        "r_first",
        "r_last",
        r_act=F("id"),
        r_victim=F("victim_id"),
        r_incident=F("incident_id"),
        r_type=F("act_type_id"),
        r_place=Coalesce("location", "incident__location", output_field=models.BigIntegerField()),
    ).order_by()


def _narrowed(acts, definition: Definition):
    """Counted rows (``CountedAct`` or ``CountedAffiliation``) narrowed by the
    definition's filters."""
    if definition.teams:
        acts = acts.filter(team_id__in=Team.objects.filter(uuid__in=list(definition.teams)))
    if definition.act_types:
        acts = acts.filter(
            act_type_id__in=Term.objects.filter(code__in=list(definition.act_types)).values("pk")
        )
    if definition.region:
        place = Location.objects.filter(pk=definition.region).first()
        path = place.path if place else "/none/"
        acts = acts.filter(place_id__in=Location.objects.filter(path__startswith=path).values("pk"))
    if definition.date_from:
        acts = acts.filter(last_day__gte=definition.date_from)
    if definition.date_to:
        acts = acts.filter(first_day__lte=definition.date_to)
    return acts


COUNTED_VALUES = {
    "r_first": F("first_day"),
    "r_last": F("last_day"),
    "r_act": F("act_id"),
    "r_victim": F("victim_id"),
    "r_incident": F("incident_id"),
    "r_type": F("act_type_id"),
    "r_place": F("place_id"),
    "r_first_month": F("first_month"),
    "r_last_month": F("last_month"),
    "r_gender": F("gender"),
    "r_born": F("born"),
    "r_grounds": F("grounds"),
}


def counted_acts(user, definition: Definition):
    """What ``countable_acts`` gives, read from the counted acts (``CountedAct``): the
    user's countable acts, narrowed by the definition's filters."""
    acts = _narrowed(CountedAct.objects.countable_by(user), definition)
    return acts.values(**COUNTED_VALUES).order_by()


def counted_affiliations(user, definition: Definition):
    """The affiliation rows (``CountedAffiliation``) of the acts ``counted_acts`` gives."""
    rows = _narrowed(CountedAffiliation.objects.countable_by(user), definition)
    return rows.values(
        **COUNTED_VALUES,
        r_token=F("token"),
        r_involvement=F("involvement_id"),
        r_shared=F("shared"),
    ).order_by()
