"""Every list sorts by its columns (both ways, ties in one order, no 500 on a bad key)
and finds through the blind index: names across scripts, codes, phone numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.cases.actions import open_case, record_request
from haven.cases.models import Case, Request, RiskLevel
from haven.incidents.actions import record_act, record_incident
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.sources.actions import add_source
from haven.sources.models import Reliability
from haven.tests.helpers import assert_queries_do_not_grow
from haven.vocab.models import term

UUID = re.compile(r'href="/[a-z]+/(?:requests/)?([0-9a-f-]{36})/"')


def _shown(html: str, rows) -> list:
    """The rows in the order the page shows them (by the links to their pages)."""
    by_uuid = {str(row.uuid): row for row in rows}
    body = html[html.index("<tbody>") :]
    order = []
    for uuid in UUID.findall(body):
        if uuid in by_uuid and by_uuid[uuid] not in order:
            order.append(by_uuid[uuid])
    return order


def _teams(personas, *names):
    """The personas' team and more teams the member belongs to, named ``names``."""
    teams = [personas.team]
    for name in names:
        team = TeamFactory(name=name)
        Membership.objects.create(team=team, user=personas.member, access=Membership.Access.MEMBER)
        teams.append(team)
    return teams


def _cases(personas):
    teams = _teams(personas, "Alpha desk", "Zulu desk")
    leads = []
    for name in ("Mila", "Anna", "Zed"):
        lead = UserFactory(full_name=name)
        for team in teams:
            Membership.objects.create(team=team, user=lead, access=Membership.Access.MEMBER)
        leads.append(lead)
    rows = [
        ("intake", RiskLevel.LOW, 0, 1, date(2021, 1, 3)),
        ("closed", RiskLevel.CRITICAL, 1, 0, date(2021, 1, 1)),
        ("active", RiskLevel.MEDIUM, 2, 2, date(2021, 1, 2)),
    ]
    cases = []
    for n, (status, risk, lead, team, opened) in enumerate(rows):
        case = open_case(
            team=teams[team],
            by=personas.member,
            title=f"Case {n}",
            lead=leads[lead],
            opened_on=opened,
        )
        Case.objects.filter(pk=case.pk).update(status=status, risk_level=risk)
        cases.append(Case.objects.select_related("lead", "team").get(pk=case.pk))
    return cases


def _requests(personas):
    now = timezone.now()
    rows = [("telegram", "routine", 2), ("email", "immediate", 3), ("hotline", "urgent", 1)]
    return [
        record_request(
            team=personas.team,
            by=personas.member,
            channel=term("channel", channel),
            urgency=urgency,
            received_at=now - timedelta(days=days),
            summary="Help",
        )
        for channel, urgency, days in rows
    ]


def _incidents(personas):
    places = list(Location.objects.filter(parent__isnull=False).order_by("pk")[:3])
    assert len({place.name_en for place in places}) == 3
    days = [date(2020, 5, 1), date(2019, 1, 1), date(2021, 7, 31)]
    return [
        record_incident(
            team=personas.team,
            by=personas.member,
            title=f"Incident {n}",
            start=FuzzyDate.of_day(day),
            location=place,
        )
        for n, (day, place) in enumerate(zip(days, places, strict=True))
    ]


def _people(personas):
    rows = [
        ("Ахмед Усманов", "individual"),
        ("Police unit", "group"),
        ("Хава Исаева", "individual"),
    ]
    return [
        add_person(team=personas.team, by=personas.member, name=name, kind=kind)
        for name, kind in rows
    ]


def _sources(personas):
    rows = [
        ("testimony", Reliability.C, "2020-04"),
        ("media", Reliability.F, "2019"),
        ("social", Reliability.A, "2021-07-31"),
    ]
    return [
        add_source(
            team=personas.team,
            by=personas.member,
            kind=kind,
            title=f"Source {n}",
            reliability=reliability,
            published=FuzzyDate.parse(published),
        )
        for n, (kind, reliability, published) in enumerate(rows)
    ]


def _rank(values):
    return lambda value: list(values).index(value)


@dataclass
class Listing:
    make: object
    keys: dict  # sort key -> the value a row sorts by, in Python
    default: str


