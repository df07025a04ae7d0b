"""Counting: each dimension, certain and possible periods, and need-to-know."""

from datetime import date

import pytest

from haven.locations.models import Location
from haven.reports.counting import Definition, count

pytestmark = pytest.mark.django_db


def figures(table, possible=False):
    """{row label: n} of a one-dimension table, or {(row, column): n} of a cross-table."""
    source = table.possible if possible else table.cells
    rows, columns = dict(table.rows), dict(table.columns)
    if table.definition.columns:
        return {(rows[r], columns[c]): n for (r, c), n in source.items() if n}
    return {rows[r]: n for (r, _c), n in source.items() if n and r in rows}


def run(user, **definition):
    return count(Definition(**definition), user, threshold=1)


def test_acts_by_type_count_only_the_live_acts_of_the_viewers_teams(world, personas):
    table = run(personas.member, rows="act_type")
    assert figures(table) == {"Torture": 1, "Arbitrary detention": 3, "Threat": 1}
    assert table.total == 5
    assert table.row_totals == {key: n for (key, _c), n in table.cells.items()}


def test_the_outsider_counts_only_their_own_team(world, personas):
    table = run(personas.outsider, rows="act_type")
    assert figures(table) == {"Torture": 1, "Arbitrary detention": 1}


def test_report_figures_only_counts_across_the_teams_granted(world):
    table = run(world.analyst, rows="act_type")
    assert figures(table) == {"Torture": 2, "Arbitrary detention": 4, "Threat": 1}
    mine = run(world.analyst, rows="act_type", teams=(str(world.other_team.uuid),))
    assert mine.total == 2


def test_no_one_else_counts_anything(world, personas):
    assert run(personas.administrator, rows="act_type").empty


def test_victims_and_incidents_are_counted_once_each(world, personas):
    victims = run(personas.member, rows="act_type", measure="victims")
    assert figures(victims) == {"Torture": 1, "Arbitrary detention": 3, "Threat": 1}
    assert victims.total == 4  # Ibragim is the victim of two acts
    incidents = run(personas.member, rows="act_type", measure="incidents")
    assert figures(incidents)["Arbitrary detention"] == 2
    assert incidents.total == 3


def test_places_roll_up_to_the_level_asked(world, personas):
    regions = run(personas.member, rows="region", level="region")
    assert figures(regions) == {
        "Chechen Republic": 3,
        "Republic of Dagestan": 1,
        "Place unknown": 1,
    }
    countries = run(personas.member, rows="region", level=Location.Kind.COUNTRY)
    assert figures(countries) == {"Russia": 4, "Place unknown": 1}


def test_a_region_filter_keeps_the_places_inside_it(world, personas):
    chechnya = Location.objects.get(name_en="Chechen Republic")
    assert run(personas.member, rows="act_type", region=chechnya.pk).total == 3


def test_periods_count_certain_and_possible(world, personas):
    years = run(personas.member, rows="period", period="year")
    assert figures(years) == {"2019": 1, "2020": 4}
    quarters = run(personas.member, rows="period", period="quarter")
    # Summer 2020 (June to August) lies in no one quarter: certain in none, possible in two.
    assert figures(quarters) == {
        "Q4 2019": 1,
        "Q2 2020": 3,
        "No single period (a vaguer date)": 1,
    }
    assert figures(quarters, possible=True) == {"Q4 2019": 1, "Q2 2020": 4, "Q3 2020": 1}
    # Every quarter between the first and the last is a row, empty ones too.
    assert [label for _key, label in quarters.rows][:4] == [
        "Q4 2019",
        "Q1 2020",
        "Q2 2020",
        "Q3 2020",
    ]


def test_a_period_filter_keeps_the_acts_that_overlap_it(world, personas):
    table = run(
        personas.member,
        rows="period",
        period="month",
        date_from=date(2020, 4, 1),
        date_to=date(2020, 6, 30),
    )
    assert figures(table) == {"2020-04": 3, "No single period (a vaguer date)": 1}
    assert figures(table, possible=True) == {"2020-04": 3, "2020-06": 1}


def test_victims_by_gender_and_age_without_decrypting(
    world, personas, django_assert_max_num_queries
):
    genders = run(personas.member, rows="gender")
    assert figures(genders) == {"Male": 3, "Female": 1, "Not recorded": 1}
    ages = run(personas.member, rows="age", measure="victims")
    # Born 1998 and 2000, in 2020: 22 and 20.
    assert figures(ages) == {"18–24": 2, "Birth year not recorded": 2}


def test_stated_grounds_against_the_documented_motive(world, personas):
    table = run(personas.member, rows="grounds", measure="incidents")
    assert figures(table) == {
        "Stated grounds only": 1,
        "Both, differing": 1,
        "Neither recorded": 1,
    }


def test_affiliations_are_grouped_by_their_normalised_text(world, personas):
    table = run(personas.member, rows="affiliation")
    assert figures(table) == {"Special police": 2, "No perpetrator recorded": 3}
    assert table.total == 5


