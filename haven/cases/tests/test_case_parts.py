"""A case's parts: the timeline places them when they happened; risk assessments,
consent and notes are edited and removed, a person taken off the case, each by the
case's writers only, softly and on the record; the case page lists its sources."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions, selectors
from haven.cases.models import Case, CaseAction, CaseNote, CasePerson, Consent, RiskAssessment
from haven.cases.tests import parts
from haven.cases.tests.test_cases import url
from haven.cases.timeline import case_events
from haven.lib.fuzzy_dates import FuzzyDate
from haven.records.models import RecordVersion
from haven.tests.helpers import post_form
from haven.vocab.models import term

# --- when things happened ---------------------------------------------------------------------


def _events(case, kind):
    return [event for event in case_events(case) if event.kind == kind]


def test_a_done_action_stands_on_the_timeline_when_it_was_done(client, personas, case):
    action = actions.plan_action(
        case, by=personas.member, kind=term("action_type", "evacuation"), title="Evacuation"
    )
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:action_edit", case, action=action.uuid),
        {
            "kind": term("action_type", "evacuation").pk,
            "title": "Evacuation",
            "status": "done",
            "done": "summer 2021",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done == FuzzyDate.of_season("summer", 2021)
    (event,) = _events(case, "action")
    assert event.day == date(2021, 6, 1)
    assert event.entered == timezone.localdate()
    page = client.get(url("cases:detail", case)).content.decode()
    assert "summer 2021" in page and "(entered" in page
    # The edit page shows it back as typed.
    edit = client.get(url("cases:action_edit", case, action=action.uuid)).content.decode()
    assert 'value="summer 2021"' in edit


def test_an_action_marked_done_without_a_date_was_done_today(personas, case):
    action = actions.plan_action(
        case, by=personas.member, kind=term("action_type", "shelter"), title="Flat"
    )
    assert action.done is None
    actions.update_action(action, by=personas.member, status="done")
    assert CaseAction.objects.get(pk=action.pk).done == FuzzyDate.of_day(timezone.localdate())


def test_a_bad_done_date_says_what_works_and_changes_nothing(client, personas, case):
    action = actions.plan_action(
        case, by=personas.member, kind=term("action_type", "shelter"), title="Flat"
    )
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:action_edit", case, action=action.uuid),
        {
            "kind": term("action_type", "shelter").pk,
            "title": "Flat",
            "status": "done",
            "done": "sometime",
        },
    )
    assert response.status_code == 400
    assert "Write a date like" in response.content.decode()
    assert CaseAction.objects.get(pk=action.pk).status == "planned"


def test_a_note_stands_on_the_day_it_tells_of(client, personas, case):
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:note_new", case),
        {"text": "Relatives came to the shelter.", "happened_on": "2021-03-02"},
        token_from=url("cases:detail", case),
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(case=case)
    assert (note.happened_on, note.author) == (date(2021, 3, 2), personas.member)
    (event,) = _events(case, "note")
    assert (event.day, event.entered) == (date(2021, 3, 2), timezone.localdate())
    # Without a date it happened today.
    actions.add_note(case, by=personas.member, text="Called.")
    assert CaseNote.objects.latest("created_at").happened_on == timezone.localdate()


def test_a_status_change_stands_on_the_day_it_took_effect(client, personas):
    case = actions.open_case(
        team=personas.team, by=personas.member, title="Late entry", opened_on=date(2021, 1, 10)
    )
    sign_in(client, personas.member)
    response = client.post(url("cases:status", case), {"status": "active", "since": "2021-02-01"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.status_since) == ("active", date(2021, 2, 1))
    days = [(event.label, event.day) for event in _events(case, "status")]
    assert days == [("Intake", date(2021, 1, 10)), ("Active", date(2021, 2, 1))]
    # Before the case was opened: refused, nothing changed.
    response = client.post(url("cases:status", case), {"status": "closed", "since": "2020-01-01"})
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).status == "active"
    # Without a date: today.
    actions.change_status(case, "monitoring", by=personas.member)
    assert Case.objects.get(pk=case.pk).status_since == timezone.localdate()


def test_the_timeline_is_in_the_order_things_happened(personas, case, petition):
    by = personas.member
    late = actions.plan_action(
        case,
        by=by,
        kind=term("action_type", "shelter"),
        title="Shelter",
        status="done",
        done=FuzzyDate.parse("2021-03-01"),
    )
    actions.add_note(case, by=by, text="Detained", happened_on=date(2020, 4, 10))
    labels = [
        event.label for event in case_events(case) if event.kind in ("note", "action", "petition")
    ]
    assert labels == ["Detained", petition.title, late.title]


# --- a petition's deadline after its decision ----------------------------------------------


def test_a_decided_petition_no_longer_shows_its_old_deadline(client, personas, case, petition):
    soon = timezone.localdate() + timedelta(days=5)
    actions.update_action(petition, by=personas.member, next_deadline=soon)
    sign_in(client, personas.member)
    assert petition.title in str(selectors.dashboard_context(personas.member)["deadlines"][0].title)
    decision_url = url("cases:decision", case, action=petition.uuid)
    page = client.get(decision_url).content.decode()
    assert soon.isoformat() not in page  # the old deadline is not offered back
    response = post_form(
        client,
        decision_url,
        {
            "decision": "granted",
            "decision_on": timezone.localdate().isoformat(),
            "measures": "State protection",
        },
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.next_deadline is None
    assert petition.done == FuzzyDate.of_day(timezone.localdate())
    assert selectors.dashboard_context(personas.member)["deadlines"] == []
    home = client.get("/").content.decode()
    assert "No deadlines." in home


def test_a_deadline_a_decision_answered_is_closed_everywhere(client, personas, case, petition):
    """A petition decided before this rule (its old deadline kept) shows it closed."""
    today = timezone.localdate()
    CaseAction.objects.filter(pk=petition.pk).update(
        decision="granted", decision_on=today, next_deadline=today, status="done"
    )
    petition.refresh_from_db()
    assert petition.open_deadline is None
    assert selectors.dashboard_context(personas.member)["deadlines"] == []
    sign_in(client, personas.member)
    page = client.get(url("cases:detail", case)).content.decode()
    assert "<td>—</td>\n  </tr>" in page  # the petition's "next deadline" cell


def test_a_deadline_before_its_decision_is_refused(personas, case, petition):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        actions.record_decision(
            petition,
            by=personas.member,
            decision="granted",
            decision_on=date(2021, 3, 18),
            next_deadline=date(2021, 3, 1),
        )
    assert "next_deadline" in refused.value.message_dict
    assert CaseAction.objects.get(pk=petition.pk).decision == "pending"
    # A deadline that follows from the decision (an appeal) stays.
    actions.record_decision(
        petition,
        by=personas.member,
        decision="refused",
        decision_on=date(2021, 3, 18),
        next_deadline=date(2021, 4, 18),
    )
    assert CaseAction.objects.get(pk=petition.pk).open_deadline == date(2021, 4, 18)


# --- editing and removing the case's parts -------------------------------------------------


def _audited(action, record) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(record.uuid)).exists()


def test_a_risk_assessment_is_edited_and_the_case_level_follows(client, personas, case):
    assessment = parts.assessment(case)
    assert Case.objects.get(pk=case.pk).risk_level == "high"
    sign_in(client, personas.member)
    edit = url("cases:risk_edit", case, assessment=assessment.uuid)
    assert 'name="likelihood" value="3"' in client.get(edit).content.decode()
    response = post_form(
        client,
        edit,
        {
            "assessed_on": "2021-02-05",
            "threat_sources": [term("threat_source", "family").pk],
            "threat_types": [term("threat_type", "honour_killing").pk],
            "likelihood": 5,
            "impact": 5,
            "level": "critical",
            "narrative": "Relatives threaten openly.",
        },
    )
    assert response.status_code == 302
    assessment = RiskAssessment.objects.get(pk=assessment.pk)
    assert (assessment.level, assessment.narrative) == ("critical", "Relatives threaten openly.")
    assert [t.code for t in assessment.threat_types.all()] == ["honour_killing"]
    assert Case.objects.get(pk=case.pk).risk_level == "critical"
    assert _audited("cases.riskassessment.updated", assessment)


def test_a_risk_assessment_is_removed_after_asking(client, personas, case):
    older = actions.assess_risk(
        case,
        by=personas.member,
        likelihood=2,
        impact=2,
        level="low",
        assessed_on=date(2020, 5, 1),
    )
    newer = parts.assessment(case)
    sign_in(client, personas.member)
    remove = url("cases:risk_delete", case, assessment=newer.uuid)
    page = client.get(remove)
    assert page.status_code == 200 and "history keeps it" in page.content.decode()
    assert RiskAssessment.objects.get(pk=newer.pk).deleted_at is None  # asking removes nothing
    assert client.post(remove).status_code == 302
    assert RiskAssessment.objects.get(pk=newer.pk).deleted_at is not None
    assert RecordVersion.objects.filter(object_uuid=newer.uuid, change="deleted").exists()
    assert _audited("cases.riskassessment.deleted", newer)
    # The case's level is the newest one left.
    assert Case.objects.get(pk=case.pk).risk_level == older.level
    assert client.get(remove).status_code == 404
    actions.remove_assessment(older, by=personas.member)
    assert Case.objects.get(pk=case.pk).risk_level == ""


def test_consent_is_edited_and_removed(client, personas, case, person):
    consent = parts.consent(case, person)
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:consent_edit", case, consent=consent.uuid),
        {
            "person": person.pk,
            "purpose": term("consent_purpose", "referral").pk,
            "status": "withdrawn",
            "given_on": "2021-06-01",
            "note": "Withdrawn by phone.",
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get(pk=consent.pk)
    assert (consent.status, consent.note) == ("withdrawn", "Withdrawn by phone.")
    assert client.post(url("cases:consent_delete", case, consent=consent.uuid)).status_code == 302
    assert Consent.objects.get(pk=consent.pk).deleted_at is not None
    assert actions.consent_for(person, "referral") is None  # no longer counts
    assert _audited("cases.consent.deleted", consent)
    page = client.get(url("cases:detail", case)).content.decode()
    assert "Withdrawn by phone." not in page and "No consent recorded." in page


def test_a_note_is_edited_and_removed(client, personas, case):
    note = parts.note(case)
    sign_in(client, personas.member)
    response = post_form(
        client,
        url("cases:note_edit", case, note=note.uuid),
        {"text": "Called back on Monday.", "happened_on": "2021-07-05"},
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(pk=note.pk)
    assert (note.text, note.happened_on, note.author) == (
        "Called back on Monday.",
        date(2021, 7, 5),
        personas.member,
    )
    assert client.post(url("cases:note_delete", case, note=note.uuid)).status_code == 302
    assert CaseNote.objects.get(pk=note.pk).deleted_at is not None
    assert RecordVersion.objects.filter(object_uuid=note.uuid, change="deleted").exists()
    assert "Called back on Monday." not in client.get(url("cases:detail", case)).content.decode()


def test_a_stale_note_edit_is_refused(client, personas, case):
    note = parts.note(case)
    sign_in(client, personas.member)
    edit = url("cases:note_edit", case, note=note.uuid)
    from haven.tests.helpers import form_version

    seen = form_version(client.get(edit))
    actions.update_note(note, by=personas.member, text="Someone else's words.")
    response = client.post(edit, {"text": "Mine.", **seen})
    assert response.status_code == 409
    assert CaseNote.objects.get(pk=note.pk).text == "Someone else's words."


def test_a_person_is_removed_from_the_case(client, personas, case, person):
    sign_in(client, personas.member)
    remove = url("cases:person_remove", case, person=person.uuid)
    assert person.name in client.get(remove).content.decode()
    assert client.post(remove).status_code == 302
    link = CasePerson.objects.get(case=case, person=person)
    assert (link.removed_by, link.removed_at is not None) == (personas.member, True)
    assert list(case.current_persons()) == []
    assert selectors.person_cases(personas.member, person) == []
    assert AuditEntry.objects.filter(
        action="cases.case.person_removed", object_id=str(case.uuid)
    ).exists()
    assert client.get(remove).status_code == 404  # not on the case any more
    page = client.get(url("cases:detail", case)).content.decode()
    facts = page.split("Taken off the case")[1].split("</dd>")[0]
    assert person.code in facts and personas.member.display_name in facts
    # An action for them is refused now; adding them back works.
    with pytest.raises(Exception, match="not on the case"):
        actions.plan_action(
            case,
            by=personas.member,
            kind=term("action_type", "shelter"),
            title="x",
            persons=[person],
        )
    actions.add_person_to_case(case, person, by=personas.member)
    assert list(case.current_persons()) == [person]


@pytest.mark.parametrize("route", ["risk", "consent", "note", "person"])
def test_removal_is_refused_to_readers_and_outsiders(client, personas, case, person, route):
    target = {
        "risk": ("cases:risk_delete", "assessment", lambda: parts.assessment(case)),
        "consent": ("cases:consent_delete", "consent", lambda: parts.consent(case, person)),
        "note": ("cases:note_delete", "note", lambda: parts.note(case)),
        "person": ("cases:person_remove", "person", lambda: person),
    }[route]
    name, key, make = target
    record = make()
    address = url(name, case, **{key: record.uuid})
    for persona, status in (("read_only", 403), ("outsider", 404), ("administrator", 404)):
        sign_in(client, getattr(personas, persona))
        assert client.post(address).status_code == status, persona
    assert list(case.current_persons()) == [person]
    if route != "person":
        assert type(record).objects.get(pk=record.pk).deleted_at is None


def test_a_part_of_another_case_is_not_found(client, personas, case):
    other = actions.open_case(team=personas.team, by=personas.member, title="Other")
    note = parts.note(other)
    sign_in(client, personas.member)
    assert client.get(url("cases:note_edit", other, note=note.uuid)).status_code == 200
    assert client.get(url("cases:note_edit", case, note=note.uuid)).status_code == 404
    assert client.post(url("cases:note_delete", case, note=note.uuid)).status_code == 404
    assert CaseNote.objects.get(pk=note.pk).deleted_at is None


def test_edit_and_remove_links_are_shown_only_to_writers(client, personas, case, person, petition):
    parts.assessment(case), parts.consent(case, person), parts.note(case)
    sign_in(client, personas.member)
    page = client.get(url("cases:detail", case)).content.decode()
    for piece in ("/risk/", "/consents/", "/notes/", f"/persons/{person.uuid}/remove/"):
        assert piece in page, piece
    assert page.count("/remove/") == 4 + 1  # and the petition's
    sign_in(client, personas.read_only)
    page = client.get(url("cases:detail", case)).content.decode()
    assert "/remove/" not in page and "/edit/" not in page


# --- what the case page lists --------------------------------------------------------------


def test_the_case_page_lists_its_sources_through_its_incidents(client, personas, case, petition):
    from haven.incidents import actions as incidents
    from haven.records.actions import delete_record
    from haven.sources import actions as sources

    by = personas.member
    incident = incidents.record_incident(
        team=personas.team, by=by, title="Detention", start=FuzzyDate.parse("2020-04")
    )
    incidents.link_case(incident, case, by=by)
    elsewhere = incidents.record_incident(
        team=personas.team, by=by, title="Elsewhere", start=FuzzyDate.parse("2020-05")
    )
    cited = sources.add_source(team=personas.team, by=by, kind="media", title="News report")
    gone = sources.add_source(team=personas.team, by=by, kind="testimony", title="Withdrawn")
    other = sources.add_source(team=personas.team, by=by, kind="testimony", title="Unrelated")
    for source, where in ((cited, incident), (gone, incident), (other, elsewhere)):
        incidents.cite_source(
            where, source, by=by, connection="media", reliability="B", credibility="2"
        )
    delete_record(gone, by=by)
    sign_in(client, personas.read_only)
    page = client.get(url("cases:detail", case)).content.decode()
    assert cited.code in page and "News report" in page and incident.code in page
    assert gone.code not in page and other.code not in page
    assert petition.title in page  # and its petitions


def test_a_petition_is_removed_after_asking(client, personas, case, petition):
    soon = timezone.localdate() + timedelta(days=3)
    actions.update_action(petition, by=personas.member, next_deadline=soon)
    sign_in(client, personas.read_only)
    remove = url("cases:action_delete", case, action=petition.uuid)
    assert client.post(remove).status_code == 403
    sign_in(client, personas.member)
    assert "history keeps it" in client.get(remove).content.decode()
    assert CaseAction.objects.get(pk=petition.pk).deleted_at is None
    assert client.post(remove).status_code == 302
    assert CaseAction.objects.get(pk=petition.pk).deleted_at is not None
    assert _audited("cases.caseaction.deleted", petition)
    assert selectors.dashboard_context(personas.member)["deadlines"] == []
    assert petition.title not in client.get(url("cases:detail", case)).content.decode()


def test_an_action_done_in_the_future_is_refused(client, personas, case):
    action = actions.plan_action(
        case, by=personas.member, kind=term("action_type", "shelter"), title="Flat"
    )
    sign_in(client, personas.member)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = post_form(
        client,
        url("cases:action_edit", case, action=action.uuid),
        {
            "kind": term("action_type", "shelter").pk,
            "title": "Flat",
            "status": "done",
            "done": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 400
    assert "still to come" in response.content.decode()
    assert CaseAction.objects.get(pk=action.pk).status == "planned"
