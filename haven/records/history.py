"""Snapshots of a record's content and the differences between them."""

from __future__ import annotations

import functools
from datetime import date, datetime
from enum import Enum
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext

from haven.keys.fields import (
    EncryptedDateField,
    EncryptedField,
    EncryptedJSONField,
    EncryptedPartialDateField,
)
from haven.lib.fuzzy_dates import since_text
from haven.lib.partial_dates import PartialDate
from haven.records.masking import lifted, unmasked


@functools.cache
def content_fields(model) -> tuple[models.Field, ...]:
    """The fields a snapshot keeps (a model's fields are fixed once loaded)."""
    return tuple(
        field for field in model._meta.concrete_fields if field.name not in model.history_exclude
    )


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):  # a choice given as its member: what JSON keeps of it
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PartialDate):
        return str(value)
    if hasattr(value, "hex") and not isinstance(value, bytes | float):  # UUID
        return str(value)
    return value


# Values a snapshot keeps as they are (``_plain`` returns them unchanged): by exact
# type, so a subclass (a damaged value's stand-in) still goes through ``_plain``.
_KEPT_AS_IS = frozenset({str, int, bool, float, list, dict, type(None)})


@functools.cache
def _read_plan(model) -> tuple[tuple[str, str], ...]:
    return tuple((field.name, field.attname) for field in content_fields(model))


def snapshot(instance) -> dict[str, Any]:
    """The record's content as JSON-able values (foreign keys by id): the real values,
    whoever asks (see ``haven.records.masking``).

    A value the record holds as itself (set, or opened: not a ``Sealed`` ciphertext,
    not deferred) is read from the instance's ``__dict__``, which is what reading the
    field unmasked returns for it; any other goes through the field's descriptor."""
    if lifted():  # a batch of records, under one unmasked() for all
        return _read(instance)
    with unmasked():
        return _read(instance)


def _read(instance) -> dict[str, Any]:
    stored = instance.__dict__
    found = {}
    for name, attname in _read_plan(type(instance)):
        value = stored.get(attname, _ABSENT)
        if type(value) not in _KEPT_AS_IS:
            value = _plain(getattr(instance, attname))
        found[name] = value
    return found


_ABSENT = object()


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


def diff(model, before: dict | None, after: dict, *, shown=None) -> list[tuple[str, Any, Any]]:
    """(field label, old, new) for each field that differs, in model order.

    ``shown(field, value)``, when given, turns each value into what the reader sees.
    """
    before = before or {}
    rows = []
    for field in content_fields(model):
        old, new = before.get(field.name), after.get(field.name)
        if old != new:
            if shown is not None:
                old, new = shown(field, old), shown(field, new)
            rows.append((str(field.verbose_name), old, new))
    return rows


class Readable:
    """Snapshot values as a person reads them: lists as text, foreign keys by their label.

    Only the records the snapshots themselves point to are read, one query per foreign
    key. A reference whose record is gone reads "(removed)", never its id. ``choices``
    names the labels of fields that keep a code without declaring choices.
    """

    def __init__(self, model, snapshots: list[dict], *, choices: dict | None = None):
        self.choices = {name: dict(pairs) for name, pairs in (choices or {}).items()}
        self.labels: dict[str, dict] = {}
        for field in content_fields(model):
            if field.many_to_one:
                pks = {snapshot.get(field.name) for snapshot in snapshots} - {None}
                found = field.related_model._base_manager.in_bulk(pks) if pks else {}
                self.labels[field.name] = {pk: str(record) for pk, record in found.items()}

    def __call__(self, field: models.Field, value: Any) -> str | None:
        if value in (None, "", [], {}):
            return None
        if field.name in self.labels:
            return self.labels[field.name].get(value, gettext("(removed)"))
        choices = self.choices.get(field.name) or dict(field.flatchoices)
        if choices and not isinstance(value, list | dict):
            return str(choices.get(value, value))
        if isinstance(field, models.DateTimeField):
            moment = timezone.localtime(datetime.fromisoformat(value))
            return formats.date_format(moment, "DATETIME_FORMAT")
        if isinstance(value, list):
            # Moves and contacts may hold commas of their own.
            separator = "; " if any(isinstance(item, dict) for item in value) else ", "
            return separator.join(_item(item) for item in value)
        return _item(value)


def _item(value: Any) -> str:
    if not isinstance(value, dict):
        return str(value)
    if "place" in value:  # a move: {"place", "since", "note"}
        text = str(value["place"])
        if value.get("since"):
            text += " · " + since_text(value["since"])
        if value.get("note"):
            text += " — " + str(value["note"])
        return text
    if "value" in value:  # a contact: {"kind", "value"}
        return str(value["value"])
    return ", ".join(f"{key}: {item}" for key, item in value.items() if item not in (None, ""))