def test_a_rare_affiliation_is_never_named(world, personas):
    table = count(Definition(rows="affiliation"), personas.member, threshold=5)
    assert figures(table) == {
        "Other affiliations (each on fewer than 5 acts)": 2,
        "No perpetrator recorded": 3,
    }


def test_an_act_of_two_rare_affiliations_counts_once_among_the_others(world, personas):
    from haven.incidents import actions

    for affiliation in ("Kadyrov's guard", "Relatives"):
        actions.add_involvement(
            world.torture,
            by=personas.member,
            perpetrator=world.torture.victim,
            degree="ordered",
            affiliation=affiliation,
        )
    for definition in (
        Definition(rows="affiliation"),
        Definition(rows="affiliation", columns="period", period="year"),
        Definition(rows="act_type", columns="affiliation"),
    ):
        table = count(definition, personas.member, threshold=5)
        assert table == count(definition, personas.member, threshold=5, fast=False)
        other = [key for key, label in table.rows + table.columns if label.startswith("Other")]
        # The torture names three affiliations, the other act one: two acts.
        position = 0 if definition.rows == "affiliation" else 1
        assert sum(n for cell, n in table.cells.items() if cell[position] in other) == 2


def test_cross_table_with_totals(world, personas):
    table = run(personas.member, rows="act_type", columns="period", period="year")
    assert figures(table) == {
        ("Arbitrary detention", "2019"): 1,
        ("Arbitrary detention", "2020"): 2,
        ("Torture", "2020"): 1,
        ("Threat", "2020"): 1,
    }
    columns = dict(table.columns)
    assert {columns[c]: n for c, n in table.column_totals.items()} == {"2019": 1, "2020": 4}


def test_a_cross_table_of_distinct_victims_has_distinct_totals(world, personas):
    table = run(personas.member, rows="gender", columns="act_type", measure="victims")
    rows = dict(table.rows)
    # Ibragim: torture and detention, yet one male victim among the three.
    assert {rows[r]: n for r, n in table.row_totals.items()}["Male"] == 2
    assert table.total == 4


def test_a_report_over_nothing_is_empty(personas):
    assert run(personas.member, rows="affiliation", columns="period").empty


def test_a_definition_reads_back_from_its_json():
    definition = Definition(
        rows="period", columns="gender", date_from=date(2020, 1, 1), act_types=("torture",)
    )
    assert Definition.from_json(definition.as_json()) == definition
    with pytest.raises(ValueError):
        Definition.from_json({"rows": "names"})
    with pytest.raises(ValueError):
        Definition.from_json({"rows": "gender", "columns": "gender"})


def test_counted_only_indexes_find_nothing_in_a_search(world, personas):
    from haven.incidents.models import Involvement
    from haven.people.models import Person
    from haven.records import blind

    assert blind.tokens(Person, "gender", "male") and not blind.tokens(
        Person, "gender", "male", query=True
    )
    # Reports read every token of an involvement as its affiliation's.
    assert list(Involvement.blind_indexes) == ["affiliation"]


def test_records_saved_before_the_indexes_get_their_tokens(world, personas):
    """What the migration does for records that existed before these indexes."""
    from django.contrib.contenttypes.models import ContentType

    from haven.people.models import Person
    from haven.records import blind
    from haven.records.models import BlindTerm

    gender_tokens = blind.hashed(Person, "gender", [f"value:{g}" for g in Person.Gender.values])
    kind = ContentType.objects.get_for_model(Person)
    from haven.reports import facts

    # Tokens written in SQL, past Haven's writes (as a migration does): "haven reports
    # check" sees the counted acts differ, and a rebuild follows the index.
    BlindTerm.objects.filter(kind=kind, token__in=gender_tokens).delete()
    assert any("out of date" in line for line in facts.differences())
    facts.rebuild()
    assert figures(run(personas.member, rows="gender")) == {"Not recorded": 5}
    blind.index_fields(Person, ["gender"])
    facts.rebuild()
    assert figures(run(personas.member, rows="gender"))["Male"] == 3
    assert facts.differences() == []


def test_affiliations_by_period_count_each_act_once_per_period(world, personas):
    from haven.incidents import actions

    # A second perpetrator of another affiliation on the torture: the act counts under
    # both affiliations, and once in its period's total.
    other = actions.add_involvement(
        world.torture,
        by=personas.member,
        perpetrator=world.torture.victim,
        degree="ordered",
        affiliation="Kadyrov's guard",
    )
    assert other.pk
    table = run(personas.member, rows="affiliation", columns="period", period="year")
    assert figures(table) == {
        ("Special police", "2020"): 2,
        ("Kadyrov's guard", "2020"): 1,
        ("No perpetrator recorded", "2020"): 2,
        ("No perpetrator recorded", "2019"): 1,
    }
    columns = dict(table.columns)
    assert {columns[c]: n for c, n in table.column_totals.items()} == {"2019": 1, "2020": 4}
    assert table.total == 5
