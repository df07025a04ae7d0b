"""Imports as verbs: keep an uploaded file, set its mapping, check it (the dry run), import
it. Each step is audited; the import is one entry at its start and one at its end, plus
one per record it makes (through ``create_records``).

Small files are imported in one transaction: all or nothing. A file of more than
``HAVEN_IMPORT_CHUNK_ROWS`` rows is committed that many rows at a time, each chunk with
the job's count of rows done, so an import cut short by a crash resumes after the last
committed row and never leaves half a row.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.imports import pipeline
from haven.imports.engine import Builder
from haven.imports.mapping import Mapping
from haven.imports.models import ImportedRecord, ImportJob, SavedMapping
from haven.lib.inserts import checkpoints_deferred, collector_paused, larger_page_cache
from haven.lib.stream_crypto import SealingWriter, open_stream
from haven.records.access import require_write
from haven.records.actions import assign, delete_record, save_record
from haven.sources.vault import private_dir, vault_dir

# Problems kept on the job to show; all of them are counted.
SHOWN_PROBLEMS = 500


def stored_file(job: ImportJob) -> Path:
    return vault_dir() / "imports" / f"{job.uuid}.hev"


def _seal(data: bytes, path: Path, key: bytes, file_id: str) -> None:
    private_dir(path.parent)
    part = path.with_suffix(".part")
    with part.open("wb") as handle:
        writer = SealingWriter(handle, key, file_id)
        for start in range(0, len(data), 1 << 20):
            writer.write(data[start : start + (1 << 20)])
        writer.close()
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(part, path)


def file_bytes(job: ImportJob) -> bytes:
    with stored_file(job).open("rb") as handle:
        return b"".join(open_stream(handle, bytes.fromhex(job.file_key), str(job.uuid)))


def open_job_table(job: ImportJob):
    from haven.imports.readers import open_table

    options = job.options or {}
    return open_table(
        file_bytes(job),
        name=job.file_name,
        encoding=options.get("encoding") or None,
        delimiter=options.get("delimiter") or None,
        sheet=options.get("sheet") or None,
    )


@transaction.atomic
def start_import(*, team, by, name: str, data: bytes, mapping: dict | None = None) -> ImportJob:
    """Keep an uploaded file (encrypted) as a new import of ``team``; the file must be one
    the readers accept (a refused file raises ``FileRefused`` and nothing is kept)."""
    from haven.imports.readers import open_table

    table = open_table(data, name=name)
    job = ImportJob(
        uuid=uuid.uuid4(),
        team=team,
        created_by=by,
        file_name=name[:255],
        file_key=os.urandom(32).hex(),
        sha256=table.sha256,
        size=len(data),
        total_rows=table.row_count,
        mapping=mapping or {},
    )
    require_write(by, job)
    path = stored_file(job)
    _seal(data, path, bytes.fromhex(job.file_key), str(job.uuid))
    try:
        save_record(job, by=by)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    record(
        "imports.import.uploaded",
        actor=by,
        target=job,
        summary=f"sha256 {job.sha256}, {job.size} bytes, {job.total_rows} rows",
    )
    return job


@transaction.atomic
def set_options(job: ImportJob, *, by, encoding: str = "", delimiter: str = "", sheet: str = ""):
    """How to read the file, where the detection got it wrong; the file is read again."""
    from haven.imports.readers import open_table

    options = {"encoding": encoding, "delimiter": delimiter, "sheet": sheet}
    table = open_table(
        file_bytes(job),
        name=job.file_name,
        encoding=encoding or None,
        delimiter=delimiter or None,
        sheet=sheet or None,
    )
    job.options = options
    job.total_rows = table.row_count
    job.status = ImportJob.Status.UPLOADED
    return save_record(job, by=by)


@transaction.atomic
def set_mapping(job: ImportJob, mapping: Mapping, *, by) -> ImportJob:
    if job.working or job.status == ImportJob.Status.DONE:
        raise ValidationError(_("This import has started: its mapping can no longer change."))
    job.mapping = mapping.to_json()
    job.status = ImportJob.Status.UPLOADED
    job.problems, job.problem_count, job.checked_rows = [], 0, 0
    return save_record(job, by=by)


def numbered(table):
    """(spreadsheet row number, values) of each row that is not blank."""
    for number, values in enumerate(table.rows(), start=table.first_row):
        if any(value.strip() for value in values):
            yield number, values


def builder_for(job: ImportJob, table, *, by) -> Builder:
    mapping = Mapping.from_json(job.mapping, columns=table.columns)
    return Builder(mapping, team=job.team, by=by, columns=table.columns)


def preview(job: ImportJob, table, *, by, rows: int = 5):
    """The first rows as they will be created: [(row number, records, problems)]."""
    builder = builder_for(job, table, by=by)
    shown = []
    for number, values in numbered(table):
        built = builder.row(number, dict(zip(table.columns, values, strict=False)))
        builder.check(built)
        shown.append(built)
        if len(shown) >= rows:
            break
    return shown


def dry_run(table, builder: Builder, *, progress=None, on_row=None) -> tuple[int, int, list]:
    """Build and validate every row, saving nothing: (rows, problems counted, the first
    ``SHOWN_PROBLEMS`` problems as dicts)."""
    problems, count, done = [], 0, 0
    with collector_paused():  # see its docstring: rows make next to no cycles
        for number, values in numbered(table):
            built = builder.row(number, dict(zip(table.columns, values, strict=False)))
            builder.check(built)
            count += len(built.problems)
            problems.extend(p.as_dict() for p in built.problems[: SHOWN_PROBLEMS - len(problems)])
            done += 1
            if done % 1000 == 0:
                if on_row:
                    on_row(done)
                if progress:
                    progress(done, table.row_count)
    if progress:
        progress(done, table.row_count)
    return done, count, problems


def check_job(job: ImportJob, *, by, progress=None) -> ImportJob:
    """The dry run of a kept import: every problem counted, the first ones kept on the
    job with their row and column; nothing else saved."""
    table = open_job_table(job)
    builder = builder_for(job, table, by=by)
    _status(job, ImportJob.Status.CHECKING, by=by, checked_rows=0)

    def on_row(done):
        ImportJob.objects.filter(pk=job.pk).update(checked_rows=done)

    done, count, problems = dry_run(table, builder, progress=progress, on_row=on_row)
    with transaction.atomic():
        job.refresh_from_db()
        job.problems, job.problem_count, job.checked_rows = problems, count, done
        job.total_rows = done  # the rows that are not blank: what the import will do
        job.status = ImportJob.Status.CHECKED
        save_record(job, by=by)
        record(
            "imports.import.checked",
            actor=by,
            target=job,
            summary=f"{done} rows, {count} problems",
        )
    return job


def _status(job: ImportJob, status: str, *, by, **fields) -> None:
    with transaction.atomic():
        job.refresh_from_db()
        job.status = status
        for name, value in fields.items():
            setattr(job, name, value)
        save_record(job, by=by)


@transaction.atomic
def queue_import(job: ImportJob, *, by) -> ImportJob:
    """Ready the checked import to run: only a check without problems may start."""
    require_write(by, job)
    if job.status != ImportJob.Status.CHECKED or job.problem_count:
        raise ValidationError(_("Check the file first: an import starts only without problems."))
    job.status = ImportJob.Status.QUEUED
    return save_record(job, by=by)


def chunk_rows() -> int:
    return settings.HAVEN_IMPORT_CHUNK_ROWS


def run_job(job: ImportJob, *, by, progress=None) -> ImportJob:
    """Import the rows not yet done, a chunk per transaction; resumable."""
    job.refresh_from_db()
    if job.status == ImportJob.Status.DONE:
        return job
    if job.status not in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING):
        raise ValidationError(_("This import is not ready to run."))
    table = open_job_table(job)
    if table.sha256 != job.sha256:
        raise ValidationError(_("The stored file does not match the one uploaded."))
    builder = builder_for(job, table, by=by)
    resuming = job.done_rows > 0
    with transaction.atomic():
        builder.create_new_terms_and_places()
        if job.status == ImportJob.Status.QUEUED:
            _status(job, ImportJob.Status.RUNNING, by=by, started_at=timezone.now())
            record(
                "imports.import.started",
                actor=by,
                target=job,
                summary=f"sha256 {job.sha256}, {job.total_rows} rows",
            )
    if resuming:
        _remember_people(job, builder)
    counts = Counter(job.created or {})
    try:
        # The collector is paused for the whole import, not chunk by chunk: re-enabled
        # between chunks, it walked a chunk's objects still alive (some 0.2 s a time).
        with larger_page_cache(), checkpoints_deferred(), collector_paused():
            if pipeline.wanted(job):
                done = _import_in_two_processes(
                    job, builder, table, counts, by=by, progress=progress
                )
            else:
                done = _import_here(job, builder, table, counts, by=by, progress=progress)
    except TakenOver:
        return job
    with transaction.atomic():
        _status(job, ImportJob.Status.DONE, by=by, finished_at=timezone.now())
        record(
            "imports.import.finished",
            actor=by,
            target=job,
            summary=", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items())),
        )
    if progress:
        progress(done, job.total_rows)
    return job


def _import_here(job, builder, table, counts, *, by, progress) -> int:
    """The rows not done, a chunk per transaction, built and written in this process."""
    size = chunk_rows()
    batch, done = [], job.done_rows
    for number, values in _rows_not_done(job, table):
        batch.append((number, values))
        if len(batch) >= size:
            done = _import_chunk(job, builder, table, batch, counts, by=by)
            batch = []
            if progress:
                progress(done, job.total_rows)
    if batch:
        done = _import_chunk(job, builder, table, batch, counts, by=by)
    return done


def _import_in_two_processes(job, builder, table, counts, *, by, progress) -> int:
    """The rows not done, each chunk prepared by a second process while this one writes
    the chunk before (``haven.imports.pipeline``). The first chunk is imported here
    while the second process starts; it goes on after it."""
    done = job.done_rows

    def first_chunk() -> None:
        nonlocal done
        batch = list(islice(_rows_not_done(job, table), chunk_rows()))
        done = _import_chunk(job, builder, table, batch, counts, by=by)
        if progress:
            progress(done, job.total_rows)

    with pipeline.prepared_chunks(job, builder, by=by, meanwhile=first_chunk) as chunks:
        for chunk in chunks:
            done = pipeline.write_chunk(job, chunk, counts, by=by)
            if progress:
                progress(done, job.total_rows)
    return done


def _rows_not_done(job, table):
    """(row number, values) of each row of ``table`` after the ``job``'s rows done."""
    return islice(numbered(table), job.done_rows, None)


