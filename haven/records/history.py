"""Snapshots of a record's content and the differences between them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import models

from haven.keys.fields import (
    EncryptedDateField,
    EncryptedField,
    EncryptedJSONField,
    EncryptedPartialDateField,
)
from haven.lib.partial_dates import PartialDate


def content_fields(model) -> list[models.Field]:
    return [
        field for field in model._meta.concrete_fields if field.name not in model.history_exclude
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PartialDate):
        return str(value)
    if hasattr(value, "hex") and not isinstance(value, bytes | float):  # UUID
        return str(value)
    return value


def snapshot(instance) -> dict[str, Any]:
    """The record's content as JSON-able values (foreign keys by id)."""
    return {
        field.name: _plain(getattr(instance, field.attname))
        for field in content_fields(type(instance))
    }


def changed(before: dict | None, after: dict) -> list[str]:
    if before is None:
        return sorted(name for name, value in after.items() if value not in (None, "", [], {}))
    return sorted(name for name in after if before.get(name) != after[name])


def value_from_snapshot(field: models.Field, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(field, EncryptedPartialDateField):
        return PartialDate.parse(value)
    if isinstance(field, EncryptedDateField):
        return date.fromisoformat(value)
    if isinstance(field, EncryptedJSONField | EncryptedField):
        return value
    return field.to_python(value)


# Restoring brings back content only: whether a record is deleted, and which team holds
# it, change through their own actions (a move needs write access to both teams).
NOT_RESTORED = {"deleted_at", "team"}


def apply_snapshot(instance, data: dict[str, Any]) -> None:
    for field in content_fields(type(instance)):
        if field.name in data and field.name not in NOT_RESTORED:
            setattr(instance, field.attname, value_from_snapshot(field, data[field.name]))


def diff(model, before: dict | None, after: dict) -> list[tuple[str, Any, Any]]:
    """(field label, old, new) for each field that differs, in model order."""
    before = before or {}
    rows = []
    for field in content_fields(model):
        old, new = before.get(field.name), after.get(field.name)
        if old != new:
            rows.append((str(field.verbose_name), old, new))
    return rows
