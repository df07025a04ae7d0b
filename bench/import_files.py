"""Imports through the same engine as the Import page and `haven import`: the two real
spreadsheets in ../shared/data/spreadsheets (when present) with the mappings a user
would build, and N generated incident rows (default 100,000) with an act and a victim
each, timed beside the floor: the same rows inserted without encryption, blind index,
history or audit.

    .venv/bin/python bench/import_files.py [--rows N] [--skip-real] [--skip-scale]
    HAVEN_DATABASE_URL=postgresql://... .venv/bin/python bench/import_files.py

An import of three chunks or more runs in two processes (haven/imports/pipeline.py):
the CPU seconds printed are both processes', "writing" and "preparing" apart. Figures
of 2026-12-03 (docs/import.md, "Speed"), SQLite, on the shared two-core machine (load
2.4-5.4, CPU shared between sessions, so the two processes got one session's share):
100,000 rows in 277.6 s, 139.3 s of CPU (71.4 s writing, 68.0 s preparing), commit
2a56298, load 3.9-5.3, against 294.6 s and 130.5 s of CPU in one process (036ee93,
load 3.3-3.6); 5,000 rows 5.2-15.3 s, 7.0-7.7 s of CPU (2.7-3.0 s writing, 4.2-4.6 s
preparing) against 6.1-8.4 s and 5.2-5.5 s in one process. On two free cores the
100,000 rows would take about the writer's CPU seconds plus 3 s, some 74 s: the
target of 60 s is not reached. Measured on a nearly idle machine (commit 34db379, load
0.3-1.5): 105.5 s in two processes (165.7 s of CPU: 87.1 s writing, 78.6 s preparing),
149.4 s in one (135.0 s of CPU); the check 28-30 s; the floor 1.0-1.3 s. After the
index left out an import's own words, the collector stayed paused for the whole import
and the index table lost AUTOINCREMENT (commit 8277399, load 0.6-1.4): 69.7 s, 121.6 s of
CPU (58.8 s writing, 62.9 s preparing). PostgreSQL (ea72e7d, fsync=off): 219.4 s.
After the versions were sealed by the preparing process, the counted acts read a
covering index and the first chunk was written while the second process starts
(50db2f8, load 0.8-1.9): 56.9-66.5 s (103.5-114.5 s of CPU); 16 runs that day over
the round's commits, 49.9-69.6 s, 13 of them within 60 s (docs/import.md). With the
versions' second index gone too (af95b4a, load 1.0-1.9): 46.7-57.0 s in eight runs
(86.7-103.0 s of CPU), every one within 60 s. PostgreSQL
(038e9c3, fsync=off, load 0.6-1.7): 143.8 s (102.0 s of CPU in Haven's processes);
ec0ee54 (load 0.3-1.5): 128.8 s (93.2 s of CPU).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _conditions
import _instance

SPREADSHEETS = _instance.SHARED / "spreadsheets"
TARGET_ROWS, TARGET_SECONDS = 100_000, 60

# What a user builds on the Import page for each file: see docs/import.md.
OVDINFO = {
    "target": "incidents",
    "dates": {"order": "DMY", "century": 50},
    "columns": {
        "date": {"field": "incident.start"},
        "description": {"field": "incident.title"},
        "description_eng": {"field": "incident.description"},
        "place": {"field": "incident.location"},
        "links": {"field": "source.url"},
    },
}
SYRIAN_ARCHIVE = {
    "target": "incidents",
    "dates": {"order": "MDY", "century": 50},
    "columns": {
        "date_time": {"field": "incident.start"},
        "event_summary": {"field": "incident.title"},
        "event_summary_ar": {"field": "incident.description"},
        "location_name": {"field": "incident.location"},
        "embedded_videos": {"field": "source.url"},
        "sources": {"field": "source.title"},
        **{
            f"{kind}_{n}: *RENAME*": {"field": "ignore"}
            for kind in ("number", "tag", "boolean")
            for n in range(1, 6)
        },
    },
    # Some rows have no summary: they get this title, and keep their other columns.
    "constants": {"incident.title": "Incident without a summary"},
}


def _setup():
    from haven.accounts.models import Membership, Team, User
    from haven.locations.gazetteer import load
    from haven.locations.models import Location

    if not Location.objects.exists():
        load()
    team, _ = Team.objects.get_or_create(name="Bench import")
    user = User.objects.filter(email="import@example.org").first()
    if user is None:
        user = User.objects.create_user("import@example.org", "x" * 16)
    Membership.objects.get_or_create(team=team, user=user, access=Membership.Access.MEMBER)
    return team, user


def import_file(data: bytes, name: str, mapping: dict, team, user, *, dry_run_only=False):
    """(rows, problems, shown problems, seconds to check, seconds to import, (CPU
    seconds of this process, of its children) to import) through the engine: on a
    shared machine the CPU seconds compare better between runs than the wall-clock
    ones."""
    from haven.imports import actions
    from haven.imports.readers import open_table

    started = time.perf_counter()
    table = open_table(data, name=name)
    mapping_ = actions.Mapping.from_json(mapping, columns=table.columns)
    builder = actions.Builder(mapping_, team=team, by=user, columns=table.columns)
    rows, count, problems = actions.dry_run(table, builder)
    checked = time.perf_counter() - started
    if count or dry_run_only:
        return rows, count, problems, checked, 0.0, (0.0, 0.0)
    started, own, children = time.perf_counter(), *_cpu_seconds()
    job = actions.start_import(team=team, by=user, name=name, data=data, mapping=mapping)
    job.status = job.Status.CHECKED
    job.save(update_fields=["status"])
    actions.queue_import(job, by=user)
    actions.run_job(job, by=user)
    imported = time.perf_counter() - started
    own_after, children_after = _cpu_seconds()
    return rows, 0, [], checked, imported, (own_after - own, children_after - children)


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that ended (the import's second
    process, which prepares chunks while this one writes them)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time(), children.ru_utime + children.ru_stime


def real_files(team, user) -> None:
    print("== the real spreadsheets")
    if not SPREADSHEETS.exists():
        print(f"  {SPREADSHEETS} is absent: skipped (it exists only on the team's machines)")
        return
    for name, mapping in (
        ("ovdinfo_detentions_2011-2012.csv", OVDINFO),
        ("syrianarchive_chemweap.csv", SYRIAN_ARCHIVE),
    ):
        path = SPREADSHEETS / name
        if not path.exists():
            print(f"  {name}: absent, skipped")
            continue
        rows, count, problems, checked, imported, _cpu = import_file(
            path.read_bytes(), name, mapping, team, user
        )
        print(
            f"  {name}: {rows} rows, {count} problems; check {checked:.2f} s, "
            f"import {imported:.2f} s"
        )
        for problem in problems[:10]:
            print(f"    row {problem['row']}, {problem['column']}: {problem['message']}")


def generated(rows: int) -> bytes:
    random.seed(7)
    given = ["Магомед", "Ислам", "Ахмед", "Zelimkhan", "Ruslan", "Салех", "Adam", "Анзор"]
    family = ["Магамадов", "Бетиев", "Tagirov", "Исаев", "Umarov", "Хасанов", "Dudayev"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "title", "act", "victim", "place", "comment"])
    for n in range(rows):
        writer.writerow(
            [
                f"{random.randint(1, 28):02d}.{random.randint(1, 12):02d}."
                f"{random.randint(2000, 2024)}",
                f"Detention {n}",
                "Detention",
                f"{random.choice(given)} {random.choice(family)} {n}",
                random.choice(["Grozny", "Грозный", "Moscow", "Nazran"]),
                f"row {n}",
            ]
        )
    return out.getvalue().encode()


SCALE = {
    "target": "incidents",
    "dates": {"order": "DMY"},
    "columns": {
        "date": {"field": "incident.start"},
        "title": {"field": "incident.title"},
        "act": {"field": "act.act_type", "values": {"Detention": "arbitrary_detention"}},
        "victim": {"field": "victim.name"},
        "place": {"field": "incident.location"},
    },
}


def floor(rows: int) -> float:
    """The same rows (an incident, an act, a person each) inserted with plain SQL: no
    encryption, no index, no history, no audit."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_floor_incident")
        cursor.execute("DROP TABLE IF EXISTS bench_floor_person")
        cursor.execute("DROP TABLE IF EXISTS bench_floor_act")
        cursor.execute(
            "CREATE TABLE bench_floor_incident (id integer primary key, title text, "
            "start date, place text, comment text)"
        )
        cursor.execute("CREATE TABLE bench_floor_person (id integer primary key, name text)")
        cursor.execute(
            "CREATE TABLE bench_floor_act (id integer primary key, incident integer, "
            "person integer, kind text)"
        )
    reader = csv.reader(io.StringIO(generated(rows).decode()))
    next(reader)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        batch = []
        for n, row in enumerate(reader, start=1):
            batch.append(row)
            if len(batch) == 2000:
                _floor_batch(cursor, batch, n - len(batch) + 1)
                batch = []
        if batch:
            _floor_batch(cursor, batch, rows - len(batch) + 1)
    return time.perf_counter() - started


