"""Creating many new records at once, each kept as ``save_record`` keeps one.

An import creates tens of thousands of records. Saved one by one, each costs a dozen
queries: the permission, one per foreign key and per unique field that ``full_clean``
checks, the insert, the version number, the old blind-index rows, the audit append.
``create_records`` gives every record the same: the permission, ``full_clean``, the
row, version 1 ``created`` with its snapshot and changed fields, the blind-index rows
and one audit entry, with the same values, but in a few queries per kind of record
and batch:

- write access is checked once per team;
- the references that ``full_clean`` would look up one record at a time (the team, the
  incident, the type of act) are looked up for the whole run of records in one query
  per field, and ``full_clean`` skips only the lookups already answered; every other
  check (``clean_fields``, the model's ``clean()``, the constraints) runs per record;
- unique fields (``uuid``, ``code``) are checked against the table in one query per
  field, and against the records earlier in the same batch;
- the records are written with one prepared INSERT run over all of them, their ids
  reserved first inside the transaction (``haven.lib.inserts.reserve_ids``), which costs
  a fraction of ``bulk_create``'s compiling of every value; versions, index rows and
  audit entries, which nothing here refers to by id, likewise, the versions built as
  tuples rather than model instances;
- a value that ``clean_fields`` passed once in the run (the same type of act, the same
  description, an empty field) is not checked again (``Vetted``: a field's check of a
  plain value depends on the value alone); references and unique fields are not
  skipped this way;
- the blind-index tokens of a value are remembered (``blind._value_tokens``), so a name
  or title that recurs across rows has its terms made and hashed once;
- Python's cyclic garbage collector is paused for the call (``collector_paused``).

Nothing is weaker than one by one: a record that fails any check is checked again by
``full_clean`` itself, so the error is the one ``save_record`` would raise. The error
also names the failing record's position in the list (``error.index``) and the record
(``error.record``); as the call is one transaction, nothing of the batch is kept.

The work is done in two halves, ``prepare_records`` (checks, ids, sealed rows,
versions with their snapshots sealed, index tokens, audit entries, as plain values)
and ``write_prepared`` (the inserts, the counted acts, the audit chain):
``create_records`` calls both, an import of many chunks may prepare in one process
what another writes (``haven.imports.pipeline``).

The records are inserted in runs of one kind, in the order given, so a record may
refer to one earlier in the list (``Act(incident=incident)``): its key is filled in
once the earlier one is inserted. List them kind by kind (every incident of a chunk,
then every person, then every act): records of alternating kinds make runs of one,
which is correct but no faster than saving them one by one. A model whose ``clean()``
reads other records of its own kind (``clean_reads_own_kind``, a chain's loop check)
is inserted one record at a time, so each check sees the ones before it, as it would
one by one. Many-to-many links (an incident's cases) are not made here: link them
through their verbs afterwards.

A new record's code (``P-4ZVSTW``) is drawn at random from about 900 million, so
clashes are not rare at import scale: with 100,000 people saved, one new person in
9,000 draws a taken code; an import of 100,000 people draws about six taken codes into
an empty instance, about seventeen into one that holds 100,000 already. Where a
record's code is taken (or drawn twice in the batch), ``create_records`` draws it
again before the record's snapshot is taken, so the history shows the code kept; with
``redraw_codes=False`` (codes given by the caller, to be kept as they are) a taken
code is refused like any other unique value, as ``save_record`` refuses it. A code
inserted by another transaction between the check and the insert reaches the unique
index instead: the batch fails with ``IntegrityError`` and nothing is kept (on SQLite
no other writer runs meanwhile; on PostgreSQL it needs the same code drawn at the same
moment).
"""

from __future__ import annotations

import dataclasses
import uuid
from array import array
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from itertools import chain

from django.core.exceptions import FieldDoesNotExist
from django.db import connections, models, router, transaction
from django.db.models import signals
from django.utils import timezone

from haven.audit.actions import describe, record_many
from haven.keys.keyring import get_keyring
from haven.lib.inserts import (
    can_reserve_ids,
    collector_paused,
    insert_rows,
    plain_fields,
    prepared_values,
    reserve_ids,
    value_preparer,
)
from haven.records import blind, history
from haven.records.access import require_write
from haven.records.actions import audit_entry
from haven.records.masking import unmasked
from haven.records.models import RecordVersion, SensitiveRecord
from haven.records.signals import written_together
from haven.records.vetting import (
    Vetted,
    check_unique,
    existing_references,
    full_clean,
    values_taken,
)

# Values per IN (...) lookup: well under SQLite's limit on query parameters.
INSERT_BATCH = 2000
# Unique fields drawn at random by their default (a record's code): drawn again where taken.
DRAWN = ("code",)
MAX_DRAWS = 5  # a taken code is one in thousands: a fifth draw clashing means a full space


