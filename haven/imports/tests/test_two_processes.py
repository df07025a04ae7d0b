"""A large import in two real processes, end to end: ``haven import`` on a SQLite
instance of its own (a file, in a temporary folder), six chunks prepared by the second
interpreter (``python -m haven.imports.pipeline``) while the first writes them.

The rest of the suite takes the two halves in turns in one process (its database is in
memory); here the second process is started as an operator's import starts it, seen
running, and its records compared with those of the same file imported in one process.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "bench"))

from _drill_server import HAVEN, Instance  # noqa: E402 - a bench helper, once bench/ is on the path

from haven.imports.tests.test_command import MAPPING  # noqa: E402 - the command's own tests'

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the instance is a SQLite file of its own"
)

ROWS = 600
CHUNK = 100
EMAIL = "importer@example.org"
TEAM = "Import team"

SETUP = f"""
import django
django.setup()
from haven.accounts.actions import add_member, create_team, create_user
from haven.accounts.models import Role
team = create_team({TEAM!r})
user, _ = create_user(email={EMAIL!r}, role=Role.DOCUMENTER, password="a long passphrase 2026")
add_member(team, user)
"""

# What each import made, read back (and decrypted) by another process of the instance.
CHECK = """
import json, django
django.setup()
from collections import Counter
from django.contrib.contenttypes.models import ContentType
from haven.imports.models import ImportedRecord, ImportJob
from haven.incidents.models import Act, Incident
from haven.people.models import Person
from haven.records.masking import unmasked
jobs = []
with unmasked():
    for job in ImportJob.objects.order_by("pk"):
        origins = ImportedRecord.objects.filter(job=job)
        by_kind = Counter(ContentType.objects.get_for_id(o.kind_id).model for o in origins)
        incident_rows = {
            o.record_id: o.row for o in origins
            if ContentType.objects.get_for_id(o.kind_id).model == "incident"
        }
        rows = {}
        for act in Act.objects.filter(incident_id__in=incident_rows).select_related(
            "incident", "victim", "act_type"
        ):
            incident = act.incident
            rows.setdefault(str(incident_rows[incident.pk]), []).append([
                incident.title, str(incident.start_earliest), act.act_type.code, act.victim.name
            ])
        jobs.append({
            "status": job.status, "done_rows": job.done_rows, "total_rows": job.total_rows,
            "origins": dict(by_kind), "origin_rows": sorted(incident_rows.values()),
            "rows": rows,
        })
print(json.dumps({
    "jobs": jobs,
    "incidents": Incident.objects.count(),
    "acts": Act.objects.count(),
    "people": Person.objects.count(),
}))
"""


def _victim(n: int) -> str:
    # A name comes back every 200 rows: a person made by a chunk not yet written when
    # the next ones are prepared.
    return f"Ислам Бетиев {n % 200}"


def _expected(n: int) -> list:
    return [f"Detention {n}", f"2020-{n % 12 + 1:02d}-{n % 28 + 1:02d}", "arbitrary_detention"]


def _files(folder: Path) -> tuple[Path, Path]:
    sheet = folder / "detentions.csv"
    lines = [
        f"2020-{n % 12 + 1:02d}-{n % 28 + 1:02d},Detention {n},Detention,{_victim(n)}\n"
        for n in range(ROWS)
    ]
    sheet.write_text("date,title,act,victim\n" + "".join(lines), encoding="utf-8")
    mapping = folder / "mapping.json"
    mapping.write_text(json.dumps(MAPPING), encoding="utf-8")
    return sheet, mapping


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """One instance for the module (``haven init`` takes most of its time): each test
    reads its own import's job, the last."""
    instance = Instance(tmp_path_factory.mktemp("instance"))
    instance.env["HAVEN_IMPORT_CHUNK_ROWS"] = str(CHUNK)
    done = instance.haven("init", "--no-demo")
    assert done.returncode == 0, done.stdout + done.stderr
    done = instance.python("-c", SETUP)
    assert done.returncode == 0, done.stderr
    return instance


def _import_command(instance, sheet, mapping) -> list[str]:
    return [*HAVEN, "import", str(sheet), "--mapping", str(mapping), "--team", TEAM, "--by", EMAIL]