def _floor_batch(cursor, batch, first):
    ids = range(first, first + len(batch))
    cursor.executemany(
        "INSERT INTO bench_floor_incident VALUES (%s, %s, %s, %s, %s)",
        [
            (i, r[1], "-".join(reversed(r[0].split("."))), r[4], r[5])
            for i, r in zip(ids, batch, strict=True)
        ],
    )
    cursor.executemany(
        "INSERT INTO bench_floor_person VALUES (%s, %s)",
        [(i, r[3]) for i, r in zip(ids, batch, strict=True)],
    )
    cursor.executemany(
        "INSERT INTO bench_floor_act VALUES (%s, %s, %s, %s)",
        [(i, i, i, r[2]) for i, r in zip(ids, batch, strict=True)],
    )


def scale(rows: int, team, user) -> None:
    print(f"== {rows:,} generated incident rows (an incident, an act and a victim each)")
    data = generated(rows)
    count, problems, _shown, checked, imported, cpu = import_file(
        data, "generated.csv", SCALE, team, user
    )
    if problems:
        print(f"  {problems} problems: not imported")
        return
    base = floor(rows)
    own, children = cpu
    cpu = own + children
    shared = f" ({own:.1f} s writing, {children:.1f} s preparing)" if children else ""
    print(
        f"  check (dry run) {checked:.1f} s ({count / checked:,.0f} rows/s); "
        f"import {imported:.1f} s ({count / imported:,.0f} rows/s, "
        f"{3 * count / imported:,.0f} records/s; {cpu:.1f} s of CPU{shared}, "
        f"{count / cpu:,.0f} rows per CPU second)"
    )
    print(
        f"  floor (plain SQL, nothing encrypted or indexed): {base:.1f} s "
        f"({count / base:,.0f} rows/s)"
    )
    target = f"target: {TARGET_ROWS:,} rows in <= {TARGET_SECONDS} s on SQLite"
    if count != TARGET_ROWS:
        target += (
            f"; at this rate {imported * TARGET_ROWS / count:,.0f} s "
            f"({cpu * TARGET_ROWS / count:,.0f} s of CPU)"
        )
    print(f"  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    _instance.start()
    from django.db import connection

    conditions = _conditions.start()
    team, user = _setup()
    if not args.skip_real:
        real_files(team, user)
    if not args.skip_scale:
        scale(args.rows, team, user)
    conditions.report(database=connection.vendor, cache=_conditions.GENERATED)


if __name__ == "__main__":
    main()