def _import_chunk(job, builder, table, batch, counts, *, by) -> int:
    from haven.records.bulk import create_records

    with transaction.atomic():  # the collector is paused by run_job, for the whole import
        made, origins = built_chunk(builder, table, batch)
        try:
            create_records(by_kind(made), by=by)
        except ValidationError:
            raise_row_problem(builder, table, batch)
            raise
        return finish_chunk(job, len(batch), origins_of(job, origins), counts)


def built_chunk(builder, table, batch) -> tuple[list, list]:
    """The records of a chunk's rows, unsaved, and (row number, record) of each; a row
    with a problem raises it as a ``ValidationError`` naming its row and column."""
    made, origins = [], []
    for number, values in batch:
        built = builder.row(number, dict(zip(table.columns, values, strict=False)))
        if built.problems:
            builder.check(built)
            raise _row_error(built.problems[0])
        made.extend(built.records)
        origins.extend((number, instance) for instance in built.records)
    return made, origins


def raise_row_problem(builder, table, batch) -> None:
    """After the records of a chunk failed their checks: raise the first row's problem,
    to say which row (the rows are built again, their checks made one by one)."""
    for number, values in batch:
        built = builder.row(number, dict(zip(table.columns, values, strict=False)))
        builder.check(built)
        if built.problems:
            raise _row_error(built.problems[0]) from None


