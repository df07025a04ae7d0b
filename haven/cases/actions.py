"""Verb functions for protection cases: each one audited transaction.

Validation errors (a decision before the filing, a referral without consent, a
person not on the case) raise ``ValidationError`` before anything is written; a
user who may not write raises ``PermissionDenied``. Every interface turns them
into its own 400 or 403.

The same-team rule (a case links only records of its own team) is checked here,
in the verbs, through ``require_same_team``; models and forms do not repeat it.
The write check is ``save_record``'s, or ``require_write`` where a verb writes
something that is not saved through it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Membership
from haven.audit.actions import record
from haven.cases.models import (
    Case,
    CaseAction,
    CaseNote,
    CasePerson,
    Consent,
    Request,
    RequestMessage,
    RiskAssessment,
)
from haven.lib.fuzzy_dates import FuzzyDate
from haven.notifications import actions as notifications
from haven.records.access import require_live, require_same_team, require_write
from haven.records.actions import assign, delete_record, save_record

# What the update verbs may change. The team moves only through ``move_record``
# and a record is deleted only through ``delete_record``; a decision is recorded
# through ``record_decision``.
CASE_EDITABLE = ("title", "summary", "lead", "opened_on")
ACTION_EDITABLE = (
    "kind",
    "title",
    "owner",
    "due_on",
    "status",
    "details",
    "outcome",
    # A petition's own fields.
    "authority",
    "petition_type",
    "filed_on",
    "reference",
    "next_deadline",
    "done",
)
RISK_EDITABLE = (
    "assessed_on",
    "likelihood",
    "impact",
    "level",
    "narrative",
    "threat_sources",
    "threat_types",
)
CONSENT_EDITABLE = ("person", "purpose", "status", "given_on", "expires_on", "note")
NOTE_EDITABLE = ("text", "happened_on")
REQUEST_FIELDS = (
    "channel",
    "received_at",
    "requester",
    "requester_name",
    "summary",
    "urgency",
    "assignee",
)


def _require_lead_in_team(case: Case) -> None:
    if (
        case.lead_id
        and not case.lead.memberships.filter(
            team_id=case.team_id, access__in=Membership.RECORD_ACCESS
        ).exists()
    ):
        raise ValidationError({"lead": _("The lead caseworker must be a member of the team.")})


@transaction.atomic
def open_case(
    *,
    team,
    by,
    title: str,
    summary: str = "",
    persons=(),
    lead=None,
    opened_on=None,
) -> Case:
    case = Case(team=team, title=title, summary=summary, lead=lead or by)
    if opened_on is not None:
        case.opened_on = opened_on
    for person in persons:
        require_same_team(case, persons=person)
    _require_lead_in_team(case)
    save_record(case, by=by)
    notifications.case_handed(case, by=by)
    for person in persons:
        add_person_to_case(case, person, by=by)
    return case


@transaction.atomic
def update_case(case: Case, *, by, **fields) -> Case:
    """Change what ``CASE_EDITABLE`` names; anything else is a ``TypeError``."""
    lead_before = case.lead_id
    assign(case, fields, CASE_EDITABLE)
    if case.lead_id != lead_before:
        _require_lead_in_team(case)
    notifications.case_handed(case, by=by, previous_lead_id=lead_before)
    return save_record(case, by=by)


@transaction.atomic
def change_status(case: Case, status: str, *, by, since=None) -> Case:
    """Set the case's status, in effect from ``since`` (today when not given)."""
    if status not in Case.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    since = since or timezone.localdate()
    if since < case.opened_on:
        raise ValidationError({"since": _("The case was opened after that date.")})
    case.status = status
    case.status_since = since
    return save_record(case, by=by)


@transaction.atomic
def add_person_to_case(case: Case, person, *, by) -> None:
    # The link is not a record of its own, so nothing else checks these two.
    require_write(by, case)
    require_same_team(case, person=person)
    require_live(person=person)
    link, created = CasePerson.objects.get_or_create(case=case, person=person)
    if created or link.removed_at:
        if link.removed_at:  # back on the case after a removal
            link.removed_at, link.removed_by, link.added_at = None, None, timezone.now()
            link.save(update_fields=["removed_at", "removed_by", "added_at"])
        record("cases.case.person_added", actor=by, target=case, summary=f"person {person.code}")


