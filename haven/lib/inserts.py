"""Inserting many rows of one model with one prepared statement.

``bulk_create`` compiles every value of every row through Django's SQL compiler (the
checks for expressions, the placeholders, the parameters): for a wide table that
costs more than the insert itself, and an import writes hundreds of thousands of such
rows (records, history versions, audit entries). Here each value is prepared as
``bulk_create`` prepares it (the field's ``pre_save`` and ``get_db_prep_save``, so
encrypted fields are sealed and JSON is encoded the same way) and one single-row
INSERT runs over all of them with ``executemany``.

- ``insert_plain`` writes rows that nothing refers to by id (history, audit, origins):
  their ids are not read back.
- ``insert_new`` writes rows whose ids are needed (the records an import makes): the
  ids are reserved first, inside the transaction, and written with the rows.

``prepared_values`` is the one place that turns an instance into its row; for the
plainest fields (text, whole numbers, references by number) it skips the calls that
return the value unchanged, and every other field goes through Django's own.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

from django.db import DatabaseError, connections, models, router
from django.db.models.fields import AutoFieldMixin

BATCH = 2000

# Field classes whose get_db_prep_save returns a str (text) or an int (numbers, bools)
# unchanged on SQLite and PostgreSQL: checked by exact class, so a subclass with a
# conversion of its own always takes Django's path.
_TEXT = {models.CharField, models.TextField, models.SlugField, models.EmailField}
_NUMBER = {
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.BigAutoField,
    models.AutoField,
    models.SmallAutoField,
}
_PASSED = {str: _TEXT, int: _NUMBER, bool: {models.BooleanField}}


def _writes_as_is(field: models.Field) -> set[type]:
    """The value types ``field`` writes unchanged (none: always Django's preparation).
    A field class of its own may name them in ``db_writes_as_is`` (the ciphertext of an
    encrypted field is written as the bytes it is)."""
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    declared = set(getattr(field, "db_writes_as_is", ()))
    return declared | {kind for kind, classes in _PASSED.items() if type(field) in classes}


def value_preparer(field: models.Field, connection) -> Callable[[Any], Any]:
    """``value → field.get_db_prep_save(value, connection)``, quicker for plain values."""
    as_is = _writes_as_is(field)
    prepare = field.get_db_prep_save
    # None is NULL for every field but JSON (where it may be the JSON value null).
    none_as_is = not isinstance(field, models.JSONField)

    last = [None, None]  # the last time prepared, and its result

    if type(field) is models.UUIDField:
        # UUIDField.get_db_prep_value of a UUID: itself where the database has a UUID
        # type (PostgreSQL), else its 32 hex digits.
        native = connection.features.has_native_uuid_field

        def prepared_uuid(value):
            if type(value) is UUID:
                return value if native else value.hex
            return prepare(value, connection)

        return prepared_uuid

    spelled = _spelled_as_text(field, connection)

    def prepared(value):
        if (value is None and none_as_is) or type(value) in as_is:
            return value
        if isinstance(value, Enum):
            # A choice given as its member (a model's default, Person.Kind.INDIVIDUAL):
            # the database stores its value, as it binds the member (a str or int).
            value = value.value
            if type(value) in as_is:
                return value
        kind = type(value)
        if kind is datetime:
            # A batch's records share one time of change (``updated_at``): the same
            # (immutable) object, converted once.
            if value is last[0]:
                return last[1]
            if spelled and value.tzinfo is UTC:
                result = str(value.replace(tzinfo=None))
            else:
                result = prepare(value, connection)
            last[:] = value, result
            return result
        if kind is date and spelled:
            return str(value)
        return prepare(value, connection)

    return prepared


def _spelled_as_text(field: models.Field, connection) -> bool:
    """Whether the database takes ``field``'s dates (a date field) or UTC times (a
    date-time field) as their text, ``str(value)`` of the date or of the time without
    its zone, which is what Django gives on SQLite with time zones on (it makes a time
    naive in UTC, then spells it): tried once on a probe, so that a database or setting
    that prepares them otherwise keeps Django's preparation."""
    if type(field) is models.DateField:
        probe = date(2001, 2, 3)
        return field.get_db_prep_save(probe, connection) == str(probe)
    if type(field) is models.DateTimeField:
        probe = datetime(2001, 2, 3, 4, 5, 6, 789, tzinfo=UTC)
        naive = str(probe.replace(tzinfo=None))
        return field.get_db_prep_save(probe, connection) == naive
    return False


