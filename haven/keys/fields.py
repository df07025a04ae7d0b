"""Model fields whose values are stored only as AEAD ciphertext.

Each value is sealed with the model's data key and bound, through associated
data, to its model, field and row UUID: ``people.person|notes|<uuid>``. A value
loaded from the database stays sealed until first read, and is opened with the
row's UUID, so a ciphertext copied to another row or field fails to open.

Rules that keep plaintext out of the database:
- values are written only by saving an instance (``update()`` and lookups on
  these fields raise ``TypeError``); look values up through blind indexes;
- ``values()``/``values_list()`` return sealed values, not plaintext.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from datetime import date
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst

from haven.keys.keyring import SEALED_LABELS, get_keyring
from haven.lib.crypto import DecryptionError
from haven.lib.partial_dates import PartialDate

logger = logging.getLogger("haven.keys")


class Sealed:
    """Ciphertext read from the database, not yet opened."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes):
        self.blob = blob

    def __repr__(self) -> str:
        return "<sealed>"


class Damaged(Sealed):
    """Ciphertext that did not open: altered bytes, a lost data key, a value moved from
    another row. It is kept as it is (saving the record writes the same bytes back),
    and reading it gives the field's stand-in, so one damaged value does not break
    every page that lists the record."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<damaged>"


class DamagedText(str):
    """An empty string that shows itself as damaged on a page."""

    damaged = True

    def __str__(self) -> str:
        from django.utils.translation import gettext

        return gettext("[damaged value]")

    def __html__(self) -> str:
        from django.utils.html import format_html

        return format_html('<span class="damaged">{}</span>', str(self))


class DamagedList(list):
    damaged = True


class DamagedDict(dict):
    damaged = True


_reported: set[tuple[str, str, str]] = set()
# Where an instance keeps its UUID as text, for the associated data of its values.
_ROW_SPELLED = "_haven_row_spelled"


def _report_damage(instance, field: EncryptedField) -> None:
    """One audit entry per damaged value and process, and a line in the server's log."""
    key = (instance._meta.label_lower, str(getattr(instance, "uuid", "")), field.name)
    if key in _reported:
        return
    _reported.add(key)
    logger.error("damaged encrypted value: %s %s field %s", *key)
    from haven.audit.actions import record

    record("record.damaged", target=instance, summary=f"field {field.name} does not decrypt")


def _open_in(instance, field: EncryptedField, sealed: Sealed):
    """Open ``sealed``, ``field``'s value in ``instance``, and keep what it holds in its
    place; a value that does not open is kept as damaged and reads as the stand-in."""
    try:
        value = field.open(instance, sealed.blob)
    except DecryptionError:
        instance.__dict__[field.attname] = Damaged(sealed.blob)
        _report_damage(instance, field)
        return field.stand_in()
    instance.__dict__[field.attname] = value
    return value


_sealed_fields: dict[type, tuple[EncryptedField, ...]] = {}


def open_all(instances, names: Collection[str] | None = None) -> None:
    """Open now the sealed values of ``instances`` (those of fields in ``names``, or all)
    that would otherwise be opened one by one as they are read: for a page of records
    about to be shown. Opening them in one loop costs less than spread through the
    serializer's work (its code and keys stay in the processor's caches). It only opens:
    masked fields still decide on each read what it shows, and a damaged value is kept
    and reported as when it is read."""
    for instance in instances:
        fields = _sealed_fields.get(type(instance))
        if fields is None:
            fields = _sealed_fields[type(instance)] = tuple(
                field
                for field in instance._meta.concrete_fields
                if isinstance(field, EncryptedField)
            )
        values = instance.__dict__
        for field in fields:
            value = values.get(field.attname)
            if type(value) is Sealed and (names is None or field.name in names):
                _open_in(instance, field, value)


class _Descriptor:
    def __init__(self, field: EncryptedField):
        self.field = field

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        name = self.field.attname
        if name not in instance.__dict__:  # deferred by only()/defer()
            instance.refresh_from_db(fields=[name])
        value = instance.__dict__[name]
        if isinstance(value, Damaged):
            return self.field.stand_in()
        if isinstance(value, Sealed):
            return _open_in(instance, self.field, value)
        return value

    def __set__(self, instance, value):
        current = instance.__dict__.get(self.field.attname)
        if isinstance(current, Sealed) and value in (None, "", [], {}) and self._damaged(instance):
            return  # an edit form's empty stand-in does not erase what may yet be recovered
        instance.__dict__[self.field.attname] = value

    def _damaged(self, instance) -> bool:
        current = instance.__dict__[self.field.attname]
        if not isinstance(current, Damaged):
            try:
                self.field.open(instance, current.blob)
            except DecryptionError:
                instance.__dict__[self.field.attname] = Damaged(current.blob)
            else:
                return False
        return True