@transaction.atomic
def remove_person_from_case(case: Case, person, *, by) -> None:
    """Take a person off the case. The link is kept, marked removed (by whom, when), so
    the case still shows who was on it; their actions and consent stay as they are."""
    require_write(by, case)
    updated = CasePerson.objects.filter(case=case, person=person, removed_at__isnull=True).update(
        removed_at=timezone.now(), removed_by=by
    )
    if updated:
        record("cases.case.person_removed", actor=by, target=case, summary=f"person {person.code}")


@transaction.atomic
def record_request(*, team, by, case=None, check: bool = True, **fields) -> Request:
    """A request for help as it arrived (``REQUEST_FIELDS``), optionally already on a case.

    ``check=False`` only for the public request page, where nobody is signed in."""
    request = Request(team=team, case=case)
    assign(request, fields, REQUEST_FIELDS)
    require_same_team(request, requester=request.requester, case=case)
    if (
        request.assignee_id
        and not request.assignee.memberships.filter(
            team_id=team.pk, access__in=Membership.RECORD_ACCESS
        ).exists()
    ):
        raise ValidationError({"assignee": _("Assign it to a member of the team.")})
    return save_record(request, by=by, check=check)


@transaction.atomic
def assign_request(request: Request, *, by, assignee) -> Request:
    """Hand the request to a member of its team (``None``: to nobody)."""
    if (
        assignee is not None
        and not assignee.memberships.filter(
            team_id=request.team_id, access__in=Membership.RECORD_ACCESS
        ).exists()
    ):
        raise ValidationError({"assignee": _("Assign it to a member of the team.")})
    request.assignee = assignee
    return save_record(request, by=by)


@transaction.atomic
def write_to_requester(request: Request, *, by, text: str) -> RequestMessage:
    """A caseworker's message to the person who asked; they read it with their receipt."""
    require_write(by, request)
    require_live(request=request)
    message = RequestMessage(
        request=request,
        team=request.team,
        direction=RequestMessage.Direction.TO_REQUESTER,
        text=text,
        author=by,
    )
    return save_record(message, by=by)


@transaction.atomic
def record_requester_message(request: Request, *, text: str) -> RequestMessage:
    """A message from the person who asked, sent through the public page with their
    receipt: nobody is signed in, so no write check (the receipt was the check)."""
    require_live(request=request)
    message = RequestMessage(
        request=request,
        team=request.team,
        direction=RequestMessage.Direction.FROM_REQUESTER,
        text=text,
    )
    return save_record(message, by=None, check=False)


@transaction.atomic
def open_case_from_request(request: Request, *, by, title: str, lead=None) -> Case:
    if request.case_id:
        raise ValidationError(_("This request is already part of a case."))
    persons = [request.requester] if request.requester_id else []
    case = open_case(
        team=request.team,
        by=by,
        title=title,
        summary=request.summary,
        persons=persons,
        lead=lead,
        opened_on=timezone.localtime(request.received_at).date(),
    )
    request.case = case
    save_record(request, by=by)
    return case


@transaction.atomic
def join_request_to_case(request: Request, case: Case, *, by) -> Request:
    if request.case_id:
        raise ValidationError(_("This request is already part of a case."))
    require_same_team(request, case=case)
    request.case = case
    save_record(request, by=by)
    notifications.request_assigned(request, by=by)
    if request.requester_id:
        add_person_to_case(case, request.requester, by=by)
    return request


@transaction.atomic
def assess_risk(
    case: Case,
    *,
    by,
    likelihood: int,
    impact: int,
    level: str,
    assessed_on=None,
    narrative: str = "",
    threat_sources=(),
    threat_types=(),
) -> RiskAssessment:
    require_write(by, case)
    assessment = RiskAssessment(
        case=case,
        team=case.team,
        assessed_by=by,
        likelihood=likelihood,
        impact=impact,
        level=level,
        narrative=narrative,
    )
    if assessed_on is not None:
        assessment.assessed_on = assessed_on
    save_record(assessment, by=by)
    assessment.threat_sources.set(threat_sources)
    assessment.threat_types.set(threat_types)
    _follow_latest_assessment(case, by=by)
    return assessment


