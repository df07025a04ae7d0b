"""A large import in two processes: a second one prepares the next chunk while this one
writes the chunk before.

SQLite has one writer, and most of an import's work needs no write: reading the rows'
cells, dates and places, making the records, checking them, sealing their values,
their history snapshots, their index tokens. The preparing process does all of it for
a chunk (``haven.records.bulk.prepare_records``, the same code ``create_records`` runs)
and hands the writing process plain rows (numbers, text, sealed bytes); the writing
process inserts them, recomputes the counted acts, chains the audit entries and commits
the chunk with its origins and the job's count of rows done, as a one-process import
does. Nothing else changes: each chunk is one transaction, whole rows only, resumable.

What lets the preparing process work ahead of the writes:

- **ids held ahead.** A record's id is in its history snapshot (an act's incident) and
  its index rows, so the preparing process needs the ids before the rows before them are
  written. It holds them with ``haven.lib.inserts.reserve_ahead`` (a sequence on
  PostgreSQL, the table's counter on SQLite), a few times per import, enough for the
  rows left: other writers meanwhile take ids after them.
- **what it made, remembered.** A reference to a record of a chunk not yet committed (a
  victim named again) is known to be written first; a unique value (a code, a UUID) is
  checked against the table and against every one the import made before.
- **its own connection, reads only** (but for holding ids), so it never waits for the
  writer's transaction, and the writer never for it.

A failure on either side fails the import as a one-process import fails: a row that
does not check raises the same message; the writer's chunk rolls back whole; a
preparing process that stops (killed, crashed) stops the import, which resumes after
its last committed chunk. A writer that stops leaves the preparing process nobody to
hand its rows to: it ends at its next hand-over (a closed pipe), or when the writer's
``finally`` ends it.

The data keys are the preparing process's own, loaded from the same key file or
passphrase; a key that was retired between the sealing and the write refuses the chunk
(``write_prepared``). A code drawn by the preparing process and taken by another writer
before the chunk is written reaches the unique index: the chunk rolls back, as on
PostgreSQL one-process imports already do.

The second process is started (a new interpreter running this module, not a fork of
a server with threads) for an import of three chunks or more, on SQLite in a file or PostgreSQL,
when ``HAVEN_IMPORT_PROCESSES`` is 2 (the default). While it sets Django up, the importing
process writes the first chunk itself; it then tells the second process what to prepare,
which goes on after that chunk.
"""

from __future__ import annotations

import math
import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.utils.translation import gettext as _

# Tests set "inline": the same preparing and writing, taken in turns in this process
# (an in-memory test database is not shared with another process). "off": one process.
MODE = "auto"


class PreparationStopped(RuntimeError):
    """The process preparing the rows stopped without saying why, or failed."""


def wanted(job) -> bool:
    """Whether ``job`` is imported in two processes (see the module's docstring)."""
    from haven.imports.actions import CREATION_ORDER, chunk_rows

    if MODE != "auto":
        return MODE == "inline"
    # Starting the second process (Django set up anew, some 1 s of CPU) while this one
    # writes the first chunk, then waiting for its first, cost about what two chunks
    # gain: three chunks or more.
    if settings.HAVEN_IMPORT_PROCESSES < 2 or job.total_rows - job.done_rows <= 2 * chunk_rows():
        return False
    from django.apps import apps

    from haven.lib.inserts import can_reserve_ahead

    models = [apps.get_model(label) for label in CREATION_ORDER]
    connection = connections[router.db_for_write(models[0])]
    if connection.in_atomic_block:  # what it holds uncommitted, another process cannot see
        return False
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return False
    return connection.vendor in ("sqlite", "postgresql") and all(
        can_reserve_ahead(model) for model in models
    )


@contextmanager
def prepared_chunks(job, builder, *, by, meanwhile=None) -> Iterator[Iterator[tuple]]:
    """The chunks of ``job`` from its first row not done, each as (rows, origins,
    prepared records), prepared by a second process (or in turns here, ``MODE`` "inline").
    ``builder`` is the import's, after its new terms and places were made.

    ``meanwhile()`` runs here while the second process starts (Python and Django set
    up, a second or two): the importing process writes the first chunk itself rather
    than wait. The second process is told what to prepare once it has returned, so it
    starts after the rows ``meanwhile`` committed, with the builder as they left it."""
    if MODE == "inline":
        if meanwhile is not None:
            meanwhile()
        yield (pickle.loads(message)[1:] for message in _prepared(job, builder, by))  # noqa: S301 (made here)
        return
    process, stream = _start()
    try:
        if meanwhile is not None:
            meanwhile()
        _begin(process, job, builder, by)
        yield _received(stream)
    finally:
        # Done, it ends by itself; stopped early, it ends at its next hand-over (the
        # pipe closed) or, in the middle of a chunk, here. Stopped before it was told
        # what to prepare, it ends as its instructions end.
        if not process.stdin.closed:
            process.stdin.close()
        stream.close()
        for ending in (process.terminate, process.kill):
            try:
                process.wait(2)
                break
            except subprocess.TimeoutExpired:
                ending()
        process.wait()