@transaction.atomic
def create_records(instances, *, by, check: bool = True, redraw_codes: bool = True) -> list:
    """Create new records, each as ``save_record(instance, by=by, check=check)`` would.

    ``instances`` are unsaved records, possibly of several kinds, in dependency order:
    a record that another refers to comes earlier in the list or is saved already.
    ``by`` must be a writing member of every team the records belong to (``check=False``
    only for system jobs). A random code that is taken is drawn again unless
    ``redraw_codes`` is False. Returns the records, saved. A record that fails
    validation raises its ``ValidationError`` (with ``index`` and ``record`` set) and
    nothing is kept; a record that is not new raises ``ValueError``.
    """
    instances = list(instances)
    check_new(instances, by=by, check=check)
    # One transaction: the data keys found active at its start stay so to its end.
    # Stored values are the real ones, whoever saves, as in save_record (masking).
    with get_keyring().steady(), collector_paused(), unmasked():
        _insert(instances, by=by, redraw_codes=redraw_codes)
    return instances


def check_new(instances: list, *, by, check: bool = True) -> None:
    """What ``create_records`` checks before anything else: records it can create (new
    ones, of models without a ``save()`` or save signals of their own), and ``by``'s
    write access to each team (unless ``check`` is False)."""
    for model in {type(instance) for instance in instances}:
        _refuse_unsuited(model)
    for instance in instances:
        if not instance._state.adding or instance.pk is not None:
            raise ValueError(
                f"create_records() creates new records only; {instance._meta.label} "
                f"{instance.pk} is saved already: save changes with save_record()"
            )
    if check:
        for instance in {instance.team_id: instance for instance in instances}.values():
            require_write(by, instance)


def _insert(instances: list, *, by, redraw_codes: bool) -> None:
    # Each run's records are written as soon as they are made ready, so that a later run
    # finds them (an act's incident; the chains a chain's loop check reads).
    ready = prepare_records(
        instances,
        by=by,
        redraw_codes=redraw_codes,
        write_run=lambda model, rows: insert_rows(model, record_fields(model), rows),
    )
    write_prepared(ready, by=by, records_written=True)


@dataclasses.dataclass
class PreparedRecords:
    """A batch of new records turned into rows, before anything is written: plain
    values only (numbers, text, bytes, times), so that one process can prepare a batch
    and another write it (``haven.imports.pipeline``).

    ``records`` holds (model, rows) per run of one kind, in order, ids included;
    ``versions`` each record's first version as the row to insert (its snapshot
    sealed), made at ``at``; ``tokens`` the index rows; ``entries`` each record's audit
    entry as (action, (object type, object id), summary); ``made`` the ids per model
    (for ``written_together``); ``keys`` the data key that sealed each label."""

    records: list[tuple[type, list[tuple]]] = dataclasses.field(default_factory=list)
    versions: list[tuple] = dataclasses.field(default_factory=list)
    at: datetime | None = None
    # The index rows (token, team, kind, record), one after the other in one
    # array of 64-bit numbers: some 45 per imported row, which as tuples cost more to
    # hand to another process than to insert.
    tokens: array = dataclasses.field(default_factory=lambda: array("q"))
    entries: list[tuple[str, tuple[str, str], str]] = dataclasses.field(default_factory=list)
    made: list[tuple[type, list[int]]] = dataclasses.field(default_factory=list)
    keys: dict[str, int] = dataclasses.field(default_factory=dict)


def record_fields(model) -> list:
    """The columns of a record's row, its id included (``insert_new``'s)."""
    return [field for field in model._meta.local_concrete_fields if not field.generated]