LISTINGS = {
    "cases:list": Listing(
        _cases,
        {
            "code": lambda c: c.code,
            "status": lambda c: _rank(Case.Status.values)(c.status),
            "risk": lambda c: _rank(RiskLevel.values)(c.risk_level),
            "lead": lambda c: c.lead.display_name,
            "team": lambda c: c.team.name,
            "opened": lambda c: (c.opened_on, c.code),
        },
        "-opened",
    ),
    "cases:requests": Listing(
        _requests,
        {
            "received": lambda r: r.received_at,
            "channel": lambda r: r.channel.label_en,
            "urgency": lambda r: _rank(Request.Urgency.values)(r.urgency),
        },
        "-received",
    ),
    "incidents:list": Listing(
        _incidents,
        {
            "code": lambda i: i.code,
            "when": lambda i: (i.start_earliest, i.start_latest),
            "where": lambda i: i.location.name_en,
        },
        "-when",
    ),
    "people:list": Listing(
        _people,
        {"code": lambda p: p.code, "kind": lambda p: p.kind, "team": lambda p: p.team.name},
        "code",
    ),
    "sources:list": Listing(
        _sources,
        {
            "code": lambda s: s.code,
            "kind": lambda s: s.kind,
            "published": lambda s: (s.published_earliest, s.published_latest),
            "reliability": lambda s: _rank(Reliability.values)(s.reliability),
            "added": lambda s: s.created_at,
        },
        "-added",
    ),
}


def _expected(listing: Listing, rows, sort: str) -> list:
    """``rows`` sorted as the list must: by the column, ties in the default order."""
    default = listing.keys[listing.default.lstrip("-")]
    rows = sorted(rows, key=default, reverse=listing.default.startswith("-"))
    return sorted(rows, key=listing.keys[sort.lstrip("-")], reverse=sort.startswith("-"))


@pytest.mark.parametrize("name", LISTINGS)
def test_every_sortable_column_sorts_both_ways(client, personas, name):
    listing = LISTINGS[name]
    rows = listing.make(personas)
    sign_in(client, personas.member)
    for key in listing.keys:
        for sort in (key, f"-{key}"):
            html = client.get(reverse(name), {"sort": sort}).content.decode()
            assert [row.pk for row in _shown(html, rows)] == [
                row.pk for row in _expected(listing, rows, sort)
            ], f"{name} sorted by {sort}"
            way = "descending" if sort.startswith("-") else "ascending"
            assert html.count("aria-sort=") == 1, f"{name} sorted by {sort}"
            assert f'aria-sort="{way}"' in html, f"{name} sorted by {sort}"
            # The sorted column's header turns the order round; the others sort ascending.
            turned = key if sort.startswith("-") else f"-{key}"
            assert f'href="?sort={turned}"' in html, f"{name} sorted by {sort}"


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize("sort", ["title", "name", "--code", "team__name", "pk", "-", "'; --"])
def test_a_sort_key_outside_the_list_falls_back_to_its_usual_order(client, personas, name, sort):
    listing = LISTINGS[name]
    rows = listing.make(personas)
    sign_in(client, personas.member)
    response = client.get(reverse(name), {"sort": sort})
    assert response.status_code == 200, sort
    shown = _shown(response.content.decode(), rows)
    assert [row.pk for row in shown] == [
        row.pk for row in _expected(listing, rows, listing.default)
    ], sort


def test_encrypted_columns_say_why_they_do_not_sort(client, personas):
    _people(personas)
    sign_in(client, personas.member)
    # Names show only in a lookup's results (pseudonyms by default): look one up.
    html = client.get(reverse("people:list"), {"q": "Исаева"}).content.decode()
    assert 'sort=name"' not in html and 'sort=kind"' in html
    assert "Name: stored encrypted, so the list cannot be sorted by them." in html


def test_a_sort_keeps_the_filters_and_a_filter_keeps_the_sort(client, personas):
    rows = _sources(personas)
    sign_in(client, personas.member)
    html = client.get(reverse("sources:list"), {"kind": "media", "sort": "-published"})
    html = html.content.decode()
    assert 'href="?kind=media&amp;sort=published"' in html
    assert '<input type="hidden" name="sort" value="-published">' in html
    assert [row.pk for row in _shown(html, rows)] == [rows[1].pk]