def _reads_as_stored(field: models.Field) -> bool:
    """Whether ``field.pre_save(instance, True)`` is the value the instance holds: Django's
    own ``Field.pre_save`` (``getattr``, which for a value set is the instance's
    ``__dict__`` entry), or a date or time field that is not ``auto_now``/``auto_now_add``.
    Checked by the method itself, so a field class with a ``pre_save`` of its own (the
    encrypted fields, which seal) always has it called."""
    pre_save = type(field).pre_save
    if pre_save is models.Field.pre_save:
        return True
    dated = pre_save in (models.DateField.pre_save, models.DateTimeField.pre_save)
    return dated and not (field.auto_now or field.auto_now_add)


def written_as_is(field: models.Field) -> frozenset[type]:
    """The value types ``value_preparer(field, ...)`` returns unchanged, None included
    where it is NULL: a row builder may skip calling it for them."""
    as_is = _writes_as_is(field)
    if not isinstance(field, models.JSONField):
        as_is = as_is | {type(None)}
    return frozenset(as_is)


def prepared_values(model, fields: list, connection) -> Callable[[Any], tuple]:
    """``instance → row``: each field's ``pre_save`` (which seals encrypted values) and
    database preparation, as ``bulk_create`` does.

    Prepared once per call: a value that ``pre_save`` would return as it is read from
    the instance's ``__dict__`` directly (see ``_reads_as_stored``; a value not there,
    deferred, goes through ``pre_save``), and a value the database takes as it is
    (``_writes_as_is``: text for a text column, a number for a number column, None) is
    not handed to the field's preparation at all."""
    steps = []
    for field in fields:
        attname = field.attname if _reads_as_stored(field) else None
        steps.append(
            (attname, field.pre_save, written_as_is(field), value_preparer(field, connection))
        )

    def row(instance) -> tuple:
        stored = instance.__dict__
        values = []
        for attname, pre_save, as_is, prepare in steps:
            if attname is not None and attname in stored:
                value = stored[attname]
            else:
                value = pre_save(instance, True)
            values.append(value if type(value) in as_is else prepare(value))
        return tuple(values)

    return row


def insert_sql(model, fields: list, connection) -> str:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608 (names, not values)


def insert_rows(model, fields: list, rows: list[tuple], *, batch_size: int = BATCH) -> None:
    """Insert ``rows``, tuples of values already prepared for the database, one per field."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    sql = insert_sql(model, fields, connection)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, rows[start : start + batch_size])


def plain_fields(model) -> list:
    """The columns an insert writes: all but the generated id and generated columns."""
    return [
        field
        for field in model._meta.local_concrete_fields
        if not isinstance(field, AutoFieldMixin) and not field.generated
    ]


def insert_plain(model, instances: list, *, batch_size: int = BATCH) -> None:
    """Insert ``instances`` (unsaved, of ``model``, with no pk set) and mark them saved.

    Each instance's fields are prepared exactly as ``bulk_create`` prepares them (field
    defaults were applied when the instance was made); no signals are sent, as with
    ``bulk_create``. Their ``pk`` stays ``None``.
    """
    if not instances:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    fields = plain_fields(model)
    for instance in instances:
        if instance.pk is not None:
            raise ValueError(f"insert_plain() inserts new rows; {instance!r} has a pk")
    row = prepared_values(model, fields, connection)
    insert_rows(model, fields, [row(instance) for instance in instances], batch_size=batch_size)
    _mark_saved(instances, alias)


def can_reserve_ids(model) -> bool:
    """Whether ``insert_new`` can write ``model``'s rows (else use ``bulk_create``)."""
    connection = connections[router.db_for_write(model)]
    meta = model._meta
    return (
        connection.vendor in ("sqlite", "postgresql")
        and not meta.parents
        and isinstance(meta.pk, AutoFieldMixin)
        and not any(field.generated for field in meta.local_concrete_fields)
    )


