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
from haven.records.access import require_same_team, require_write
from haven.records.actions import assign, save_record

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


@transaction.atomic
def add_involvement(act: Act, *, by, perpetrator, degree, affiliation: str = "") -> Involvement:
    involvement = Involvement(
        act=act, team=act.team, perpetrator=perpetrator, degree=degree, affiliation=affiliation
    )
    return save_record(involvement, by=by)


@transaction.atomic
def chain(source: Incident, target: Incident, *, by, relation: str, note: str = "") -> Chain:
    link = Chain(source=source, target=target, team=source.team, relation=relation, note=note)
    return save_record(link, by=by)


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
