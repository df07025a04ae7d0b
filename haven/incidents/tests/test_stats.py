"""Statistics: counted in SQL, equal to counting the acts one by one, in a fixed number
of queries, and only over what the viewer may see."""

from collections import Counter
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry
from haven.incidents import actions, stats
from haven.incidents.models import Act
from haven.lib.fuzzy_dates import DAY, MONTH, FuzzyDate
from haven.locations.models import Location, regions_of
from haven.people.actions import add_person
from haven.records.actions import delete_record
from haven.vocab.models import term


def place(name):
    return Location.objects.get(name_en=name)


@pytest.fixture
def mixed_acts(personas, person, other_team):
    """Acts dated by themselves or by their incident, to the day, month, season or
    year; placed by themselves, by their incident or not at all; one deleted; one
    on a team the member does not see."""
    by = personas.member

    def act(incident, code, **fields):
        return actions.record_act(
            incident, by=by, act_type=term("act_type", code), victim=person, **fields
        )

    grozny = actions.record_incident(
        team=personas.team,
        by=by,
        title="Grozny",
        start=FuzzyDate.parse("2020-04"),
        location=place("Grozny"),
    )
    act(grozny, "torture")  # 2020-04, Chechnya
    act(grozny, "torture")  # 2020-04, Chechnya
    act(grozny, "threat", start=FuzzyDate.parse("2020-06-15"), location=place("Nizhny Novgorod"))
    act(grozny, "threat", start=FuzzyDate.parse("summer 2020"))  # vague, Chechnya
    delete_record(act(grozny, "killing"), by=by)
    somewhere = actions.record_incident(
        team=personas.team, by=by, title="Somewhere", start=FuzzyDate.parse("2019")
    )
    act(somewhere, "arbitrary_detention")  # vague, place unknown
    act(
        somewhere,
        "torture",
        start=FuzzyDate.parse("2019-11"),
        location=place("Republic of Dagestan"),
    )
    act(somewhere, "threat", start=FuzzyDate.parse("before 2019-05"))  # vague
    theirs = actions.record_incident(
        team=other_team,
        by=personas.outsider,
        title="Theirs",
        start=FuzzyDate.parse("2020-04-02"),
        location=place("Grozny"),
    )
    victim = add_person(team=other_team, by=personas.outsider, name="Their victim")
    actions.record_act(
        theirs, by=personas.outsider, act_type=term("act_type", "torture"), victim=victim
    )


def count_in_python(user):
    """The plain count: every visible act loaded and looked at, as the page once did."""
    acts = list(Act.objects.visible_to(user).select_related("act_type", "incident"))
    per_month, vague = Counter(), 0
    for act in acts:
        when = act.when
        if when and when.precision in (DAY, MONTH):
            per_month[(date(when.earliest.year, when.earliest.month, 1), act.act_type.label)] += 1
        else:
            vague += 1
    regions = regions_of([act.where for act in acts])
    per_region = Counter(
        regions[act.where.pk].name if act.where else "Place unknown" for act in acts
    )
    return len(acts), per_month, vague, per_region


def test_sql_counts_equal_a_count_in_python(personas, mixed_acts):
    counts = stats.count_acts(Act.objects.visible_to(personas.member))
    total, per_month, vague, per_region = count_in_python(personas.member)
    flattened = Counter(
        {
            (month, label): n
            for month, types in counts.per_month.items()
            for label, n in types.items()
        }
    )
    assert (counts.total, flattened, counts.vague, counts.per_region) == (
        total,
        per_month,
        vague,
        per_region,
    )
    # And the data set is the mix it claims to be.
    assert (total, vague) == (7, 3)
    assert per_region["Chechen Republic"] == 3 and per_region["Place unknown"] == 2
    assert per_month[(date(2020, 4, 1), "Torture")] == 2


def test_nothing_is_counted_for_an_outsider_to_every_team(personas, mixed_acts):
    counts = stats.count_acts(Act.objects.visible_to(personas.administrator))
    assert (counts.total, counts.per_month, counts.vague, counts.per_region) == (0, {}, 0, {})


def test_charts_draw_the_counts(personas, mixed_acts):
    counts = stats.count_acts(Act.objects.visible_to(personas.member))
    chart = stats.month_chart(counts.per_month, counts.vague)
    # 2019-11 to 2020-06 is eight months; three of them have acts.
    assert len(chart["ticks"]) == 8 and chart["peak"] == 2 and chart["vague"] == 3
    assert {bar["title"] for bar in chart["bars"]} == {
        "2019-11 · Torture: 1",
        "2020-04 · Torture: 2",
        "2020-06 · Threat: 1",
    }
    assert sum(n for _label, _colour, n in chart["legend"]) == 4
    regions = stats.region_chart(counts.per_region)
    assert [row["n"] for row in regions["rows"]] == sorted(
        (row["n"] for row in regions["rows"]), reverse=True
    )
    assert regions["rows"][0] == {"label": "Chechen Republic", "n": 3, "y": 0, "w": 600.0}


def _page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:statistics"))
    assert response.status_code == 200
    return len(queries)


def test_page_queries_do_not_grow_with_the_acts(client, personas, person, mixed_acts):
    sign_in(client, personas.member)
    few = _page_queries(client)
    incident = actions.record_incident(
        team=personas.team,
        by=personas.member,
        title="Many",
        start=FuzzyDate.parse("2018-03-02"),
        location=place("Nizhny Novgorod"),
    )
    places = ["Grozny", "Republic of Dagestan", "Nizhny Novgorod", None]
    codes = ["torture", "threat", "killing", "arbitrary_detention", "forced_return"]
    for n in range(20):
        actions.record_act(
            incident,
            by=personas.member,
            act_type=term("act_type", codes[n % len(codes)]),
            victim=person,
            start=FuzzyDate.of_month(2018, n % 12 + 1),
            location=place(places[n % 4]) if places[n % 4] else None,
        )
    assert _page_queries(client) == few


def test_the_page_counts_and_is_on_the_record(client, personas, mixed_acts):
    sign_in(client, personas.member)
    html = client.get(reverse("incidents:statistics")).content.decode()
    assert "7 acts that you may see are counted" in html
    assert "3 acts have dates less precise than a month" in html
    entry = AuditEntry.objects.filter(action="incidents.statistics.viewed").latest("seq")
    assert (entry.actor, entry.summary) == (personas.member, "7 acts counted")


def test_a_range_of_months_is_not_guessed_into_its_first_month(personas, person):
    incident = actions.record_incident(
        team=personas.team, by=personas.member, title="Spring", start=FuzzyDate.parse("2020-04")
    )
    for when in ("April–June 2020", "15 April – 3 May 2020", "15–20 April 2020"):
        actions.record_act(
            incident,
            by=personas.member,
            act_type=term("act_type", "threat"),
            victim=person,
            start=FuzzyDate.parse(when),
        )
    counts = stats.count_acts(Act.objects.visible_to(personas.member))
    assert (counts.total, counts.vague) == (3, 2)
    assert counts.per_month == {date(2020, 4, 1): Counter({"Threat": 1})}
