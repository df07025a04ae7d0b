"""Preparing an import's next chunk on the other core while this one is written.

SQLite has one writer, and an import spends most of its time in Python anyway: while
the importing process writes chunk *n*, a second process (forked from it, so it has the
keys in its memory only: nothing is written anywhere, and only records, values, tokens
and sealed values are passed back) reads the rows of chunk *n*+1 with a copy of the
same ``Builder`` and makes what does not need the database:

- the chunk's records (``Builder.row``), passed back whole; their references to people
  and sources that earlier chunks made are pointed at the ones saved (``Ahead._link``),
  and the builder here learns the chunk's new people and sources, as if it had built
  the rows itself;
- their text values sealed (``seal_ahead``: the same key and associated data as when
  sealed while writing; a sealed value is written only if the value, the record's UUID
  and the active key are still the same, else the value is sealed again);
- the blind-index tokens of each indexed value (``blind.tokens_made_ahead``), taken
  into the cache of tokens ``create_records`` looks in;
- the values that pass their field's own checks (``Vetting.vet``), which
  ``create_records`` then does not check again, as it already skips a value that
  passed earlier in the same import.

Everything else is done while writing, as in one process: ``create_records`` checks
references, unique values, ``clean()`` and the constraints of every record, and
versions, indexes and audits each one, a chunk per transaction with the job's count of
rows done (a crash loses only what was prepared and not written: it is prepared again
on resuming). A chunk with a row that has a problem, or whose references cannot be
matched, is built again while writing, which names the row. The second process reads
no database (a query there is refused) and ends with the import; if it stops early,
the import goes on without it. ``HAVEN_IMPORT_AHEAD=0`` imports in one process.
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queues
import signal
import time

from django.conf import settings
from django.db import connections

from haven.keys.fields import seal_ahead
from haven.keys.keyring import get_keyring
from haven.lib.inserts import collector_paused
from haven.records import blind
from haven.records.bulk import Vetting

# Chunks the second process may have ready ahead of the one being written.
READY = 2
# How long the importing process waits for a chunk not ready yet before building it
# itself (on a busy machine the second process falls behind).
WAIT_SECONDS = 0.3


def available(rows_left: int, size: int) -> bool:
    """Whether a second process pays: more than one chunk left, more than one core and
    a platform that forks."""
    return (
        settings.HAVEN_IMPORT_AHEAD
        and rows_left > size
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
    )


class Ahead:
    """The second process of one run of an import: ``take(n)`` before writing the run's
    chunk ``n`` (counted from 0), ``stop()`` at the end."""

    def __init__(self, rows, builder, *, size: int):
        from haven.imports.actions import CREATION_ORDER
        from haven.keys.keyring import BLIND_INDEX_LABEL

        keyring = get_keyring()
        # The keys are looked up here, so that the copy in the second process has them:
        # the index key, and those that seal the kinds of records an import makes.
        self.key_id = keyring.active_key(BLIND_INDEX_LABEL)[0]
        keys = keyring.active_keys(CREATION_ORDER)
        self.builder = builder
        context = multiprocessing.get_context("fork")
        self.queue = context.Queue(maxsize=READY)
        self.process = context.Process(
            target=_prepare, args=(rows, builder, size, self.queue, keys), daemon=True
        )
        self.process.start()
        self.finished = False
        self.taken = 0

    def take(self, index: int, vetting: Vetting) -> list | None:
        """The rows of chunk ``index`` built by the second process, as [(row number,
        records)], with their tokens and checked values taken in; None where the chunk
        is to be built here (not ready in time, a row with problems, a reference not
        matched). A chunk built here is one the second process made in vain: its
        later chunks refer to this one's people through the builder here all the same."""
        deadline = time.monotonic() + WAIT_SECONDS
        while not self.finished:
            try:
                item = self.queue.get(timeout=max(0.0, deadline - time.monotonic()))
            except queues.Empty:
                if not self.process.is_alive():
                    self.finished = True
                return None
            if item is None:
                self.finished = True
                break
            made_for, built, tokens, passed = item
            if made_for < index:
                continue
            blind.take_tokens_made_ahead(tokens, self.key_id)
            vetting.take(passed)
            if built is None:
                return None
            rows, people, sources = built
            if not self._link(rows, people, sources):
                # The builder here no longer matches the second process's: build the
                # rest here.
                self.stop()
                self.finished = True
                return None
            self.taken += 1
            return rows
        return None

    def _link(self, rows: list, people: dict, sources: dict) -> bool:
        """Point the chunk's references to records of earlier chunks at those saved here,
        and tell the builder here of the chunk's new people and sources (as its own
        ``person()`` and source lookup would have learnt them)."""
        records = [record for _number, made in rows for record in made]
        here = {id(record) for record in records}
        by_uuid = {record.uuid: record for record in records}
        for record in records:
            for field in record._meta.concrete_fields:
                if not field.many_to_one or not field.is_cached(record):
                    continue
                target = field.get_cached_value(record)
                if target is None or target.pk is not None or id(target) in here:
                    continue
                saved = self.builder.made_before(target)
                if saved is None or saved.pk is None:
                    return False
                setattr(record, field.name, saved)
        for key, uuid in people.items():
            self.builder.people[key] = by_uuid[uuid]
        for key, uuid in sources.items():
            self.builder.sources[key] = by_uuid[uuid]
        return True

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=10)
        self.queue.close()
        self.queue.cancel_join_thread()


def _prepare(rows, builder, size: int, queue, keys: dict) -> None:
    """In the second process: for chunks 1, 2, ... of ``rows`` ((number, values) pairs
    after the rows already done), their records built, the tokens and the values that
    passed. Chunk 0 is the importing process's own, written while this one prepares
    chunk 1."""
    # The importing process's handlers (a worker's graceful stop) are not this one's:
    # ended by it, this process just ends; Ctrl-C is for the importing process.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _refuse_queries()
    vetting = Vetting()
    try:
        with collector_paused(), get_keyring().steady(known=keys):
            for index, start in enumerate(range(0, len(rows), size)):
                people, sources = set(builder.people), set(builder.sources)
                made, records, problems = [], [], False
                for number, values in rows[start : start + size]:
                    built = builder.row(number, dict(zip(builder.columns, values, strict=False)))
                    problems = problems or bool(built.problems)
                    made.append((number, built.records))
                    records.extend(built.records)
                if index == 0:
                    continue
                if problems:  # the importing process builds the chunk and says which row
                    queue.put((index, None, [], {}))
                    break
                for record in records:
                    seal_ahead(record)
                new_people = {k: p.uuid for k, p in builder.people.items() if k not in people}
                new_sources = {k: s.uuid for k, s in builder.sources.items() if k not in sources}
                queue.put(
                    (
                        index,
                        (made, new_people, new_sources),
                        blind.tokens_made_ahead(records),
                        vetting.vet(records),
                    )
                )
    except Exception:  # noqa: BLE001, S110
        # The importing process goes on without: it builds, makes and checks everything
        # itself. (The error may quote a cell: it is not passed on.)
        pass
    queue.put(None)
    queue.close()
    queue.join_thread()


def _refuse_queries() -> None:
    """The connections inherited from the importing process are its own: a query here
    would share its session (and its transaction). None is made; one would be refused."""

    def refuse(*args, **kwargs):
        raise RuntimeError("The process preparing an import's next chunk reads no database.")

    for connection in connections.all(initialized_only=True):
        connection.execute_wrappers.append(refuse)
