"""The search for possible duplicates in the background, for teams with more people than a
page can compare while it waits: progress on the page, then the same pairs and reasons
as the search in the request, kept encrypted, read through the user's access."""

import re

import pytest
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.people import searching
from haven.people.actions import add_person
from haven.people.duplicates import find
from haven.people.kept import from_stored, stored
from haven.people.merging import merge
from haven.people.models import DuplicateSearch, Person


@pytest.fixture
def people(personas):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Салех Магамадов", birth_date="1999-05-04")
    b = add_person(team=team, by=by, name="Salekh Magamadow", birth_date="1999-05-04")
    c = add_person(team=team, by=by, name="Ислам Бетиев", birth_date="1995")
    d = add_person(team=team, by=by, name="Islam Betiev", birth_date="1995")
    return a, b, c, d


def _rows(html: str) -> list[str]:
    """The duplicates table's rows, as the page shows them (the forms' CSRF tokens, masked
    anew on each page, left out)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return [re.sub(r"\s+", " ", row).strip() for row in body.split("</tr>") if row.strip()]


def test_stored_proposals_read_back_as_the_same_pairs_and_reasons(personas, people):
    found = find(Person.objects.all())
    assert len(found) == 2
    again = from_stored(stored(found), Person.objects.all())
    assert list(again) == list(found)
    assert [c.reasons for c in again] == [c.reasons for c in found]


def test_stored_proposals_keep_the_relatives_in_common_and_every_agreement(personas):
    from haven.people.actions import relate
    from haven.vocab.models import term

    by, team = personas.member, personas.team
    mother = add_person(team=team, by=by, name="Зарема Исаева")
    one = add_person(team=team, by=by, name="Ислам Исаев", birth_date="1990-02-03")
    other = add_person(team=team, by=by, name="Islam Isaev", birth_date="1990")
    typo = add_person(team=team, by=by, name="Islam Isayev", birth_date="1991-02-03")
    for child in (one, other):
        relate(child, mother, kind=term("relationship", "relative"), by=by)
    found = find(Person.objects.all())
    reasons = [r for c in found for r in c.reasons]
    assert any(mother.code in r for r in reasons), reasons  # related to the same people
    assert any("one digit apart" in r for r in reasons), reasons
    again = from_stored(stored(found), Person.objects.all())
    assert [(c.a, c.b, c.score, c.reasons) for c in again] == [
        (c.a, c.b, c.score, c.reasons) for c in found
    ]
    assert typo in {p for c in again for p in (c.a, c.b)}


def test_stored_proposals_show_only_people_the_reader_may_change(personas, people):
    found = stored(find(Person.objects.all()))
    assert len(from_stored(found, Person.objects.writable_by(personas.member))) == 2
    assert list(from_stored(found, Person.objects.writable_by(personas.outsider))) == []
    assert list(from_stored(found, Person.objects.writable_by(personas.read_only))) == []


def test_a_large_team_looks_for_duplicates_in_the_background(client, personas, people, settings):
    sign_in(client, personas.member)
    in_request = _rows(client.get(reverse("people:duplicates")).content.decode())
    assert len(in_request) == 2

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3  # four people: too many to wait for
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "Your teams have 4 people" in html and "Look for duplicates" in html
    assert "<tbody>" not in html and not DuplicateSearch.objects.exists()

    response = client.post(reverse("people:find_duplicates"))
    assert response.status_code == 302 and response["Location"] == reverse("people:duplicates")
    search = DuplicateSearch.objects.get()
    assert (search.status, search.people, search.pairs) == ("done", 4, 2)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "among 4 people" in html and "Look again" in html
    assert _rows(html) == in_request  # the same pairs, scores and reasons
    actions = list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))
    assert actions[-3:] == [
        "people.duplicates.started",
        "people.duplicates.found",
        "people.duplicates.listed",
    ]

    # Looking again keeps only the latest search.
    client.post(reverse("people:find_duplicates"))
    assert DuplicateSearch.objects.count() == 1 and DuplicateSearch.objects.get().pk != search.pk


def test_a_merged_pair_leaves_the_stored_list(client, personas, people, settings):
    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    sign_in(client, personas.member)
    client.post(reverse("people:find_duplicates"))
    a, b, c, d = people
    by = personas.member
    assert len(_rows(client.get(reverse("people:duplicates")).content.decode())) == 2
    merge(a, b, by=personas.member)
    rows = _rows(client.get(reverse("people:duplicates")).content.decode())
    assert len(rows) == 1 and c.code in rows[0] and d.code in rows[0]
    # Out of the count too: the pager does not promise a pair it cannot show.
    kept = DuplicateSearch.objects.get().found
    assert len(kept["a"]) == 2 and len(from_stored(kept, Person.objects.writable_by(by))) == 1


def test_what_a_search_keeps_is_encrypted(personas, people):
    searching.start(personas.member)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT found FROM {DuplicateSearch._meta.db_table}")  # noqa: S608
        (raw,) = cursor.fetchone()
    raw = bytes(raw)
    assert b"score" not in raw and b"names" not in raw and b"flags" not in raw
    assert len(DuplicateSearch.objects.get().found["a"]) == 2


def test_a_search_on_its_way_shows_its_step_and_is_not_started_twice(
    client, personas, people, settings
):
    from django.utils import timezone

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    running = DuplicateSearch.objects.create(
        created_by=personas.member,
        status=DuplicateSearch.Status.RUNNING,
        step=DuplicateSearch.Step.COMPARING,
        people=4,
        started_at=timezone.now(),
    )
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert '<p role="status">Step 2 of 2: comparing 4 people.</p>' in html
    assert 'data-refresh="3"' in html and "<progress" in html
    # Without a script the whole page reloads; with one, only the section is asked again.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "This page updates itself." in html and "took" not in html
    assert "Look again" not in html and "<tbody>" not in html
    client.post(reverse("people:find_duplicates"))
    assert list(DuplicateSearch.objects.all()) == [running]


def test_each_member_sees_their_own_search(client, personas, people, settings):
    from django.utils import timezone

    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import UserFactory

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    colleague = UserFactory(email="colleague@example.org")
    Membership.objects.create(team=personas.team, user=colleague, access="member")
    DuplicateSearch.objects.create(
        created_by=personas.member,
        status=DuplicateSearch.Status.RUNNING,
        step=DuplicateSearch.Step.COMPARING,
        people=4,
        started_at=timezone.now(),
    )
    sign_in(client, colleague)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "Step 2 of 2" not in html and "Look for duplicates" in html
    client.post(reverse("people:find_duplicates"))
    mine = DuplicateSearch.objects.get(created_by=colleague)
    assert mine.status == DuplicateSearch.Status.DONE
    assert DuplicateSearch.objects.get(created_by=personas.member).status == "running"
    html = client.get(reverse("people:duplicates")).content.decode()
    assert len(_rows(html)) == 2 and "Step 2 of 2" not in html
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "Step 2 of 2" in html and "<tbody>" not in html


def test_a_page_left_open_stops_updating_itself(client, personas, people, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    DuplicateSearch.objects.create(
        created_by=personas.member,
        status=DuplicateSearch.Status.RUNNING,
        step=DuplicateSearch.Step.COMPARING,
        created_at=timezone.now() - timedelta(minutes=20),
        started_at=timezone.now() - timedelta(minutes=20),
    )
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "Step 2 of 2" in html and "Reload the page to see how far it has got." in html
    assert "data-refresh" not in html and 'http-equiv="refresh"' not in html


def test_looking_again_says_how_long_the_search_before_took(client, personas, people, settings):
    from datetime import timedelta

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    sign_in(client, personas.member)
    client.post(reverse("people:find_duplicates"))
    before = DuplicateSearch.objects.get()
    DuplicateSearch.objects.filter(pk=before.pk).update(
        finished_at=before.started_at + timedelta(seconds=28)
    )
    from haven.jobs.tests.test_queue import DATABASE_BACKEND

    settings.TASKS = DATABASE_BACKEND  # queued, not run: the page shows it waiting
    client.post(reverse("people:find_duplicates"))
    waiting = DuplicateSearch.objects.get()
    assert waiting.status == "queued" and waiting.expected_seconds == 28
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "Waiting for the background worker to start." in html
    assert "The search before this one took 28 s." in html


def test_kept_pairs_that_no_longer_decrypt_are_a_search_to_run_again(
    client, personas, people, settings
):
    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    sign_in(client, personas.member)
    client.post(reverse("people:find_duplicates"))
    table = DuplicateSearch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET found = %s", [b"\x00" * 64])  # noqa: S608
    response = client.get(reverse("people:duplicates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "stopped with an error" in html and "Look again" in html and "<tbody>" not in html


def test_kept_pairs_say_how_the_births_agree_now(client, personas, people, settings):
    """A birth date cleared or changed after the search: the page says what is true now
    (and does not fail on a date that is gone)."""
    from haven.people.actions import update_person

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    sign_in(client, personas.member)
    client.post(reverse("people:find_duplicates"))
    a, b, c, d = people
    assert "same birth date" in client.get(reverse("people:duplicates")).content.decode()
    update_person(Person.objects.get(pk=a.pk), by=personas.member, birth_date=None)
    response = client.get(reverse("people:duplicates"))
    assert response.status_code == 200
    rows = _rows(response.content.decode())
    assert len(rows) == 2 and "same birth date" not in " ".join(rows)


def test_a_page_of_kept_pairs_reads_their_relatives_in_one_go(personas):
    from django.test.utils import CaptureQueriesContext

    from haven.people.actions import relate
    from haven.vocab.models import term

    by, team = personas.member, personas.team
    for n in range(6):
        mother = add_person(team=team, by=by, name=f"Зарема Исаева{'-' * n}")
        for name in ("Ислам Исаев", "Islam Isaev"):
            child = add_person(team=team, by=by, name=name, birth_date=f"{1990 + n}")
            relate(child, mother, kind=term("relationship", "relative"), by=by)
    kept = stored(find(Person.objects.all()))
    assert sum(1 for n in kept["common"]) >= 6
    with CaptureQueriesContext(connection) as queries:
        shown = from_stored(kept, Person.objects.all())[:50]
    assert any("related to the same people" in r for c in shown for r in c.reasons)
    assert len(queries) == 2  # the ids held, then the page's people with the relatives


def test_a_search_that_fails_says_so_and_can_be_started_again(
    client, personas, people, settings, monkeypatch
):
    from haven.audit.context import Channel, audit_context

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    search = DuplicateSearch.objects.create(created_by=personas.member)

    def broken(*args, **kwargs):
        raise RuntimeError("out of memory")

    monkeypatch.setattr(searching, "find", broken)
    with audit_context(Channel.JOB, actor=personas.member), pytest.raises(RuntimeError):
        searching.run(search, by=personas.member)
    search.refresh_from_db()
    assert search.status == DuplicateSearch.Status.FAILED and search.finished_at
    assert AuditEntry.objects.filter(action="people.duplicates.failed").exists()
    monkeypatch.undo()
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "stopped with an error" in html and "Look again" in html
    client.post(reverse("people:find_duplicates"))
    assert DuplicateSearch.objects.get().status == DuplicateSearch.Status.DONE


def test_the_steps_are_shown_as_they_start(personas, people, monkeypatch):
    from haven.audit.context import Channel, audit_context

    search = DuplicateSearch.objects.create(created_by=personas.member)
    seen = []
    real = searching.find

    def watched(people, progress=None):
        def step(phase):
            progress(phase)
            seen.append(DuplicateSearch.objects.get(pk=search.pk).step)

        return real(people, progress=step)

    monkeypatch.setattr(searching, "find", watched)
    with audit_context(Channel.JOB, actor=personas.member):
        searching.run(search, by=personas.member)
    assert seen[0] == "reading" and seen[-1] == "comparing"
    search.refresh_from_db()
    assert (search.status, search.step, search.pairs) == ("done", "", 2)


def test_a_search_its_workers_gave_up_on_says_it_stopped(personas, people, settings):
    """Killed with its server again and again, the search's task is failed by the worker
    recovery (WorkerLost) without its own error handling: the page must say it stopped
    and offer to look again, not show its progress for ever."""
    from haven.jobs.queue import enqueue
    from haven.jobs.tests.lost import killed_every_time
    from haven.jobs.tests.test_queue import DATABASE_BACKEND
    from haven.people import tasks

    settings.TASKS = DATABASE_BACKEND
    search = DuplicateSearch.objects.create(
        created_by=personas.member, status=DuplicateSearch.Status.RUNNING
    )
    result_id = enqueue(tasks.find_duplicates, actor=personas.member, search_id=search.pk)
    assert killed_every_time(result_id) == "FAILED"
    search.refresh_from_db()
    assert search.status == DuplicateSearch.Status.FAILED


def test_a_search_lost_for_an_hour_can_be_started_again(client, personas, people, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    lost = DuplicateSearch.objects.create(
        created_by=personas.member,
        status=DuplicateSearch.Status.RUNNING,
        started_at=timezone.now() - timedelta(hours=2),
    )
    sign_in(client, personas.member)
    html = client.get(reverse("people:duplicates")).content.decode()
    assert "has not finished after an hour" in html and "Look again" in html
    assert 'http-equiv="refresh"' not in html
    client.post(reverse("people:find_duplicates"))
    search = DuplicateSearch.objects.get()
    assert search.pk != lost.pk and search.status == DuplicateSearch.Status.DONE


def test_a_search_whose_row_went_meanwhile_ends_quietly(personas, people):
    from haven.audit.context import Channel, audit_context

    search = DuplicateSearch.objects.create(created_by=personas.member)
    gone = DuplicateSearch.objects.get(pk=search.pk)
    real = searching.find

    def replaced(people, progress=None):
        DuplicateSearch.objects.filter(pk=search.pk).delete()  # "Look again" meanwhile
        return real(people, progress=progress)

    searching.find = replaced
    try:
        with audit_context(Channel.JOB, actor=personas.member):
            searching.run(gone, by=personas.member)
    finally:
        searching.find = real
    assert not DuplicateSearch.objects.exists()
    assert not AuditEntry.objects.filter(action="people.duplicates.found").exists()


def test_a_search_done_with_nothing_kept_shows_no_pairs(client, personas, people, settings):
    from django.utils import timezone

    settings.HAVEN_DUPLICATES_IN_REQUEST = 3
    now = timezone.now()
    DuplicateSearch.objects.create(
        created_by=personas.member, status="done", started_at=now, finished_at=now
    )
    sign_in(client, personas.member)
    response = client.get(reverse("people:duplicates"))
    assert response.status_code == 200
    assert "No likely duplicates." in response.content.decode()