@pytest.fixture
def seed(personas):
    """The article's people, a case for one of them, an incident against the other."""
    team, by = personas.team, personas.member
    islam = add_person(
        team=team,
        by=by,
        name="Ислам Бетиев",
        contacts=[{"kind": "phone", "value": "+7 928 111-22-33"}],
    )
    salekh = add_person(team=team, by=by, name="Салех Магамадов")
    relatives = add_person(team=team, by=by, name="Родственники", kind="group")
    case = open_case(team=team, by=by, title="Evacuation to a shelter", persons=[islam])
    other_case = open_case(team=team, by=by, title="Другое дело")
    incident = record_incident(
        team=team, by=by, title="Похищение в Санкт-Петербурге", start=FuzzyDate.parse("2021-07")
    )
    record_act(incident, by=by, act_type=term("act_type", "arbitrary_detention"), victim=salekh)
    other = record_incident(team=team, by=by, title="Threat", start=FuzzyDate.parse("2021"))
    intake = record_request(
        team=team, by=by, channel=term("channel", "hotline"), requester=islam, summary="Help"
    )
    stranger = record_request(team=team, by=by, channel=term("channel", "email"), summary="Hi")
    media = add_source(team=team, by=by, kind="media", title="Чеченские беглецы")
    testimony = add_source(team=team, by=by, kind="testimony", title="Testimony")
    return {
        "islam": islam,
        "salekh": salekh,
        "relatives": relatives,
        "case": case,
        "other_case": other_case,
        "incident": incident,
        "other": other,
        "intake": intake,
        "stranger": stranger,
        "media": media,
        "testimony": testimony,
    }


@pytest.mark.parametrize(
    ("name", "query", "found", "left_out"),
    [
        # A Latin transliteration with a typo finds the Cyrillic name.
        ("people:list", "Islam Betiyev", ["islam"], ["salekh", "relatives"]),
        # Every word must match: the surname alone narrows the list to one person.
        ("people:list", "Magamadov", ["salekh"], ["islam", "relatives"]),
        ("people:list", "8 928 111 22 33", ["islam"], ["salekh", "relatives"]),
        ("cases:list", "Islam Betiev", ["case"], ["other_case"]),
        ("cases:list", "shelter", ["case"], ["other_case"]),
        ("cases:list", "+79281112233", ["case"], ["other_case"]),
        ("incidents:list", "Salekh Magamadov", ["incident"], ["other"]),
        ("incidents:list", "Pokhishchenie", ["incident"], ["other"]),
        ("cases:requests", "Бетиев", ["intake"], ["stranger"]),
        ("sources:list", "Chechenskie", ["media"], ["testimony"]),
    ],
)
def test_the_text_box_finds_across_scripts_codes_and_phones(
    client, personas, seed, name, query, found, left_out
):
    sign_in(client, personas.member)
    html = client.post(reverse(name), {"q": query}).content.decode()
    rows = list(seed.values())
    shown = _shown(html, rows)
    assert [seed[key] for key in found] == shown, query
    assert f"{len(found)} record" in html, query
    for key in left_out:
        assert seed[key] not in shown, query


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("people:list", "salekh"),
        ("cases:list", "other_case"),
        ("incidents:list", "other"),
        ("sources:list", "testimony"),
    ],
)
def test_a_code_finds_its_record(client, personas, seed, name, key):
    sign_in(client, personas.member)
    record = seed[key]
    html = client.post(reverse(name), {"q": record.code.lower()}).content.decode()
    assert _shown(html, list(seed.values())) == [record]


def test_a_lookup_finds_nothing_outside_the_users_teams(client, personas, seed):
    elsewhere = TeamFactory(name="Other desk")
    Membership.objects.create(
        team=elsewhere, user=personas.outsider, access=Membership.Access.MEMBER
    )
    hidden = add_person(team=elsewhere, by=personas.outsider, name="Ислам Бетиев")
    open_case(team=elsewhere, by=personas.outsider, title="Hidden", persons=[hidden])
    sign_in(client, personas.member)
    html = client.post(reverse("cases:list"), {"q": "Islam Betiev"}).content.decode()
    assert "Hidden" not in html and "1 record" in html
    sign_in(client, personas.outsider)
    html = client.post(reverse("people:list"), {"q": "Islam Betiev"}).content.decode()
    assert _shown(html, [hidden, seed["islam"]]) == [hidden]


