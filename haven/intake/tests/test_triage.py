"""The intake team's queue: what waits, spam, assignment, joining a case, and a flood."""

from __future__ import annotations

from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.cases import actions as cases
from haven.cases.models import Request
from haven.intake.actions import submit_request
from haven.intake.models import Submission
from haven.intake.tests.conftest import open_receipt, receipt_of, submit
from haven.people.actions import add_person


def test_the_queue_shows_the_most_urgent_first_and_only_to_the_team(client, personas):
    submit_request(team=personas.team, what="Routine question", language="en", urgency="routine")
    submit_request(
        team=personas.team, what="They are at the door", language="ru", urgency="immediate"
    )
    sign_in(client, personas.member)
    html = client.get(reverse("intake:queue")).content.decode()
    assert html.index("They are at the door") < html.index("Routine question")
    assert "2 new public requests" in html  # the header's notice
    filtered = client.get(reverse("intake:queue"), {"language": "en"}).content.decode()
    assert "Routine question" in filtered and "They are at the door" not in filtered
    sign_in(client, personas.outsider)
    html = client.get(reverse("intake:queue")).content.decode()
    assert "Routine question" not in html and "new public request" not in html


def test_spam_leaves_the_queue_and_its_receipt_opens_nothing(public, client, personas):
    receipt = receipt_of(submit(public, what="Buy cheap watches"))
    submission = Submission.objects.get()
    sign_in(client, personas.read_only)
    assert client.post(reverse("intake:spam", kwargs={"uuid": submission.uuid})).status_code == 403
    sign_in(client, personas.member)
    assert client.post(reverse("intake:spam", kwargs={"uuid": submission.uuid})).status_code == 302
    assert "Buy cheap watches" not in client.get(reverse("intake:queue")).content.decode()
    assert Request.objects.live().count() == 0 and Request.objects.count() == 1  # kept, deleted
    assert open_receipt(public, receipt).status_code == 400


def test_assign_and_join_a_case_found_by_a_name_in_another_script(client, personas):
    person = add_person(team=personas.team, by=personas.member, name="Ибрагим Селимханов")
    case = cases.open_case(
        team=personas.team, by=personas.member, title="Evacuation", persons=[person]
    )
    submission, _receipt = submit_request(
        team=personas.team, what="It is me again", language="en", name="Ibragim Selimkhanov"
    )
    request = submission.request
    sign_in(client, personas.member)
    page = client.get(reverse("cases:request_detail", kwargs={"uuid": request.uuid}))
    html = page.content.decode()
    assert person.code in html and case.code in html  # found across scripts, with the case
    assign = reverse("cases:request_assign", kwargs={"uuid": request.uuid})
    assert client.post(assign, {"assignee": personas.member.pk}).status_code == 302
    assert client.post(assign, {"assignee": personas.outsider.pk}).status_code == 400
    join = reverse("cases:request_join", kwargs={"uuid": request.uuid})
    assert client.post(join, {"case": case.pk}).status_code == 302
    request.refresh_from_db()
    assert request.case == case and request.assignee == personas.member


def test_a_flood_leaves_the_queue_usable_and_loses_no_real_request(
    public, client, personas, settings
):
    """200 machine submissions from 200 addresses, some too fast or with the trap filled
    in, then one person's: hers is in the queue, on the first page, and she can read the
    answer with her receipt."""
    settings.HAVEN_INTAKE_RATE_PER_ADDRESS = "3/hour"
    statuses = []
    for n in range(200):
        address = f"10.0.{n // 250}.{n % 250}"
        if n % 4 == 0:
            statuses.append(submit(public, website="x", address=address).status_code)
        else:
            statuses.append(
                submit(public, what=f"spam {n}", urgency="routine", address=address).status_code
            )
    assert set(statuses) == {200}
    receipt = receipt_of(
        submit(public, what="Please help, it is urgent", urgency="immediate", address="192.0.2.1")
    )
    assert Submission.objects.count() == 151
    sign_in(client, personas.member)
    html = client.get(reverse("intake:queue")).content.decode()
    assert "Please help, it is urgent" in html
    request = next(r for r in Request.objects.all() if r.summary == "Please help, it is urgent")
    cases.write_to_requester(request, by=personas.member, text="We are here.")
    assert "We are here." in open_receipt(public, receipt, address="192.0.2.1").content.decode()


def _waiting(personas, what, urgency="urgent"):
    submission, _receipt = submit_request(
        team=personas.team, what=what, language="en", urgency=urgency
    )
    return submission