def prepare_records(
    instances: list,
    *,
    by,
    redraw_codes: bool = True,
    write_run=None,
    reserve=None,
    seen: dict | None = None,
    known: dict | None = None,
) -> PreparedRecords:
    """Everything ``create_records`` does to new records but writing them: checks, ids,
    sealed rows, versions, index tokens, audit entries. Call it inside a keyring's
    ``steady()`` block, with the masking lifted (``unmasked()``).

    ``write_run(model, rows)`` writes each run's records as soon as they are ready (in
    ``create_records``); without it nothing is written, and a model whose ``clean()``
    reads its own kind is refused (its check would not see the records before it).
    ``reserve(model, count)`` gives the ids (default: ``reserve_ids``, in the caller's
    transaction). ``seen`` (unique values met so far) and ``known`` (ids per model made
    ready but perhaps not written yet, which references may name) carry over from one
    batch to the next of the same import.
    """
    now = timezone.now()
    created = RecordVersion.Change.CREATED
    seen = defaultdict(set) if seen is None else seen
    known = defaultdict(set) if known is None else known
    reserve = reserve_ids if reserve is None else reserve
    ready = PreparedRecords()
    real = connections[router.db_for_write(RecordVersion)]
    # The record's UUID as its version's row holds it (text on SQLite): handed to the
    # writing process as what it writes, not as an object to rebuild.
    record_uuid = value_preparer(RecordVersion._meta.get_field("object_uuid"), real)
    # Sealed here, not by the writer: in a two-process import that evens out the two
    # processes' work (docs/import.md, "Latest round").
    versions = _FirstVersions(by=by, at=now)
    tokens = []
    for start, run in _runs(instances):
        model = type(run[0])
        if write_run is None and model.clean_reads_own_kind:
            raise TypeError(
                f"{model._meta.label}'s check reads the records saved before it: "
                "create them with create_records()"
            )
        reserved = can_reserve_ids(model)
        if write_run is None and not reserved:
            raise TypeError(f"{model._meta.label}: its ids cannot be reserved on this database")
        fill_references = _References(model)
        for instance in run:
            fill_references(instance)
        if redraw_codes:
            _redraw_taken_codes(run, seen)
        found = existing_references(model, run, known)
        snapshots = []
        vetted = Vetted(model)
        for offset, instance in enumerate(run):
            snapshots.append(history.snapshot(instance))
            instance.updated_at = now
            full_clean(instance, found, index=start + offset, vetted=vetted)
        check_unique(run, seen, start=start)
        if not reserved:  # write_run is given: written as bulk_create writes
            model.objects.bulk_create(run, batch_size=INSERT_BATCH)
        elif write_run is not None:
            write_run(model, new_rows(model, run, reserve(model, len(run)), real))
        else:
            ready.records.append((model, new_rows(model, run, reserve(model, len(run)), real)))
        for instance, snapshot in zip(run, snapshots, strict=True):
            fields = history.changed(None, snapshot)
            versions.add(
                instance._meta.label_lower,
                record_uuid(instance.uuid),
                fields=fields,
                snapshot=snapshot,
            )
            action, _target, summary = audit_entry(instance, created, fields)
            ready.entries.append((action, describe(instance), summary))
        if model.blind_indexes:
            tokens += blind.token_rows_of(run)
        ids = [instance.pk for instance in run]
        ready.made.append((model, ids))
        known[model].update(ids)
    ready.at = now
    ready.versions = versions.rows
    ready.tokens = array("q", chain.from_iterable(tokens))
    ready.keys = get_keyring().steady_keys()
    return ready


def write_prepared(ready: PreparedRecords, *, by, records_written: bool = False) -> None:
    """Write a batch ``prepare_records`` made ready: the records (unless
    ``records_written``: ``create_records`` wrote them run by run), their versions and
    index rows, the counted acts, and the audit entries on the chain, in the caller's
    transaction. A data key retired since the batch was sealed refuses it."""
    keyring = get_keyring()
    for label, key_id in ready.keys.items():
        if keyring.active_key(label)[0] != key_id:
            raise ValueError(
                f"The data key of {label} changed while the import ran (keys rotated): "
                "run the import again to seal with the new one."
            )
    if not records_written:
        for model, rows in ready.records:
            insert_rows(model, record_fields(model), rows)
    insert_rows(RecordVersion, plain_fields(RecordVersion), ready.versions)
    flat = iter(ready.tokens)
    # Sorted there, by the writing process (the preparing one has more to do).
    blind.insert_rows(list(zip(flat, flat, flat, flat, strict=True)))
    written_together(ready.made)
    record_many(ready.entries, actor=by, keep=False)


def new_rows(model, run: list, ids: list[int], connection_) -> list[tuple]:
    """The rows of new records ``run`` with ``ids`` (``insert_new`` without the insert):
    each value sealed and prepared as ``bulk_create`` prepares it; the records are
    marked saved."""
    pk = model._meta.pk.attname
    for instance, key in zip(run, ids, strict=True):
        setattr(instance, pk, key)
    row = prepared_values(model, record_fields(model), connection_)
    rows = [row(instance) for instance in run]
    for instance in run:
        instance._state.adding = False
        instance._state.db = connection_.alias
    return rows


