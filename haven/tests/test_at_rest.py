"""Nothing readable at rest: the canaries appear in no byte of the database or var/."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from haven.tests.canaries import CANARIES, WORDS, leaks, plant

ROOT = Path(__file__).resolve().parents[2]


def test_canary_forms_are_found_when_present():
    """The search itself works: a canary in any of its forms is reported."""
    assert leaks(CANARIES[0].encode()) == [CANARIES[0]]
    assert leaks(CANARIES[12].upper().encode("utf-16-le")) == [CANARIES[12]]
    assert leaks(b"nothing to see") == []
    assert leaks("у пекарни".encode()) == [WORDS[1]]  # a single word, or its stem, too


def _scan(folder: Path) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hits = leaks(path.read_bytes())
            if hits:
                found[path.name] = hits
    return found


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite file test")
def test_sqlite_file_wal_and_var_hold_no_canary(tmp_path):
    var = tmp_path / "var"
    env = {
        **os.environ,
        "HAVEN_VAR_DIR": str(var),
        "HAVEN_DATABASE_URL": f"sqlite:///{var / 'haven.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    haven = [sys.executable, "-m", "haven.cli"]
    init = subprocess.run([*haven, "init"], env=env, capture_output=True, text=True, cwd=ROOT)
    assert init.returncode == 0, init.stderr
    snapshot = tmp_path / "snapshot"
    run = subprocess.run(
        [sys.executable, "-m", "haven.tests.canaries", str(snapshot)],
        env=env,
        capture_output=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr.decode()
    assert (snapshot / "haven.sqlite3-wal").exists(), "the WAL was not captured"
    assert (snapshot / "haven.sqlite3-wal").stat().st_size > 0
    # Control: plain data written in the same run is there to be found.
    everything = b"".join(path.read_bytes() for path in snapshot.iterdir())
    assert b"Canary desk" in everything
    assert _scan(snapshot) == {}
    assert _scan(var) == {}
    assert leaks(run.stdout + run.stderr + init.stdout.encode() + init.stderr.encode()) == []


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the pg_dump test")
def test_pg_dump_and_var_hold_no_canary(transactional_db, personas, tmp_path):
    plant(personas.team, personas.member)
    db = connection.settings_dict
    pg_dump = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))[-1]
    dump = subprocess.run(
        [str(pg_dump), "-h", db["HOST"], "-p", str(db["PORT"]), "-U", db["USER"], db["NAME"]],
        capture_output=True,
        check=True,
    ).stdout
    assert personas.team.name.encode() in dump  # control: plain data is there to be found
    assert leaks(dump) == []
    assert _scan(Path(settings.VAR_DIR)) == {}