def _row_error(first) -> ValidationError:
    return ValidationError(
        _("Row %(row)s, column %(column)s: %(message)s")
        % {"row": first.row, "column": first.column or "—", "message": first.message}
    )


def origins_of(job, origins: list) -> tuple[list[tuple], Counter]:
    """The origin rows (job, row, kind, record) of saved records given as (row number,
    record), and how many records of each kind."""
    kinds, rows, counts = {}, [], Counter()
    for number, instance in origins:
        model = type(instance)
        if model not in kinds:
            kinds[model] = ContentType.objects.get_for_model(model).pk
        rows.append((job.pk, number, kinds[model], instance.pk))
        counts[model._meta.model_name] += 1
    return rows, counts


def finish_chunk(job, rows_done: int, origins: tuple[list[tuple], Counter], counts: Counter) -> int:
    """In the chunk's transaction: its origin rows and the job's count of rows done."""
    rows, made = origins
    counts.update(made)
    _add_origins(rows)
    last = job.done_rows + rows_done
    # Compare and set: a worker that stalled while its task was handed on to another
    # finds the count moved, and its chunk is rolled back instead of applied twice.
    moved = ImportJob.objects.filter(pk=job.pk, done_rows=job.done_rows).update(
        done_rows=last, created=dict(counts)
    )
    if not moved:
        raise TakenOver
    job.done_rows = last
    return last


