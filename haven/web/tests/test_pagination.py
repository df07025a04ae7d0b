"""Every list is paged with its total: no row is out of reach, and nothing is counted
that the user may not see."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.cases.actions import open_case, record_request
from haven.incidents.actions import record_incident
from haven.lib.fuzzy_dates import FuzzyDate
from haven.people.actions import add_person
from haven.sources.actions import add_source
from haven.vocab.models import term

ROWS = 51  # one more than a page


# Each maker records ``count`` rows named ``{label} {n}`` and returns the labels in the
# order the list shows them: the last one is the row that sorts last.


def _cases(team, by, count, label):
    start = date(2021, 1, 1)
    for n in range(count):
        open_case(team=team, by=by, title=f"{label} {n}", opened_on=start + timedelta(days=n))
    return [f"{label} {n}" for n in reversed(range(count))]


def _incidents(team, by, count, label):
    start = date(2000, 1, 1)
    for n in range(count):
        day = FuzzyDate.of_day(start + timedelta(days=n))
        record_incident(team=team, by=by, title=f"{label} {n}", start=day)
    return [f"{label} {n}" for n in reversed(range(count))]


def _requests(team, by, count, label):
    start = timezone.now() - timedelta(days=count)
    for n in range(count):
        record_request(
            team=team,
            by=by,
            channel=term("channel", "telegram"),
            received_at=start + timedelta(days=n),
            summary=f"{label} {n}",
        )
    return [f"{label} {n}" for n in reversed(range(count))]


def _people(team, by, count, label):
    people = [add_person(team=team, by=by, name=f"{label} {n}") for n in range(count)]
    # The list shows codes, not names (pseudonyms by default).
    return [person.code for person in sorted(people, key=lambda person: person.code)]


def _sources(team, by, count, label, kind="media"):
    for n in range(count):
        add_source(team=team, by=by, kind=kind, title=f"{label} {n}")
    return [f"{label} {n}" for n in reversed(range(count))]


LISTS = {
    "cases:list": _cases,
    "cases:requests": _requests,
    "incidents:list": _incidents,
    "people:list": _people,
    "sources:list": _sources,
}


@pytest.fixture
def elsewhere(personas):
    """A team the outsider writes in and the personas' team does not see."""
    team = TeamFactory(name="Other desk")
    Membership.objects.create(team=team, user=personas.outsider, access=Membership.Access.MEMBER)
    return team


def _row(label: str) -> str:
    # "Row 5" is in "Row 50": look for the label as a whole cell.
    return f">{label}<"


@pytest.mark.parametrize("name", LISTS)
def test_the_last_row_is_on_the_last_page_and_the_total_counts_only_visible_rows(
    client, personas, elsewhere, name
):
    shown = LISTS[name](personas.team, personas.member, ROWS, "Row")
    LISTS[name](elsewhere, personas.outsider, 3, "Hidden")
    sign_in(client, personas.member)

    first = client.get(reverse(name)).content.decode()
    assert "1–50 of 51 records" in first, name
    assert _row(shown[0]) in first and _row(shown[-1]) not in first, name
    assert "Hidden" not in first
    assert "page=2" in first

    last = client.get(reverse(name), {"page": 2}).content.decode()
    assert "51–51 of 51 records" in last, name
    assert _row(shown[-1]) in last and _row(shown[0]) not in last, name

    entry = AuditEntry.objects.filter(action__endswith=".listed").first()
    assert entry.summary == "1 of 51 shown, page 2", name

    sign_in(client, personas.outsider)
    theirs = client.get(reverse(name)).content.decode()
    # No row of ours ("Row 7"), whatever names the factories gave people ("Albert Rowe").
    assert "3 records" in theirs and re.search(r"Row \d", theirs) is None, name
    assert "page=2" not in theirs


@pytest.mark.parametrize("page", ["abc", "0", "-1", "999", "", "2.5"])
def test_a_bad_page_number_answers_a_page(client, personas, page):
    shown = _cases(personas.team, personas.member, ROWS, "Row")
    sign_in(client, personas.member)
    response = client.get(reverse("cases:list"), {"page": page})
    assert response.status_code == 200, page
    html = response.content.decode()
    # Not a number: the first page; out of range: the last.
    assert _row(shown[0]) in html or _row(shown[-1]) in html, page


def test_filters_survive_paging(client, personas):
    shown = _sources(personas.team, personas.member, ROWS, "Report", kind="media")
    _sources(personas.team, personas.member, 5, "Post", kind="social")
    sign_in(client, personas.member)

    first = client.get(reverse("sources:list"), {"kind": "media"}).content.decode()
    assert "1–50 of 51 records" in first
    assert 'href="?kind=media&amp;page=2"' in first
    assert "Post" not in first

    last = client.get(reverse("sources:list"), {"kind": "media", "page": 2}).content.decode()
    assert "51–51 of 51 records" in last
    assert _row(shown[-1]) in last and "Post" not in last
    assert 'href="?kind=media&amp;page=1"' in last


def test_a_posted_lookup_pages_without_putting_the_query_in_a_url(client, personas):
    shown = _people(personas.team, personas.member, ROWS, "Umarov")
    add_person(team=personas.team, by=personas.member, name="Someone else")
    sign_in(client, personas.member)

    first = client.post(reverse("people:list"), {"q": "Umarov"}).content.decode()
    assert "1–50 of 51 records" in first
    assert "Someone else" not in first
    assert "q=" not in first and "page=" not in first  # the pager re-posts, it does not link
    assert '<input type="hidden" name="q" value="Umarov">' in first
    assert '<button type="submit" name="page" value="2">' in first

    last = client.post(reverse("people:list"), {"q": "Umarov", "page": "2"}).content.decode()
    assert "51–51 of 51 records" in last
    assert _row(shown[-1]) in last and "Someone else" not in last
    assert AuditEntry.objects.first().summary == "1 of 51 shown, page 2, lookup"


def test_a_short_list_says_how_many_and_offers_no_pages(client, personas):
    _cases(personas.team, personas.member, 2, "Row")
    sign_in(client, personas.member)
    html = client.get(reverse("cases:list")).content.decode()
    assert "2 records" in html
    assert "page=" not in html


def test_the_pager_speaks_russian(client, personas):
    _cases(personas.team, personas.member, ROWS, "Row")
    personas.member.language = "ru"
    personas.member.save()
    sign_in(client, personas.member)
    html = client.get(reverse("cases:list")).content.decode()
    assert "1–50 из 51 записи" in html
    assert "Дальше" in html