def reserve_ids(model, count: int) -> list[int]:
    """``count`` ids for new rows of ``model`` that no other writer will take.

    PostgreSQL: drawn from the id column's sequence, as inserts draw them. SQLite: the
    ids after the highest ever given (the table's AUTOINCREMENT counter, or its highest
    id); the transaction holds the database's write lock from its start (Haven opens
    SQLite transactions IMMEDIATE), so nobody else inserts until it ends, and the
    explicit ids move the counter on as inserted ids do. Call inside a transaction.
    """
    if count == 0:
        return []
    connection = connections[router.db_for_write(model)]
    if not connection.in_atomic_block:
        raise RuntimeError("reserve_ids() reserves ids for the current transaction: open one")
    table, column = model._meta.db_table, model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608 (names)
        highest = cursor.fetchone()[0] or 0
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'"
        )
        if cursor.fetchone():
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            counter = cursor.fetchone()
            highest = max(highest, counter[0] if counter else 0)
    return list(range(highest + 1, highest + 1 + count))


def can_reserve_ahead(model) -> bool:
    """Whether ``reserve_ahead`` can hold ids of ``model`` for later transactions: on
    PostgreSQL always (a sequence); on SQLite where the table counts its ids in
    ``sqlite_sequence`` (``AUTOINCREMENT``, as Django makes an id column), which new rows
    never go below."""
    if not can_reserve_ids(model):
        return False
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s",
            [model._meta.db_table],
        )
        found = cursor.fetchone()
    return bool(found) and "AUTOINCREMENT" in found[0].upper()


