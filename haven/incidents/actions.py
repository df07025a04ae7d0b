"""Verb functions for documenting violations; each one audited transaction.

Each verb names the fields it sets; the team comes from the incident and changes
only through ``move_record``, deletion only through ``delete_record``.

Where the rules are checked: write access by ``save_record`` (and by
``require_write`` first where a verb does anything before saving); the same-team
rule by each model's ``clean()``, which ``save_record`` runs on every save. A link
to a case or an intervention adds a many-to-many row that has no ``clean()``, so
those two verbs check the same-team rule themselves.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.incidents.models import Act, Chain, Incident, InformationLink, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.access import require_live, require_same_team, require_write
from haven.records.actions import assign, delete_record, save_record

INCIDENT_EDITABLE = (
    "title",
    "start",
    "end",
    "location",
    "description",
    "stated_grounds",
    "documented_motive",
    "violation_status",
    "confidentiality",
)


@transaction.atomic
def record_incident(
    *,
    team,
    by,
    title: str,
    start: FuzzyDate,
    end: FuzzyDate | None = None,
    location=None,
    description: str = "",
    stated_grounds: str = "",
    documented_motive: str = "",
    violation_status: str = Incident.ViolationStatus.ALLEGED,
    confidentiality: str = Incident.Confidentiality.RESTRICTED,
) -> Incident:
    incident = Incident(
        team=team,
        title=title,
        location=location,
        description=description,
        stated_grounds=stated_grounds,
        documented_motive=documented_motive,
        violation_status=violation_status,
        confidentiality=confidentiality,
    )
    incident.start = start
    incident.end = end
    return save_record(incident, by=by)


@transaction.atomic
def update_incident(incident: Incident, *, by, **fields) -> Incident:
    """Change the fields named (any of ``INCIDENT_EDITABLE``); a ``TypeError`` for others."""
    assign(incident, fields, INCIDENT_EDITABLE)
    return save_record(incident, by=by)


@transaction.atomic
def record_act(
    incident: Incident,
    *,
    by,
    act_type,
    victim,
    start: FuzzyDate | None = None,
    end: FuzzyDate | None = None,
    location=None,
    victim_status: str = Act.VictimStatus.UNKNOWN,
    consequences: str = "",
) -> Act:
    """An act against ``victim``; without ``start`` it happened on the incident's date."""
    require_write(by, incident)
    if victim is None:
        raise ValidationError({"victim": _("Every act has a victim: choose one.")})
    act = Act(
        incident=incident,
        team=incident.team,
        act_type=act_type,
        victim=victim,
        location=location,
        victim_status=victim_status,
        consequences=consequences,
    )
    act.start = start
    act.end = end
    return save_record(act, by=by)


ACT_EDITABLE = (
    "act_type",
    "victim",
    "start",
    "end",
    "location",
    "victim_status",
    "consequences",
)
INVOLVEMENT_EDITABLE = ("perpetrator", "degree", "affiliation")
CHAIN_EDITABLE = ("relation", "target", "note")
CITATION_EDITABLE = ("connection", "reliability", "credibility", "note")


@transaction.atomic
def record_acts(
    incident: Incident,
    *,
    by,
    act_type,
    victims,
    perpetrators=(),
    degree: str = Involvement.Degree.DIRECT,
    affiliation: str = "",
    start: FuzzyDate | None = None,
    end: FuzzyDate | None = None,
    location=None,
    victim_status: str = Act.VictimStatus.UNKNOWN,
    consequences: str = "",
) -> list[Act]:
    """One act of ``act_type`` per victim (the events standard: an act has one victim),
    each with every perpetrator's involvement; all of them or, on any error, none.

    "Both men were detained by the same unit" is one call with two victims.
    """
    require_write(by, incident)
    victims, perpetrators = list(victims), list(perpetrators)
    if not victims:
        raise ValidationError({"victims": _("Every act has a victim: choose at least one.")})
    require_live(
        victims=next((v for v in victims if v.deleted_at), None),
        perpetrators=next((p for p in perpetrators if p.deleted_at), None),
    )
    acts = []
    for victim in victims:
        act = record_act(
            incident,
            by=by,
            act_type=act_type,
            victim=victim,
            start=start,
            end=end,
            location=location,
            victim_status=victim_status,
            consequences=consequences,
        )
        for perpetrator in perpetrators:
            add_involvement(
                act, by=by, perpetrator=perpetrator, degree=degree, affiliation=affiliation
            )
        acts.append(act)
    return acts