def _follow_latest_assessment(case: Case, *, by) -> None:
    """The case's risk level is its newest live assessment's (none when none is left)."""
    latest = case.assessments.live().order_by("-assessed_on", "-created_at")
    level = latest.values_list("level", flat=True).first() or ""
    if level != case.risk_level:
        case.risk_level = level
        save_record(case, by=by)


def _pks(terms) -> set[int]:
    return {term.pk for term in terms}


@transaction.atomic
def update_assessment(assessment: RiskAssessment, *, by, **fields) -> RiskAssessment:
    """Change what ``RISK_EDITABLE`` names; the case's level follows the newest assessment."""
    sources = fields.pop("threat_sources", None)
    types = fields.pop("threat_types", None)
    assign(assessment, fields, RISK_EDITABLE)
    save_record(assessment, by=by)
    # The threats are a many-to-many: their change is audited with the assessment's.
    changed = []
    if sources is not None and _pks(sources) != _pks(assessment.threat_sources.all()):
        assessment.threat_sources.set(sources)
        changed.append("threat_sources")
    if types is not None and _pks(types) != _pks(assessment.threat_types.all()):
        assessment.threat_types.set(types)
        changed.append("threat_types")
    if changed:
        record(
            "cases.riskassessment.updated",
            actor=by,
            target=assessment,
            summary="fields: " + ", ".join(changed),
        )
    _follow_latest_assessment(assessment.case, by=by)
    return assessment


@transaction.atomic
def remove_assessment(assessment: RiskAssessment, *, by) -> None:
    delete_record(assessment, by=by)
    _follow_latest_assessment(assessment.case, by=by)


def consent_for(person, purpose_code: str, on=None) -> Consent | None:
    """The person's newest consent record for a purpose, if any."""
    return (
        Consent.objects.live()
        .filter(person=person, purpose__code=purpose_code)
        .order_by("-given_on", "-created_at")
        .first()
    )


def require_consent(person, purpose_code: str, on=None) -> None:
    """Raise a ValidationError that says what is missing unless consent covers ``on``."""
    consent = consent_for(person, purpose_code)
    if consent is None:
        raise ValidationError(
            _("%(code)s has no recorded consent for %(purpose)s: record it first.")
            % {"code": person.code, "purpose": purpose_code.replace("_", " ")}
        )
    if not consent.allows(on):
        reason = (
            _("expired on %(date)s") % {"date": consent.expires_on}
            if consent.status == Consent.Status.GIVEN
            else consent.get_status_display().lower()
        )
        raise ValidationError(
            _("The consent of %(code)s for %(purpose)s is %(reason)s.")
            % {"code": person.code, "purpose": purpose_code.replace("_", " "), "reason": reason}
        )


def _require_referral_consent(action: CaseAction, persons) -> None:
    if action.kind.code == "referral":
        for person in persons:
            require_consent(person, "referral")


def _check_persons(case: Case, persons) -> list:
    """The people an action is for: live people on the case."""
    persons = list(persons)
    for person in persons:
        require_same_team(case, persons=person)
        require_live(persons=person)
    on_case = set(case.current_persons().values_list("pk", flat=True))
    if any(person.pk not in on_case for person in persons):
        raise ValidationError(
            {"persons": _("This person is not on the case: add them to the case first.")}
        )
    return persons


def _set_persons(action: CaseAction, persons: list, *, by) -> None:
    """The people are a many-to-many: a change is audited with the action's entry."""
    if {p.pk for p in persons} == set(action.persons.values_list("pk", flat=True)):
        return
    action.persons.set(persons)
    record(
        f"{action._meta.label_lower}.updated",
        actor=by,
        target=action,
        summary="for whom: " + ", ".join(sorted(p.code for p in persons)),
    )


