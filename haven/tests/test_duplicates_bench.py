"""The duplicates-at-scale bench, small (bench/duplicates_scale.py; the full scale is
``--people 300000``): every phase is measured, and so is a page of the pairs a background
search kept, as the review page shows a large team's; with ``--background`` the search is
run by a real worker process and the list's pages asked for. Nothing here is timed.

It runs on a throwaway SQLite instance in a subprocess, whatever database the suite runs on.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_small_bench_measures_every_phase_and_a_kept_page(tmp_path):
    env = {
        **os.environ,
        "HAVEN_VAR_DIR": str(tmp_path),
        "HAVEN_DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite3'}",
    }
    done = subprocess.run(
        [sys.executable, "bench/duplicates_scale.py", "--people", "400", "--background"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    detection = re.search(r"duplicate detection over 400 people: .*?([\d,]+) pairs proposed", out)
    assert detection, out
    for phase in ("reading", "decrypting", "blocking", "scoring", "showing a page"):
        assert re.search(rf"{phase} [\d.]+ / [\d.]+ s", detection.group(0)), phase
    pairs = int(detection.group(1).replace(",", ""))
    assert pairs > 0
    kept = re.search(
        r"reading and decrypting the ([\d,]+) kept pairs .*? the page's (\d+) pairs", out
    )
    assert kept, out
    assert int(kept.group(1).replace(",", "")) == pairs
    assert int(kept.group(2)) == min(50, pairs)
    # Looked for again as a large team's page does: a worker process, its steps, the list.
    background = re.search(r"in the background .*?: (.*); the worker's own account", out)
    assert background, out
    assert background.group(1).startswith("queued at ") and "done at " in background.group(1)
    assert f"{pairs:,} pairs among 400 people" in out
    pages = re.search(r"the list of pairs over the web application: (.*)", out)
    assert pages, out
    assert "first page " in pages.group(1) and f", {min(50, pairs)} pairs)" in pages.group(1)
    assert "conditions: commit" in out
