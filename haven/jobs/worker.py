"""The background worker: django-tasks-db's loop, plus what it lacks to survive a crash.

django-tasks-db claims a task by marking it RUNNING and appending the worker's id to
``worker_ids``; a worker killed with SIGKILL (or by the kernel out of memory) leaves
that task RUNNING for ever. Here each worker also keeps a ``WorkerHeartbeat`` row
alive with a lease, and every worker, when it starts and then every minute, hands
the RUNNING tasks of workers whose lease ran out back to the queue — or fails them
with ``WorkerLost`` once ``MAX_ATTEMPTS`` workers have died on them (a task that
kills its worker every time must not kill workers for ever). Tasks are resumable
for this reason (rule 2 in ``haven.jobs.queue``).

A worker started with the id of one that died (``haven serve`` restarts its worker
under the same id; so can systemd) takes its predecessor's tasks back at once,
without waiting for the lease to run out.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from datetime import timedelta
from types import FrameType

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.db.models import DateTimeField, ExpressionWrapper
from django.db.models.functions import Now
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker as DatabaseWorker
from django_tasks_db.models import DBTaskResult

from haven.jobs.models import WorkerHeartbeat

log = logging.getLogger("haven.jobs")

MAX_ATTEMPTS = 3
# The exit status of a worker that found itself declared lost in the middle of a task.
EXIT_LOST = 70


class WorkerLost(Exception):
    """The workers running a task kept dying before it finished."""


class WorkerStopping(BaseException):
    """Raised into a running task when the worker is asked to stop (SIGTERM, Ctrl+C).

    A ``BaseException``, like ``KeyboardInterrupt``, so that a task's ``except
    Exception`` does not swallow it; its open transaction rolls back."""


def _lease_end(seconds: float) -> ExpressionWrapper:
    # The database's clock, not this host's: workers on several hosts agree on it.
    return ExpressionWrapper(Now() + timedelta(seconds=seconds), output_field=DateTimeField())


def _gone_from_this_host() -> frozenset[str]:
    """Workers of this host whose process has ended (killed with their server): their
    tasks need not wait for the lease to run out. A pid taken again by another process
    only makes the worker look alive, and its lease decides as before. (Machines that
    run workers on one database need hostnames of their own, as containers have.)"""
    host = socket.gethostname()[:255]
    gone = []
    for worker_id, pid in WorkerHeartbeat.objects.filter(host=host).values_list("worker_id", "pid"):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            gone.append(worker_id)
        except PermissionError:  # another user's process: alive
            pass
    return frozenset(gone)


def recover_lost_tasks(*, presumed_dead: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Put back the RUNNING tasks of workers that are gone; fail those tried enough.

    A worker is gone when its heartbeat expired or was removed, or when its id is in
    ``presumed_dead`` (a worker starting under the id of one that died). Returns the
    ids of the tasks put back (``"requeued"``) and failed (``"failed"``).
    """
    done: dict[str, list[str]] = {"requeued": [], "failed": []}
    presumed_dead = presumed_dead | _gone_from_this_host()
    given_up: list[DBTaskResult] = []
    with transaction.atomic():
        # Tasks first, then heartbeats: a task claimed after this read is not
        # touched, and one claimed before it has a heartbeat written before the claim.
        running = list(DBTaskResult.objects.running().select_for_update(skip_locked=True))
        alive = set(
            WorkerHeartbeat.objects.filter(expires_at__gt=Now())
            .exclude(worker_id__in=presumed_dead)
            .values_list("worker_id", flat=True)
        )
        for result in running:
            if result.worker_ids and result.worker_ids[-1] in alive:
                continue
            last = result.worker_ids[-1] if result.worker_ids else "?"
            if len(result.worker_ids) >= MAX_ATTEMPTS:
                result.set_failed(
                    WorkerLost(
                        f"the worker running this task stopped {len(result.worker_ids)} times "
                        f"before it finished (killed, out of memory or the machine restarted; "
                        f"last worker {last}); it is not tried again"
                    )
                )
                done["failed"].append(str(result.id))
                given_up.append(result)
                log.error("task %s failed: its workers died %s times", result.id, MAX_ATTEMPTS)
            else:
                result.status = TaskResultStatus.READY
                result.save(update_fields=["status"])
                done["requeued"].append(str(result.id))
                log.warning(
                    "task %s was left running by worker %s, which is gone: queued again "
                    "(attempt %s of %s next)",
                    result.id,
                    last,
                    len(result.worker_ids) + 1,
                    MAX_ATTEMPTS,
                )
        WorkerHeartbeat.objects.filter(expires_at__lte=Now()).delete()
        WorkerHeartbeat.objects.filter(worker_id__in=presumed_dead).delete()
    # The task never reached its own error handling: say that it finished, failed, as
    # the worker does when a task raises, so that its owner (an import) can say it
    # stopped instead of showing it at work for ever.
    for result in given_up:
        try:
            task_finished.send(
                sender=type(result.task.get_backend()), task_result=result.task_result
            )
        except Exception:  # a receiver's failure must not stop the recovery
            log.exception("task %s: its failure could not be announced", result.id)
    return done