class _FirstVersions:
    """The history rows (version 1, ``created``) of a batch of new records, as tuples:
    the rows ``version(...).save()`` writes, without a model instance each. What is
    the same for the whole batch (who, when, the kind of change) is prepared once."""

    def __init__(self, *, by, at):
        self.fields = plain_fields(RecordVersion)
        names = [field.name for field in self.fields]
        self.varying = ("uuid", "object_type", "object_uuid", "changed_fields", "snapshot")
        if sorted(names) != sorted((*self.varying, "number", "change", "changed_at", "changed_by")):
            raise TypeError(f"RecordVersion's columns changed ({names}): update _FirstVersions")
        # The connection itself, not django.db's proxy to it, which each value's
        # preparation would otherwise look up again.
        real = connections[router.db_for_write(RecordVersion)]
        prepare = {field.name: value_preparer(field, real) for field in self.fields}
        self.constant = {
            "number": prepare["number"](1),
            "change": prepare["change"](RecordVersion.Change.CREATED.value),
            "changed_at": prepare["changed_at"](at),
            "changed_by": prepare["changed_by"](by.pk if by is not None else None),
        }
        self.prepare = prepare
        self.snapshot_field = RecordVersion._meta.get_field("snapshot")
        self.rows: list[tuple] = []
        # The lists of changed fields prepared so far: the records of a batch are
        # filled alike, so a few lists (JSON text) serve thousands of versions.
        self.changed_fields: dict[tuple[str, ...], object] = {}

    def add(self, label: str, record_uuid, *, fields: list[str], snapshot: dict) -> None:
        prepare = self.prepare
        row_uuid = uuid.uuid4()
        changed = self.changed_fields.get(tuple(fields))
        if changed is None:
            changed = self.changed_fields[tuple(fields)] = prepare["changed_fields"](fields)
        values = {
            "uuid": prepare["uuid"](row_uuid),
            "object_type": label,
            "object_uuid": record_uuid,  # prepared by prepare_records
            "changed_fields": changed,
            "snapshot": prepare["snapshot"](self.snapshot_field.seal_for_row(row_uuid, snapshot)),
            **self.constant,
        }
        self.rows.append(tuple(values[field.name] for field in self.fields))


class _References:
    """``Model._prepare_related_fields_for_save`` for the records of one model, its
    loop over the fields worked out once: each foreign key set to an object takes that
    object's id, now that it is saved (an act's incident, inserted just before); an
    object still unsaved is refused with Django's own error. Models with generic
    relations (private fields) are left to Django's method."""

    def __init__(self, model):
        meta = model._meta
        self.general = bool(meta.private_fields)
        self.references = [
            (field, field.name, field.attname, field.target_field.attname)
            for field in meta.concrete_fields
            if field.is_relation and field.remote_field.multiple
        ]
        if any(f.is_relation and not f.remote_field.multiple for f in meta.concrete_fields):
            self.general = True  # one-to-one fields: their reverse caches need Django's

    def __call__(self, instance) -> None:
        if self.general:
            instance._prepare_related_fields_for_save(operation_name="create_records")
            return
        cache, stored = instance._state.fields_cache, instance.__dict__
        for field, name, attname, target_attname in self.references:
            target = cache.get(name)
            if not target:  # not set to an object (or to None)
                continue
            if not target._is_pk_set():
                raise ValueError(
                    "create_records() prohibited to prevent data loss due to unsaved "
                    f"related object '{name}'."
                )
            if stored.get(attname) in field.empty_values:
                setattr(instance, name, target)  # the object, saved since: its id
            if getattr(target, target_attname) != stored.get(attname):
                field.delete_cached_value(instance)


def _refuse_unsuited(model) -> None:
    """Only what ``bulk_create`` saves as ``save()`` would: a record without a ``save()``
    of its own and without save signals listening."""
    if not issubclass(model, SensitiveRecord):
        raise TypeError(f"create_records() creates records; {model._meta.label} is not one")
    if model.save is not models.Model.save:
        raise TypeError(f"{model._meta.label} has a save() of its own: save it with save_record()")
    if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
        raise TypeError(
            f"{model._meta.label} has save signals, which bulk inserts do not send: "
            "save it with save_record()"
        )


def _runs(instances: list) -> Iterator[tuple[int, list]]:
    """(position of the first, records) of each run of one kind, in order; records whose
    ``clean()`` reads their own kind come one per run."""
    start = 0
    while start < len(instances):
        model = type(instances[start])
        end = start + 1
        if not model.clean_reads_own_kind:
            while end < len(instances) and type(instances[end]) is model:
                end += 1
        yield start, instances[start:end]
        start = end


def _redraw_taken_codes(run: list, seen: dict) -> None:
    """Draw again each random code of ``run`` that is taken in the table, in the batch
    or in the run itself, until none is."""
    model = type(run[0])
    for name in DRAWN:
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if not (field.unique and callable(field.default)):
            continue
        earlier = seen[model, (name,)]
        for _attempt in range(MAX_DRAWS):
            taken = values_taken(
                model, name, [getattr(instance, field.attname) for instance in run]
            )
            drawn = set()
            clashing = []
            for instance in run:
                value = getattr(instance, field.attname)
                if value in taken or value in drawn or (value,) in earlier:
                    clashing.append(instance)
                drawn.add(value)
            if not clashing:
                break
            for instance in clashing:
                setattr(instance, field.attname, field.get_default())