def _start() -> tuple[subprocess.Popen, object]:
    """Start the preparing process (a new interpreter running this module); (the
    process, the stream its chunks come on). It sets Django up, then waits to be told
    what to prepare (``_begin``)."""
    chunks_in, chunks_out = os.pipe()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "haven.settings"),
        # The same code as this process: its import path.
        "PYTHONPATH": os.pathsep.join(path for path in sys.path if path),
    }
    try:
        process = subprocess.Popen(  # noqa: S603 - this module, by this interpreter
            [sys.executable, "-m", "haven.imports.pipeline", str(chunks_out)],
            stdin=subprocess.PIPE,
            pass_fds=(chunks_out,),
            env=environment,
        )
    finally:
        os.close(chunks_out)  # the other process's end: its closing is the end of file
    return process, os.fdopen(chunks_in, "rb")


def _begin(process: subprocess.Popen, job, builder, by) -> None:
    """Tell the preparing process what to prepare: the job from its rows done now, with
    ``builder`` as it is now."""
    start = (
        connections["default"].settings_dict["NAME"],
        job.pk,
        by.pk if by is not None else None,
        pickle.dumps(builder, pickle.HIGHEST_PROTOCOL),
    )
    try:
        with process.stdin:
            pickle.dump(start, process.stdin, pickle.HIGHEST_PROTOCOL)
    except BrokenPipeError:
        pass  # it stopped already: reading its stream says so


def write_chunk(job, chunk: tuple, counts, *, by) -> int:
    """Write one prepared chunk in a transaction of its own: its records, versions, index
    rows, counted acts, audit entries, origins and the job's count; the rows done."""
    from haven.imports.actions import finish_chunk
    from haven.keys.keyring import get_keyring
    from haven.records.bulk import write_prepared
    from haven.records.masking import unmasked

    rows_done, origins, ready = chunk
    # The collector is paused by run_job, for the whole import.
    with transaction.atomic(), get_keyring().steady(), unmasked():
        write_prepared(ready, by=by)
        return finish_chunk(job, rows_done, origins, counts)


# A message: its length (8 bytes, big-endian), then the pickled message.
_LENGTH = 8


def _send(stream, message: bytes) -> None:
    stream.write(len(message).to_bytes(_LENGTH, "big"))
    stream.write(message)
    stream.flush()


def _received(stream) -> Iterator[tuple]:
    """The chunks the preparing process sends on ``stream``, until it says it is done;
    what it says went wrong, raised here."""
    while True:
        header = stream.read(_LENGTH)
        length = int.from_bytes(header, "big") if len(header) == _LENGTH else 0
        data = stream.read(length) if length else b""
        if not data or len(data) != length:  # ended, or stopped in the middle of one
            raise PreparationStopped(
                _("The process preparing the import's rows stopped: run the import again.")
            )
        # Some 60,000 objects a chunk, read with the collector paused (by run_job).
        message = pickle.loads(data)  # noqa: S301 (our own process)
        if message[0] == "chunk":
            yield message[1:]
        elif message[0] == "done":
            return
        elif message[0] == "invalid":
            raise ValidationError(message[1])
        else:
            raise PreparationStopped(message[1])


def _prepare_in_process(out_fd: int) -> None:
    """The second process: set Django up, read what to prepare (on the writer's
    database), then prepare and hand over every chunk."""
    import django

    django.setup()  # while the writer imports the first chunk
    try:
        database, job_id, by_id, builder = pickle.load(sys.stdin.buffer)  # noqa: S301 (our own)
    except EOFError:
        return  # the writer stopped before it got this far: nothing to prepare
    # The database the writer uses, whatever its settings were changed to since.
    connections["default"].settings_dict["NAME"] = database
    from django.contrib.auth import get_user_model

    from haven.imports.models import ImportJob

    with os.fdopen(out_fd, "wb") as out:
        sender = _Sender(out)
        try:
            job = ImportJob.objects.get(pk=job_id)
            by = get_user_model().objects.get(pk=by_id) if by_id is not None else None
            for message in _prepared(job, pickle.loads(builder), by):  # noqa: S301 (our own)
                sender.send(message)
            sender.send(pickle.dumps(("done",)))
        except ValidationError as error:
            sender.send(pickle.dumps(("invalid", error.messages)))
        except BrokenPipeError:
            return  # the writer is gone: nobody to tell
        except BaseException as error:
            import traceback

            traceback.print_exc()
            sender.send(pickle.dumps(("failed", f"{type(error).__name__}: {error}")))
        sender.close()


