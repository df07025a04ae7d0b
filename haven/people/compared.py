"""What the duplicate finder (``haven.people.duplicates``) compares of each person, read
and decrypted once: from a queryset only those columns, opened here rather than through a
person built for each row (that, and the masking asked on each read, cost more than the
comparing), with the seconds each phase took."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet

from haven.keys.fields import EncryptedJSONField
from haven.keys.keyring import get_keyring
from haven.lib.crypto import DecryptionError
from haven.people.models import Person

# What the finder compares of each person (besides the kind).
_READ = ("name", "other_names", "nicknames", "birth_date", "contacts", "whereabouts")


class Compared:
    """What the finder reads of a person, decrypted once (reading a masked field on a
    person asks each time whether the reader may see it)."""

    __slots__ = ("pk", "team_id", "kind", "code", *_READ)

    @classmethod
    def of(cls, person) -> Compared:
        """As ``person``'s fields read (masked, a damaged value as its stand-in)."""
        seen = cls()
        seen.pk, seen.team_id, seen.kind, seen.code = (
            person.pk,
            person.team_id,
            person.kind,
            person.code,
        )
        for name in _READ:
            setattr(seen, name, getattr(person, name))
        return seen


def read_compared(people, clock: Clock) -> tuple[list[Compared], dict | None]:
    """What the finder reads of ``people``, and the people by pk when they were given
    as a list (None: ``find`` reads the proposed ones from the queryset at the end).

    From a queryset only the columns compared are read, as tuples, and opened here: a
    person is not built for each of them (that, and asking the masking on each read,
    cost more than the comparing). A sealed person, or one with a value that does not
    open, is read as a person, so that the masking and the damage report apply as
    everywhere else.
    """
    if not isinstance(people, QuerySet):
        people = list(people)
        clock.lap("reading")
        seen = [Compared.of(person) for person in people]
        clock.lap("decrypting")
        return seen, {person.pk: person for person in people}
    query = people.values_list("pk", "uuid", "team_id", "kind", "code", "sealed", *_READ)
    # As the database gives them, without the fields' converters (a wrapper per value).
    try:
        sql, params = query.query.get_compiler(using=query.db).as_sql()
    except EmptyResultSet:
        sql = None
    rows = []
    if sql:
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    clock.lap("reading")
    fields = [Person._meta.get_field(name) for name in _READ]
    label = Person._meta.label_lower
    # Each field's associated data is its prefix and the row's UUID (EncryptedField's).
    prefixes = [f"{label}|{field.name}|".encode() for field in fields]
    # What an empty field reads as ([] for a list): shared, as nothing here changes it.
    empty = [field.from_db_value(None, None, connections[query.db]) for field in fields]
    # Birth dates recur (and are immutable): each read once. Most lists are empty: an
    # empty one is read as the shared empty list, as nothing here changes it.
    readers = [
        _once(field.from_bytes)
        if field.name == "birth_date"
        else _empty_list_or(field.from_bytes, nothing)
        if nothing == [] and isinstance(field, EncryptedJSONField)
        else field.from_bytes
        for field, nothing in zip(fields, empty, strict=True)
    ]
    open_sealed = get_keyring().open
    seen = []
    aside = []
    for pk, uuid, team_id, kind, code, sealed, *values in rows:
        if sealed:
            aside.append(pk)
            continue
        person = Compared()
        person.pk, person.team_id, person.kind, person.code = pk, team_id, kind, code
        if isinstance(uuid, str) and len(uuid) == 32:  # SQLite's: hex digits, as UUID.hex
            row = f"{uuid[:8]}-{uuid[8:12]}-{uuid[12:16]}-{uuid[16:20]}-{uuid[20:]}".encode()
        else:
            row = str(uuid if isinstance(uuid, UUID) else UUID(uuid)).encode()
        try:
            for name, prefix, value, nothing, read in zip(
                _READ, prefixes, values, empty, readers, strict=True
            ):
                setattr(
                    person,
                    name,
                    nothing if value is None else read(open_sealed(bytes(value), prefix + row)),
                )
        except DecryptionError:
            aside.append(pk)
            continue
        seen.append(person)
    for start in range(0, len(aside), 500):
        seen += [Compared.of(p) for p in people.filter(pk__in=aside[start : start + 500])]
    clock.lap("decrypting")
    return seen, None


def _empty_list_or(read, empty: list):
    """``read`` that reads an empty JSON list as ``empty``."""

    def read_list(data: bytes):
        return empty if data == b"[]" else read(data)

    return read_list


def _once(read):
    """``read`` that works each distinct value out once."""
    known: dict = {}

    def read_once(data: bytes):
        found = known.get(data)
        if found is None:
            found = known[data] = read(data)
        return found

    return read_once


class Clock:
    """Adds the seconds and CPU seconds since its last lap to ``timings[phase]``, and
    tells ``progress`` (if given) each phase as it ends."""

    def __init__(self, timings: dict | None, progress: Callable[[str], None] | None = None):
        self.timings = timings
        self.progress = progress
        self.last = time.perf_counter(), time.process_time()

    def lap(self, phase: str) -> None:
        if self.progress is not None:
            self.progress(phase)
        if self.timings is None:
            return
        now = time.perf_counter(), time.process_time()
        wall, cpu = self.timings.get(phase, (0.0, 0.0))
        self.timings[phase] = wall + now[0] - self.last[0], cpu + now[1] - self.last[1]
        self.last = now