def _add_origins(rows: list[tuple]) -> None:
    """Origin rows (job, row, kind, record) as plain tuples: three per imported row, where
    model instances cost more than the insert."""
    from django.db import connection

    table = connection.ops.quote_name(ImportedRecord._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (job_id, row, kind_id, record_id) VALUES (%s, %s, %s, %s)",  # noqa: S608
            rows,
        )


# The order records are created in: each kind after the kinds it points to.
CREATION_ORDER = (
    "people.person",
    "sources.source",
    "incidents.incident",
    "cases.request",
    "incidents.act",
    "incidents.involvement",
    "incidents.informationlink",
)


def by_kind(records: list) -> list:
    """A chunk's records kind by kind, in creation order (each kind in row order): a
    batch of one kind is written in bulk, alternating kinds would be one by one."""
    rank = {label: position for position, label in enumerate(CREATION_ORDER)}
    return sorted(records, key=lambda record: rank[record._meta.label_lower])


class TakenOver(Exception):
    """Another run of this import committed rows meanwhile: this one stops."""


def _remember_people(job: ImportJob, builder: Builder) -> None:
    """After a crash: the people earlier chunks made, so later rows naming them reuse
    them instead of making them again."""
    from haven.lib.normalize import fold
    from haven.people.models import Person

    kind = ContentType.objects.get_for_model(Person)
    ids = ImportedRecord.objects.filter(job=job, kind=kind).values("record_id")
    for person in Person.objects.filter(pk__in=ids):
        builder.people[fold(person.name)] = person


def mark_checking(job: ImportJob, *, by) -> ImportJob:
    """The check is on its way: the page shows progress until the worker is done."""
    require_write(by, job)
    if job.working or job.status == ImportJob.Status.DONE:
        raise ValidationError(_("This import is already under way."))
    _status(job, ImportJob.Status.CHECKING, by=by, checked_rows=0, error="")
    return job


def mark_failed(job: ImportJob, *, by, message: str) -> None:
    """Stop an import with the reason shown on its page; the rows committed so far stay
    (each chunk is whole) and running it again resumes after them."""
    with transaction.atomic():
        job.refresh_from_db()
        job.error = message[:2000]
        if job.status == ImportJob.Status.CHECKING:
            job.status = ImportJob.Status.UPLOADED
        else:
            job.status = ImportJob.Status.FAILED
        save_record(job, by=by)
        # The reason may quote a cell: it stays in the job's encrypted error, not in the
        # audit log's plain summary.
        record("imports.import.failed", actor=by, target=job, summary=f"after {job.done_rows} rows")


@transaction.atomic
def retry_import(job: ImportJob, *, by) -> ImportJob:
    require_write(by, job)
    if job.status != ImportJob.Status.FAILED:
        raise ValidationError(_("Only a stopped import can be resumed."))
    job.status = ImportJob.Status.QUEUED if not job.done_rows else ImportJob.Status.RUNNING
    job.error = ""
    return save_record(job, by=by)


# -- saved mappings ---------------------------------------------------------------------


@transaction.atomic
def save_mapping(*, team, by, name: str, mapping: Mapping) -> SavedMapping:
    saved = SavedMapping(team=team)
    assign(saved, {"name": name, "spec": mapping.to_json()}, ("name", "spec"))
    return save_record(saved, by=by)


@transaction.atomic
def remove_mapping(saved: SavedMapping, *, by) -> SavedMapping:
    return delete_record(saved, by=by)


def mapping_file(mapping: Mapping) -> bytes:
    import json

    return json.dumps(mapping.to_json(), ensure_ascii=False, indent=2).encode()
