"""Real 'haven worker' and 'haven serve' processes on an instance made by 'haven init':
the kill -9 drill, a clean stop, and the worker that serve runs beside gunicorn.

The test reads the instance's SQLite file directly to watch the task and its chunks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="drives a SQLite instance from other processes"
)

ROOT = Path(__file__).resolve().parents[3]
HAVEN = [sys.executable, "-m", "haven.cli"]
# The tests' tasks, queued once in the template instance; each test keeps its own.
RUNS = {"drill": (6, 300), "stop": (5, 300), "served": (2, 0)}
ENQUEUE = """
import json, sys, django
django.setup()
from haven.accounts.models import User
from haven.jobs.queue import enqueue
from haven.jobs.tests import tasks
admin = User.objects.get()
runs = json.loads(sys.argv[1])
print(json.dumps({
    run: enqueue(tasks.count_chunks, actor=admin, run=run, chunks=chunks, pause_ms=pause)
    for run, (chunks, pause) in runs.items()
}))
"""


class Instance:
    """A Haven instance in a folder, run by other processes."""

    def __init__(self, var: Path, logs: Path):
        self.var = var
        self.logs = logs
        self.env = {
            **os.environ,
            "HAVEN_VAR_DIR": str(var),
            "HAVEN_DATABASE_URL": f"sqlite:///{var / 'haven.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "haven.settings",
            "HAVEN_LOG_LEVEL": "WARNING",
        }
        self.env.pop("HAVEN_KEY_FILE", None)
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{len(self.started)}-{args[0]}.log").open("w")
        process = subprocess.Popen(
            [*HAVEN, *args], env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        self.started.append(process)
        return process

    def output(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text()}" for path in sorted(self.logs.glob("*.log"))
        )

    def keep_only(self, run: str) -> str:
        """Leave this run's task alone in the queue; its id."""
        result_id = json.loads((self.var.parent / "queued.json").read_text())[run]
        db = sqlite3.connect(self.var / "haven.sqlite3")
        with db:
            db.execute(
                "DELETE FROM django_tasks_database_dbtaskresult WHERE id != ?",
                [result_id.replace("-", "")],
            )
        db.close()
        return result_id

    def query(self, sql: str, *params) -> list[tuple]:
        db = sqlite3.connect(self.var / "haven.sqlite3", timeout=20)
        try:
            return db.execute(sql, params).fetchall()
        finally:
            db.close()

    def task(self, result_id: str) -> tuple[str, list[str]]:
        [(status, worker_ids)] = self.query(
            "SELECT status, worker_ids FROM django_tasks_database_dbtaskresult WHERE id = ?",
            result_id.replace("-", ""),
        )
        return status, json.loads(worker_ids)

    def chunks(self, run: str) -> list[str]:
        rows = self.query(
            "SELECT summary FROM audit_auditentry WHERE action = 'jobs.test_chunk' "
            "AND summary LIKE ? ORDER BY seq",
            f"{run}:%",
        )
        return [summary for (summary,) in rows]

    def heartbeats(self) -> list[tuple[str, int]]:
        return self.query("SELECT worker_id, pid FROM jobs_workerheartbeat")

    def wait_until(self, check, seconds: float = 60.0):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"still waiting after {seconds} s\n{self.output()}")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """One 'haven init' for the module; each test works on a copy."""
    var = tmp_path_factory.mktemp("template") / "var"
    instance = Instance(var, tmp_path_factory.mktemp("template-logs"))
    done = subprocess.run(
        [*HAVEN, "init", "--no-demo"], env=instance.env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [sys.executable, "-c", ENQUEUE, json.dumps(RUNS)],
        env=instance.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    (var.parent / "queued.json").write_text(done.stdout)
    return var


@pytest.fixture
def instance(template, tmp_path):
    shutil.copytree(template, tmp_path / "var")
    shutil.copy(template.parent / "queued.json", tmp_path)
    (tmp_path / "logs").mkdir()
    instance = Instance(tmp_path / "var", tmp_path / "logs")
    yield instance
    for process in instance.started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_killed_worker_task_is_resumed_by_another_and_each_chunk_is_applied_once(instance):
    result_id = instance.keep_only("drill")
    first = instance.start("worker", "--worker-id", "first", "--lease", "1.5", "--interval", "0.1")
    instance.wait_until(lambda: len(instance.chunks("drill")) >= 2)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_when_killed = instance.chunks("drill")
    assert len(done_when_killed) < 6, "the drill needs the worker killed before the end"
    assert instance.task(result_id) == ("RUNNING", ["first"])  # as the dead worker left it

    second = instance.start(
        "worker", "--worker-id", "second", "--recover-every", "0.5", "--interval", "0.1"
    )
    instance.wait_until(lambda: instance.task(result_id)[0] == "SUCCESSFUL")
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=60) == 0, instance.output()

    assert instance.task(result_id) == ("SUCCESSFUL", ["first", "second"])
    assert instance.chunks("drill") == [f"drill:{n}" for n in range(1, 7)], instance.output()
    assert instance.query(
        "SELECT DISTINCT channel, actor_label FROM audit_auditentry WHERE action = ?",
        "jobs.test_chunk",
    ) == [("job", "admin@localhost")]
    assert instance.heartbeats() == []


def test_stopped_worker_puts_its_task_back_and_the_next_one_finishes_it(instance):
    result_id = instance.keep_only("stop")
    worker = instance.start("worker", "--worker-id", "stopped", "--interval", "0.1")
    instance.wait_until(lambda: instance.chunks("stop"))
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=60) == 0, instance.output()
    assert instance.task(result_id) == ("READY", [])  # back in the queue, no attempt used
    assert len(instance.chunks("stop")) < 5
    assert instance.heartbeats() == []

    batch = instance.start("worker", "--batch", "--worker-id", "batch")
    assert batch.wait(timeout=60) == 0, instance.output()
    assert instance.task(result_id) == ("SUCCESSFUL", ["batch"])
    assert instance.chunks("stop") == [f"stop:{n}" for n in range(1, 6)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_serve_runs_a_worker_beside_the_web_server_and_stops_it(instance):
    result_id = instance.keep_only("served")
    server = instance.start("serve", "--bind", f"127.0.0.1:{free_port()}", "--workers", "1")
    instance.wait_until(lambda: instance.task(result_id)[0] == "SUCCESSFUL")
    [(worker_id, pid)] = instance.heartbeats()
    assert worker_id.endswith(f"-serve{server.pid}-0")
    assert instance.chunks("served") == ["served:1", "served:2"]

    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=60) == 0, instance.output()
    assert instance.heartbeats() == []  # the worker stopped cleanly, with the server
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
