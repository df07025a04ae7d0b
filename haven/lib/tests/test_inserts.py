"""Rows prepared for a prepared INSERT hold what Django's own preparation gives."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection

from haven.incidents.models import Incident
from haven.lib.inserts import value_preparer
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
