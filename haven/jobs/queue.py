"""Long work outside the request: ``enqueue(task, actor=user, job_id=...)``.

Tasks are plain django-tasks functions, defined in the app that owns the work::

    # haven/imports/tasks.py
    from django_tasks import task

    @task()
    def run_import(job_id: int) -> None: ...

    # haven/imports/views.py (or actions, or a command)
    from haven.jobs.queue import enqueue

    enqueue(run_import, actor=request.user, job_id=job.pk)

A worker (``haven worker``, which ``haven serve`` starts) runs it later, in another
process. The queue is a table in Haven's database, so a task enqueued inside the
transaction that creates its job row exists exactly when that row does. Call
``enqueue``, never ``Task.enqueue``: it enforces the rules below and runs the task
through ``run_job``, which sets the audit context.

The rules a task lives by:

1. **Ids only.** The queue is a database table that is *not encrypted*, and it is kept
   after the task ends. A task's arguments are ints (and bools), UUIDs and short codes
   (lower-case ASCII such as ``"xlsx"``, ``"arbitrary_detention"``); anything else — a
   name, a note, a path, a list, a dict — is refused with ``TypeError``. Whatever the
   task needs to read (an uploaded file, the rows to import) sits in the app's own
   model, encrypted as usual, and the task gets that row's id. What a task returns is
   stored too, so the same rule holds for its return value. An exception's message
   often quotes the data that caused it, so when a task raises, the queue keeps the
   exception's class and stack (code lines only) but not its message; a task that
   has something to tell the user writes it to its own (encrypted) job row.
2. **Resumable.** A worker may die at any moment (SIGKILL, out of memory, a reboot).
   Its RUNNING tasks are then started again from the beginning by another worker, at
   most ``MAX_ATTEMPTS`` times in all, after which they fail with ``WorkerLost``
   (``haven.jobs.worker``). A worker that is stopped (SIGTERM, Ctrl+C, ``haven serve``
   exiting) interrupts its task and puts it back in the queue, not counted as an
   attempt. So a task must be able to start over after being cut off anywhere: it
   commits its work in short chunks, each chunk in one transaction together with the
   record of how far it got, reads that record when it starts, and skips what is
   done. Where two runs could overlap (a worker that stalled past its lease while
   another took over), the progress update is a compare-and-set — ``UPDATE job SET
   done = n + 1 WHERE id = ... AND done = n`` — and the chunk rolls back when it
   matched no row. Keep each chunk's transaction to a few seconds: on SQLite it holds
   the one write lock.
3. **Attributed.** The task runs inside ``audit_context(Channel.JOB, actor=...)`` with
   the user passed to ``enqueue`` (``None`` for the system's own work), so every entry
   it writes says "job" and who started it, and with that user's language active for
   any message it stores. Permission checks inside the task's verbs apply to that user
   as they would in the request.

An exception raised by a task fails it at once (no retry): the tasks here fail on
their input, which a retry would not change.

In the test suite, the root ``conftest.py`` switches TASKS to django-tasks'
``ImmediateBackend``: ``enqueue`` then runs the task at once, in the test's process
and transaction, through the same ``run_job`` (audit context, argument rules), and
keeps the exception's message for the test's log.
"""

from __future__ import annotations

import inspect
import logging
import re
import traceback
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import translation
from django.utils.module_loading import import_string
from django_tasks import TaskContext, task, task_backends
from django_tasks.base import Task

from haven.audit.context import Channel, audit_context

log = logging.getLogger("haven.jobs")