def test_a_posted_lookup_sorts_without_putting_the_query_in_a_url(client, personas, seed):
    sign_in(client, personas.member)
    html = client.post(reverse("cases:list"), {"q": "Islam Betiev", "sort": "code"}).content
    html = html.decode()
    # The headers are buttons that re-post the lookup: no link carries it, or a sort.
    assert "q=" not in html and 'href="?sort' not in html
    assert '<button type="submit" form="list-sort" name="sort" value="-code"' in html
    assert '<form method="post" id="list-sort" hidden>' in html
    assert '<input type="hidden" name="q" value="Islam Betiev">' in html
    assert 'aria-sort="ascending"' in html


def test_empty_lists_say_what_to_do(client, personas):
    sign_in(client, personas.member)
    html = client.get(reverse("cases:list")).content.decode()
    assert "No cases yet." in html and f'href="{reverse("cases:new")}"' in html
    html = client.post(reverse("cases:list"), {"q": "nobody"}).content.decode()
    assert "No cases match." in html and "Show all" in html
    sign_in(client, personas.read_only)
    html = client.get(reverse("sources:list")).content.decode()
    assert "No sources in your teams yet." in html


def test_the_headers_speak_russian(client, personas):
    _people(personas)
    personas.member.language = "ru"
    personas.member.save()
    sign_in(client, personas.member)
    html = client.get(reverse("people:list"), {"q": "Исаева"}).content.decode()
    assert ">Код</a>" in html
    assert "хранятся зашифрованными" in html


LOOKUPS = {
    "cases:list": (
        lambda p, n: open_case(team=p.team, by=p.member, title=f"Shelter {n}"),
        {"sort": "risk"},
    ),
    "incidents:list": (
        lambda p, n: record_incident(
            team=p.team, by=p.member, title=f"Shelter {n}", start=FuzzyDate.parse("2020")
        ),
        {"sort": "where"},
    ),
    "sources:list": (
        lambda p, n: add_source(team=p.team, by=p.member, kind="media", title=f"Shelter {n}"),
        {"sort": "reliability"},
    ),
    "people:list": (
        lambda p, n: add_person(team=p.team, by=p.member, name=f"Shelter {n}"),
        {"sort": "team"},
    ),
}


@pytest.mark.parametrize("name", LOOKUPS)
def test_a_sorted_list_takes_as_many_queries_for_many_rows_as_for_one(client, personas, name):
    make, query = LOOKUPS[name]
    make(personas, 0)
    sign_in(client, personas.member)
    url = reverse(name) + "?" + "&".join(f"{k}={v}" for k, v in query.items())

    def add_rows(count):
        for n in range(count):
            make(personas, n + 1)

    assert_queries_do_not_grow(client, url, add_rows)


def test_every_possible_duplicate_can_be_reached(client, personas):
    for _ in range(12):  # 66 pairs of namesakes: more than a page
        add_person(team=personas.team, by=personas.member, name="Ислам Бетиев")
    sign_in(client, personas.member)
    first = client.get(reverse("people:duplicates")).content.decode()
    assert "1–50 of 66 records" in first
    assert 'href="?page=2"' in first
    last = client.get(reverse("people:duplicates"), {"page": 2}).content.decode()
    assert "51–66 of 66 records" in last
    assert last.count("Keep P") == 2 * 16 or last.count('name="kept"') == 2 * 16


@pytest.fixture
def opened(monkeypatch):
    """Counts the encrypted values opened (decrypted) while it is in use."""
    from haven.keys import fields

    calls = []
    original = fields.EncryptedField.open

    def counting(self, instance, blob):
        calls.append(self.name)
        return original(self, instance, blob)

    monkeypatch.setattr(fields.EncryptedField, "open", counting)
    return calls


@pytest.mark.parametrize("name", ["cases:list", "incidents:list", "people:list", "sources:list"])
def test_a_list_decrypts_only_the_rows_it_shows(client, personas, opened, name):
    """What makes a list slow at scale is decrypting rows it does not show (sorting or
    choosing among encrypted values in Python): a page of 50 opens as many values with
    51 rows in the list as with 80."""
    make = LOOKUPS[name][0]
    for n in range(51):
        make(personas, n)
    sign_in(client, personas.member)
    client.get(reverse(name), {"sort": "code"})
    opened.clear()
    client.get(reverse(name), {"sort": "code"})
    few = len(opened)
    for n in range(51, 80):
        make(personas, n)
    opened.clear()
    client.get(reverse(name), {"sort": "code"})
    assert len(opened) == few, f"{name}: {few} values opened for 51 rows, {len(opened)} for 80"
