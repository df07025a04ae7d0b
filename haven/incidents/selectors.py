"""What the incident pages and the person page read, through the policy layer."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy

from haven.incidents.models import Act, Chain, Incident, Involvement
from haven.lib.timeline import Event, picture
from haven.people.selectors import people_found
from haven.records.access import can_write
from haven.records.models import member_teams
from haven.web.lists import Column, in_language, text_match

# The incident list's columns. The title is encrypted: it does not sort
# (haven.web.lists); the acts are many per incident: they do not sort either.
INCIDENT_COLUMNS = [
    Column("code", gettext_lazy("Code"), ["code"]),
    Column("title", gettext_lazy("Title"), encrypted=True),
    Column("when", gettext_lazy("When"), ["start_earliest", "start_latest"]),
    Column("where", gettext_lazy("Where"), [in_language("location__name_en", "location__name_ru")]),
    Column("acts", gettext_lazy("Acts")),
]
INCIDENT_ORDER = "-when"


def incident_list(user):
    """The incidents ``user`` may see, with what the list shows of each: the place and
    the live acts' types."""
    return (
        Incident.objects.visible_to(user)
        .select_related("location")
        .prefetch_related(Prefetch("acts", queryset=Act.objects.live().select_related("act_type")))
    )


def find_incidents(user, query: str) -> Q:
    """Incidents found by their code or title, or by a victim or perpetrator of their
    acts (those the user may see)."""
    people = people_found(user, query)
    acts = Act.objects.visible_to(user)
    as_victim = acts.filter(victim__in=people).values("incident")
    as_perpetrator = (
        Involvement.objects.visible_to(user).filter(perpetrator__in=people).values("act__incident")
    )
    return (
        text_match(Incident, query, member_teams(user))
        | Q(pk__in=as_victim)
        | Q(pk__in=as_perpetrator)
    )


PERSON_LANES = [
    ("victim", gettext_lazy("As victim")),
    ("perpetrator", gettext_lazy("As perpetrator")),
]
CHAINING = [Chain.Relation.PRECEDES, Chain.Relation.CAUSES]


def incident_page(user, incident) -> dict:
    """Everything the incident page shows: its acts with who did them, chains,
    sources, cases and interventions (live ones only)."""
    acts = list(
        incident.acts.live()
        .select_related("act_type", "victim", "location")
        .prefetch_related(
            Prefetch(
                "involvements",
                queryset=Involvement.objects.live().select_related("perpetrator"),
            )
        )
    )
    chains = list(
        Chain.objects.live()
        .filter(Q(source=incident) | Q(target=incident))
        # A link to a deleted incident leads nowhere: leave it out.
        .filter(source__deleted_at__isnull=True, target__deleted_at__isnull=True)
        .select_related("source", "target")
    )
    return {
        "incident": incident,
        "acts": acts,
        "chains_out": [c for c in chains if c.source_id == incident.pk],
        "chains_in": [c for c in chains if c.target_id == incident.pk],
        "chain_path": chain_path(incident),
        "information": list(
            incident.information.live()
            .filter(source__deleted_at__isnull=True)
            .select_related("source")
        ),
        "cases": list(incident.cases.visible_to(user).order_by("code")),
        "interventions": list(
            incident.interventions.visible_to(user)
            .filter(case__deleted_at__isnull=True)
            .select_related("case", "kind")
        ),
        "can_write": can_write(user, incident),
    }


def _next_link(**where):
    return Chain.objects.live().filter(
        relation__in=CHAINING,
        source__deleted_at__isnull=True,
        target__deleted_at__isnull=True,
        **where,
    )


def chain_path(incident) -> list:
    """The chain of events this incident sits in, earliest first (precedes/causes only):
    ``(incident, relation to the next one)`` pairs, or ``[]`` when it stands alone."""
    before, current, seen = [], incident, {incident.pk}
    while True:
        link = _next_link(target=current).select_related("source").first()
        if link is None or link.source_id in seen:
            break
        before.insert(0, (link.source, link.get_relation_display()))
        seen.add(link.source_id)
        current = link.source
    after, current = [], incident
    while True:
        link = _next_link(source=current).select_related("target").first()
        if link is None or link.target_id in seen:
            break
        after.append((link.target, link.get_relation_display()))
        seen.add(link.target_id)
        current = link.target
    if not before and not after:
        return []
    steps = list(before)
    steps.append((incident, after[0][1] if after else ""))
    for index, (item, _relation) in enumerate(after):
        relation = after[index + 1][1] if index + 1 < len(after) else ""
        steps.append((item, relation))
    return steps


def person_acts(user, person) -> list[tuple[Act, str]]:
    """The person's acts as victim and as perpetrator, ``(act, role)`` in time order."""
    acts = Act.objects.visible_to(user).select_related("act_type", "incident")
    as_victim = list(acts.filter(victim=person))
    as_perpetrator = list(
        acts.filter(
            pk__in=Involvement.objects.visible_to(user).filter(perpetrator=person).values("act")
        )
    )
    rows = [(act, "victim") for act in as_victim] + [(act, "perpetrator") for act in as_perpetrator]
    rows.sort(key=lambda row: row[0].when.sort_key if row[0].when else (date.max, date.max))
    return rows


def person_section(user, person) -> dict:
    """The person page's "Incidents" section: the acts and their timeline picture."""
    acts = person_acts(user, person)
    events = [
        Event(
            act.when.earliest,
            role,
            f"{act.act_type.label} ({act.incident.code})",
            css=f"role-{role}",
        )
        for act, role in acts
        if act.when
    ]
    return {"acts": acts, "timeline": picture(events, kinds=PERSON_LANES)}
