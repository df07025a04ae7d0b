"""An import in two processes (haven.imports.pipeline) keeps the promises of one: whole
chunks, the same message for a bad row, resumable, ids that nobody else takes.

The preparing and the writing are taken in turns in this process (``MODE = "inline"``):
the in-memory test database is not shared with a second process. The records it makes
are compared field by field with the general path's in test_plans.py; the second
process itself runs in test_two_processes.py and bench/import_files.py."""

from __future__ import annotations

import io
import os
import pickle

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from haven.audit.actions import verify_chain
from haven.imports import actions, pipeline
from haven.imports.models import ImportJob
from haven.imports.tests.test_command import MAPPING, ROWS, _csv
from haven.incidents.models import Act, Incident
from haven.lib.inserts import reserve_ahead
from haven.people.models import Person
from haven.records.actions import save_record


def _queued(personas, rows=ROWS) -> ImportJob:
    job = actions.start_import(
        team=personas.team,
        by=personas.member,
        name="d.csv",
        data=_csv(rows).encode(),
        mapping=MAPPING,
    )
    job.status = job.Status.CHECKED  # the check is what these tests leave out
    job.save(update_fields=["status"])
    return actions.queue_import(job, by=personas.member)


@pytest.fixture
def in_turns(settings, monkeypatch):
    settings.HAVEN_IMPORT_CHUNK_ROWS = 2
    monkeypatch.setattr(pipeline, "MODE", "inline")


def _error(personas) -> str:
    bad = [*ROWS[:3], ("2020-13-45", "Detention 3", "Detention", "Анзор Исаев"), ROWS[4]]
    job = _queued(personas, bad)
    with pytest.raises(ValidationError) as raised:
        actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    # The first chunk (rows 2 and 3) is whole; nothing of the second is left.
    assert job.done_rows == 2
    assert Incident.objects.count() == 2 and Act.objects.count() == 2
    return raised.value.messages


def test_a_bad_row_in_a_later_chunk_says_the_same_and_keeps_the_chunks_before(
    personas, settings, monkeypatch, in_turns
):
    with_two = _error(personas)
    Act.objects.all().delete()
    Incident.objects.all().delete()
    monkeypatch.setattr(pipeline, "MODE", "off")
    assert with_two == _error(personas)
    assert "Row 5" in with_two[0]


def test_a_bad_row_in_the_first_chunk_fails_before_the_second_process_begins(
    personas, monkeypatch, in_turns
):
    """The importing process writes the first chunk itself while the second process
    starts: its bad row says what one process says, and nothing is kept."""
    begun = []
    monkeypatch.setattr(pipeline, "_prepared", lambda *args: begun.append(1) or iter(()))
    bad = [ROWS[0], ("2020-13-45", "Detention 1", "Detention", "Анзор Исаев"), *ROWS[2:]]
    job = _queued(personas, bad)
    with pytest.raises(ValidationError) as raised:
        actions.run_job(job, by=personas.member)
    assert "Row 3" in raised.value.messages[0]
    job.refresh_from_db()
    assert job.done_rows == 0 and not Incident.objects.exists() and not begun


def test_a_preparing_process_never_told_what_to_prepare_ends_quietly(capfd):
    """Started, then left before it was told what to prepare (the first chunk failed):
    it ends of itself once Django is set up, without a word on its error stream."""
    process, stream = pipeline._start()
    process.stdin.close()
    assert process.wait(timeout=120) == 0
    assert stream.read() == b""
    stream.close()
    assert capfd.readouterr().err == ""


