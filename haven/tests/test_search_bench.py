"""The search-at-scale bench, small: generated, measured, then re-opened and measured warm
(bench/search_scale.py; the full scale is ``--people 300000 --incidents 1000000``).

It runs on a throwaway SQLite instance in a subprocess, whatever database the suite runs
on, and checks that every layer is measured and the conditions say how the data was
read. Nothing here is timed.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def run_bench(tmp_path, *args):
    instance = tmp_path / "instance"
    instance.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HAVEN_VAR_DIR": str(instance),
        "HAVEN_DATABASE_URL": f"sqlite:///{instance / 'bench.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "bench/search_scale.py", "--queries", "8", "--no-duplicates", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return instance, done.stdout


def bench_conditions():
    """The benches' ``_conditions`` module (bench/ is not a package)."""
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import _conditions
    finally:
        sys.path.remove(str(ROOT / "bench"))
    return _conditions


def test_search_bench_measures_every_layer_and_says_how_warm_the_data_was(tmp_path):
    instance, out = run_bench(tmp_path, "--people", "300", "--incidents", "300")
    assert re.search(r"search over HTTP \(\d+ queries\)\s+\d+\.\d\s+\d+\.\d", out)
    assert re.search(r"search in process, with texts \(\d+\)\s+\d+\.\d", out)
    assert re.search(r"floor: the index lookup in SQL\s+\d+\.\d", out)
    found = re.search(r"found the intended person in (\d+)/8 queries", out)
    assert found and int(found.group(1)) >= 6, out
    assert "data generated in this process" in out
    assert "warm:" not in out

    assert "where the time goes" not in out  # only when asked

    _instance, again = run_bench(tmp_path, "--instance", str(instance), "--warm", "--stages")
    assert "300 people, 300 incidents" in again
    assert "data re-opened from disk" in again
    assert re.search(r"warm: the database file \(\d+\.\d GB\) into the page cache read in", again)
    # Each stage has its row, the stages and the rest add up to the total, and the SQL
    # the lookup sends is counted in its column.
    table = {
        match.group(1).strip(): [float(value) for value in match.group(2).split()]
        for match in re.finditer(r"^  ([a-z][a-z ()0-9%]+?)\s+((?:\d+\.\d\s*){6})$", again, re.M)
    }
    for stage in (
        "index lookup (both passes)",
        "visible hits with facet columns",
        "facet counts",
        "page decrypted and ranked",
        "narratives (words in texts)",
        "the rest",
    ):
        assert stage in table, again
    parts = sum(values[2] for stage, values in table.items() if stage != "total")
    assert table["total"][2] == pytest.approx(parts, abs=0.1 * len(table))
    assert table["index lookup (both passes)"][3] > 0


def test_the_conditions_name_a_reclaimer_that_pages_out_idle_memory(tmp_path):
    _conditions = bench_conditions()
    context = tmp_path / "0" / "contexts" / "0"
    scheme = context / "schemes" / "0"
    for path, text in {
        tmp_path / "0" / "state": "on\n",
        context / "monitoring_attrs/intervals/aggr_us": "5000000\n",
        scheme / "action": "pageout\n",
        scheme / "access_pattern/age/min": "12\n",
    }.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    said = _conditions.memory_reclaimer(tmp_path)
    assert said == "the kernel pages out memory idle for 60 s or more (DAMON), however much is free"
    (scheme / "action").write_text("stat\n")
    assert _conditions.memory_reclaimer(tmp_path) == ""
    assert _conditions.memory_reclaimer(tmp_path / "absent") == ""


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_prewarm is PostgreSQL's")
def test_a_warm_read_on_postgresql_goes_into_its_buffers_when_they_hold_it():
    _conditions = bench_conditions()
    said = _conditions.read_into_memory(connection, ["blind_lookup", "people_person"])
    assert said.startswith("warm: blind_lookup, people_person (0.0 GB) into PostgreSQL's shared")
    assert "shared_buffers" in _conditions.database_cache(connection)
