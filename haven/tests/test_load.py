"""The load bench, small: five users signed in with their second factor, browsing,
searching and writing at once against gunicorn for a few seconds, lose no write, get
no error, and leave an audit log that verifies (bench/load.py; the 50-user, 10-minute
run is ``make bench``'s).

It runs on its own throwaway instance in a subprocess: on SQLite (a database in a file,
where concurrent writers wait for each other's lock), or, when the suite runs on
PostgreSQL, in a new database of the same cluster. Nothing here is timed.
"""

import contextlib
import os
import re
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database_url(tmp_path):
    """A new, empty database for the bench's instance: a SQLite file, or a database of
    its own in the PostgreSQL cluster the suite runs on."""
    url = os.environ.get("HAVEN_DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'bench.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"load_{uuid.uuid4().hex[:12]}"
    with contextlib.closing(psycopg.connect(url, autocommit=True)) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urlunsplit(parts._replace(path=f"/{name}"))
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_five_users_at_once_lose_nothing_and_see_no_error(tmp_path, database_url):
    env = {**os.environ, "HAVEN_VAR_DIR": str(tmp_path), "HAVEN_DATABASE_URL": database_url}
    run = subprocess.run(  # noqa: S603 (this checkout's bench)
        [
            sys.executable,
            str(ROOT / "bench" / "load.py"),
            "--threads",
            "--users=5",
            "--minutes=0.1",
            "--alone=2",
            "--min-writes=1",
            "--think=0,0.2",
            "--people=120",
            "--cases=30",
            "--incidents=60",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert re.search(r"^errors: 0 of \d+ requests", output, re.M), output[-4000:]
    assert "server errors (5xx) in the access log: 0" in output
    written = re.search(
        r"writes acknowledged: (\d+) .* found in the database: (\d+); lost: 0", output
    )
    assert written, output[-4000:]
    assert int(written.group(1)) >= 5  # each user wrote
    assert written.group(1) == written.group(2)
    assert "sign in: code " in output  # each user signed in with its authenticator code
    assert "audit verify: OK" in output
    vendor = "postgresql" if database_url.startswith("postgres") else "sqlite"
    assert re.search(rf"^conditions: .*\b{vendor}\b", output, re.M), output[-2000:]
