"""Verb functions for protection cases: each one audited transaction.

Validation errors (a decision before the filing, a referral without consent, a
person not on the case) raise ``ValidationError`` before anything is written.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.cases.models import (
    Case,
    CaseAction,
    CaseNote,
    CasePerson,
    Consent,
    Request,
    RiskAssessment,
)
from haven.records.access import can_write
from haven.records.actions import save_record


def _check(by, case):
    if not can_write(by, case):
        raise PermissionDenied


@transaction.atomic
def open_case(*, team, by, title: str, summary: str = "", persons=(), lead=None, **fields) -> Case:
    case = Case(team=team, title=title, summary=summary, lead=lead or by, **fields)
    save_record(case, by=by)
    for person in persons:
        add_person_to_case(case, person, by=by)
    return case


@transaction.atomic
def update_case(case: Case, *, by, **fields) -> Case:
    for name, value in fields.items():
        setattr(case, name, value)
    return save_record(case, by=by)


@transaction.atomic
def change_status(case: Case, status: str, *, by) -> Case:
    if status not in Case.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    case.status = status
    return save_record(case, by=by)


@transaction.atomic
def add_person_to_case(case: Case, person, *, by) -> None:
    _check(by, case)
    if person.team_id != case.team_id:
        raise ValidationError({"person": _("This person belongs to another team.")})
    _link, created = CasePerson.objects.get_or_create(case=case, person=person)
    if created:
        record("cases.case.person_added", actor=by, target=case, summary=f"person {person.code}")


@transaction.atomic
def record_request(*, team, by, **fields) -> Request:
    request = Request(team=team, **fields)
    return save_record(request, by=by)


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
    if case.team_id != request.team_id:
        raise ValidationError({"case": _("That case belongs to another team.")})
    request.case = case
    save_record(request, by=by)
    if request.requester_id:
        add_person_to_case(case, request.requester, by=by)
    return request


@transaction.atomic
def assess_risk(case: Case, *, by, threat_sources=(), threat_types=(), **fields) -> RiskAssessment:
    _check(by, case)
    assessment = RiskAssessment(case=case, team=case.team, assessed_by=by, **fields)
    save_record(assessment, by=by)
    assessment.threat_sources.set(threat_sources)
    assessment.threat_types.set(threat_types)
    latest = case.assessments.live().order_by("-assessed_on", "-created_at")
    level = latest.values_list("level", flat=True).first()
    if level != case.risk_level:
        case.risk_level = level
        save_record(case, by=by)
    return assessment


def consent_for(person, purpose_code: str, on=None) -> Consent | None:
    """The person's newest consent record for a purpose, if any."""
    return (
        Consent.objects.filter(person=person, purpose__code=purpose_code, deleted_at__isnull=True)
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


@transaction.atomic
def plan_action(case: Case, *, by, kind, **fields) -> CaseAction:
    """Add an action (or a petition, when ``kind`` is the petition type) to the case."""
    _check(by, case)
    action = CaseAction(case=case, team=case.team, kind=kind, **fields)
    if kind.code == "referral" and action.person_id:
        require_consent(action.person, "referral")
    return save_record(action, by=by)


@transaction.atomic
def update_action(action: CaseAction, *, by, **fields) -> CaseAction:
    for name, value in fields.items():
        setattr(action, name, value)
    return save_record(action, by=by)


@transaction.atomic
def record_decision(
    petition: CaseAction, *, by, decision: str, decision_on, measures: str = "", next_deadline=None
) -> CaseAction:
    if not petition.is_petition:
        raise ValidationError(_("Only petitions have decisions."))
    petition.decision = decision
    petition.decision_on = decision_on
    petition.measures = measures
    petition.next_deadline = next_deadline
    if decision != CaseAction.Decision.PENDING and petition.status in CaseAction.OPEN:
        petition.status = CaseAction.Status.DONE
    return save_record(petition, by=by)


@transaction.atomic
def record_consent(person, *, by, case=None, **fields) -> Consent:
    consent = Consent(person=person, team=person.team, case=case, **fields)
    return save_record(consent, by=by)


@transaction.atomic
def add_note(case: Case, *, by, text: str) -> CaseNote:
    _check(by, case)
    note = CaseNote(case=case, team=case.team, text=text, author=by)
    return save_record(note, by=by)
