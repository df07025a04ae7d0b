#!/usr/bin/env python3
"""Bulk creation for imports: records per second through create_records, beside its floor.

Each row of a spreadsheet of incidents makes three records: the incident, its victim (a
person) and the act against them. The bench creates N such rows through
``haven.records.bulk.create_records`` (permission, validation, encryption, a history
version, blind-index tokens and an audit entry per record), ROWS_PER_CHUNK rows to a
transaction as an import does, on a fresh instance, and prints rows and records per
second.

The floor is the same rows inserted with plain ``bulk_create`` into tables of the same
columns in clear (throwaway models made for the bench), in the same chunks: no checks, no
encryption, no history, no index, no audit. What create_records costs beyond it is what
keeping each record safe and accountable costs. Then ``haven audit verify``'s check runs
over the whole log. Target: 100,000 rows (300,000 records) in <= 60 s on SQLite.

    .venv/bin/python bench/bulk_records.py [--rows N] [--chunk N] [--profile]
    .venv/bin/python bench/bulk_records.py --postgres --rows 20000

``--postgres`` runs the same on a throwaway PostgreSQL cluster (scripts/with-postgres;
server settings from HAVEN_PG_OPTIONS). ``--profile`` prints where create_records spends
its time (cProfile; slower).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import _conditions
import _instance

ROOT = Path(__file__).resolve().parents[1]
TARGET_ROWS, TARGET_SECONDS = 100_000, 60
FIRST = ["Адам", "Ислам", "Магомед", "Рустам", "Зелимхан", "Хава", "Зарема", "Седа",
         "Малика", "Салех", "Исмаил", "Хасан", "Анна", "Ольга", "Павел", "Марина"]  # fmt: skip
LAST = ["Ахмадов", "Вагапов", "Дакаев", "Хамзатов", "Сулейманов", "Усманов", "Магамадов",
        "Исаев", "Бетиев", "Тагиров", "Иванов", "Смирнов", "Петров", "Волков"]  # fmt: skip
TITLES = ["Detention of", "Threats against", "Abduction of", "Search at home of"]
ACT_TYPES = ("arbitrary_detention", "torture", "threat", "enforced_disappearance")


def progress(text):
    sys.stdout.write(f"\r{text}   ")
    sys.stdout.flush()


def spreadsheet(rows: int, rng) -> list[dict]:
    """The rows an import would have read: fictional names, titles, dates and places."""
    from haven.locations.models import Location

    places = list(Location.objects.values_list("pk", flat=True))
    start = date(2015, 1, 1)
    table = []
    for n in range(rows):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        table.append(
            {
                "n": n,
                "name": name,
                "title": f"{rng.choice(TITLES)} {name}",
                "description": "Detained at a checkpoint and held for three days.",
                "day": start + timedelta(days=rng.randrange(4000)),
                "place": rng.choice(places),
                "act_type": rng.choice(ACT_TYPES),
            }
        )
    return table


def haven_records(chunk: list[dict], team, act_types: dict) -> list:
    """One chunk's records, kind by kind (a run of one kind is one insert)."""
    from haven.incidents.models import Act, Incident
    from haven.lib.fuzzy_dates import FuzzyDate
    from haven.people.models import Person

    incidents, people, acts = [], [], []
    for row in chunk:
        incident = Incident(
            team=team, title=row["title"], description=row["description"], location_id=row["place"]
        )
        incident.start = FuzzyDate.of_day(row["day"])
        person = Person(team=team, name=row["name"])
        act = Act(team=team, incident=incident, victim=person, act_type=act_types[row["act_type"]])
        incidents.append(incident)
        people.append(person)
        acts.append(act)
    return incidents + people + acts


def plain_models():
    """Tables of the same columns in clear, for the floor (made in this process only)."""
    from django.db import connection, models

    class PlainIncident(models.Model):
        uuid = models.UUIDField(unique=True)
        code = models.CharField(max_length=12, unique=True)
        team_id = models.BigIntegerField()
        title = models.TextField()
        description = models.TextField()
        location_id = models.BigIntegerField(null=True)
        start_earliest = models.DateField()
        start_latest = models.DateField()
        start_precision = models.CharField(max_length=8)
        created_at = models.DateTimeField()
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "records"
            db_table = "bench_plain_incident"

    class PlainPerson(models.Model):
        uuid = models.UUIDField(unique=True)
        code = models.CharField(max_length=12, unique=True)
        team_id = models.BigIntegerField()
        name = models.TextField()
        created_at = models.DateTimeField()
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "records"
            db_table = "bench_plain_person"

    class PlainAct(models.Model):
        uuid = models.UUIDField(unique=True)
        team_id = models.BigIntegerField()
        incident = models.ForeignKey(PlainIncident, on_delete=models.PROTECT)
        victim = models.ForeignKey(PlainPerson, on_delete=models.PROTECT)
        act_type_id = models.BigIntegerField()
        created_at = models.DateTimeField()
        updated_at = models.DateTimeField()

        class Meta:
            app_label = "records"
            db_table = "bench_plain_act"

    with connection.schema_editor() as editor:
        for model in (PlainIncident, PlainPerson, PlainAct):
            editor.create_model(model)
    return PlainIncident, PlainPerson, PlainAct