def _preparing_children(pid: int) -> list[int]:
    """The processes started by ``pid`` that run the preparing module."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parent = next(
            (line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), ""
        )
        if parent == str(pid) and b"haven.imports.pipeline" in command:
            found.append(int(entry.name))
    return found


def _import_watched(instance, sheet, mapping, *, processes: int, kill_after_rows=None):
    """Run ``haven import`` and watch for its preparing process (killed once
    ``kill_after_rows`` rows are committed, if given): (result, the preparing pids seen)."""
    env = {**instance.env, "HAVEN_IMPORT_PROCESSES": str(processes)}
    process = subprocess.Popen(  # noqa: S603 - our own command
        _import_command(instance, sheet, mapping),
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[int] = set()
    killed = False
    database = instance.var / "haven.sqlite3"
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        children = _preparing_children(process.pid)
        seen.update(children)
        ready = kill_after_rows is not None and children and not killed
        if ready and _done_rows(database) >= kill_after_rows:
            for child in children:
                os.kill(child, signal.SIGKILL)
            killed = True
        time.sleep(0.02)
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err), seen, killed


def _done_rows(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as db:
            row = db.execute(
                "SELECT done_rows FROM imports_importjob ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.Error:
        return 0
    return row[0] or 0


def _check(instance) -> dict:
    done = instance.python("-c", CHECK)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_every_row_once(job: dict) -> None:
    assert job["status"] == "done" and job["done_rows"] == job["total_rows"] == ROWS, job
    assert job["origins"] == {"incident": ROWS, "act": ROWS, "person": 200}, job["origins"]
    assert job["origin_rows"] == list(range(2, ROWS + 2))  # the header is row 1
    for row, acts in job["rows"].items():
        n = int(row) - 2
        assert acts == [[*_expected(n), _victim(n)]], (row, acts)


def _assert_nothing_else(found: dict) -> None:
    """No record but those the imports' origins name (each import makes its people)."""
    done = sum(job["done_rows"] for job in found["jobs"])
    assert found["incidents"] == found["acts"] == done, found
    assert found["people"] == sum(job["origins"].get("person", 0) for job in found["jobs"])


def _verified(instance) -> None:
    for command in (("audit", "verify"), ("records", "verify")):
        done = instance.haven(*command)
        assert done.returncode == 0, done.stdout + done.stderr


def test_an_import_in_two_processes_makes_what_one_process_makes(instance, tmp_path):
    sheet, mapping = _files(tmp_path)
    done, preparing, _ = _import_watched(instance, sheet, mapping, processes=2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"imported {ROWS} rows" in done.stdout, done.stdout
    # The second interpreter ran, started by the import (one, for the whole import).
    assert len(preparing) == 1, preparing
    done, alone, _ = _import_watched(instance, sheet, mapping, processes=1)
    assert done.returncode == 0, done.stdout + done.stderr
    assert alone == set()

    found = _check(instance)
    two, one = found["jobs"][-2:]
    _assert_every_row_once(two)
    _assert_every_row_once(one)
    # Row for row, the same records, decrypted, in two processes and in one.
    assert two["rows"] == one["rows"]
    _assert_nothing_else(found)
    _verified(instance)


def test_a_preparing_process_killed_stops_the_import_which_resumes(instance, tmp_path, monkeypatch):
    sheet, mapping = _files(tmp_path)
    # Twelve chunks: time to kill it in the middle.
    monkeypatch.setitem(instance.env, "HAVEN_IMPORT_CHUNK_ROWS", str(CHUNK // 2))
    done, preparing, killed = _import_watched(
        instance, sheet, mapping, processes=2, kill_after_rows=CHUNK
    )
    assert killed and len(preparing) == 1, done.stdout + done.stderr
    assert done.returncode != 0, done.stdout
    assert "The process preparing the import's rows stopped" in done.stderr, done.stderr
    # No traceback: what stopped, and the command that runs it on.
    assert "Traceback" not in done.stderr, done.stderr
    resume = re.search(r"haven import --resume (\S+) --by (\S+)", done.stderr)
    assert resume and resume[2] == EMAIL, done.stderr
    found = _check(instance)
    job = found["jobs"][-1]
    # Stopped in the middle, whole chunks only: each row done has its records, once.
    assert CHUNK <= job["done_rows"] < ROWS and job["done_rows"] % (CHUNK // 2) == 0, job
    assert job["origin_rows"] == list(range(2, job["done_rows"] + 2))
    _assert_nothing_else(found)
    for row, acts in job["rows"].items():
        n = int(row) - 2
        assert acts == [[*_expected(n), _victim(n)]], (row, acts)

    done = instance.haven("import", "--resume", resume[1], "--by", EMAIL)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"resuming after row {job['done_rows']:,} of {ROWS:,}" in done.stdout, done.stdout
    found = _check(instance)
    # Every row once; a name made before the kill is the same person after it (200).
    _assert_every_row_once(found["jobs"][-1])
    _assert_nothing_else(found)
    _verified(instance)
