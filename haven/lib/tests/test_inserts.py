"""Rows prepared for a prepared INSERT hold what Django's own preparation gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection

from haven.incidents.models import Incident
from haven.lib.inserts import checkpoints_deferred, value_preparer
from haven.people.models import Person

MOSCOW = timezone(timedelta(hours=3))


@pytest.mark.parametrize(
    ("model", "name", "value"),
    [
        (Incident, "start_earliest", date(2020, 4, 2)),
        (Incident, "start_earliest", date(1000, 1, 1)),
        (Person, "created_at", datetime(2026, 12, 3, 6, 40, 1, 123456, tzinfo=UTC)),
        (Person, "created_at", datetime(2026, 12, 3, 6, 40, 1, tzinfo=UTC)),
        (Person, "created_at", datetime(2026, 12, 3, 9, 40, 1, 5, tzinfo=MOSCOW)),
        (Person, "updated_at", datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_dates_and_times_are_prepared_as_django_prepares_them(db, model, name, value):
    field = model._meta.get_field(name)
    prepared = value_preparer(field, connection)
    assert prepared(value) == field.get_db_prep_save(value, connection)
    assert prepared(value) == prepared(value)  # the time remembered gives the same


def _pragma(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_an_import_lets_the_write_ahead_log_grow_and_checkpoints_it_at_the_end(monkeypatch):
    if connection.vendor != "sqlite":  # PostgreSQL's server checkpoints on its own
        with checkpoints_deferred(pages=123):
            return
    before = _pragma("wal_autocheckpoint")
    statements = []
    with connection.execute_wrapper(
        lambda run, sql, *args: statements.append(sql) or run(sql, *args)
    ):
        with checkpoints_deferred(pages=123):
            assert _pragma("wal_autocheckpoint") == 123
        assert _pragma("wal_autocheckpoint") == before
    # Put back, then what the log holds copied into the database and the log emptied.
    restored = statements.index(f"PRAGMA wal_autocheckpoint = {before}")
    assert statements[restored + 1] == "PRAGMA wal_checkpoint(TRUNCATE)"