def test_an_import_cut_short_resumes_after_its_last_whole_chunk(personas, monkeypatch, in_turns):
    from haven.records import bulk

    job = _queued(personas)
    real, calls = bulk.write_prepared, []

    def dies_on_second_chunk(ready, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(ready, **kwargs)

    monkeypatch.setattr(bulk, "write_prepared", dies_on_second_chunk)
    with pytest.raises(RuntimeError):
        actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    assert job.done_rows == 2 and Incident.objects.count() == 2
    monkeypatch.setattr(bulk, "write_prepared", real)
    actions.run_job(job, by=personas.member)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.done_rows == 5
    assert Incident.objects.count() == 5 and Act.objects.count() == 5
    # Row 4 names the person row 2 made before the cut: the same person.
    assert [p.name for p in Person.objects.all()].count("Магомед Магамадов") == 1
    assert Person.objects.count() == 3
    assert verify_chain().ok


@pytest.mark.parametrize("mode", ["inline", "off"])
def test_the_collector_stays_paused_from_the_first_chunk_to_the_last(
    personas, monkeypatch, in_turns, mode
):
    """Re-enabled between chunks, it walked the chunk just written, still alive, and
    the one being prepared: a collection of the oldest objects costs some 0.2 s there.
    It is on again once the import ends, however it ends."""
    import gc

    monkeypatch.setattr(pipeline, "MODE", mode)
    seen = []
    actions.run_job(
        _queued(personas), by=personas.member, progress=lambda *_: seen.append(gc.isenabled())
    )
    assert len(seen) >= 3 and not any(seen[:-1])
    assert gc.isenabled()
    job = _queued(personas, [*ROWS[:3], ("2020-13-45", "Detention 3", "Detention", "X")])
    with pytest.raises(ValidationError):
        actions.run_job(job, by=personas.member)
    assert gc.isenabled()


def test_the_preparing_process_keeps_the_collector_paused_between_chunks(personas, in_turns):
    """What the second process runs (``_prepared``), with the collector on as it starts."""
    import gc

    job = _queued(personas)
    builder = actions.builder_for(job, actions.open_job_table(job), by=personas.member)
    assert gc.isenabled()
    chunks = pipeline._prepared(job, builder, personas.member)
    paused = [not gc.isenabled() for _chunk in chunks]
    assert len(paused) == 3 and all(paused)
    assert gc.isenabled()


def test_ids_held_ahead_are_not_taken_by_others(personas):
    before = save_record(Person(team=personas.team, name="typed before"), by=personas.member)
    held = reserve_ahead(Person, 5)
    assert held == list(range(before.pk + 1, before.pk + 6))
    made = save_record(Person(team=personas.team, name="typed meanwhile"), by=personas.member)
    assert made.pk == held[-1] + 1


def _stream(*messages, close: bool = True):
    """A pipe as the preparing process writes to it: ``messages``, then its end."""
    reading, writing = os.pipe()
    with os.fdopen(writing, "wb") as out:
        for message in messages:
            pipeline._send(out, pickle.dumps(message))
    return os.fdopen(reading, "rb")


def test_what_the_preparing_process_says_reaches_the_writer():
    received = pipeline._received(
        _stream(("chunk", 2, ([], {}), None), ("invalid", ["Row 7, column date: not a date"]))
    )
    assert next(received) == (2, ([], {}), None)
    with pytest.raises(ValidationError, match="Row 7"):
        next(received)
    with pytest.raises(pipeline.PreparationStopped, match="disk I/O"):
        next(pipeline._received(_stream(("failed", "OperationalError: disk I/O error"))))
    # Killed without a word, or in the middle of a message: its end of the pipe closes.
    with pytest.raises(pipeline.PreparationStopped, match="stopped"):
        next(pipeline._received(_stream()))
    cut = _stream(("chunk", 2, ([], {}), None))
    cut = io.BytesIO(cut.read()[:-3])
    with pytest.raises(pipeline.PreparationStopped, match="stopped"):
        next(pipeline._received(cut))
    done = pipeline._received(_stream(("chunk", 1, ([], {}), None), ("done",)))
    assert list(done) == [(1, ([], {}), None)]


@pytest.mark.django_db(transaction=True)
def test_a_second_process_for_three_chunks_or_more_outside_a_transaction(
    personas, settings, monkeypatch
):
    job = _queued(personas)  # five rows
    database = connections["default"]
    if database.vendor == "sqlite":  # as if in a file, which another process can open
        monkeypatch.setattr(database, "is_in_memory_db", lambda: False)
    settings.HAVEN_IMPORT_CHUNK_ROWS = 1
    assert pipeline.wanted(job)
    settings.HAVEN_IMPORT_CHUNK_ROWS = 3  # two chunks: not worth starting a process
    assert not pipeline.wanted(job)
    settings.HAVEN_IMPORT_CHUNK_ROWS = 1
    settings.HAVEN_IMPORT_PROCESSES = 1
    assert not pipeline.wanted(job)
    settings.HAVEN_IMPORT_PROCESSES = 2
    # Inside a transaction, what it holds is not for another process to see.
    with transaction.atomic():
        assert not pipeline.wanted(job)
    monkeypatch.setattr(pipeline, "MODE", "off")
    assert not pipeline.wanted(job)
