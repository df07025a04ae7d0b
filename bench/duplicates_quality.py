#!/usr/bin/env python3
"""How well `haven people duplicates` finds the same person twice.

Loads ../shared/data/record-linkage/fake_1000.csv (1,000 records in known clusters,
with typos and missing values) as people of one team — encrypted and blind-indexed
as Haven stores them — runs the duplicate finder, and prints pair precision and
recall against the true clusters, at several score thresholds, with the time taken.

    .venv/bin/python bench/duplicates_quality.py
"""

from __future__ import annotations

import csv
import itertools
import sys
import time
from collections import defaultdict

import _instance


def main() -> None:
    data = _instance.SHARED / "record-linkage" / "fake_1000.csv"
    if not data.exists():
        print(f"{data} is not present: nothing to measure (it lives beside the project).")
        return
    _instance.start()
    from haven.accounts.actions import create_team
    from haven.people.duplicates import find
    from haven.people.models import Person

    rows, cluster_of = [], {}
    with data.open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            name = " ".join(part for part in (record["first_name"], record["surname"]) if part)
            if not name:
                continue
            row = {"name": name, "code": f"P-{int(record['unique_id']):06d}"}
            if record["dob"]:
                row["birth_date"] = record["dob"][:10]
            if record["email"]:
                row["contacts"] = [{"kind": "email", "value": record["email"]}]
            rows.append(row)
            cluster_of[row["code"]] = record["cluster"]
    team = create_team("Record linkage")
    _instance.bulk_people(team, rows)
    truth = set()
    members = defaultdict(list)
    for code, cluster in cluster_of.items():
        members[cluster].append(code)
    for codes in members.values():
        truth.update(tuple(sorted(pair)) for pair in itertools.combinations(codes, 2))
    start = time.perf_counter()
    candidates = find(Person.objects.filter(team=team), min_score=0.5)
    elapsed = time.perf_counter() - start
    print(
        f"Duplicate detection on fake_1000: {len(rows)} people, {len(truth)} true pairs, "
        f"{elapsed:.1f} s"
    )
    print(f"{'min score':>10}{'found':>8}{'precision':>11}{'recall':>8}{'F1':>7}")
    for threshold in (0.5, 0.6, 0.75, 0.85, 0.95):
        found = {tuple(sorted((c.a.code, c.b.code))) for c in candidates if c.score >= threshold}
        right = len(found & truth)
        precision = right / len(found) if found else 0.0
        recall = right / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        marker = "  <- the default" if threshold == 0.75 else ""
        print(
            f"{threshold:>10.2f}{len(found):>8}{precision:>11.3f}{recall:>8.3f}{f1:>7.3f}{marker}"
        )
    print(
        "Published anchor: Splink links about a million records on a laptop in about a "
        "minute (a different method and data set)."
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
