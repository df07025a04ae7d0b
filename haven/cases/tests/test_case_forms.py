"""The cases pages' forms: a create sent twice saves once, an action is found only under
its case, an edit goes through its form and the verb's refusals."""

import pytest
from django.core.exceptions import ValidationError

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions
from haven.cases.models import Case, CaseAction, Consent, Request, RiskAssessment
from haven.cases.tests.test_cases import url
from haven.records.actions import delete_record
from haven.records.models import RecordVersion
from haven.tests.helpers import once_token, post_form
from haven.vocab.models import term
from haven.web import once


def _create_forms(personas, case, person):
    """Each create form of the cases pages: its URL, the page its token comes from, valid
    data and the records it creates."""
    case_page = url("cases:detail", case)
    return {
        "cases:new": (
            url("cases:new"),
            None,
            {"team": personas.team.pk, "title": "New", "opened_on": "2026-01-05"},
            Case.objects,
        ),
        "cases:request_new": (
            url("cases:request_new"),
            None,
            {
                "team": personas.team.pk,
                "channel": term("channel", "hotline").pk,
                "received_at": "2026-11-01T10:00",
                "summary": "Call",
                "urgency": "urgent",
            },
            Request.objects,
        ),
        "cases:risk_new": (
            url("cases:risk_new", case),
            None,
            {
                "assessed_on": "2021-02-05",
                "threat_sources": [term("threat_source", "family").pk],
                "threat_types": [term("threat_type", "honour_killing").pk],
                "likelihood": 4,
                "impact": 5,
                "level": "high",
            },
            RiskAssessment.objects,
        ),
        "cases:action_new": (
            url("cases:action_new", case),
            None,
            {"kind": term("action_type", "shelter").pk, "title": "Flat", "status": "planned"},
            CaseAction.objects,
        ),
        "cases:petition_new": (
            url("cases:petition_new", case),
            None,
            {
                "title": "Complaint",
                "authority": term("authority", "ic_chechnya").pk,
                "petition_type": term("petition_type", "appeal").pk,
            },
            CaseAction.objects,
        ),
        "cases:consent_new": (
            url("cases:consent_new", case),
            None,
            {
                "person": person.pk,
                "purpose": term("consent_purpose", "referral").pk,
                "status": "given",
                "given_on": "2026-05-01",
            },
            Consent.objects,
        ),
        "cases:note_new": (url("cases:note_new", case), case_page, {"text": "Call back"}, None),
    }


@pytest.mark.parametrize(
    "route",
    [
        "cases:new",
        "cases:request_new",
        "cases:risk_new",
        "cases:action_new",
        "cases:petition_new",
        "cases:consent_new",
        "cases:note_new",
    ],
)
def test_a_create_form_sent_twice_saves_once(client, personas, case, person, route):
    from haven.cases.models import CaseNote

    page_url, token_from, data, records = _create_forms(personas, case, person)[route]
    records = records if records is not None else CaseNote.objects
    before = records.count()
    sign_in(client, personas.member)
    token = once_token(client.get(token_from or page_url))
    first = client.post(page_url, {**data, once.FIELD: token})
    assert first.status_code == 302, first.content.decode()[:2000]
    assert records.count() == before + 1
    again = client.post(page_url, {**data, once.FIELD: token}, follow=True)
    assert "already sent" in again.content.decode()
    assert records.count() == before + 1


def _denials():
    return AuditEntry.objects.filter(action="access.denied").count()


@pytest.mark.parametrize("route", ["cases:action_edit", "cases:decision"])
def test_an_action_of_another_case_is_not_found_and_audited(client, personas, case, route):
    other = actions.open_case(team=personas.team, by=personas.member, title="Other")
    theirs = actions.plan_action(
        other,
        by=personas.member,
        kind=term("action_type", "petition"),
        title="Their petition",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "appeal"),
    )
    sign_in(client, personas.member)
    assert client.get(url(route, other, action=theirs.uuid)).status_code == 200
    before = _denials()
    assert client.get(url(route, case, action=theirs.uuid)).status_code == 404
    assert _denials() == before + 1