def reserve_ahead(model, count: int, *, wait: float = 600.0) -> list[int]:
    """``count`` ids of ``model`` that no other writer will take, held for transactions
    to come (``reserve_ids`` holds them for the current one only): a process preparing
    rows while another writes them (haven.imports.pipeline). Call it outside a
    transaction. Ids held and never written are a gap, nothing more.

    PostgreSQL: drawn from the id column's sequence. SQLite: the table's counter in
    ``sqlite_sequence`` moved on by ``count`` in a transaction of its own, which waits
    (up to ``wait`` seconds) while another holds the write lock."""
    if count <= 0:
        return []
    connection = connections[router.db_for_write(model)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(model._meta.db_table), model._meta.pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
    from django.db import OperationalError, transaction

    table = model._meta.db_table
    deadline = time.monotonic() + wait
    while True:
        try:
            with transaction.atomic(using=connection.alias):
                first = reserve_ids(model, count)[0]
                with connection.cursor() as cursor:
                    cursor.execute(
                        "UPDATE sqlite_sequence SET seq = %s WHERE name = %s",
                        [first + count - 1, table],
                    )
                    if cursor.rowcount == 0:
                        cursor.execute(
                            "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                            [table, first + count - 1],
                        )
            return list(range(first, first + count))
        except OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def insert_new(model, instances: list, *, batch_size: int = BATCH) -> None:
    """Insert new ``instances`` of ``model`` and give each its id, as ``bulk_create``
    does, with one prepared INSERT (see ``can_reserve_ids`` for where it applies)."""
    if not instances:
        return
    alias = router.db_for_write(model)
    connection = connections[alias]
    pk = model._meta.pk
    for instance, key in zip(instances, reserve_ids(model, len(instances)), strict=True):
        setattr(instance, pk.attname, key)
    fields = [field for field in model._meta.local_concrete_fields if not field.generated]
    row = prepared_values(model, fields, connection)
    insert_rows(model, fields, [row(instance) for instance in instances], batch_size=batch_size)
    _mark_saved(instances, alias)


def _mark_saved(instances: list, alias: str) -> None:
    for instance in instances:
        instance._state.adding = False
        instance._state.db = alias


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the block (a bulk insert).

    Building a batch makes hundreds of thousands of short-lived objects (instances,
    rows, ciphertexts); every few hundred allocations set off a collection, and the
    older generations' collections walk the objects still alive, the batch's included:
    a fifth of an import's time went to it. The batch's
    objects are freed by their reference counts as usual; the few cycles wait for the
    next collection after the block. A collector already paused stays so.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# SQLite's page cache while a long bulk insert runs (the default is 2 MB). An import's
# index rows land at random places in the blind index, which outgrows 2 MB within a
# few thousand rows: each chunk then reads and writes most of the index's pages again.
# In a plain SQLite test of the same table and indexes, inserting 180,000 index rows (a
# chunk's) into an index of two million took three quarters of the CPU time with a
# 64 MB cache. The cache is filled only as pages are used and given back when the
# block ends.
BULK_CACHE_KIB = 128 * 1024


@contextmanager
def _sqlite_pragma(name: str, value: int) -> Iterator[object | None]:
    """Within the block, SQLite's ``PRAGMA name`` is ``value`` for this connection, and
    what it was after; yields the connection (None on PostgreSQL: nothing is set)."""
    connection = connections["default"]
    if connection.vendor != "sqlite":
        yield None
        return
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA {name} = {int(value)}")
    try:
        yield connection
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA {name} = {int(before)}")


@contextmanager
def larger_page_cache(kib: int = BULK_CACHE_KIB) -> Iterator[None]:
    """Within the block, SQLite keeps up to ``kib`` KiB of the database in memory for
    this connection (PostgreSQL: nothing to do; its server sizes its own cache)."""
    with _sqlite_pragma("cache_size", -kib):
        yield


# How much a long bulk write lets SQLite's write-ahead log grow before copying it into
# the database (SQLite's default: 1,000 pages, some 4 MB). An import's chunks rewrite
# the same index pages (records' UUIDs and codes, history, audit) chunk after chunk:
# checkpointed after every chunk, each page went to the database file, with its fsync,
# once per chunk; let grow, once per WAL_PAGES of log. Measured: docs/import.md.
WAL_PAGES = 65_536


@contextmanager
def checkpoints_deferred(pages: int = WAL_PAGES) -> Iterator[None]:
    """Within the block, this connection checkpoints SQLite's write-ahead log only when
    it holds ``pages`` pages; at the end, however the block ends, it checkpoints what it
    can without waiting for readers and empties the log (PostgreSQL: nothing to do).

    A killed process loses nothing committed: the log is part of the database until it
    is copied. With ``synchronous=NORMAL`` the log is flushed to disk at a checkpoint,
    so a power cut may take back more of the last commits than before; an import then
    resumes after its last chunk on disk. Other connections keep their own setting: one
    that commits meanwhile (a form saved during an import) checkpoints the log at once,
    paying for copying up to ``pages`` pages."""
    connection = None
    try:
        with _sqlite_pragma("wal_autocheckpoint", pages) as connection:
            yield
    finally:
        # Also after a failed or taken-over import: a grown log would otherwise keep its
        # size on disk. Without waiting for readers (a blocking checkpoint would hold
        # other writers up to the busy timeout): busy is an answer, not an error, and
        # the next automatic checkpoint copies the rest.
        if connection is not None and not connection.in_atomic_block:
            with (
                _sqlite_pragma("busy_timeout", 0),
                connection.cursor() as cursor,
                suppress(DatabaseError),
            ):
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
