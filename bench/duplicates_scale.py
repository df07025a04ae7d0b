#!/usr/bin/env python3
"""How long `haven people duplicates` takes over one team's people: the target is 300,000
people in 30 s or less (issue 18).

Creates ``--people`` people with planted duplicates (``_planted_people.py``: Cyrillic
names recorded again in Latin letters, namesakes, brothers, groups), encrypted and
blind-indexed as Haven stores them (not timed), then times the finder in its phases:
reading and decrypting the people, blocking (candidate pairs), and scoring. At a size
below 300,000 it also prints the time at 300,000 estimated from the measured one, scaled
linearly, and says so: run at full size for the real figure (pairs grow faster than
the people until blocking groups reach ``COMMON`` people, beyond which they are skipped).

    .venv/bin/python bench/duplicates_scale.py [--people 300000]
"""

from __future__ import annotations

import argparse
import time

import _conditions
import _instance

TARGET_PEOPLE, TARGET_SECONDS = 300_000, 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=TARGET_PEOPLE)
    args = parser.parse_args()
    _instance.start()
    conditions = _conditions.start()
    from _planted_people import planted

    from haven.accounts.actions import create_team
    from haven.people.duplicates import candidate_pairs, find
    from haven.people.models import Person

    rows, _truth = planted(args.people, prefix="S")
    team = create_team(f"scale {args.people}")
    started = time.perf_counter()
    _instance.bulk_people(team, rows)
    print(f"{len(rows):,} people created in {time.perf_counter() - started:.1f} s (not counted)")

    cpu_started = time.process_time()
    started = time.perf_counter()
    people = list(Person.objects.filter(team=team))
    loaded = time.perf_counter() - started
    started, block_cpu = time.perf_counter(), time.process_time()
    pairs = candidate_pairs(people)
    blocked = time.perf_counter() - started
    block_cpu = time.process_time() - block_cpu
    started = time.perf_counter()
    found = find(people)
    total_find = time.perf_counter() - started
    scored = max(total_find - blocked, 0.0)  # find() blocks again, then scores
    total = loaded + total_find
    cpu = time.process_time() - cpu_started - block_cpu  # blocking is timed twice above
    print(
        f"duplicate detection over {len(people):,} people: {total:.1f} s "
        f"(reading and decrypting {loaded:.1f} s, blocking {blocked:.1f} s into "
        f"{len(pairs):,} candidate pairs, scoring about {scored:.1f} s; "
        f"{len(found):,} pairs proposed); CPU time about {cpu:.1f} s"
    )
    if len(people) < TARGET_PEOPLE:
        estimate = total * TARGET_PEOPLE / len(people)
        print(
            f"estimate at {TARGET_PEOPLE:,} people: {estimate:.0f} s, scaled linearly from "
            f"this run (not measured; run with --people {TARGET_PEOPLE} for the real figure). "
            "Candidate pairs grow faster than the people until blocks reach COMMON people "
            "(the planted names come from short lists), and blocks over COMMON are skipped, "
            "so the true figure may differ either way"
        )
    else:
        estimate = total
    verdict = "met" if estimate <= TARGET_SECONDS else "NOT met"
    print(f"target: {TARGET_PEOPLE:,} people in <= {TARGET_SECONDS:.0f} s: {verdict}")
    from django.db import connection

    conditions.report(database=connection.vendor, cache=_conditions.GENERATED)


if __name__ == "__main__":
    main()
