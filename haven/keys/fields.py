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
from datetime import date
from typing import Any

from django import forms
from django.db import models
from django.utils.text import capfirst

from haven.keys.keyring import SEALED_LABELS, get_keyring
from haven.lib.partial_dates import PartialDate


class Sealed:
    """Ciphertext read from the database, not yet opened."""

    __slots__ = ("blob",)

    def __init__(self, blob: bytes):
        self.blob = blob

    def __repr__(self) -> str:
        return "<sealed>"


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
        if isinstance(value, Sealed):
            value = self.field.open(instance, value.blob)
            instance.__dict__[name] = value
        return value

    def __set__(self, instance, value):
        instance.__dict__[self.field.attname] = value


class EncryptedField(models.BinaryField):
    """Base class: subclasses convert their Python type to bytes and back."""

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
        return f"{instance._meta.label_lower}|{self.name}|{row}".encode()

    def seal(self, instance, value) -> bytes:
        return get_keyring().seal(
            instance._meta.label_lower, self.to_bytes(value), self.associated_data(instance)
        )

    def open(self, instance, blob: bytes):
        return self.from_bytes(get_keyring().open(blob, self.associated_data(instance)))

    def pre_save(self, instance, add):
        value = instance.__dict__.get(self.attname)
        if value is None or value == "":
            return None
        if isinstance(value, Sealed):
            return value.blob
        return self.seal(instance, value)

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


class EncryptedJSONField(EncryptedField):
    def from_db_value(self, value, expression, connection):
        return self.get_default() if value is None else Sealed(bytes(value))

    def to_bytes(self, value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)

    def pre_save(self, instance, add):
        value = instance.__dict__.get(self.attname)
        if value is None:
            return None
        if isinstance(value, Sealed):
            return value.blob
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
