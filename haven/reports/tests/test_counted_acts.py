"""The counted acts that reports read stay in step with the records: after every kind of
write, a report over them gives the same figures as the counting over the records, and
``facts.differences`` finds nothing."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.incidents import actions
from haven.incidents.models import Act, Incident, Involvement
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.locations.models import Location
from haven.people import merging
from haven.people.actions import add_person, remove_person, update_person
from haven.people.models import Person
from haven.records.actions import delete_record
from haven.records.bulk import create_records
from haven.reports import facts
from haven.reports.counting import Definition, count
from haven.reports.models import CountedAct, CountedAffiliation
from haven.retention import journal
from haven.retention.actions import erase
from haven.vocab.models import Term

pytestmark = pytest.mark.django_db

DEFINITIONS = [
    Definition(rows="act_type"),
    Definition(rows="act_type", measure="victims"),
    Definition(rows="region", level=Location.Kind.COUNTRY, measure="incidents"),
    Definition(rows="act_type", columns="period", period="year"),
    Definition(rows="region", columns="period", period="quarter"),
    Definition(rows="period", period="month", measure="victims"),
    Definition(rows="gender", columns="act_type"),
    Definition(rows="age", measure="victims"),
    Definition(rows="grounds", columns="gender", measure="incidents"),
    Definition(rows="affiliation", columns="period", period="year"),
    Definition(rows="affiliation", columns="gender", measure="victims"),
    Definition(rows="period", columns="affiliation", period="quarter", measure="incidents"),
    Definition(
        rows="act_type",
        columns="period",
        period="month",
        date_from=date(2019, 3, 1),
        date_to=date(2020, 8, 15),
    ),
    Definition(rows="gender", act_types=("torture", "threat")),
    Definition(rows="affiliation", columns="act_type"),
    Definition(rows="age", columns="grounds"),
    Definition(rows="region", columns="affiliation", measure="victims"),
]
AFFILIATIONS = ["Special police", "special  POLICE", "Kadyrov's guard", "Relatives", ""]
DATES = ["2019", "2019-11", "2020-04-02", "summer 2020", "2020-06", "before 2019", "2021-02-28"]


def same_figures(user, region):
    """Every definition counts the same over the counted acts and over the records."""
    assert facts.differences() == []
    for definition in [*DEFINITIONS, Definition(rows="gender", region=region.pk)]:
        for threshold in (1, 2):
            fast = count(definition, user, threshold=threshold)
            slow = count(definition, user, threshold=threshold, fast=False)
            assert fast == slow, f"{definition}: {fast} != {slow}"


def test_reports_over_the_counted_acts_match_the_records_after_every_kind_of_write(personas):
    rng = random.Random(14)
    by = personas.member
    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=by, access="member")
    teams = [personas.team, other]
    places = list(Location.objects.all())
    types = list(Term.objects.filter(vocabulary="act_type"))
    chechnya = Location.objects.get(name_en="Chechen Republic")

    def person(team):
        return add_person(
            team=team,
            by=by,
            name=f"Person {rng.randrange(10**6)}",
            gender=rng.choice([*Person.Gender.values, ""]),
            birth_date=PartialDate(rng.randrange(1960, 2010)) if rng.random() < 0.7 else None,
        )

    def incident(team):
        return actions.record_incident(
            team=team,
            by=by,
            title="Incident",
            start=FuzzyDate.parse(rng.choice(DATES)),
            location=rng.choice([*places, None]),
            stated_grounds=rng.choice(["", "debts", "a Telegram channel"]),
            documented_motive=rng.choice(["", "debts", "sexual orientation"]),
        )

    def live(model):
        return list(model.objects.live().order_by("pk"))

    for _ in range(6):
        person(rng.choice(teams))
    for _ in range(3):
        incident(rng.choice(teams))

    def act():
        chosen = rng.choice(live(Incident))
        victims = [p for p in live(Person) if p.team_id == chosen.team_id] or [person(chosen.team)]
        return actions.record_act(
            chosen,
            by=by,
            act_type=rng.choice(types),
            victim=rng.choice(victims),
            start=FuzzyDate.parse(rng.choice(DATES)) if rng.random() < 0.4 else None,
            location=rng.choice(places) if rng.random() < 0.3 else None,
        )

    for _ in range(8):
        act()

    def add_involvement():
        chosen = rng.choice(live(Act))
        actions.add_involvement(
            chosen,
            by=by,
            perpetrator=rng.choice(
                [p for p in live(Person) if p.team_id == chosen.team_id] or [chosen.victim]
            ),
            degree="direct",
            affiliation=rng.choice(AFFILIATIONS),
        )

    def edit_act():
        chosen = rng.choice(live(Act))
        victims = [p for p in live(Person) if p.team_id == chosen.team_id]
        actions.update_act(
            chosen,
            by=by,
            act_type=rng.choice(types),
            victim=rng.choice(victims or [chosen.victim]),
            start=FuzzyDate.parse(rng.choice(DATES)) if rng.random() < 0.5 else None,
            location=rng.choice([*places, None]),
        )

    def edit_incident():
        actions.update_incident(
            rng.choice(live(Incident)),
            by=by,
            start=FuzzyDate.parse(rng.choice(DATES)),
            location=rng.choice([*places, None]),
            stated_grounds=rng.choice(["", "debts"]),
        )

    def edit_person():
        update_person(
            rng.choice(live(Person)),
            by=by,
            gender=rng.choice([*Person.Gender.values, ""]),
            birth_date=PartialDate(rng.randrange(1960, 2010)) if rng.random() < 0.5 else None,
        )

    def edit_involvement():
        involvements = live(Involvement)
        if involvements:
            actions.update_involvement(
                rng.choice(involvements), by=by, affiliation=rng.choice(AFFILIATIONS)
            )

    def remove():
        kind = rng.choice(["act", "incident", "involvement", "person"])
        if kind == "act":
            actions.remove_act(rng.choice(live(Act)), by=by)
        elif kind == "incident" and len(live(Incident)) > 2:
            delete_record(rng.choice(live(Incident)), by=by)
        elif kind == "involvement" and live(Involvement):
            actions.remove_involvement(rng.choice(live(Involvement)), by=by)
        elif kind == "person" and len(live(Person)) > 3:
            remove_person(rng.choice(live(Person)), by=by)

    def erase_someone():
        victims = [p for p in live(Person) if p.acts.exists()]
        if len(victims) > 2:
            erase(rng.choice(victims), by=by, reason="error", check=False)

    def merge():
        for team in teams:
            mine = [p for p in live(Person) if p.team_id == team.pk]
            if len(mine) >= 2:
                kept, merged = rng.sample(mine, 2)
                result = merging.merge(kept, merged, by=by)
                if rng.random() < 0.5:
                    merging.undo(result, by=by)
                return

    def reindex():
        # Every token written again (haven search reindex): the counted rows follow.
        call_command("search", "reindex", stdout=io.StringIO())

    def bulk_import():
        team = rng.choice(teams)
        new_people = [
            Person(team=team, name=f"Imported {n}", gender=rng.choice(["male", "female"]))
            for n in range(3)
        ]
        new_incident = Incident(team=team, title="Imported", location=rng.choice(places))
        new_incident.start = FuzzyDate.parse(rng.choice(DATES))
        new_acts = []
        for victim in new_people:
            new_act = Act(
                team=team, incident=new_incident, act_type=rng.choice(types), victim=victim
            )
            new_act.start = None
            new_acts.append(new_act)
        involvement = Involvement(
            team=team,
            act=new_acts[0],
            perpetrator=new_people[1],
            degree="direct",
            affiliation=rng.choice(AFFILIATIONS),
        )
        create_records([*new_people, new_incident, *new_acts, involvement], by=by)

    writes = [
        act,
        add_involvement,
        edit_act,
        edit_incident,
        edit_person,
        edit_involvement,
        remove,
        erase_someone,
        merge,
        bulk_import,
        reindex,
    ]
    done = set()
    for step in range(45):
        write = writes[step] if step < len(writes) else rng.choice(writes)
        write()
        done.add(write.__name__)
        if step % 3 == 0 or step < len(writes):
            same_figures(by, chechnya)
    same_figures(by, chechnya)
    assert done == {write.__name__ for write in writes}
    assert CountedAct.objects.exists()


def test_a_stale_table_is_found_and_rebuilt(world, personas, capsys):
    CountedAct.objects.filter(act_id=world.torture.pk).update(act_type_id=None)
    missing = world.grozny.acts.live().exclude(pk=world.torture.pk)[0]
    CountedAct.objects.filter(act_id=missing.pk).delete()
    found = facts.differences()
    assert f"act {world.torture.pk}: out of date" in found
    assert f"act {missing.pk}: not counted" in found
    with pytest.raises(CommandError):
        call_command("reports", "check")
    assert "out of date" in capsys.readouterr().out
    call_command("reports", "rebuild")
    assert facts.differences() == []
    call_command("reports", "check")
    table = count(Definition(rows="act_type"), personas.member, threshold=1)
    assert table == count(Definition(rows="act_type"), personas.member, threshold=1, fast=False)


def test_the_counted_acts_hold_ids_and_plain_dates_only(world):
    row = CountedAct.objects.get(act_id=world.torture.pk)
    assert (row.first_day, row.last_day) == (date(2020, 4, 1), date(2020, 4, 30))
    assert row.first_month == row.last_month == 2020 * 12 + 3
    assert row.victim_id == world.torture.victim_id
    names = {field.name for field in CountedAct._meta.get_fields()}
    assert names == {"act_id", *facts.COLUMNS}
    # Tokens, as the blind index holds them: an erasure compacts both tables with it.
    tables = journal.erased_tables()
    assert {CountedAct._meta.db_table, CountedAffiliation._meta.db_table} <= set(tables)


def test_the_counted_tokens_are_the_blind_index_tokens(world):
    """No value at rest: the gender and birth year are the victim's own index tokens."""
    from django.contrib.contenttypes.models import ContentType

    from haven.records.models import BlindTerm

    row = CountedAct.objects.get(act_id=world.torture.pk)
    held = set(
        BlindTerm.objects.filter(
            kind=ContentType.objects.get_for_model(Person), record_id=row.victim_id
        ).values_list("token", flat=True)
    )
    assert row.gender in held and row.born in held
    assert not 1800 <= row.born <= 2100  # a token, not the year 1998


def test_an_acts_tokens_are_read_from_the_index_alone(world):
    """Recounting an act reads its victim's and incident's tokens from ``blind_record``
    without a lookup of the index's table for each of their rows (SQLite's plan says
    so; PostgreSQL chooses by its statistics)."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + facts._select(f"a.id = {world.torture.pk}"))
        plan = [row[-1] for row in cursor.fetchall()]
    subqueries = [step for step in plan if "blind" in step]
    assert len(subqueries) == 3, plan
    assert all("COVERING INDEX blind_record" in step for step in subqueries), plan


def test_a_deleted_incident_takes_its_acts_out(world, personas):
    before = CountedAct.objects.count()
    delete_record(world.grozny, by=personas.member)
    assert CountedAct.objects.count() == before - 3
    assert facts.differences() == []