def test_ticked_requests_are_marked_as_spam_together(client, personas):
    junk = [_waiting(personas, f"Cheap watches {n}") for n in range(3)]
    real = _waiting(personas, "They took my brother")
    sign_in(client, personas.member)
    html = client.get(reverse("intake:queue")).content.decode()
    assert html.count('name="chosen"') == 4 and 'form="queue-chosen"' in html
    answer = client.post(
        reverse("intake:spam_chosen"), {"chosen": [str(s.uuid) for s in junk]}, follow=True
    )
    assert "Marked 3 requests as spam" in answer.content.decode()
    states = dict(Submission.objects.values_list("uuid", "state"))
    assert [states[s.uuid] for s in junk] == [Submission.State.SPAM] * 3
    assert states[real.uuid] == Submission.State.NEW
    queue = client.get(reverse("intake:queue")).content.decode()
    assert "They took my brother" in queue and "Cheap watches" not in queue
    assert AuditEntry.objects.filter(action="intake.submission.updated").count() == 3
    assert AuditEntry.objects.filter(action="cases.request.deleted").count() == 3


def test_a_choice_with_one_that_no_longer_waits_marks_nothing(client, personas):
    first, second = _waiting(personas, "Cheap watches"), _waiting(personas, "Cheap pills")
    sign_in(client, personas.member)
    client.post(reverse("intake:spam", kwargs={"uuid": second.uuid}))
    answer = client.post(
        reverse("intake:spam_chosen"),
        {"chosen": [str(first.uuid), str(second.uuid)]},
        follow=True,
    )
    assert "Nothing was marked" in answer.content.decode()
    assert Submission.objects.get(pk=first.pk).state == Submission.State.NEW
    for chosen in ([], ["not-a-uuid"]):
        answer = client.post(reverse("intake:spam_chosen"), {"chosen": chosen}, follow=True)
        assert answer.status_code == 200
        assert Submission.objects.get(pk=first.pk).state == Submission.State.NEW


def test_a_read_only_member_and_an_outsider_mark_nothing(client, personas):
    submission = _waiting(personas, "Cheap watches")
    sign_in(client, personas.read_only)
    chosen = {"chosen": [str(submission.uuid)]}
    assert client.post(reverse("intake:spam_chosen"), chosen).status_code == 403
    assert AuditEntry.objects.filter(action="access.denied").exists()
    sign_in(client, personas.outsider)
    answer = client.post(reverse("intake:spam_chosen"), chosen, follow=True)
    assert "Nothing was marked" in answer.content.decode()
    assert Submission.objects.get().state == Submission.State.NEW


def test_a_request_taken_meanwhile_is_not_marked_nor_are_the_others(personas):
    import pytest
    from django.core.exceptions import ValidationError

    from haven.intake.actions import mark_spam_many

    first, taken = _waiting(personas, "Cheap watches"), _waiting(personas, "They took my brother")
    # Read as the queue read them; then a caseworker opens a case from one of them.
    chosen = list(Submission.objects.filter(pk__in=[first.pk, taken.pk]).order_by("pk"))
    case = cases.open_case(team=personas.team, by=personas.member, title="Brother")
    cases.join_request_to_case(Request.objects.get(pk=taken.request_id), case, by=personas.member)
    with pytest.raises(ValidationError):
        mark_spam_many(chosen, by=personas.member)
    assert set(Submission.objects.values_list("state", flat=True)) == {Submission.State.NEW}
    assert Request.objects.get(pk=taken.request_id).case_id == case.pk
    assert Request.objects.live().count() == 2


def test_the_same_id_spelt_twice_is_one_choice(client, personas):
    submission = _waiting(personas, "Cheap watches")
    sign_in(client, personas.member)
    spellings = [str(submission.uuid), str(submission.uuid).upper().replace("-", "")]
    answer = client.post(reverse("intake:spam_chosen"), {"chosen": spellings}, follow=True)
    assert "Marked 1 request as spam" in answer.content.decode()


def test_the_headers_notice_counts_what_waits_now(client, personas):
    """The notice's statement is kept between pages (haven.lib.counting): what came in,
    was taken or left the team after it was first compiled is counted on the next page."""
    submit_request(team=personas.team, what="First", language="en", urgency="routine")
    sign_in(client, personas.member)
    assert "1 new public request" in client.get(reverse("search:search")).content.decode()
    submission, _receipt = submit_request(
        team=personas.team, what="Second", language="en", urgency="routine"
    )
    assert "2 new public requests" in client.get(reverse("search:search")).content.decode()
    assign = reverse("cases:request_assign", kwargs={"uuid": submission.request.uuid})
    assert client.post(assign, {"assignee": personas.member.pk}).status_code == 302
    assert "1 new public request" in client.get(reverse("search:search")).content.decode()
    personas.member.memberships.all().delete()
    assert "new public request" not in client.get(reverse("search:search")).content.decode()