class EncryptedField(models.BinaryField):
    """Base class: subclasses convert their Python type to bytes and back."""

    # A BinaryField counts only None and b"" as empty, so a required text field took "".
    empty_values = [None, "", b"", [], (), {}]
    # pre_save gives the ciphertext as bytes, which both databases store as they are
    # (haven.lib.inserts skips the wrapping in the driver's Binary type).
    db_writes_as_is = (bytes,)

    def __init__(self, *args, max_length: int | None = None, **kwargs):
        kwargs.setdefault("null", True)
        kwargs.setdefault("blank", True)
        kwargs["editable"] = True
        self.plain_max_length = max_length
        super().__init__(*args, **kwargs)
        if self.plain_max_length is not None:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(self.plain_max_length))

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("editable", None)
        kwargs.pop("max_length", None)
        if self.plain_max_length is not None:
            kwargs["max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        # Historical models built by migrations live in the module "__fake__".
        if not cls._meta.abstract and cls.__module__ != "__fake__":
            SEALED_LABELS.add(cls._meta.label_lower)
        setattr(cls, self.attname, _Descriptor(self))

    # --- conversion, per type ----------------------------------------------------
    def to_bytes(self, value: Any) -> bytes:  # pragma: no cover - abstract
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- sealing -------------------------------------------------------------------
    def associated_data(self, instance) -> bytes:
        row = getattr(instance, "uuid", None)
        if row is None:
            raise TypeError(f"{instance._meta.label} needs a uuid field to hold encrypted fields")
        # A row's values are opened together (a page of 50 people opens ~300): its model
        # and UUID are spelled out once per instance, and again only if it gets another.
        spelled = instance.__dict__.get(_ROW_SPELLED)
        if spelled is None or spelled[0] is not row:
            spelled = instance.__dict__[_ROW_SPELLED] = (
                row,
                f"{instance._meta.label_lower}|".encode(),
                f"|{row}".encode(),
            )
        return spelled[1] + self.name.encode() + spelled[2]

    def seal(self, instance, value) -> bytes:
        return get_keyring().seal(
            instance._meta.label_lower, self.to_bytes(value), self.associated_data(instance)
        )

    def seal_for_row(self, row_uuid, value) -> bytes:
        """``seal(instance, value)`` for the row of this field's model whose UUID is
        ``row_uuid``, without an instance: for rows written as tuples (history versions)."""
        label = self.model._meta.label_lower
        associated = f"{label}|{self.name}|{row_uuid}".encode()
        return get_keyring().seal(label, self.to_bytes(value), associated)

    def open(self, instance, blob: bytes):
        return self.from_bytes(get_keyring().open(blob, self.associated_data(instance)))

    def stand_in(self):
        """What reading a damaged value gives: empty, of the field's type."""
        return None

    def pre_save(self, instance, add):
        value = instance.__dict__.get(self.attname)
        if value is None or value == "":
            return None
        if isinstance(value, Sealed):
            return value.blob
        return self.seal(instance, value)

    def clean(self, value, model_instance):
        if model_instance is not None and isinstance(
            model_instance.__dict__.get(self.attname), Damaged
        ):
            return value  # a damaged value is kept as it is, not judged empty
        return super().clean(value, model_instance)

    def get_db_prep_value(self, value, connection, prepared=False):
        if isinstance(value, str | list | dict) and not value:
            value = None  # empty values are stored as NULL (a migration's default, too)
        if value is None or isinstance(value, bytes | bytearray | memoryview):
            return super().get_db_prep_value(value, connection, prepared)
        raise TypeError(
            f"{self.model._meta.label}.{self.name} is encrypted: it is written only by saving "
            "an instance and cannot be filtered on or set by update(); use its blind index."
        )

    def from_db_value(self, value, expression, connection):
        return None if value is None else Sealed(bytes(value))

    def to_python(self, value):
        return value

    def value_to_string(self, obj):  # serialisation must never dump plaintext silently
        raise TypeError("encrypted fields are not serialised; export through an action")

    def get_default(self):
        value = super().get_default()
        return None if value == b"" else value


class EncryptedTextField(EncryptedField):
    def to_bytes(self, value: str) -> bytes:
        return str(value).encode()

    def from_bytes(self, data: bytes) -> str:
        return data.decode()

    def stand_in(self):
        return DamagedText()

    def formfield(self, **kwargs):
        defaults = {
            "label": capfirst(self.verbose_name),
            "required": not self.blank,
            "max_length": self.plain_max_length,
            "widget": forms.Textarea(attrs={"rows": 3})
            if self.plain_max_length is None
            else forms.TextInput,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        return forms.CharField(**defaults)


# json.dumps(value, ensure_ascii=False, sort_keys=True), with the encoder made once: a
# bulk import seals several JSON values per record, and json.dumps builds a new encoder
# on every call that passes options.
_encode_json = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class EncryptedJSONField(EncryptedField):
    def from_db_value(self, value, expression, connection):
        return self.get_default() if value is None else Sealed(bytes(value))

    def to_bytes(self, value: Any) -> bytes:
        return _encode_json(value).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)

    def stand_in(self):
        return DamagedDict() if isinstance(self.get_default(), dict) else DamagedList()

    def pre_save(self, instance, add):
        value = instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
        if type(value) in (list, dict) and not value and value == self.get_default():
            # An empty list or dict that is the field's default is stored as NULL, which
            # reads back as the default, as an empty text is stored: its ciphertext's
            # length said as much. A person has five such lists, mostly empty; an import
            # sealed each of them on every row.
            return None
        return self.seal(instance, value)


class EncryptedDateField(EncryptedField):
    def to_bytes(self, value: date) -> bytes:
        if not isinstance(value, date):
            raise TypeError(f"{self.name} takes a date, not {type(value).__name__}")
        return value.isoformat().encode()

    def from_bytes(self, data: bytes) -> date:
        return date.fromisoformat(data.decode())

    def formfield(self, **kwargs):
        defaults = {"label": capfirst(self.verbose_name), "required": not self.blank}
        defaults.update(kwargs)
        return forms.DateField(**defaults)


class EncryptedPartialDateField(EncryptedField):
    def to_bytes(self, value: PartialDate | str) -> bytes:
        if isinstance(value, str):
            value = PartialDate.parse(value)
        return str(value).encode()

    def from_bytes(self, data: bytes) -> PartialDate:
        return PartialDate.parse(data.decode())