_CODE = re.compile(r"[a-z0-9][a-z0-9_.:-]{0,39}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class JobFailed(Exception):
    """A task raised; stands in for its exception, whose message is not stored."""


def _storable(name: str, value):
    """The value as the queue may store it, or ``TypeError`` saying what to pass."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        lowered = value.lower()
        if _UUID.fullmatch(lowered):
            return lowered
        if _CODE.fullmatch(value):
            return value
        raise TypeError(
            f"{name}: text is not allowed (only UUIDs and short lower-case codes of up to "
            "40 letters, digits, '_', '.', ':' or '-'). The task table is not encrypted: "
            "store the text in your app's own model and pass that row's id."
        )
    raise TypeError(
        f"{name}: {type(value).__name__} is not allowed; a job takes ints, UUIDs and short "
        "codes only. The task table is not encrypted: pass the id of a row that holds it."
    )


def storable_arguments(kwargs: dict) -> dict:
    """``kwargs`` checked against rule 1 (ids only), UUIDs turned into strings."""
    return {name: _storable(f"job argument {name!r}", value) for name, value in kwargs.items()}


def enqueue(task_function: Task, /, *, actor=None, **kwargs) -> str:
    """Queue ``task_function(**kwargs)`` to run as ``actor``; return the task result id.

    ``task_function`` is a django-tasks ``@task``; ``actor`` a user or ``None``.
    Raises ``TypeError`` for an argument that is not an id or a short code.
    """
    if not isinstance(task_function, Task):
        raise TypeError(
            f"{task_function!r} is not a task: define it with django_tasks' @task() decorator"
        )
    arguments = storable_arguments(kwargs)
    parameters = inspect.signature(task_function.func)
    try:  # a wrong name fails here, in the caller, rather than later in the worker
        if task_function.takes_context:
            parameters.bind(None, **arguments)
        else:
            parameters.bind(**arguments)
    except TypeError as exc:
        raise TypeError(f"{task_function.module_path}: {exc}") from None
    runner = run_job.using(
        priority=task_function.priority,
        queue_name=task_function.queue_name,
        backend=task_function.backend,
    )
    result = runner.enqueue(
        task=task_function.module_path,
        actor=actor.pk if actor is not None else None,
        arguments=arguments,
    )
    return str(result.id)


@task(takes_context=True)
def run_job(context: TaskContext, task: str, actor: int | None, arguments: dict):
    """Run the task at ``task`` (a module path) as user ``actor``: every job goes
    through here, so every job has its audit context and language."""
    from haven.accounts.models import User

    target = import_string(task)
    if not isinstance(target, Task):
        raise TypeError(f"{task} is not a task")
    user = User.objects.get(pk=actor) if actor is not None else None
    stores_results = task_backends[context.task_result.backend].supports_get_result
    log.info(
        "job %s(%s) as user %s, attempt %s",
        task,
        ", ".join(f"{name}={value}" for name, value in arguments.items()),
        actor if actor is not None else "-",
        context.attempt,
    )
    with (
        audit_context(Channel.JOB, actor=user),
        translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE),
    ):
        try:
            if target.takes_context:
                value = target.call(context, **arguments)
            else:
                value = target.call(**arguments)
        except Exception as exc:
            if not stores_results:  # run inline (tests): nothing is stored
                raise
            raise _without_message(exc, task) from None
    return _storable(f"the return value of {task}", value)


def _without_message(exc: Exception, task: str) -> JobFailed:
    kind = f"{type(exc).__module__}.{type(exc).__qualname__}".removeprefix("builtins.")
    # Where, not what: file, line and function of each frame, without the source
    # lines (a line may hold the data it was working on, as a literal or an f-string).
    stack = "".join(
        f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}\n'
        for frame in traceback.extract_tb(exc.__traceback__)
    )
    return JobFailed(
        f"{kind} in {task} (its message is not stored: the task table is not encrypted)\n"
        f"Where it was raised:\n{stack}"
    )


def _error_line(error) -> str:
    """The line of a stored traceback that names the exception, with its message."""
    lines = error.traceback.strip().splitlines()
    short = error.exception_class_path.rsplit(".", 1)[-1]
    for line in lines:
        if line.startswith((f"{error.exception_class_path}:", f"{short}:")):
            return line
    return lines[-1] if lines else error.exception_class_path


@dataclass(frozen=True)
class JobState:
    """Where a queued task stands, for a progress page or a command."""

    id: str
    status: str  # READY, RUNNING, SUCCESSFUL or FAILED
    attempts: int
    enqueued_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str  # the first line of the stored error ("" unless FAILED)

    @property
    def finished(self) -> bool:
        return self.status in {"SUCCESSFUL", "FAILED"}


def job_state(result_id: str) -> JobState:
    """The state of the task ``enqueue`` returned ``result_id`` for.

    Raises ``django_tasks.exceptions.TaskResultDoesNotExist`` for an unknown id.
    """
    result = run_job.get_backend().get_result(result_id)
    return JobState(
        id=str(result.id),
        status=str(result.status),
        attempts=result.attempts,
        enqueued_at=result.enqueued_at,
        started_at=result.started_at,
        finished_at=result.finished_at,
        error=_error_line(result.errors[-1]) if result.errors else "",
    )
