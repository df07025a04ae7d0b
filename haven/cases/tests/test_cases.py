"""Protection cases: access by persona, the workflow, and bad input refused cleanly."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import actions
from haven.cases.models import Case, CaseAction, Consent, Request, RiskAssessment
from haven.records.models import RecordVersion
from haven.tests.access import check_access
from haven.tests.helpers import (
    CREATORS,
    EVERYONE,
    NOT_THEIRS,
    READERS,
    WRITERS,
    post_form,
)
from haven.vocab.models import term


def url(name, case=None, **kwargs):
    if case is not None:
        kwargs["uuid"] = case.uuid
    return reverse(name, kwargs=kwargs)


def test_case_pages_by_persona(personas, case, petition, intake):
    check_access(personas, "cases:detail", url("cases:detail", case), READERS)
    for name in (
        "cases:edit",
        "cases:risk_new",
        "cases:action_new",
        "cases:petition_new",
        "cases:consent_new",
    ):
        check_access(personas, name, url(name, case), WRITERS)
    check_access(
        personas, "cases:action_edit", url("cases:action_edit", case, action=petition.uuid), WRITERS
    )
    check_access(
        personas, "cases:decision", url("cases:decision", case, action=petition.uuid), WRITERS
    )
    for name in ("cases:status", "cases:add_person", "cases:note_new"):
        check_access(personas, name, url(name, case), {"member": 405, "read_only": 405})
        check_access(
            personas, name, url(name, case), {"read_only": 403, **NOT_THEIRS}, method="post"
        )
    check_access(personas, "cases:request_detail", url("cases:request_detail", intake), READERS)
    for name in ("cases:request_convert", "cases:request_join"):
        check_access(
            personas, name, url(name, intake), {"read_only": 403, **NOT_THEIRS}, method="post"
        )


def test_list_pages_by_persona(personas, case):
    check_access(personas, "cases:list", url("cases:list"), EVERYONE)
    check_access(personas, "cases:requests", url("cases:requests"), EVERYONE)
    check_access(personas, "cases:new", url("cases:new"), CREATORS)
    check_access(personas, "cases:request_new", url("cases:request_new"), CREATORS)


def test_lists_show_only_the_teams_cases(client, personas, case):
    sign_in(client, personas.outsider)
    assert "Two brothers" not in client.get(url("cases:list")).content.decode()
    sign_in(client, personas.member)
    assert "Two brothers" in client.get(url("cases:list")).content.decode()


def test_request_becomes_a_case(client, personas, intake, person):
    sign_in(client, personas.member)
    response = client.post(url("cases:request_convert", intake), {"title": "New case"})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.case.title == "New case"
    assert list(intake.case.persons.all()) == [person]
    again = client.post(url("cases:request_convert", intake), {"title": "Again"})
    assert again.status_code == 302
    assert Case.objects.count() == 1


def test_request_joins_an_existing_case(client, personas, case, intake):
    sign_in(client, personas.member)
    response = client.post(url("cases:request_join", intake), {"case": case.pk})
    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.case == case


def test_new_request_and_case_through_pages(client, personas, person):
    sign_in(client, personas.member)
    data = {
        "team": personas.team.pk,
        "channel": term("channel", "hotline").pk,
        "received_at": "2026-11-01T10:00",
        "summary": "Call from a mother.",
        "urgency": "urgent",
    }
    assert post_form(client, url("cases:request_new"), data).status_code == 302
    intake = Request.objects.get()
    assert intake.requester is None and intake.summary == "Call from a mother."
    response = post_form(
        client,
        url("cases:new"),
        {
            "team": personas.team.pk,
            "title": "A mother's son",
            "lead": personas.member.pk,
            "opened_on": "2026-11-02",
            "persons": [person.pk],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.title, case.opened_on) == ("A mother's son", date(2026, 11, 2))
    assert list(case.persons.all()) == [person]


def test_risk_assessment_sets_case_level(client, personas, case):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:risk_new", case),
        {
            "assessed_on": "2021-02-05",
            "threat_sources": [term("threat_source", "family").pk],
            "threat_types": [term("threat_type", "honour_killing").pk],
            "likelihood": 5,
            "impact": 5,
            "level": "critical",
            "narrative": "Relatives threaten.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.risk_level == "critical"
    assessment = RiskAssessment.objects.get()
    assert [t.code for t in assessment.threat_types.all()] == ["honour_killing"]


def test_risk_assessment_rejects_out_of_range(client, personas, case):
    sign_in(client, personas.member)
    response = client.post(
        url("cases:risk_new", case),
        {
            "assessed_on": "2021-02-05",
            "likelihood": 9,
            "impact": 0,
            "level": "critical",
        },
    )
    assert response.status_code == 400
    assert not RiskAssessment.objects.exists()


def test_petition_without_authority_is_refused(client, personas, case):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:petition_new", case),
        {
            "title": "Complaint",
            "petition_type": term("petition_type", "appeal").pk,
        },
    )
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not CaseAction.objects.exists()
    with pytest.raises(ValidationError, match="authority"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "petition"),
            title="x",
            petition_type=term("petition_type", "appeal"),
        )
    assert not CaseAction.objects.exists()


def test_decision_before_filing_is_refused(client, personas, case, petition):
    sign_in(client, personas.member)
    response = client.post(
        url("cases:decision", case, action=petition.uuid),
        {
            "decision": "granted",
            "decision_on": "2021-01-01",
            "measures": "",
        },
    )
    assert response.status_code == 400
    assert "before the filing date" in response.content.decode()
    petition.refresh_from_db()
    assert petition.decision == "pending" and petition.decision_on is None


def test_decision_is_recorded(client, personas, case, petition):
    sign_in(client, personas.member)
    response = client.post(
        url("cases:decision", case, action=petition.uuid),
        {
            "decision": "granted",
            "decision_on": "2021-03-18",
            "measures": "unclear",
            "next_deadline": "",
        },
    )
    assert response.status_code == 302
    petition = CaseAction.objects.get(pk=petition.pk)
    assert (petition.decision, petition.status, petition.measures) == ("granted", "done", "unclear")


def test_consent_expiring_before_given_is_refused(client, personas, case, person):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:consent_new", case),
        {
            "person": person.pk,
            "purpose": term("consent_purpose", "referral").pk,
            "status": "given",
            "given_on": "2026-05-01",
            "expires_on": "2026-04-01",
        },
    )
    assert response.status_code == 400
    assert "expire before it was given" in response.content.decode()
    assert not Consent.objects.exists()


def test_action_for_a_person_not_on_the_case_is_refused(personas, case):
    from haven.people.actions import add_person

    stranger = add_person(team=personas.team, by=personas.member, name="Stranger")
    with pytest.raises(ValidationError, match="not on the case"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "medical"),
            title="Doctor",
            persons=[stranger],
        )
    assert not CaseAction.objects.exists()


def test_referral_needs_consent(personas, case, person):
    referral = term("action_type", "referral")
    with pytest.raises(ValidationError, match="no recorded consent"):
        actions.plan_action(
            case, by=personas.member, kind=referral, title="Refer", persons=[person]
        )
    actions.record_consent(
        person,
        by=personas.member,
        case=case,
        status="given",
        purpose=term("consent_purpose", "referral"),
        given_on=date(2020, 1, 1),
        expires_on=date(2020, 12, 31),
    )
    with pytest.raises(ValidationError, match="expired"):
        actions.plan_action(
            case, by=personas.member, kind=referral, title="Refer", persons=[person]
        )
    actions.record_consent(
        person,
        by=personas.member,
        case=case,
        status="given",
        purpose=term("consent_purpose", "referral"),
        given_on=timezone.localdate(),
    )
    actions.plan_action(case, by=personas.member, kind=referral, title="Refer", persons=[person])
    assert CaseAction.objects.count() == 1


def test_referral_page_shows_the_missing_consent(client, personas, case, person):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:action_new", case),
        {
            "kind": term("action_type", "referral").pk,
            "title": "Refer to shelter",
            "persons": [str(person.uuid)],
            "status": "planned",
        },
    )
    assert response.status_code == 400
    assert "no recorded consent" in response.content.decode()


def test_unknown_vocabulary_code_is_refused(client, personas, case):
    sign_in(client, personas.member)
    wrong = term("threat_type", "abduction")  # a term, but not an action type
    response = post_form(
        client,
        url("cases:action_new", case),
        {
            "kind": wrong.pk,
            "title": "x",
            "status": "planned",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_case_page_has_a_timeline(client, personas, case, petition, intake):
    actions.join_request_to_case(intake, case, by=personas.member)
    actions.record_decision(
        petition, by=personas.member, decision="granted", decision_on=date(2021, 3, 18)
    )
    actions.add_note(case, by=personas.member, text="Follow up in writing.")
    sign_in(client, personas.read_only)
    html = client.get(url("cases:detail", case)).content.decode()
    assert 'data-testid="timeline"' in html
    for kind in ("ev-request", "ev-petition", "ev-decision", "ev-note", "ev-status"):
        assert f"ev {kind}" in html
    assert "Follow up in writing." in html


def test_status_change_is_kept_in_history(client, personas, case):
    sign_in(client, personas.member)
    assert client.post(url("cases:status", case), {"status": "monitoring"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "monitoring"
    versions = RecordVersion.objects.filter(object_type="cases.case", object_uuid=case.uuid)
    first, last = versions.order_by("number")
    assert first.snapshot["status"] == "intake"
    assert (last.change, last.changed_fields, last.changed_by) == (
        RecordVersion.Change.UPDATED,
        ["status", "status_since"],
        personas.member,
    )
    assert last.snapshot["status"] == "monitoring"
    bad = client.post(url("cases:status", case), {"status": "lost"})
    assert bad.status_code == 400
    assert versions.count() == 2


def test_dashboard_lists_my_work(client, personas, case, petition):
    actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "shelter"),
        title="Find a flat",
        owner=personas.member,
        due_on=timezone.localdate() - timedelta(days=2),
    )
    sign_in(client, personas.member)
    html = client.get(reverse("web:home")).content.decode()
    assert "Two brothers" in html  # my open case
    assert "Find a flat" in html and "overdue" in html
    assert "State protection" in html  # awaiting a decision
    sign_in(client, personas.outsider)
    html = client.get(reverse("web:home")).content.decode()
    assert "Two brothers" not in html and "Find a flat" not in html


def test_case_filters(client, personas, case):
    other = actions.open_case(team=personas.team, by=personas.member, title="Quiet case")
    actions.change_status(other, "closed", by=personas.member)
    actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "shelter"),
        title="Late",
        due_on=timezone.localdate() - timedelta(days=1),
    )
    sign_in(client, personas.member)
    html = client.get(url("cases:list"), {"status": "closed"}).content.decode()
    assert "Quiet case" in html and "Two brothers" not in html
    html = client.get(url("cases:list"), {"overdue": "on"}).content.decode()
    assert "Two brothers" in html and "Quiet case" not in html
    assert client.get(url("cases:list"), {"status": "nonsense"}).status_code == 400


def _case_with_work(personas, person, n):
    case = actions.open_case(
        team=personas.team, by=personas.member, title=f"Case {n}", persons=[person]
    )
    actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "shelter"),
        title="x",
        owner=personas.member,
        due_on=timezone.localdate(),
    )
    actions.record_request(
        team=personas.team,
        by=personas.member,
        channel=term("channel", "hotline"),
        requester=person,
        summary=f"Call {n}",
    )


def test_list_pages_do_not_grow_queries(client, personas, person):
    """A list page of 15 rows asks the database as often as one of 1 row."""
    sign_in(client, personas.member)
    pages = ("cases:list", "cases:requests", "web:home")

    def count_queries():
        counts = {}
        for name in pages:
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(name)).status_code == 200
            counts[name] = len(queries)
        return counts

    _case_with_work(personas, person, 0)
    one = count_queries()
    for n in range(1, 15):
        _case_with_work(personas, person, n)
    assert count_queries() == one


def test_demo_story_loads(db, personas):
    from haven.cases.demo import load_demo

    team = load_demo(personas.administrator, extra_cases=3, extra_incidents=3)
    story = next(
        c for c in Case.objects.filter(team=team) if c.title == "Two young men from Grozny"
    )
    petition = story.actions.get(kind__code="petition")
    assert petition.decision == "granted"
    assert story.persons.count() == 2
    assert Case.objects.filter(team=team).count() >= 3
    # Its timeline is the story's, not the day it was loaded.
    from haven.cases.timeline import case_events

    statuses = [(e.label, e.day) for e in case_events(story) if e.kind == "status"]
    assert statuses == [
        ("Intake", date(2020, 4, 28)),
        ("Active", date(2020, 4, 29)),
        ("Monitoring", date(2020, 9, 1)),
        ("Active", date(2021, 2, 4)),
    ]
    assert all(e.day < date(2021, 4, 1) for e in case_events(story) if e.kind != "action")
    with pytest.raises(ValueError, match="already loaded"):
        load_demo(personas.administrator, extra_cases=0)
