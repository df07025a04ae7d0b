"""Verb functions for documenting violations; each one audited transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.access import can_write
from haven.records.actions import save_record


def _check(by, incident):
    if not can_write(by, incident):
        raise PermissionDenied


def _dates(instance, start: FuzzyDate | None, end: FuzzyDate | None) -> None:
    instance.start = start
    instance.end = end


@transaction.atomic
def record_incident(
    *, team, by, title: str, start: FuzzyDate, end: FuzzyDate | None = None, **fields
) -> Incident:
    incident = Incident(team=team, title=title, **fields)
    _dates(incident, start, end)
    return save_record(incident, by=by)


@transaction.atomic
def update_incident(incident: Incident, *, by, start=None, end=None, **fields) -> Incident:
    for name, value in fields.items():
        setattr(incident, name, value)
    _dates(incident, start or incident.start, end)
    return save_record(incident, by=by)


@transaction.atomic
def record_act(incident: Incident, *, by, act_type, victim, start=None, end=None, **fields) -> Act:
    _check(by, incident)
    if victim is None:
        raise ValidationError({"victim": _("Every act has a victim: choose one.")})
    act = Act(incident=incident, team=incident.team, act_type=act_type, victim=victim, **fields)
    _dates(act, start, end)
    return save_record(act, by=by)


@transaction.atomic
def add_involvement(act: Act, *, by, perpetrator, degree, affiliation="") -> Involvement:
    if perpetrator.team_id != act.team_id:
        raise ValidationError({"perpetrator": _("The perpetrator belongs to another team.")})
    involvement = Involvement(
        act=act, team=act.team, perpetrator=perpetrator, degree=degree, affiliation=affiliation
    )
    return save_record(involvement, by=by)


@transaction.atomic
def chain(source: Incident, target: Incident, *, by, relation: str, note="") -> Chain:
    if target.team_id != source.team_id:
        raise ValidationError({"target": _("That incident belongs to another team.")})
    link = Chain(source=source, target=target, team=source.team, relation=relation, note=note)
    return save_record(link, by=by)


@transaction.atomic
def cite_source(incident: Incident, source, *, by, **fields) -> InformationLink:
    link = InformationLink(incident=incident, source=source, team=incident.team, **fields)
    return save_record(link, by=by)


@transaction.atomic
def link_case(incident: Incident, case, *, by) -> None:
    _check(by, incident)
    if case.team_id != incident.team_id:
        raise ValidationError({"case": _("That case belongs to another team.")})
    incident.cases.add(case)
    record("incidents.incident.case_linked", actor=by, target=incident, summary=f"case {case.code}")


@transaction.atomic
def link_intervention(incident: Incident, action, *, by) -> None:
    _check(by, incident)
    if action.team_id != incident.team_id:
        raise ValidationError({"action": _("That action belongs to another team.")})
    incident.interventions.add(action)
    incident.cases.add(action.case)
    record(
        "incidents.incident.intervention_linked",
        actor=by,
        target=incident,
        summary=f"action {action.uuid}",
    )
