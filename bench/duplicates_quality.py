#!/usr/bin/env python3
"""How well `haven people duplicates` finds the same person twice.

Loads labelled record-linkage sets from ../shared/data/record-linkage as people of one
team each -- encrypted and blind-indexed as Haven stores them -- runs the duplicate
finder, and prints pair precision and recall against the true clusters, at several
score thresholds, with the time taken:

- fake_1000.csv: 1,000 records in known clusters, with typos and missing values;
- historical_figures_with_errors_50k.parquet: 50,000 records of 5,156 people (read
  with pyarrow, which ``make bench`` installs; skipped with a note without it).

    .venv/bin/python bench/duplicates_quality.py
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import sys
import time
from collections import defaultdict

import _conditions
import _instance

LINKAGE = _instance.SHARED / "record-linkage"


def fake_1000():
    with (LINKAGE / "fake_1000.csv").open(encoding="utf-8") as handle:
        for record in csv.DictReader(handle):
            yield record["unique_id"], record["cluster"], record


def historical_50k():
    import pyarrow.parquet as pq

    table = pq.read_table(LINKAGE / "historical_figures_with_errors_50k.parquet")
    for record in table.to_pylist():
        record = {key: value or "" for key, value in record.items()}
        yield record["unique_id"], record["cluster"], record


def people_rows(records, prefix):
    """Haven people from linkage records: name, birth date, e-mail; the true clusters."""
    from haven.lib.partial_dates import PartialDate

    rows, cluster_of = [], {}
    for number, (_unique_id, cluster, record) in enumerate(records):
        name = " ".join(part for part in (record["first_name"], record["surname"]) if part)
        if not name:
            continue
        row = {"name": name, "code": f"{prefix}-{number:06d}"}
        if record.get("dob"):
            # Historical dates with injected errors may not exist (month 86): left out.
            with contextlib.suppress(ValueError):
                row["birth_date"] = str(PartialDate.parse(record["dob"][:10]))
        if record.get("email"):
            row["contacts"] = [{"kind": "email", "value": record["email"]}]
        rows.append(row)
        cluster_of[row["code"]] = cluster
    return rows, cluster_of


def evaluate(title, prefix, records):
    from haven.accounts.actions import create_team
    from haven.people.duplicates import find
    from haven.people.models import Person

    rows, cluster_of = people_rows(records, prefix)
    team = create_team(title)
    _instance.bulk_people(team, rows)
    members = defaultdict(list)
    for code, cluster in cluster_of.items():
        members[cluster].append(code)
    truth = set()
    for codes in members.values():
        truth.update(tuple(sorted(pair)) for pair in itertools.combinations(codes, 2))
    start = time.perf_counter()
    candidates = find(Person.objects.filter(team=team), min_score=0.5)
    elapsed = time.perf_counter() - start
    print(
        f"\nDuplicate detection on {title}: {len(rows):,} people, {len(truth):,} true pairs, "
        f"{elapsed:.1f} s (decrypting, blocking and scoring)"
    )
    print(f"{'min score':>10}{'found':>9}{'precision':>11}{'recall':>8}{'F1':>7}")
    for threshold in (0.5, 0.6, 0.75, 0.85, 0.95):
        found = {tuple(sorted((c.a.code, c.b.code))) for c in candidates if c.score >= threshold}
        right = len(found & truth)
        precision = right / len(found) if found else 0.0
        recall = right / len(truth) if truth else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        marker = "  <- the default" if threshold == 0.75 else ""
        print(
            f"{threshold:>10.2f}{len(found):>9}{precision:>11.3f}{recall:>8.3f}{f1:>7.3f}{marker}"
        )
    sys.stdout.flush()


def main() -> None:
    if not LINKAGE.exists():
        print(f"{LINKAGE} is not present: nothing to measure (it lives beside the project).")
        return
    _instance.start()
    conditions = _conditions.start()
    evaluate("fake_1000", "F", fake_1000())
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        print("\nhistorical_50k skipped: pyarrow is not installed (make bench installs it).")
    else:
        evaluate("historical_50k", "H", historical_50k())
    print(
        "\nPublished anchor: Splink links about a million records on a laptop in about a "
        "minute (a different method and data set)."
    )
    from django.db import connection

    conditions.report(database=connection.vendor, cache=_conditions.GENERATED)


if __name__ == "__main__":
    main()