class _Sender:
    """Sends the messages given, in order, from a thread of its own, up to ``AHEAD``
    waiting: the next chunk is prepared while the writer reads the one before, and a
    chunk the writer is slow to take does not stop the preparing (a pipe holds 64 KB,
    a chunk some 8 MB). A send that failed (the writer gone) is raised at the next."""

    AHEAD = 2

    def __init__(self, out):
        self.out, self.error = out, None
        self.waiting: queue.Queue = queue.Queue(maxsize=self.AHEAD)
        self.thread = threading.Thread(target=self._run, name="import-chunks", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (message := self.waiting.get()) is not None:
            try:
                _send(self.out, message)
            except BaseException as error:  # noqa: BLE001 - handed to the preparing thread
                self.error = error
                return

    def send(self, message: bytes | None) -> None:
        while True:
            if self.error is not None:
                raise self.error
            try:
                self.waiting.put(message, timeout=1)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Wait until every message is sent (or sending failed)."""
        try:
            self.send(None)
        except BrokenPipeError:
            return
        self.thread.join()


def _prepared(job, builder, by) -> Iterator[bytes]:
    """Each chunk of ``job`` not done, prepared and pickled as ("chunk", rows, origins,
    prepared records)."""
    from haven.imports.actions import chunk_rows, numbered, open_job_table
    from haven.lib.inserts import collector_paused, larger_page_cache

    table = open_job_table(job)
    if table.sha256 != job.sha256:
        raise ValidationError(_("The stored file does not match the one uploaded."))
    size, first, total = chunk_rows(), job.done_rows, job.total_rows
    state = _HeldIds(), defaultdict(set), defaultdict(set)  # ids, unique values, made
    batch, position = [], 0
    # Its unique checks read the tables' UUID and code indexes all over, chunk by chunk.
    # The collector is paused from the first chunk to the last, as in the writing process.
    with larger_page_cache(), collector_paused():
        for position, (number, values) in enumerate(numbered(table), start=1):
            if position <= first:
                continue
            batch.append((number, values))
            if len(batch) >= size:
                yield _prepared_chunk(job, builder, table, batch, by, state, total - position)
                batch = []
        if batch:
            yield _prepared_chunk(job, builder, table, batch, by, state, total - position)


def _prepared_chunk(job, builder, table, batch, by, state, rows_left) -> bytes:
    from haven.imports.actions import built_chunk, by_kind, origins_of, raise_row_problem
    from haven.keys.keyring import get_keyring
    from haven.records.bulk import check_new, prepare_records
    from haven.records.masking import unmasked

    ids, seen, known = state
    ids.expect(len(batch), rows_left)
    with get_keyring().steady(), unmasked():
        made, origins = built_chunk(builder, table, batch)
        records = by_kind(made)
        check_new(records, by=by)
        try:
            ready = prepare_records(records, by=by, reserve=ids, seen=seen, known=known)
        except ValidationError:
            raise_row_problem(builder, table, batch)
            raise
        message = ("chunk", len(batch), origins_of(job, origins), ready)
        return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)


class _HeldIds:
    """Ids held ahead per model (``reserve_ahead``), given out as chunks need them.
    When a model's run out, enough for the rest of the import are held at once (at the
    rate of the chunk at hand, and a tenth more), so that holding them, which on SQLite
    waits for the writer's transaction, happens a few times per import."""

    MARGIN = 1.1

    def __init__(self):
        self.held: dict[type, deque[int]] = {}
        self.chunk_rows, self.rows_left = 1, 0

    def expect(self, chunk_rows: int, rows_left: int) -> None:
        self.chunk_rows, self.rows_left = max(chunk_rows, 1), max(rows_left, 0)

    def __call__(self, model, count: int) -> list[int]:
        from haven.lib.inserts import reserve_ahead

        held = self.held.setdefault(model, deque())
        if len(held) < count:
            ahead = math.ceil(count / self.chunk_rows * self.rows_left * self.MARGIN)
            held.extend(reserve_ahead(model, count - len(held) + ahead))
        return [held.popleft() for _ in range(count)]


__all__ = ["MODE", "PreparationStopped", "prepared_chunks", "wanted", "write_chunk"]

if __name__ == "__main__":
    _prepare_in_process(int(sys.argv[1]))
