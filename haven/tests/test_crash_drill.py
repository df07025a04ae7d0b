"""The crash drill, short: a served instance killed with SIGKILL three times while
clients write through the forms, upload evidence, import and re-encrypt; after each
restart nothing acknowledged is lost, nothing is half written, every check passes.

The full drill (20 kills, SQLite or PostgreSQL) is ``bench/crash_drill.py``; this test
runs the same code on a SQLite instance of its own, in other processes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import crash_drill  # noqa: E402 - a bench script, importable once bench/ is on the path

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the drill's instance is a SQLite file of its own"
)


def test_three_kills_lose_nothing_acknowledged_and_leave_nothing_half_written(tmp_path):
    lines = []
    drill = crash_drill.Drill(
        crash_drill.Instance(tmp_path),
        kills=3,
        clients=3,
        rows=120,
        seed=15,
        pause=(0.0, 1.0),
        rotations=3,  # the first runs to its end beside the writing server
        final_wait=180,
        say=lines.append,
    )
    rounds = drill.run()
    report = (
        "\n".join(lines) + f"\nclient errors: {drill.ledger.errors}\n" + drill.instance.output()
    )
    *kills, final = rounds
    assert len(kills) == 3
    # Each kill took the master, its web workers and the job worker at least.
    assert all(row["processes"] >= 4 for row in kills), report
    for row in rounds:
        assert row["problems"] == [], report
        assert row["audit verify"] and row["evidence verify"] and row["records verify"]
    assert drill.ledger.errors == [], report
    # The drill did what it says: writes acknowledged, the import and a re-encryption
    # completed, despite the kills.
    assert final["acknowledged"] >= 6, report
    assert final["import_status"] == "done" and final["import_rows_held"] == 120, report
    assert final["rotations_completed"] >= 1, report
    assert final["retired_keys"] == 0, report