@pytest.mark.parametrize("route", ["cases:action_edit", "cases:decision"])
def test_a_deleted_action_is_not_found_and_audited(client, personas, case, petition, route):
    delete_record(petition, by=personas.member)
    sign_in(client, personas.member)
    before = _denials()
    response = client.post(
        url(route, case, action=petition.uuid),
        {"decision": "granted", "decision_on": "2021-03-18", "title": "x"},
    )
    assert response.status_code == 404
    assert _denials() == before + 1
    assert CaseAction.objects.get(pk=petition.pk).decision == "pending"


def test_an_action_is_edited_through_its_form(client, personas, case, person):
    action = actions.plan_action(
        case, by=personas.member, kind=term("action_type", "shelter"), title="Find a flat"
    )
    sign_in(client, personas.member)
    page = client.get(url("cases:action_edit", case, action=action.uuid)).content.decode()
    assert 'value="Find a flat"' in page  # the form starts from the action
    response = post_form(
        client,
        url("cases:action_edit", case, action=action.uuid),
        {
            "kind": term("action_type", "shelter").pk,
            "title": "Flat found",
            "persons": [str(person.uuid)],
            "status": "done",
            "outcome": "Moved in.",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.status) == ("Flat found", "done")
    assert list(action.persons.all()) == [person]
    last = RecordVersion.objects.filter(object_uuid=action.uuid).order_by("number").last()
    assert last.changed_by == personas.member


def test_an_edit_refused_by_the_verb_changes_nothing(client, personas, case, petition):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:action_edit", case, action=petition.uuid),
        {
            "title": "Renamed",
            "authority": term("authority", "ic_chechnya").pk,
            "petition_type": term("petition_type", "state_protection").pk,
            "filed_on": "2021-02-12",
        },
    )
    assert response.status_code == 302
    # A decision date before the filing: the verb's error lands on the form.
    response = client.post(
        url("cases:decision", case, action=petition.uuid),
        {"decision": "granted", "decision_on": "2021-01-01"},
    )
    assert response.status_code == 400
    petition = CaseAction.objects.get(pk=petition.pk)
    assert (petition.title, petition.decision_on) == ("Renamed", None)


def test_one_petition_is_filed_for_both_people_of_a_case(client, personas, case, person):
    """The petition for state protection is one document for both men, not one each."""
    from haven.people.actions import add_person

    other = add_person(team=personas.team, by=personas.member, name="Исмаил Исаев")
    actions.add_person_to_case(case, other, by=personas.member)
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:petition_new", case),
        {
            "title": "Request for state protection",
            "persons": [str(person.uuid), str(other.uuid)],
            "authority": term("authority", "ic_chechnya").pk,
            "petition_type": term("petition_type", "state_protection").pk,
            "filed_on": "2021-03-10",
        },
    )
    assert response.status_code == 302
    petition = CaseAction.objects.get()
    assert set(petition.persons.all()) == {person, other}
    page = client.get(url("cases:detail", case)).content.decode()
    assert f"{person.code}, {other.code}" in page or f"{other.code}, {person.code}" in page
    edit = post_form(
        client,
        url("cases:action_edit", case, action=petition.uuid),
        {
            "title": "Request for state protection",
            "persons": [str(other.uuid)],
            "authority": term("authority", "ic_chechnya").pk,
            "petition_type": term("petition_type", "state_protection").pk,
            "filed_on": "2021-03-10",
        },
    )
    assert edit.status_code == 302
    assert list(CaseAction.objects.get().persons.all()) == [other]
    assert AuditEntry.objects.filter(
        action="cases.caseaction.updated", summary=f"for whom: {other.code}"
    ).exists()


def test_an_action_for_someone_not_on_the_case_is_refused(client, personas, case):
    from haven.people.actions import add_person

    stranger = add_person(team=personas.team, by=personas.member, name="Stranger")
    with pytest.raises(ValidationError, match="not on the case"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "shelter"),
            title="x",
            persons=[stranger],
        )
    assert not CaseAction.objects.exists()
