#!/usr/bin/env python3
"""Pattern reports at scale: each report's time beside its floor, over N acts.

Generates N acts (default 1,000,000) in four teams that the bench user all belongs to
(the worst case: every act counts), against N/20 victims and in N/5 incidents, with
one involvement for every other act. The victims are stored as Haven stores them
(encrypted, with their blind-index tokens: names, gender, birth year); incidents, acts
and involvements are inserted in bulk with plain SQL, their encrypted columns left
empty (a report never reads them), and their counted-only tokens (an incident's
grounds, an involvement's affiliation) written as Haven writes them. Dates: three acts
in four to the day, the rest a month, a season or a year.

Each report is timed whole, as the page runs it (``presentation.show``: count in SQL,
protect the small figures, label the rows), warm, best of ``--repeat`` runs. Its floor
is the same grouping in plain SQL over plain columns: the acts' own type, date and
place columns, and throwaway tables holding each victim's gender and birth year, each
incident's grounds and each involvement's affiliation in clear, with no blind index and
no policy join. Target: each report <= 2 s at 1,000,000 acts.

    .venv/bin/python bench/report_scale.py [--acts N] [--repeat N]
    .venv/bin/python bench/report_scale.py --instance DIR   # measure DIR's data again
    .venv/bin/python bench/report_scale.py --postgres [--acts N]

``--postgres`` runs the same on a throwaway PostgreSQL cluster (scripts/with-postgres;
server settings from HAVEN_PG_OPTIONS).
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from unittest import mock

import _conditions
import _instance

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0
AFFILIATIONS = [
    "Special police (SOBR)",
    "Kadyrov's guard",
    "District police",
    "Federal Security Service",
    "Relatives",
    "Unknown men in uniform",
    "Local administration",
    "Military",
]
GROUNDS = ["stated", "documented", "differ", "same", "neither"]


def progress(text):
    sys.stdout.write(f"\r{text}   ")
    sys.stdout.flush()


def insert(model_or_table, columns, rows, batch=20_000):
    """Insert plain tuples in bulk: COPY on PostgreSQL, executemany on SQLite."""
    from django.db import connection, transaction

    table = model_or_table if isinstance(model_or_table, str) else model_or_table._meta.db_table
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    quoted = connection.ops.quote_name(table)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quoted} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        # Django keeps a UUID as 32 hex digits on SQLite.
        rows = (tuple(v.hex if isinstance(v, uuid.UUID) else v for v in row) for row in rows)
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quoted} ({names}) VALUES ({marks})"  # noqa: S608 (names only)
        chunk = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch:
                cursor.executemany(sql, chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)


def next_id(model) -> int:
    from django.db.models import Max

    return (model._base_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def generate(acts: int, rng) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.utils import timezone

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.incidents.models import Act, Incident, Involvement
    from haven.lib.partial_dates import PartialDate
    from haven.locations.models import Location
    from haven.people.models import Person
    from haven.records import blind
    from haven.records.models import BlindTerm
    from haven.reports import facts
    from haven.vocab.models import Term

    now = timezone.now()
    teams = [create_team(f"Team {n}") for n in range(4)]
    user, _password = create_user(email="bench@example.org")
    for team in teams:
        add_member(team, user)
    victims_count, incidents_count = max(acts // 20, 10), max(acts // 5, 10)
    genders = Person.Gender.values
    victims = []
    for team_index, team in enumerate(teams):
        rows = [
            {
                "name": f"Victim {n}",
                "code": f"P-{n:07d}",
                "gender": rng.choice([*genders, ""]),
                "birth_date": PartialDate(rng.randrange(1950, 2008))
                if rng.random() < 0.7
                else None,
            }
            for n in range(team_index, victims_count, len(teams))
        ]
        victims += _instance.bulk_people(team, rows)
        progress(f"victims: {len(victims):,}/{victims_count:,}")
    print()
    plain_victims = [
        (v.pk, v.gender or "", v.birth_date.year if v.birth_date else None) for v in victims
    ]
    places = list(Location.objects.values_list("pk", flat=True))
    types = list(Term.objects.filter(vocabulary="act_type").values_list("pk", flat=True))
    start = date(2015, 1, 1)

    def dated():
        day = start + timedelta(days=rng.randrange(3650))
        kind = rng.random()
        if kind < 0.75:
            return day, day, "day"
        if kind < 0.9:
            first = day.replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            return first, last, "month"
        if kind < 0.95:
            first = day.replace(day=1)
            return first, first + timedelta(days=91), "season"
        return date(day.year, 1, 1), date(day.year, 12, 31), "year"

    first_incident = next_id(Incident)
    incident_rows, incident_team, incident_grounds = [], {}, {}
    for n in range(incidents_count):
        team = teams[n % len(teams)]
        first, last, precision = dated()
        pk = first_incident + n
        incident_team[pk] = team.pk
        incident_grounds[pk] = rng.choice(GROUNDS)
        incident_rows.append(
            (
                pk,
                uuid.uuid4(),
                team.pk,
                now,
                now,
                f"I-{n:07d}",
                first,
                last,
                precision,
                False,
                "",
                False,
                rng.choice(places),
                "alleged",
                "restricted",
            )  # fmt: skip
        )
    insert(
        Incident,
        [
            "id",
            "uuid",
            "team_id",
            "created_at",
            "updated_at",
            "code",
            "start_earliest",
            "start_latest",
            "start_precision",
            "start_estimated",
            "end_precision",
            "end_estimated",
            "location_id",
            "violation_status",
            "confidentiality",
        ],  # fmt: skip
        incident_rows,
    )
    progress(f"incidents: {incidents_count:,}")
    print()
    by_team = {}
    for victim in victims:
        by_team.setdefault(victim.team_id, []).append(victim.pk)
    first_act = next_id(Act)
    act_rows, plain_involvements = [], []
    for n in range(acts):
        incident = first_incident + rng.randrange(incidents_count)
        team = incident_team[incident]
        own = rng.random() < 0.3
        first, last, precision = dated() if own else (None, None, "")
        act_rows.append(
            (
                first_act + n,
                uuid.uuid4(),
                team,
                now,
                now,
                first,
                last,
                precision,
                False,
                "",
                False,
                incident,
                rng.choice(types),
                rng.choice(by_team[team]),
                rng.choice(places) if rng.random() < 0.2 else None,
                "unknown",
            )  # fmt: skip
        )
    insert(
        Act,
        [
            "id",
            "uuid",
            "team_id",
            "created_at",
            "updated_at",
            "start_earliest",
            "start_latest",
            "start_precision",
            "start_estimated",
            "end_precision",
            "end_estimated",
            "incident_id",
            "act_type_id",
            "victim_id",
            "location_id",
            "victim_status",
        ],  # fmt: skip
        act_rows,
    )
    del act_rows
    progress(f"acts: {acts:,}")
    print()
    first_involvement = next_id(Involvement)
    involvement_rows, involvement_tokens = [], []
    kind = ContentType.objects.get_for_model(Involvement).pk
    tokens = {
        text: next(iter(blind.tokens(Involvement, "affiliation", text))) for text in AFFILIATIONS
    }
    for n in range(acts // 2):
        act = first_act + n * 2
        pk = first_involvement + n
        affiliation = rng.choice([*AFFILIATIONS, ""])
        team = teams[0].pk  # replaced below by the act's team
        involvement_rows.append([pk, uuid.uuid4(), team, now, now, act, victims[0].pk, "direct"])
        plain_involvements.append((act, affiliation))
        if affiliation:
            involvement_tokens.append([tokens[affiliation], team, kind, pk])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, team_id FROM {Act._meta.db_table} WHERE id >= %s",  # noqa: S608
            [first_act],
        )
        act_team = dict(cursor.fetchall())
    for row in involvement_rows:
        row[2] = act_team[row[5]]
    for row in involvement_rows:
        row[6] = rng.choice(by_team[row[2]])
    insert(
        Involvement,
        ["id", "uuid", "team_id", "created_at", "updated_at", "act_id", "perpetrator_id", "degree"],
        [tuple(row) for row in involvement_rows],
    )
    team_of_involvement = {row[0]: row[2] for row in involvement_rows}
    for token_row in involvement_tokens:
        token_row[1] = team_of_involvement[token_row[3]]
    # One involvement of each affiliation holds its text, encrypted: a report names a
    # group by opening one of its involvements.
    for text in AFFILIATIONS:
        first = next(row[3] for row in involvement_tokens if row[0] == tokens[text])
        involvement = Involvement._base_manager.get(pk=first)
        involvement.affiliation = text
        involvement.save(update_fields=["affiliation"])
    grounds_tokens = {
        code: next(iter(blind.tokens(Incident, "grounds_agreement", code))) for code in GROUNDS
    }
    incident_kind = ContentType.objects.get_for_model(Incident).pk
    blind.insert_rows(
        [tuple(row) for row in involvement_tokens]
        + [
            (grounds_tokens[code], incident_team[pk], incident_kind, pk)
            for pk, code in incident_grounds.items()
        ]
    )
    progress(f"involvements: {len(involvement_rows):,}")
    print()
    # The floor's plain copies.
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_plain_victim "
            "(id bigint PRIMARY KEY, gender varchar(10), birth_year integer)"
        )
        cursor.execute(
            "CREATE TABLE bench_plain_involvement (act_id bigint, affiliation varchar(300))"
        )
        cursor.execute(
            "CREATE INDEX bench_plain_involvement_act ON bench_plain_involvement (act_id)"
        )
        cursor.execute(
            "CREATE TABLE bench_plain_incident (id bigint PRIMARY KEY, grounds varchar(20))"
        )
    insert("bench_plain_victim", ["id", "gender", "birth_year"], plain_victims)
    insert("bench_plain_involvement", ["act_id", "affiliation"], plain_involvements)
    insert("bench_plain_incident", ["id", "grounds"], list(incident_grounds.items()))
    _ = BlindTerm
    # The rows were inserted in bulk, past the writes that keep the counted acts: count
    # them all once, as ``haven reports rebuild`` does.
    started = time.perf_counter()
    counted = facts.rebuild()
    print(f"counted acts rebuilt: {counted:,} in {time.perf_counter() - started:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# --- the floors: the same groupings, plain SQL over plain columns ------------------------


def _floor_sql(name: str, unit: str = "year"):
    from haven.reports.definition import period_key_sql

    first = "COALESCE(a.start_earliest, i.start_earliest)"
    last = "COALESCE(a.start_latest, i.start_latest)"
    k1, k2 = period_key_sql(first, unit), period_key_sql(last, unit)
    base = (
        "FROM incidents_act a JOIN incidents_incident i ON i.id = a.incident_id "
        "WHERE a.deleted_at IS NULL AND a.team_id IN (SELECT team_id FROM accounts_membership)"
    )
    if name == "type_by_year":
        return [
            f"SELECT a.act_type_id, CASE WHEN {k1} = {k2} THEN {k1} END, COUNT(*) "
            f"{base} GROUP BY 1, 2"
        ]
    if name == "region_by_quarter":
        place = "COALESCE(a.location_id, i.location_id)"
        return [
            f"SELECT {place}, CASE WHEN {k1} = {k2} THEN {k1} END, COUNT(*) {base} GROUP BY 1, 2",
            f"SELECT {place}, {k1}, {k2}, COUNT(*) {base} GROUP BY 1, 2, 3",
        ]
    if name == "gender_by_type":
        return [
            "SELECT v.gender, a.act_type_id, COUNT(*) "
            + base.replace("WHERE", "LEFT JOIN bench_plain_victim v ON v.id = a.victim_id WHERE")
            + " GROUP BY 1, 2"
        ]
    if name == "affiliation_by_year":
        return [
            f"SELECT p.affiliation, CASE WHEN {k1} = {k2} THEN {k1} END, COUNT(DISTINCT a.id) "
            + base.replace("WHERE", "LEFT JOIN bench_plain_involvement p ON p.act_id = a.id WHERE")
            + " GROUP BY 1, 2"
        ]
    if name == "victims_by_age":
        return [
            f"SELECT {period_key_sql(first, 'year')} - v.birth_year, COUNT(DISTINCT a.victim_id) "
            + base.replace("WHERE", "LEFT JOIN bench_plain_victim v ON v.id = a.victim_id WHERE")
            + " GROUP BY 1"
        ]
    raise KeyError(name)


REPORTS = {
    "type_by_year": {"rows": "act_type", "columns": "period", "period": "year"},
    "region_by_quarter": {"rows": "region", "columns": "period", "period": "quarter"},
    "gender_by_type": {"rows": "gender", "columns": "act_type"},
    "affiliation_by_year": {"rows": "affiliation", "columns": "period", "period": "year"},
    "victims_by_age": {"rows": "age", "measure": "victims"},
}


def best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acts", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--instance", type=Path, help="measure the data an earlier run left here")
    parser.add_argument(
        "--records",
        action="store_true",
        help="also time each report counted over the records themselves (the way before "
        "the counted acts: slow at scale)",
    )
    args = parser.parse_args()
    if args.postgres and not os.environ.get("HAVEN_DATABASE_URL", "").startswith("postgres"):
        rest = [arg for arg in sys.argv[1:] if arg != "--postgres"]
        script = str(ROOT / "scripts" / "with-postgres")
        os.execv(script, [script, sys.executable, __file__, "--postgres", *rest])  # noqa: S606

    workdir = _instance.start(args.instance)
    from django.db import connection

    from haven.accounts.models import User
    from haven.incidents.models import Act
    from haven.reports import counting
    from haven.reports.counting import Definition
    from haven.reports.presentation import show

    reused = User.objects.filter(email="bench@example.org").exists()
    if not reused:
        started = time.perf_counter()
        generate(args.acts, random.Random(14))
        print(f"generated {args.acts:,} acts in {time.perf_counter() - started:.0f} s in {workdir}")
    acts = Act.objects.count()
    user = User.objects.get(email="bench@example.org")
    conditions = _conditions.start()
    missed = []
    heading = f"{'report':<22} {'haven':>9} {'floor':>9} {'ratio':>6}"
    print(heading + (f" {'records':>9}" if args.records else "") + "  total")
    for name, definition in REPORTS.items():
        shown = show(Definition(**definition), user)  # warm-up, and the figures
        haven = best(
            lambda definition=definition: show(Definition(**definition), user), args.repeat
        )
        records = ""
        if args.records:
            slow = functools.partial(counting.count, fast=False)
            with mock.patch.object(counting, "count", slow):
                show(Definition(**definition), user)
                took = best(
                    lambda definition=definition: show(Definition(**definition), user),
                    args.repeat,
                )
            records = f" {took:>8.2f}s"

        unit = definition.get("period", "year")

        def floor(name=name, unit=unit):
            with connection.cursor() as cursor:
                for sql in _floor_sql(name, unit):
                    cursor.execute(sql)
                    cursor.fetchall()

        floor()
        plain = best(floor, args.repeat)
        print(
            f"{name:<22} {haven:>8.2f}s {plain:>8.2f}s {haven / plain:>5.1f}x{records}"
            f"  {shown.total.text}"
        )
        if haven > TARGET_SECONDS:
            missed.append(f"{name} {haven:.2f} s")
    conditions.report(
        database=connection.vendor,
        cache=_conditions.REOPENED if reused else _conditions.GENERATED,
        notes=f"{acts:,} acts, best of {args.repeat} warm runs; haven: the report whole "
        "(count over the counted acts, protect, label); floor: the same grouping in plain "
        "SQL over the acts' and incidents' plain columns",
    )
    if missed:
        print(f"target {TARGET_SECONDS} s missed: {', '.join(missed)}")


if __name__ == "__main__":
    main()
