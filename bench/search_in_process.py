#!/usr/bin/env python3
"""Search in process where common given names are shared by hundreds: p50/p95 beside the floor.

One team of --people people (4,000 by default), all visible to the searching member, with
given names drawn so that the commonest are shared by hundreds (a Zipf-like spread over 40
names, as in a region where every fifth man is a Магомед or an Ислам), surnames spread evenly
over 38, patronymics for half of them, birth years, places, and phones and handles for some;
and as many incidents titled with their names. The queries are what people type: a name in
the other script with one typo, a given name alone (the hard case: hundreds of hits), a full
name with the patronymic, a name with a birth year, a phone in one of three formats, a handle.

Each query is timed as the search page calls the engine (``search`` with its facets over
every hit and the first page ranked), in wall-clock and CPU time, and beside it the floor:
the same index lookups (one SQL statement per kind) alone.

    .venv/bin/python bench/search_in_process.py [--people N] [--incidents N] [--queries N]
    HAVEN_VAR_DIR=DIR .venv/bin/python bench/search_in_process.py  # measure DIR's data again

On PostgreSQL, through scripts/with-postgres (see the README).
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import _conditions
import _instance
from _scale_data import FIRST, LAST, progress, typo
from search_scale import floor, pct

PLACES = ["Грозный", "Аргун", "Гудермес", "Шали", "Урус-Мартан", "Москва", "Нальчик", "Махачкала"]
MALE = [name for name in FIRST if not name.endswith(("а", "я")) and name != "Седа"]


def patronymic(name: str) -> str:
    if name.endswith("й"):
        return name[:-1] + "евич"
    return name + "ович"


def fake_people(rng, count):
    import iuliia

    schemes = [iuliia.ICAO_DOC_9303, iuliia.BGN_PCGN, iuliia.WIKIPEDIA, iuliia.TELEGRAM]
    weights = [1 / (rank + 1) for rank in range(len(FIRST))]
    rows = []
    for n in range(count):
        given = rng.choices(FIRST, weights)[0]
        parts = [given]
        if rng.random() < 0.5:
            parts.append(patronymic(rng.choice(MALE)))
        parts.append(rng.choice(LAST))
        name = " ".join(parts)
        contacts = []
        if rng.random() < 0.3:
            contacts.append({"kind": "phone", "value": f"+7 928 {n // 10000:03d}-{n % 10000:04d}"})
        if rng.random() < 0.2:
            contacts.append(
                {"kind": "handle", "value": f"@{schemes[0].translate(given).lower()}_{n}"}
            )
        rows.append(
            {
                "name": name,
                "other_names": [rng.choice(schemes).translate(name)],
                "birth_date": str(rng.randint(1950, 2008)),
                "contacts": contacts,
                "whereabouts": [{"place": rng.choice(PLACES), "since": "", "note": ""}],
                "code": f"P-{n:07d}",
            }
        )
    return rows


def generate(args, rng):
    from django.db import connection, transaction

    from haven.accounts.actions import add_member, create_team, create_user
    from haven.incidents.models import Incident
    from haven.records.blind import index_new

    team = create_team("Team 00")
    user, _password = create_user(email="bench@example.org")
    add_member(team, user)
    rows = fake_people(rng, args.people)
    for start in range(0, len(rows), 1000):
        _instance.bulk_people(team, rows[start : start + 1000])
        progress(f"people: {min(start + 1000, len(rows)):,}/{len(rows):,}")
    titles = ["Detention of", "Threats against", "Abduction of", "Beating of"]
    for start in range(0, args.incidents, 1000):
        with transaction.atomic():
            made = Incident.objects.bulk_create(
                Incident(
                    team=team,
                    code=f"I-{n:07d}",
                    title=f"{rng.choice(titles)} {rng.choice(rows)['name']}",
                    start_earliest=f"{rng.randint(2017, 2024)}-01-01",
                    start_precision="year",
                )
                for n in range(start, min(start + 1000, args.incidents))
            )
            index_new(made)
        progress(f"incidents: {min(start + 1000, args.incidents):,}/{args.incidents:,}")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    sys.stdout.write("\n")
    return user


def queries_for(rng, people, count):
    """(label, query, person) of each query, in a fixed mix."""
    found = []
    for n in range(count):
        person = rng.choice(people)
        words = person.name.split()
        latin = person.other_names[0].split()
        slot = n % 10
        if slot < 4:
            query = ("name in the other script, one typo", typo(rng, f"{latin[0]} {latin[-1]}"))
        elif slot < 6:
            query = ("a given name alone", rng.choice([words[0], latin[0]]))
        elif slot == 6:
            query = ("full name with patronymic", " ".join(latin))
        elif slot == 7:
            query = ("name and birth year", f"{words[0]} {words[-1]} {person.birth_date.year}")
        elif person.contacts:
            value = person.contacts[0]["value"]
            if value.startswith("+7"):
                digits = "".join(c for c in value if c.isdigit())[1:]
                value = rng.choice(
                    [
                        "+7" + digits,
                        f"8 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}",
                        f"+7 ({digits[:3]}) {digits[3:6]} {digits[6:8]} {digits[8:]}",
                    ]
                )
            query = ("a phone or a handle", value)
        else:
            query = ("name in the other script, one typo", typo(rng, f"{latin[0]} {latin[-1]}"))
        found.append((*query, person))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=4_000)
    parser.add_argument("--incidents", type=int, default=4_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    _instance.start()
    from collections import Counter, defaultdict

    from django.db import connection

    from haven.accounts.models import User
    from haven.incidents.models import Incident
    from haven.people.models import Person
    from haven.records.models import BlindTerm
    from haven.search import engine

    rng = random.Random(18)
    started = time.perf_counter()
    user = User.objects.filter(email="bench@example.org").first()
    reopened = user is not None  # HAVEN_VAR_DIR names an instance an earlier run left
    if not reopened:
        user = generate(args, rng)
    generated = time.perf_counter() - started
    people = list(Person.objects.order_by("pk"))
    given = Counter(person.name.split()[0] for person in people)
    queries = queries_for(rng, people, args.queries)
    teams = [people[0].team_id]

    ranked = {"count": 0}
    rank_page = engine._rank_page

    def counted(entries, *rest):
        ranked["count"] += len(entries)
        return rank_page(entries, *rest)

    engine._rank_page = counted
    engine.search("warm up", user)  # the keyring and data keys load once per process
    conditions = _conditions.start()
    wall, cpu, floors, decrypted = defaultdict(list), [], [], []
    totals, first_page = [], 0
    for label, query, person in queries:
        before = ranked["count"]
        start, start_cpu = time.perf_counter(), time.process_time()
        results = engine.search(query, user)
        cpu.append(time.process_time() - start_cpu)
        elapsed = time.perf_counter() - start
        wall[label].append(elapsed)
        wall["all queries"].append(elapsed)
        decrypted.append(ranked["count"] - before)
        totals.append(results.total)
        first_page += person in [hit.record for hit in results]
        floors.append(floor(engine, query, teams))
    print(
        f"Haven search in process on {connection.vendor}: {len(people):,} people, "
        f"{Incident.objects.count():,} incidents in one team, "
        f"{BlindTerm.objects.count():,} index tokens"
        + ("" if reopened else f" (generated in {generated:.0f} s)")
        + "; the commonest given names are shared by "
        + ", ".join(f"{count}" for _name, count in given.most_common(3))
        + " people"
    )
    print(f"{'':<48}{'p50 ms':>8}{'p95 ms':>8}")
    for label in ["all queries", *sorted(set(wall) - {"all queries"})]:
        values = wall[label]
        print(f"{label + f' ({len(values)})':<48}{pct(values, 0.5):>8.1f}{pct(values, 0.95):>8.1f}")
    print(
        f"{'  the same, CPU time of this process':<48}{pct(cpu, 0.5):>8.1f}{pct(cpu, 0.95):>8.1f}"
    )
    print(
        f"{'floor: the index lookups in SQL':<48}{pct(floors, 0.5):>8.1f}{pct(floors, 0.95):>8.1f}"
    )
    print(
        f"hits per query (all counted, in facets): median {sorted(totals)[len(totals) // 2]}, "
        f"max {max(totals)}; records decrypted and ranked per query: mean "
        f"{sum(decrypted) / len(decrypted):.0f}, max {max(decrypted)} (one page of "
        f"{engine.PAGE}); the intended person on the first page in {first_page}/{len(queries)}"
    )
    conditions.report(
        database=connection.vendor,
        cache=_conditions.REOPENED if reopened else _conditions.GENERATED,
        notes="one query at a time, after one warm-up search",
    )
    print("target: search p95 <= 50 ms in process at 4,000 people")


if __name__ == "__main__":
    main()