def put_back(result: DBTaskResult, worker_id: str) -> None:
    """Return a task this worker interrupted to the queue; the interruption was not the
    task's fault, so it does not count as an attempt."""
    worker_ids = list(result.worker_ids)
    if worker_ids and worker_ids[-1] == worker_id:
        worker_ids.pop()
    for attempt in (1, 2):
        try:
            DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.READY, worker_ids=worker_ids
            )
            break
        except DatabaseError:
            if attempt == 2:
                raise
            connection.close()  # the interrupted task may have left it unusable
    log.warning("task %s interrupted by the stop: back in the queue to resume", result.pk)


class Heartbeat(threading.Thread):
    """Keeps this worker's lease, hands back dead workers' tasks, and watches the parent.

    A thread, because the main thread is busy for as long as a task runs.
    """

    def __init__(
        self,
        worker: Worker,
        *,
        lease: float,
        recover_every: float,
        parent_pid: int | None = None,
    ):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker = worker
        self.lease = lease
        self.recover_every = recover_every
        self.parent_pid = parent_pid
        self.stopping = threading.Event()
        # Often enough to renew the lease twice before it runs out, and to notice
        # within seconds that the parent is gone.
        self.tick = min(5.0, lease / 3, recover_every)

    def register(self) -> None:
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": timezone.now(),
                "expires_at": _lease_end(self.lease),
            },
        )

    def renew(self) -> None:
        renewed = WorkerHeartbeat.objects.filter(worker_id=self.worker.worker_id).update(
            expires_at=_lease_end(self.lease)
        )
        if renewed:
            return
        if self.worker.in_task:
            # Another worker found this one silent past its lease and took its task:
            # stop at once, as if killed, rather than run the task twice.
            log.error(
                "worker %s missed its lease and its task was handed on: exiting",
                self.worker.worker_id,
            )
            os._exit(EXIT_LOST)
        self.register()

    def run(self) -> None:
        renewed = recovered = time.monotonic()
        try:
            while not self.stopping.wait(self.tick):
                if self.parent_pid is not None and os.getppid() != self.parent_pid:
                    log.warning("the process that started this worker is gone: stopping")
                    os.kill(os.getpid(), signal.SIGTERM)
                    self.parent_pid = None
                now = time.monotonic()
                try:
                    if now - renewed >= self.lease / 3:
                        self.renew()
                        renewed = now
                    if now - recovered >= self.recover_every:
                        recover_lost_tasks()
                        recovered = now
                except DatabaseError as exc:  # e.g. SQLite busy past its timeout: next tick
                    log.warning("worker heartbeat: %s", exc)
                    close_old_connections()
        finally:
            connection.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker.worker_id).delete()
        except DatabaseError as exc:  # the lease runs out on its own
            log.warning("worker heartbeat not removed: %s", exc)


class Worker(DatabaseWorker):
    """django-tasks-db's worker, stopped cleanly: a signal interrupts the running task
    and puts it back in the queue instead of failing it or waiting for its end."""

    in_task = False  # the heartbeat reads it: is a task's code running right now?

    def shutdown(self, signum: int, frame: FrameType | None) -> None:
        if not self.running:  # a second signal: go now, as a killed worker would
            log.warning("Received %s again: exiting at once", signal.strsignal(signum))
            os._exit(1)
        self.running = False
        log.warning("Received %s: stopping", signal.strsignal(signum))
        if self.in_task:
            raise WorkerStopping(signal.strsignal(signum))
        # Otherwise the loop ends after its current wait (at most --interval).

    def run_task(self, db_task_result: DBTaskResult) -> None:
        """As django-tasks-db's, but a stop puts the task back instead of failing it."""
        self.running_task = True
        try:
            if not self.running:  # stopped between the claim and here
                put_back(db_task_result, self.worker_id)
                return
            task = db_task_result.task
            task_result = db_task_result.task_result
            sender = type(task.get_backend())
            task_started.send(sender=sender, task_result=task_result)
            self.in_task = True
            try:
                if task.takes_context:
                    value = task.call(
                        TaskContext(task_result=task_result),
                        *task_result.args,
                        **task_result.kwargs,
                    )
                else:
                    value = task.call(*task_result.args, **task_result.kwargs)
            finally:
                self.in_task = False
            db_task_result.set_successful(value)
            task_finished.send(sender=sender, task_result=db_task_result.task_result)
        except WorkerStopping:
            put_back(db_task_result, self.worker_id)
        except BaseException as exc:  # as django-tasks-db: the task failed, whatever it raised
            db_task_result.set_failed(exc)
            try:
                sender = type(db_task_result.task.get_backend())
                task_result = db_task_result.task_result
            except Exception:  # the task's module is gone: still record the failure
                log.exception("task %s failed", db_task_result.pk)
            else:
                task_finished.send(sender=sender, task_result=task_result)
        finally:
            self.running_task = False
            self._run_tasks += 1
