"""A task left RUNNING by a dead worker is run again, at most three times in all; a
stopped worker puts its task back; heartbeats keep a live worker's task its own."""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from haven.jobs import worker as worker_module
from haven.jobs.models import WorkerHeartbeat
from haven.jobs.queue import enqueue, job_state
from haven.jobs.tests import tasks
from haven.jobs.tests.test_queue import DATABASE_BACKEND
from haven.jobs.worker import MAX_ATTEMPTS, Heartbeat, Worker, recover_lost_tasks


@pytest.fixture
def queued(settings, db):
    """A task waiting in the production backend's table."""
    settings.TASKS = DATABASE_BACKEND
    return enqueue(tasks.count_chunks, run="lost", chunks=2)


def claim(result_id: str, worker_id: str) -> None:
    """What a worker does when it takes the task (and then, here, dies)."""
    DBTaskResult.objects.get(pk=result_id).claim(worker_id)


def beat(worker_id: str, seconds: float) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={
            "host": "test",
            "pid": 1,
            "started_at": now,
            "expires_at": now + timedelta(seconds=seconds),
        },
    )


def make_worker(worker_id: str = "in-process") -> Worker:
    return Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
    )


def status(result_id: str) -> tuple[str, list[str]]:
    row = DBTaskResult.objects.get(pk=result_id)
    return row.status, row.worker_ids


def test_task_of_a_live_worker_is_left_alone(queued):
    claim(queued, "alive")
    beat("alive", 60)
    assert recover_lost_tasks() == {"requeued": [], "failed": []}
    assert status(queued) == ("RUNNING", ["alive"])


@pytest.mark.parametrize("heartbeat", ["expired", "missing"])
def test_task_of_a_gone_worker_is_queued_again(queued, heartbeat):
    claim(queued, "gone")
    if heartbeat == "expired":
        beat("gone", -1)
    assert recover_lost_tasks() == {"requeued": [queued], "failed": []}
    assert status(queued) == ("READY", ["gone"])  # the attempt is counted
    assert not WorkerHeartbeat.objects.exists()


def test_worker_restarted_under_its_id_takes_its_task_back_at_once(queued):
    """'haven serve' restarts a dead worker under the same id; its lease has not run out."""
    claim(queued, "slot-0")
    beat("slot-0", 60)
    assert recover_lost_tasks() == {"requeued": [], "failed": []}
    assert recover_lost_tasks(presumed_dead=frozenset({"slot-0"}))["requeued"] == [queued]
    assert status(queued) == ("READY", ["slot-0"])


def test_task_whose_workers_die_three_times_fails_with_a_clear_error(queued):
    assert MAX_ATTEMPTS == 3
    claim(queued, "first")
    assert recover_lost_tasks()["requeued"] == [queued]
    claim(queued, "second")
    assert recover_lost_tasks()["requeued"] == [queued]
    claim(queued, "third")
    assert recover_lost_tasks() == {"requeued": [], "failed": [queued]}
    state = job_state(queued)
    assert (state.status, state.attempts) == ("FAILED", 3)
    assert state.error == (
        "haven.jobs.worker.WorkerLost: the worker running this task stopped 3 times before "
        "it finished (killed, out of memory or the machine restarted; last worker third); "
        "it is not tried again"
    )
    assert state.finished_at is not None
    assert tasks.chunks_done("lost") == []


def test_requeued_task_is_resumed_by_the_next_worker(queued):
    claim(queued, "gone")
    recover_lost_tasks()
    make_worker().run()
    state = job_state(queued)
    assert (state.status, state.attempts) == ("SUCCESSFUL", 2)
    assert tasks.chunks_done("lost") == ["lost:1", "lost:2"]


def test_stopping_worker_interrupts_its_task_and_puts_it_back(settings, db, monkeypatch):
    settings.TASKS = DATABASE_BACKEND
    result_id = enqueue(tasks.interrupted_chunks, run="stop", chunks=3)
    worker = make_worker()
    # What SIGTERM does, called from inside the task after its first chunk.
    monkeypatch.setattr(tasks, "between_chunks", lambda: worker.shutdown(signal.SIGTERM, None))
    worker.run()
    assert status(result_id) == ("READY", [])  # back in the queue, not counted as an attempt
    assert tasks.chunks_done("stop") == ["stop:1"]
    monkeypatch.setattr(tasks, "between_chunks", None)
    make_worker("next").run()
    assert status(result_id) == ("SUCCESSFUL", ["next"])
    assert tasks.chunks_done("stop") == ["stop:1", "stop:2", "stop:3"]


def test_task_claimed_just_as_the_stop_came_goes_back_unrun(queued):
    worker = make_worker()
    claim(queued, worker.worker_id)
    worker.running = False
    worker.run_task(DBTaskResult.objects.get(pk=queued))
    assert status(queued) == ("READY", [])
    assert tasks.chunks_done("lost") == []


def test_heartbeat_renews_the_lease_and_notices_a_take_over(db, monkeypatch):
    worker = make_worker("beating")
    heartbeat = Heartbeat(worker, lease=60, recover_every=60)
    heartbeat.register()
    WorkerHeartbeat.objects.filter(pk="beating").update(expires_at=timezone.now())
    heartbeat.renew()
    assert WorkerHeartbeat.objects.get().expires_at > timezone.now() + timedelta(seconds=50)

    # Declared lost while idle: it only registers again.
    WorkerHeartbeat.objects.all().delete()
    heartbeat.renew()
    assert WorkerHeartbeat.objects.filter(pk="beating").exists()

    # Declared lost in the middle of a task, which another worker now has: it exits.
    class Exited(Exception):
        pass

    def exit_now(code):
        raise Exited(code)

    monkeypatch.setattr(worker_module.os, "_exit", exit_now)
    WorkerHeartbeat.objects.all().delete()
    worker.in_task = True
    with pytest.raises(Exited, match=str(worker_module.EXIT_LOST)):
        heartbeat.renew()


def test_worker_stops_when_the_process_that_started_it_is_gone(monkeypatch):
    """'haven serve' killed with SIGKILL leaves no worker behind (--exit-with-parent)."""
    signals = []
    monkeypatch.setattr(worker_module.os, "kill", lambda pid, sig: signals.append((pid, sig)))
    heartbeat = Heartbeat(make_worker(), lease=60, recover_every=60, parent_pid=-1)
    heartbeat.tick = 0.01
    heartbeat.start()
    try:
        deadline = time.monotonic() + 30
        while not signals and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        heartbeat.stopping.set()
        heartbeat.join()
    assert signals == [(os.getpid(), signal.SIGTERM)]  # the clean stop, once


def test_task_of_a_killed_worker_on_this_host_is_queued_again_at_once(queued):
    """A server killed with its worker and started again does not wait for the dead
    worker's lease to run out: on this host, a worker whose process is gone is gone."""
    import socket
    import subprocess

    ended = subprocess.Popen(["true"])  # noqa: S607 - a process, ended before the check
    ended.wait()
    claim(queued, "killed")
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="killed",
        host=socket.gethostname(),
        pid=ended.pid,
        started_at=now,
        expires_at=now + timedelta(seconds=60),  # its lease still has a minute to run
    )
    beat("elsewhere", 60)  # a live worker on another host is left alone
    assert recover_lost_tasks() == {"requeued": [queued], "failed": []}
    assert status(queued) == ("READY", ["killed"])
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["elsewhere"]
