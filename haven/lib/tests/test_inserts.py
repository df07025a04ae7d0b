"""Rows prepared for a prepared INSERT hold what Django's own preparation gives."""

from __future__ import annotations

from contextlib import nullcontext
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
@pytest.mark.parametrize("fails", [False, True])
def test_an_import_lets_the_write_ahead_log_grow_and_checkpoints_it_at_the_end(fails):
    if connection.vendor != "sqlite":  # PostgreSQL's server checkpoints on its own
        with checkpoints_deferred(pages=123):
            return
    before, waits = _pragma("wal_autocheckpoint"), _pragma("busy_timeout")
    statements = []
    with (
        connection.execute_wrapper(lambda run, sql, *a: statements.append(sql) or run(sql, *a)),
        pytest.raises(ZeroDivisionError) if fails else nullcontext(),
        checkpoints_deferred(pages=123),
    ):
        assert _pragma("wal_autocheckpoint") == 123
        if fails:  # a failed or taken-over import still leaves the log emptied
            1 / 0  # noqa: B018
    assert _pragma("wal_autocheckpoint") == before
    assert _pragma("busy_timeout") == waits
    # The log copied into the database and emptied, without waiting for readers.
    checkpoint = statements.index("PRAGMA wal_checkpoint(TRUNCATE)")
    assert statements[checkpoint - 1] == "PRAGMA busy_timeout = 0"
    assert statements[checkpoint + 1] == f"PRAGMA busy_timeout = {waits}"