def plain_insert(chunk: list[dict], team, act_types: dict, models) -> None:
    import uuid

    from django.utils import timezone

    PlainIncident, PlainPerson, PlainAct = models
    now = timezone.now()
    incidents = PlainIncident.objects.bulk_create(
        PlainIncident(
            uuid=uuid.uuid4(),
            code=f"I-{row['n']:07d}",  # random codes would clash at this scale
            team_id=team.pk,
            title=row["title"],
            description=row["description"],
            location_id=row["place"],
            start_earliest=row["day"],
            start_latest=row["day"],
            start_precision="day",
            created_at=now,
            updated_at=now,
        )
        for row in chunk
    )
    people = PlainPerson.objects.bulk_create(
        PlainPerson(
            uuid=uuid.uuid4(),
            code=f"P-{row['n']:07d}",
            team_id=team.pk,
            name=row["name"],
            created_at=now,
            updated_at=now,
        )
        for row in chunk
    )
    PlainAct.objects.bulk_create(
        PlainAct(
            uuid=uuid.uuid4(),
            team_id=team.pk,
            incident=incident,
            victim=person,
            act_type_id=act_types[row["act_type"]].pk,
            created_at=now,
            updated_at=now,
        )
        for row, incident, person in zip(chunk, incidents, people, strict=True)
    )


def chunked(table: list, size: int):
    for start in range(0, len(table), size):
        yield table[start : start + size]


def timed_import(label: str, table: list, size: int, insert) -> tuple[float, float]:
    """Wall-clock and CPU seconds of inserting ``table`` in chunks, one transaction each."""
    from django.db import transaction

    wall, cpu = time.perf_counter(), time.process_time()
    done = 0
    for chunk in chunked(table, size):
        with transaction.atomic():
            insert(chunk)
        done += len(chunk)
        elapsed = time.perf_counter() - wall
        progress(f"{label}: {done:,}/{len(table):,} rows, {done / elapsed:,.0f} rows/s")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n{label}: {len(table):,} rows in {wall:.1f} s ({cpu:.1f} s CPU)")
    return wall, cpu


def database_settings(connection) -> str:
    """The durability settings the figures depend on."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            journal = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[cursor.fetchone()[0]]
            return f"journal_mode={journal}, synchronous={synchronous}"
        cursor.execute("SHOW fsync")
        fsync = cursor.fetchone()[0]
        cursor.execute("SHOW synchronous_commit")
        return f"fsync={fsync}, synchronous_commit={cursor.fetchone()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="incident rows")
    parser.add_argument("--chunk", type=int, default=2000, help="rows per transaction")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL")
    parser.add_argument("--profile", action="store_true", help="print where the time goes")
    args = parser.parse_args()
    if args.postgres and not os.environ.get("HAVEN_DATABASE_URL", "").startswith("postgres"):
        rest = [arg for arg in sys.argv[1:] if arg != "--postgres"]
        script = str(ROOT / "scripts" / "with-postgres")
        os.execv(script, [script, sys.executable, __file__, "--postgres", *rest])  # noqa: S606

    workdir = _instance.start()
    from django.db import connection

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.audit.actions import verify_chain
    from haven.audit.context import Channel, audit_context
    from haven.records.bulk import create_records
    from haven.vocab.models import term

    team = create_team("Import desk")
    user, _password = create_user(email="bench@example.org")
    add_member(team, user)
    act_types = {code: term("act_type", code) for code in ACT_TYPES}
    table = spreadsheet(args.rows, random.Random(7))
    floor_models = plain_models()
    # Open the keyring and load the data keys before measuring, as a running server has.
    with audit_context(Channel.CLI, actor=user):
        create_records(haven_records(spreadsheet(1, random.Random(1)), team, act_types), by=user)

    conditions = _conditions.start()
    profiler = cProfile.Profile() if args.profile else None

    def through_haven(chunk):
        records = haven_records(chunk, team, act_types)
        if profiler:
            profiler.enable()
        create_records(records, by=user)
        if profiler:
            profiler.disable()

    with audit_context(Channel.CLI, actor=user):
        wall, cpu = timed_import("create_records", table, args.chunk, through_haven)
    floor_wall, floor_cpu = timed_import(
        "floor", table, args.chunk, lambda chunk: plain_insert(chunk, team, act_types, floor_models)
    )
    started = time.perf_counter()
    verdict = verify_chain()
    verify_seconds = time.perf_counter() - started

    rows, records = args.rows, 3 * args.rows
    print(
        f"Bulk creation on {connection.vendor}: {rows:,} incident rows (incident, victim, act:"
        f" {records:,} records), {args.chunk:,} rows per transaction"
    )
    print(f"{'':<16}{'seconds':>9}{'CPU s':>9}{'rows/s':>10}{'records/s':>11}")
    for label, seconds, cpu_seconds in (
        ("create_records", wall, cpu),
        ("floor", floor_wall, floor_cpu),
    ):
        print(
            f"{label:<16}{seconds:>9.1f}{cpu_seconds:>9.1f}{rows / seconds:>10,.0f}"
            f"{records / seconds:>11,.0f}"
        )
    print(
        f"create_records / floor: {wall / floor_wall:.1f} x wall-clock, {cpu / floor_cpu:.1f} x CPU"
    )
    print(
        f"audit chain: {'intact' if verdict.ok else 'BROKEN: ' + verdict.problem}, "
        f"{verdict.count:,} entries checked in {verify_seconds:.1f} s"
    )
    conditions.report(
        database=connection.vendor,
        cache="a fresh instance, written by this process",
        notes=f"{database_settings(connection)}; create_records first, then the floor",
    )
    scaled = wall * TARGET_ROWS / rows
    print(
        f"target: {TARGET_ROWS:,} rows in <= {TARGET_SECONDS} s on SQLite"
        + (f"; at this rate {scaled:.0f} s" if rows != TARGET_ROWS else "")
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(45)
    print(f"(instance left in {workdir})")
    if not verdict.ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
