"""enqueue(): ids only in the unencrypted task table; the job's audit context and language."""

import ast
import uuid
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from haven.audit.models import AuditEntry
from haven.jobs.queue import enqueue, job_state
from haven.jobs.tests import tasks
from haven.jobs.worker import Worker

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def queue(settings, db):
    """The production backend: tasks wait in the table until a worker takes them."""
    settings.TASKS = DATABASE_BACKEND


def run_queued() -> None:
    """What 'haven worker --batch' does, in this process."""
    Worker(
        queue_names=["*"],
        excluded_queue_names=[],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
    ).run()


@pytest.mark.parametrize(
    "value",
    [
        "Ibragim Selimkhanov",
        "Ибрагим",
        "ibragim selimkhanov",
        "Selimkhanov",
        "a" * 41,
        "",
        1.5,
        [1, 2],
        {"name": "x"},
        b"bytes",
        Path("uploads/list.xlsx"),
    ],
    ids=repr,
)
def test_enqueue_refuses_anything_but_ids_and_codes(queue, value):
    with pytest.raises(TypeError, match="task table is not encrypted"):
        enqueue(tasks.count_chunks, run=value, chunks=1)
    assert not DBTaskResult.objects.exists()


def test_enqueue_stores_ids_uuids_and_codes(queue, personas):
    key = uuid.uuid4()
    ids = [
        enqueue(tasks.count_chunks, actor=personas.member, run="xlsx-2", chunks=3),
        enqueue(tasks.count_chunks, run=str(key).upper(), chunks=True),
        enqueue(tasks.count_chunks, run=key, chunks=0, pause_ms=None),
    ]
    stored = [DBTaskResult.objects.get(pk=pk).args_kwargs["kwargs"] for pk in ids]
    assert stored[0] == {
        "task": "haven.jobs.tests.tasks.count_chunks",
        "actor": personas.member.pk,
        "arguments": {"run": "xlsx-2", "chunks": 3},
    }
    assert stored[1]["arguments"]["run"] == str(key)  # UUIDs in one form
    assert stored[2]["arguments"] == {"run": str(key), "chunks": 0, "pause_ms": None}
    assert job_state(ids[0]).status == "READY"


def test_enqueue_refuses_what_the_task_does_not_take(queue):
    with pytest.raises(TypeError, match="count_chunks.*rows"):
        enqueue(tasks.count_chunks, run="a", chunks=1, rows=5)
    with pytest.raises(TypeError, match="missing"):
        enqueue(tasks.count_chunks, run="a")
    with pytest.raises(TypeError, match="not a task"):
        enqueue(tasks.chunks_done, run="a")
    assert not DBTaskResult.objects.exists()


def test_inline_job_is_attributed_to_the_job_channel_and_its_actor(personas):
    """Under the test suite's inline backend the job runs at once, through the runner."""
    enqueue(tasks.count_chunks, actor=personas.member, run="inline", chunks=2)
    entries = AuditEntry.objects.filter(action=tasks.CHUNK).order_by("seq")
    assert [(e.summary, e.channel, e.actor) for e in entries] == [
        ("inline:1", "job", personas.member),
        ("inline:2", "job", personas.member),
    ]


def test_system_job_has_no_actor(db):
    enqueue(tasks.count_chunks, run="system", chunks=1)
    entry = AuditEntry.objects.get(action=tasks.CHUNK)
    assert (entry.channel, entry.actor, entry.actor_label) == ("job", None, "")


def test_job_speaks_its_actors_language(personas):
    personas.member.language = "ru"
    personas.member.save(update_fields=["language"])
    enqueue(tasks.note_language, actor=personas.member, run="lang")
    enqueue(tasks.note_language, actor=personas.read_only, run="lang")
    assert tasks.chunks_done("lang") == ["lang:ru", "lang:en"]


def test_queued_job_runs_in_the_worker_with_its_actor(queue, personas):
    result_id = enqueue(tasks.count_chunks, actor=personas.member, run="queued", chunks=3)
    assert tasks.chunks_done("queued") == []  # nothing runs in the request
    run_queued()
    state = job_state(result_id)
    assert (state.status, state.attempts, state.error) == ("SUCCESSFUL", 1, "")
    assert DBTaskResult.objects.get().return_value == 3
    entries = AuditEntry.objects.filter(action=tasks.CHUNK)
    assert {(e.channel, e.actor_id) for e in entries} == {("job", personas.member.pk)}
    assert tasks.chunks_done("queued") == ["queued:1", "queued:2", "queued:3"]


def test_failing_job_fails_at_once_and_its_message_is_not_stored(queue):
    result_id = enqueue(tasks.fail_with_a_name)
    run_queued()
    state = job_state(result_id)
    assert (state.status, state.attempts) == ("FAILED", 1)  # no retry
    assert state.error == (
        "haven.jobs.queue.JobFailed: ValueError in haven.jobs.tests.tasks.fail_with_a_name "
        "(its message is not stored: the task table is not encrypted)"
    )
    stored = DBTaskResult.objects.get()
    assert "fail_with_a_name" in stored.traceback  # where it happened is kept
    assert "Selimkhanov" not in stored.traceback + str(stored.return_value)


def test_text_returned_by_a_job_is_not_stored(queue):
    result_id = enqueue(tasks.return_a_name)
    run_queued()
    state = job_state(result_id)
    assert state.status == "FAILED"
    assert state.error.startswith("TypeError: the return value of ")
    stored = DBTaskResult.objects.get()
    assert stored.return_value is None
    assert "Selimkhanov" not in stored.traceback


def test_apps_queue_jobs_only_through_enqueue():
    """Task.enqueue() would skip the argument rule and the job's audit context."""
    haven = Path(__file__).resolve().parents[2]
    wrong = []
    for path in sorted(haven.rglob("*.py")):
        parts = path.relative_to(haven).parts
        if parts[0] == "jobs" or "tests" in parts or "migrations" in parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"enqueue", "aenqueue"}
            ):
                wrong.append(f"{'/'.join(parts)}:{node.lineno}")
    assert not wrong, f"use haven.jobs.queue.enqueue() instead: {wrong}"
