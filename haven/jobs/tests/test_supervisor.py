"""The workers 'haven serve' keeps beside gunicorn: restarted under the same id when one
dies, stopped with the server, none when HAVEN_WORKERS_BACKGROUND=0."""

import os
import signal
import sys
import time

from haven import gunicorn_conf
from haven.jobs.supervisor import WORKER_COMMAND, BackgroundWorkers

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]


def wait_for(check, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError(f"still waiting after {seconds} s")


def test_dead_worker_is_started_again_under_its_id_and_all_stop_at_the_end():
    workers = BackgroundWorkers(2, command=SLEEPER)
    workers.start()
    try:
        first = wait_for(lambda: workers.processes.get(0))
        other = wait_for(lambda: workers.processes.get(1))
        os.kill(first.pid, signal.SIGKILL)
        second = wait_for(lambda: workers.processes[0] is not first and workers.processes[0])
        assert second.pid != first.pid
        assert second.args[-2:] == first.args[-2:] == ["--worker-id", workers.worker_id(0)]
        assert workers.worker_id(0) != workers.worker_id(1)
        assert other.poll() is None
    finally:
        workers.stop(timeout=10)
    assert second.returncode == -signal.SIGTERM
    assert other.returncode == -signal.SIGTERM
    # Their keepers have ended: a stopped worker is not started again.
    assert not any(thread.is_alive() for thread in workers._threads)
    assert workers.processes[0] is second


def test_serve_starts_haven_worker_processes(settings, monkeypatch):
    started = []
    monkeypatch.setattr(BackgroundWorkers, "start", lambda self: started.append(self))
    settings.HAVEN_WORKERS_BACKGROUND = 2
    workers = gunicorn_conf.start_background_workers()
    assert started == [workers]
    assert workers.count == 2
    assert workers.command == WORKER_COMMAND
    assert WORKER_COMMAND[1:] == ["-m", "haven.cli", "worker", "--exit-with-parent"]
    monkeypatch.setattr(BackgroundWorkers, "stop", lambda self: started.remove(self))
    gunicorn_conf.stop_background_workers()
    assert started == []


def test_no_worker_when_they_run_on_their_own(settings):
    settings.HAVEN_WORKERS_BACKGROUND = 0
    assert gunicorn_conf.start_background_workers() is None
