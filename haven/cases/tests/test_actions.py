"""The cases verbs' rules, the list filters and the person-page section, without pages."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from haven.cases import actions
from haven.cases.forms import CaseFilterForm
from haven.cases.models import Case, CaseAction, CaseNote, CasePerson, Consent, Request
from haven.cases.selectors import case_list
from haven.people.sections import sections_for
from haven.records.actions import delete_record
from haven.vocab.models import term


@pytest.mark.parametrize("field", ["team", "deleted_at", "code", "status"])
def test_update_case_refuses_what_it_does_not_edit(personas, case, other_team, field):
    value = {
        "team": other_team,
        "deleted_at": timezone.now(),
        "code": "C-0000",
        "status": "closed",
    }[field]
    with pytest.raises(TypeError, match=field):
        actions.update_case(case, by=personas.member, title="Renamed", **{field: value})
    stored = Case.objects.get(pk=case.pk)
    assert (stored.team, stored.deleted_at, stored.title) == (personas.team, None, "Two brothers")


@pytest.mark.parametrize("field", ["team", "deleted_at", "case", "decision"])
def test_update_action_refuses_what_it_does_not_edit(personas, case, petition, other_team, field):
    value = {
        "team": other_team,
        "deleted_at": timezone.now(),
        "case": actions.open_case(team=personas.team, by=personas.member, title="Other"),
        "decision": "granted",
    }[field]
    with pytest.raises(TypeError, match=field):
        actions.update_action(petition, by=personas.member, **{field: value})
    stored = CaseAction.objects.get(pk=petition.pk)
    assert (stored.team, stored.deleted_at, stored.case, stored.decision) == (
        personas.team,
        None,
        case,
        "pending",
    )


def test_create_verbs_refuse_a_deleted_or_foreign_field(personas, case, other_team):
    with pytest.raises(TypeError, match="deleted_at"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "shelter"),
            title="x",
            deleted_at=timezone.now(),
        )
    with pytest.raises(TypeError, match="team"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "shelter"),
            title="x",
            team=other_team,
        )
    with pytest.raises(TypeError, match="deleted_at"):
        actions.record_request(
            team=personas.team,
            by=personas.member,
            channel=term("channel", "hotline"),
            summary="x",
            deleted_at=timezone.now(),
        )
    with pytest.raises(TypeError):
        actions.open_case(team=personas.team, by=personas.member, title="x", status="closed")
    assert not CaseAction.objects.exists()
    assert not Request.objects.exists()
    assert Case.objects.count() == 1


def test_update_case_changes_the_editable_fields(personas, case):
    actions.update_case(case, by=personas.member, title="Renamed", summary="New summary")
    stored = Case.objects.get(pk=case.pk)
    assert (stored.title, stored.summary) == ("Renamed", "New summary")


def test_a_person_of_another_team_is_refused_everywhere(personas, case, intake, other_team):
    stranger = other_team.person
    with pytest.raises(ValidationError) as refused:
        actions.add_person_to_case(case, stranger, by=personas.member)
    assert "person" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        actions.open_case(team=personas.team, by=personas.member, title="x", persons=[stranger])
    assert "persons" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        actions.record_request(
            team=personas.team,
            by=personas.member,
            channel=term("channel", "hotline"),
            requester=stranger,
            summary="x",
        )
    assert "requester" in refused.value.error_dict
    assert not CasePerson.objects.filter(person=stranger).exists()
    assert Case.objects.count() == 1 and Request.objects.count() == 1


def test_a_case_of_another_team_is_refused(personas, case, intake, other_team):
    theirs = actions.open_case(team=other_team, by=other_team.member, title="Theirs")
    with pytest.raises(ValidationError) as refused:
        actions.join_request_to_case(intake, theirs, by=personas.member)
    assert "case" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        actions.record_consent(
            other_team.person,
            by=other_team.member,
            case=case,
            purpose=term("consent_purpose", "referral"),
            status="given",
        )
    assert "case" in refused.value.error_dict
    assert Request.objects.get(pk=intake.pk).case is None
    assert not Consent.objects.exists()


def test_the_lead_must_be_in_the_team(personas, case, other_team):
    with pytest.raises(ValidationError) as refused:
        actions.open_case(team=personas.team, by=personas.member, title="x", lead=other_team.member)
    assert "lead" in refused.value.error_dict
    with pytest.raises(ValidationError):
        actions.update_case(case, by=personas.member, lead=other_team.member)
    assert Case.objects.get(pk=case.pk).lead == personas.member


def test_an_action_turned_into_a_referral_needs_consent(personas, case, person):
    action = actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "medical"),
        title="Doctor",
        persons=[person],
    )
    with pytest.raises(ValidationError, match="no recorded consent"):
        actions.update_action(action, by=personas.member, kind=term("action_type", "referral"))
    assert CaseAction.objects.get(pk=action.pk).kind.code == "medical"


def test_verbs_refuse_a_read_only_member(personas, case, person):
    by = personas.read_only
    for call in (
        lambda: actions.add_note(case, by=by, text="x"),
        lambda: actions.plan_action(case, by=by, kind=term("action_type", "shelter"), title="x"),
        lambda: actions.assess_risk(case, by=by, likelihood=1, impact=1, level="low"),
        lambda: actions.add_person_to_case(case, person, by=by),
        lambda: actions.update_case(case, by=by, title="x"),
        lambda: actions.change_status(case, "closed", by=by),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not CaseNote.objects.exists() and not CaseAction.objects.exists()
    assert Case.objects.get(pk=case.pk).status == "intake"


def test_consent_for_skips_a_deleted_consent(personas, case, person):
    consent = actions.record_consent(
        person,
        by=personas.member,
        case=case,
        purpose=term("consent_purpose", "referral"),
        status="given",
    )
    assert actions.consent_for(person, "referral") == consent
    delete_record(consent, by=personas.member)
    assert actions.consent_for(person, "referral") is None


def _filtered(user, **data):
    form = CaseFilterForm(data, user=user)
    return {case.title for case in form.apply(case_list(user))}


def test_case_filter_form_applies_each_filter(personas, case):
    quiet = actions.open_case(team=personas.team, by=personas.member, title="Quiet case")
    actions.change_status(quiet, "closed", by=personas.member)
    actions.assess_risk(case, by=personas.member, likelihood=5, impact=5, level="critical")
    actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "shelter"),
        title="Late",
        due_on=timezone.localdate() - timedelta(days=1),
    )
    actions.plan_action(
        quiet,
        by=personas.member,
        kind=term("action_type", "shelter"),
        title="Late but done",
        status="done",
        due_on=timezone.localdate() - timedelta(days=1),
    )
    user = personas.member
    both = {"Two brothers", "Quiet case"}
    assert {c.title for c in CaseFilterForm(None, user=user).apply(case_list(user))} == both
    assert _filtered(user) == both
    assert _filtered(user, status="closed") == {"Quiet case"}
    assert _filtered(user, risk="critical") == {"Two brothers"}
    assert _filtered(user, overdue="on") == {"Two brothers"}
    assert _filtered(user, team=personas.team.pk, lead=user.pk) == both
    assert _filtered(user, status="nonsense") == set()


def _cases_section(user, person):
    shown = {section.name: context for section, context in sections_for(user, person)}
    return shown.get("cases")


def test_the_person_section_lists_only_cases_the_reader_may_see(personas, case, person):
    gone = actions.open_case(team=personas.team, by=personas.member, title="Gone", persons=[person])
    delete_record(gone, by=personas.member)
    actions.open_case(team=personas.team, by=personas.member, title="Without them")
    for reader in (personas.member, personas.read_only):
        assert _cases_section(reader, person) == {"cases": [case]}
    assert _cases_section(personas.outsider, person) == {"cases": []}
    html = render_to_string(
        "cases/person_section.html", {"section": _cases_section(personas.member, person)}
    )
    assert case.code in html and "Two brothers" in html and "Intake" in html
    assert "Gone" not in html and "Without them" not in html
    empty = render_to_string("cases/person_section.html", {"section": {"cases": []}})
    assert "Not on any case." in empty


def test_the_person_page_lists_their_cases(client, personas, case, person):
    """Through the page itself, as the people app includes the section."""
    from django.urls import reverse

    from conftest import sign_in

    sign_in(client, personas.read_only)
    page = client.get(reverse("people:detail", kwargs={"uuid": person.uuid})).content.decode()
    assert case.code in page
    assert "Not on any case." not in page


def test_a_deleted_person_is_neither_offered_nor_accepted(client, personas, case, person):
    """Deleting a person leaves the case link; the case's forms and verbs skip them."""
    from django.core.exceptions import ValidationError
    from django.urls import reverse

    from conftest import sign_in
    from haven.cases.models import Consent
    from haven.people.actions import remove_person
    from haven.tests.helpers import post_form
    from haven.vocab.models import term

    remove_person(person, by=personas.member)
    sign_in(client, personas.member)
    url = reverse("cases:consent_new", kwargs={"uuid": case.uuid})
    assert person.code not in client.get(url).content.decode()
    response = post_form(
        client,
        url,
        {
            "person": person.pk,
            "purpose": term("consent_purpose", "legal_action").pk,
            "status": "given",
            "given_on": "2026-11-01",
        },
    )
    assert response.status_code == 400
    assert not Consent.objects.filter(person=person).exists()
    with pytest.raises(ValidationError):
        actions.record_consent(
            person,
            by=personas.member,
            case=case,
            purpose=term("consent_purpose", "legal_action"),
            status="given",
        )
    with pytest.raises(ValidationError):
        actions.add_person_to_case(case, person, by=personas.member)


def test_the_case_page_lists_its_incidents(client, personas, case):
    from django.urls import reverse

    from conftest import sign_in
    from haven.incidents import actions as incidents
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.records.actions import delete_record

    by = personas.member
    linked = incidents.record_incident(
        team=personas.team, by=by, title="Detention in Grozny", start=FuzzyDate.parse("2020-04")
    )
    gone = incidents.record_incident(
        team=personas.team, by=by, title="Later threat", start=FuzzyDate.parse("2021-07")
    )
    for incident in (linked, gone):
        incidents.link_case(incident, case, by=by)
    delete_record(gone, by=by)
    sign_in(client, personas.read_only)
    page = client.get(reverse("cases:detail", kwargs={"uuid": case.uuid})).content.decode()
    assert linked.code in page and "Detention in Grozny" in page
    assert gone.code not in page
