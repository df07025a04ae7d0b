"""A vendor-neutral copy of every table: raw column values as JSON lines.

Values are read as the database stores them, never through the model fields, so
encrypted fields stay ciphertext (their ``from_db_value`` would open them). Each
value is written in one form whatever the engine (bytes as base64, times as ISO
8601 in UTC, UUIDs with dashes), so a SQLite snapshot loads into PostgreSQL and back.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.db.models import Model

BATCH = 500


def snapshot_models() -> list[type[Model]]:
    """Every table Haven's installed apps own (many-to-many tables included), by name."""
    found = {
        model._meta.db_table: model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return [found[table] for table in sorted(found)]


def _kind(field) -> str:
    while field.is_relation:  # a foreign key stores what its target column stores
        field = field.target_field
    return field.get_internal_type()


def columns(model: type[Model]) -> list[tuple[str, object]]:
    return [(field.column, field) for field in model._meta.concrete_fields]


def _as_utc(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:  # both engines keep UTC when USE_TZ is on
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def encode(kind: str, value, field=None):
    """One stored value in its engine-neutral JSON form."""
    if value is None:
        return None
    if kind == "BinaryField":
        return base64.b64encode(bytes(value)).decode("ascii")
    if kind == "DateTimeField":
        return _as_utc(value).isoformat()
    if kind in {"DateField", "TimeField"}:
        return value if isinstance(value, str) else value.isoformat()
    if kind == "UUIDField":
        return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
    if kind == "BooleanField":
        return bool(value)
    if kind == "DecimalField":  # SQLite keeps 43.317, PostgreSQL 43.317000
        places = getattr(field, "decimal_places", None)
        number = Decimal(str(value))
        return f"{number:.{places}f}" if places is not None else str(number)
    if kind == "JSONField":
        return json.loads(value) if isinstance(value, str | bytes) else value
    if kind == "DurationField":  # microseconds: SQLite's form, PostgreSQL's interval
        return value // dt.timedelta(microseconds=1) if isinstance(value, dt.timedelta) else value
    if isinstance(value, memoryview | bytes):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode(kind: str, field, value):
    """The engine-neutral JSON form back to a parameter for this connection."""
    if value is None:
        return None
    ops = connection.ops
    if kind == "BinaryField":
        return base64.b64decode(value)
    if kind == "DateTimeField":
        return ops.adapt_datetimefield_value(_as_utc(value))
    if kind == "DateField":
        return ops.adapt_datefield_value(dt.date.fromisoformat(value))
    if kind == "TimeField":
        return ops.adapt_timefield_value(dt.time.fromisoformat(value))
    if kind == "UUIDField":
        value = uuid.UUID(value)
        return value if connection.features.has_native_uuid_field else value.hex
    if kind == "DecimalField":
        return ops.adapt_decimalfield_value(
            Decimal(value),
            getattr(field, "max_digits", None),
            getattr(field, "decimal_places", None),
        )
    if kind == "JSONField":
        return ops.adapt_json_value(value, getattr(field, "encoder", None))
    if kind == "DurationField":
        duration = dt.timedelta(microseconds=value)
        return duration if connection.features.has_native_duration_field else value
    return value


def read_rows(model: type[Model]) -> Iterator[list]:
    """Every row of the model's table, in primary-key order, encoded."""
    cols = columns(model)
    kinds = [_kind(field) for _, field in cols]
    qn = connection.ops.quote_name
    pk = model._meta.pk.column
    names = ", ".join(qn(c) for c, _ in cols)
    # Names come from the models, quoted.
    sql = f"SELECT {names} FROM {qn(model._meta.db_table)} ORDER BY {qn(pk)}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(BATCH):
            for row in rows:
                yield [
                    encode(kind, value, field)
                    for kind, (_, field), value in zip(kinds, cols, row, strict=True)
                ]


def write_rows(model: type[Model], rows: list[list], done: Callable[[int], None]) -> None:
    """Insert encoded rows into the model's table (foreign keys are checked at the end)."""
    cols = columns(model)
    kinds = [_kind(field) for _, field in cols]
    qn = connection.ops.quote_name
    names = ", ".join(qn(c) for c, _ in cols)
    marks = ", ".join(["%s"] * len(cols))
    sql = f"INSERT INTO {qn(model._meta.db_table)} ({names}) VALUES ({marks})"  # noqa: S608 - values as parameters
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = [
                [
                    decode(kind, field, value)
                    for kind, (_, field), value in zip(kinds, cols, row, strict=True)
                ]
                for row in rows[start : start + BATCH]
            ]
            cursor.executemany(sql, batch)
            done(len(batch))


def delete_rows(model: type[Model]) -> None:
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's table name


def reset_sequences(models: list[type[Model]]) -> None:
    """PostgreSQL's id sequences continue after the highest restored id."""
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def applied_migrations() -> list[list[str]]:
    from django.db.migrations.recorder import MigrationRecorder

    return sorted([app, name] for app, name in MigrationRecorder(connection).applied_migrations())