@transaction.atomic
@transaction.atomic
def record_incident_with_acts(
    *, team, by, act_type=None, victims=(), perpetrators=(), degree=None, case=None, **incident
) -> Incident:
    """An incident and, when ``act_type`` is given, its first acts (``record_acts``),
    linked to ``case`` when given, in one transaction: a simple incident is one
    submission, never half saved."""
    created = record_incident(team=team, by=by, **incident)
    if case is not None:
        link_case(created, case, by=by)
    if act_type is not None or victims or perpetrators:
        if act_type is None:
            raise ValidationError({"act_type": _("Choose the type of act for these people.")})
        record_acts(
            created,
            by=by,
            act_type=act_type,
            victims=victims,
            perpetrators=perpetrators,
            degree=degree or Involvement.Degree.DIRECT,
        )
    return created


@transaction.atomic
def update_act(act: Act, *, by, **fields) -> Act:
    """Change the fields named (any of ``ACT_EDITABLE``); a ``TypeError`` for others."""
    assign(act, fields, ACT_EDITABLE)
    return save_record(act, by=by)


@transaction.atomic
def remove_act(act: Act, *, by) -> Act:
    """Soft-delete the act and the involvements on it; their history is kept."""
    require_write(by, act)
    for involvement in act.involvements.live():
        delete_record(involvement, by=by)
    return delete_record(act, by=by)


@transaction.atomic
def add_involvement(act: Act, *, by, perpetrator, degree, affiliation: str = "") -> Involvement:
    involvement = Involvement(
        act=act, team=act.team, perpetrator=perpetrator, degree=degree, affiliation=affiliation
    )
    return save_record(involvement, by=by)


@transaction.atomic
def update_involvement(involvement: Involvement, *, by, **fields) -> Involvement:
    assign(involvement, fields, INVOLVEMENT_EDITABLE)
    return save_record(involvement, by=by)


@transaction.atomic
def remove_involvement(involvement: Involvement, *, by) -> Involvement:
    return delete_record(involvement, by=by)


@transaction.atomic
def chain(source: Incident, target: Incident, *, by, relation: str, note: str = "") -> Chain:
    link = Chain(source=source, target=target, team=source.team, relation=relation, note=note)
    return save_record(link, by=by)


@transaction.atomic
def update_chain(link: Chain, *, by, **fields) -> Chain:
    """Change the relation, the other incident or the note; a loop is refused."""
    assign(link, fields, CHAIN_EDITABLE)
    return save_record(link, by=by)


@transaction.atomic
def remove_chain(link: Chain, *, by) -> Chain:
    return delete_record(link, by=by)


@transaction.atomic
def cite_source(
    incident: Incident,
    source,
    *,
    by,
    connection: str,
    reliability: str,
    credibility: str,
    note: str = "",
) -> InformationLink:
    link = InformationLink(
        incident=incident,
        source=source,
        team=incident.team,
        connection=connection,
        reliability=reliability,
        credibility=credibility,
        note=note,
    )
    return save_record(link, by=by)


@transaction.atomic
def update_citation(link: InformationLink, *, by, **fields) -> InformationLink:
    """How the source relates and how far to trust it; citing another source is a new
    citation, not an edit."""
    assign(link, fields, CITATION_EDITABLE)
    return save_record(link, by=by)


@transaction.atomic
def remove_citation(link: InformationLink, *, by) -> InformationLink:
    return delete_record(link, by=by)


@transaction.atomic
def link_case(incident: Incident, case, *, by) -> None:
    require_write(by, incident)
    require_same_team(incident, case=case)
    incident.cases.add(case)
    record("incidents.incident.case_linked", actor=by, target=incident, summary=f"case {case.code}")


@transaction.atomic
def link_intervention(incident: Incident, action, *, by) -> None:
    require_write(by, incident)
    require_same_team(incident, action=action)
    incident.interventions.add(action)
    incident.cases.add(action.case)
    record(
        "incidents.incident.intervention_linked",
        actor=by,
        target=incident,
        summary=f"action {action.uuid}",
    )


# A link to a case or an intervention is a many-to-many row without a version history
# of its own: linking and unlinking are both kept in the audit log, which names the case
# or action, so "when was this case linked, and by whom" stays answerable.


@transaction.atomic
def unlink_case(incident: Incident, case, *, by) -> None:
    require_write(by, incident)
    incident.cases.remove(case)
    record(
        "incidents.incident.case_unlinked", actor=by, target=incident, summary=f"case {case.code}"
    )


@transaction.atomic
def unlink_intervention(incident: Incident, action, *, by) -> None:
    """Remove the link to the action; the link to its case stays until removed itself."""
    require_write(by, incident)
    incident.interventions.remove(action)
    record(
        "incidents.incident.intervention_unlinked",
        actor=by,
        target=incident,
        summary=f"action {action.uuid}",
    )