@transaction.atomic
def plan_action(case: Case, *, by, kind, persons=(), **fields) -> CaseAction:
    """Add an action (or a petition, when ``kind`` is the petition type) to the case,
    for the ``persons`` it concerns (none, one, or several: a petition for both men).

    ``fields`` are the ones ``ACTION_EDITABLE`` names.
    """
    require_write(by, case)
    persons = _check_persons(case, persons)
    action = CaseAction(case=case, team=case.team, kind=kind)
    assign(action, fields, ACTION_EDITABLE)
    _date_what_is_done(action)
    _require_referral_consent(action, persons)
    save_record(action, by=by)
    if persons:
        action.persons.set(persons)
    return action


def _date_what_is_done(action: CaseAction) -> None:
    """An action marked done without saying when was done today."""
    if action.status == CaseAction.Status.DONE and action.done is None:
        action.done = FuzzyDate.of_day(timezone.localdate())


@transaction.atomic
def update_action(action: CaseAction, *, by, persons=None, **fields) -> CaseAction:
    """Change what ``ACTION_EDITABLE`` names, and whom it is for (``persons``);
    anything else is a ``TypeError``.

    An action that becomes a referral for someone needs their consent, as when planned.
    """
    assign(action, fields, ACTION_EDITABLE)
    _date_what_is_done(action)
    checked = _check_persons(action.case, persons) if persons is not None else None
    if "kind" in fields or checked is not None:
        _require_referral_consent(action, checked if checked is not None else action.persons.all())
    save_record(action, by=by)
    if checked is not None:
        _set_persons(action, checked, by=by)
    return action


@transaction.atomic
def remove_action(action: CaseAction, *, by) -> None:
    """Take an action or petition off the case (soft: its history keeps it)."""
    delete_record(action, by=by)


@transaction.atomic
def record_decision(
    petition: CaseAction, *, by, decision: str, decision_on, measures: str = "", next_deadline=None
) -> CaseAction:
    if not petition.is_petition:
        raise ValidationError(_("Only petitions have decisions."))
    petition.decision = decision
    petition.decision_on = decision_on
    petition.measures = measures
    # The deadline the petition had was the one before the decision; only a deadline
    # that follows from the decision (an appeal) stays pending.
    petition.next_deadline = next_deadline
    if decision != CaseAction.Decision.PENDING and petition.status in CaseAction.OPEN:
        petition.status = CaseAction.Status.DONE
        if petition.done is None and decision_on:
            petition.done = FuzzyDate.of_day(decision_on)
    return save_record(petition, by=by)


@transaction.atomic
def record_consent(
    person,
    *,
    by,
    purpose,
    status: str,
    case=None,
    given_on=None,
    expires_on=None,
    note: str = "",
) -> Consent:
    consent = Consent(
        person=person,
        team=person.team,
        case=case,
        purpose=purpose,
        status=status,
        expires_on=expires_on,
        note=note,
    )
    if given_on is not None:
        consent.given_on = given_on
    require_same_team(consent, case=case)
    require_live(person=person, case=case)
    return save_record(consent, by=by)


@transaction.atomic
def update_consent(consent: Consent, *, by, **fields) -> Consent:
    """Change what ``CONSENT_EDITABLE`` names; a new person must be of the same team."""
    assign(consent, fields, CONSENT_EDITABLE)
    require_same_team(consent, person=consent.person)
    require_live(person=consent.person)
    return save_record(consent, by=by)


@transaction.atomic
def remove_consent(consent: Consent, *, by) -> None:
    delete_record(consent, by=by)


@transaction.atomic
def add_note(case: Case, *, by, text: str, happened_on=None) -> CaseNote:
    """A note on the case, about what happened on ``happened_on`` (today when not given)."""
    require_write(by, case)
    note = CaseNote(case=case, team=case.team, text=text, author=by)
    if happened_on is not None:
        note.happened_on = happened_on
    return save_record(note, by=by)


@transaction.atomic
def update_note(note: CaseNote, *, by, **fields) -> CaseNote:
    """Change what ``NOTE_EDITABLE`` names; the author stays who wrote it."""
    if fields.get("happened_on", True) is None:
        fields["happened_on"] = note.happened_on
    assign(note, fields, NOTE_EDITABLE)
    return save_record(note, by=by)


@transaction.atomic
def remove_note(note: CaseNote, *, by) -> None:
    delete_record(note, by=by)
