"""The team archive: everything one team holds, as one JSON document that another
Haven instance (or this one, after a loss) imports back to the same records.

The document (docs/exchange.md describes it field by field)::

    {"format": "haven-archive", "version": 1, "team": ..., "exported_at": ...,
     "exported_by": ..., "left_out": {...}, "counts": {kind: n},
     "terms": {"act_type:torture": {labels}}, "places": {"/1/9/57/": {names, parent}},
     "records": {"people.person": [{"uuid": ..., "created_at": ..., fields...}], ...}}

Values are decrypted: the file is as sensitive as the team's records, and the command
that writes it says so. Records keep their uuids and codes; foreign keys are written
as ``haven.exchange.kinds`` says. Kinds come in dependency order, one record a line,
so the file is written as it is read from the database and never held whole.

An archive holds every live record of the team, and each deleted record that one of
them points to (the person a merge retired), marked deleted. Evidence files, earlier
versions and the audit log are not carried (``kinds.LEFT_OUT``, ``kinds.NOT_CARRIED``).

Importing is all or nothing: the whole document is checked first (its shape, every
reference, every value, and that none of its uuids and codes exists here), then every
record is saved through ``save_record`` in one transaction, so each gets its version,
blind index and audit entry; any refusal on the way rolls everything back.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import User
from haven.audit.actions import record
from haven.exchange import kinds as registry
from haven.exchange.access import acting, is_writing_member
from haven.exchange.errors import ExchangeError, validation_messages
from haven.exchange.kinds import PLACE, RECORD, TERM, USER, Kind, kinds
from haven.exchange.references import (
    Places,
    Terms,
    Users,
    place_entry,
    place_problems,
    term_entry,
    term_key,
)
from haven.keys.fields import EncryptedField, EncryptedJSONField, EncryptedTextField
from haven.locations.models import Location
from haven.records import history
from haven.records.actions import save_record
from haven.records.models import RecordVersion
from haven.vocab.models import Term

FORMAT = "haven-archive"
VERSION = 1


class ArchiveError(ExchangeError):
    """A team archive that cannot be written or imported."""


def _damaged(value) -> bool:
    return bool(getattr(value, "damaged", False))


def _plain(value):
    """A clear column's value as JSON holds it."""
    return value.isoformat() if isinstance(value, date | datetime) else value


# ---- export ------------------------------------------------------------------------------


@dataclass
class _Row:
    uuid: str
    deleted: bool
    references: dict[str, Any]  # field name -> pk, from the clear columns


class _Selection:
    """Which records an archive of ``team`` holds, decided from the clear columns alone
    (keys, uuids, deletion marks), before any value is decrypted."""

    def __init__(self, team):
        self.rows: dict[str, dict[int, _Row]] = {}
        # (kind, link) -> source pk -> [(target pk, {extra field: raw value})]
        self.links: dict[tuple[str, str], dict[int, list]] = {}
        for kind in kinds():
            names = [field.name for field in kind.references]
            attnames = [field.attname for field in kind.references]
            queryset = kind.model._base_manager.filter(team=team).order_by("pk")
            self.rows[kind.label] = {
                pk: _Row(str(uid), deleted is not None, dict(zip(names, refs, strict=True)))
                for pk, uid, deleted, *refs in queryset.values_list(
                    "pk", "uuid", "deleted_at", *attnames
                )
            }
            for link in kind.links:
                found = defaultdict(list)
                rows = (
                    link.through._base_manager.filter(**{f"{link.source.name}__team": team})
                    .order_by("pk")
                    .values_list(
                        link.source.attname,
                        link.target.attname,
                        *(extra.attname for extra in link.extras),
                    )
                )
                for source, target, *extras in rows:
                    found[source].append(
                        (target, dict(zip((e.name for e in link.extras), extras, strict=True)))
                    )
                self.links[kind.label, link.name] = found
        self.problems: list[str] = []
        self.included = self._closure()

    def _targets(self, kind: Kind, pk: int) -> Iterator[tuple[models.Field, int]]:
        """(foreign key, pk) of every record ``pk`` points to, links included."""
        row = self.rows[kind.label][pk]
        for field in kind.references:
            if registry.role(field) == RECORD and row.references[field.name] is not None:
                yield field, row.references[field.name]
        for link in kind.links:
            if registry.role(link.target) == RECORD:
                for target, _extras in self.links[kind.label, link.name].get(pk, ()):
                    yield link.target, target

    def _closure(self) -> dict[str, set[int]]:
        included = {
            label: {pk for pk, row in rows.items() if not row.deleted}
            for label, rows in self.rows.items()
        }
        waiting = [(kind, pk) for kind in kinds() for pk in included[kind.label]]
        while waiting:
            kind, pk = waiting.pop()
            for field, target in self._targets(kind, pk):
                other = registry.kind_for(field.related_model)
                if target in included[other.label]:
                    continue
                if target in self.rows[other.label]:
                    included[other.label].add(target)
                    waiting.append((other, target))
                else:
                    self.problems.append(
                        _(
                            "%(kind)s %(uuid)s refers to a %(other)s of another team; move "
                            "one of them so that both belong to the same team, then export "
                            "again."
                        )
                        % {
                            "kind": kind.model._meta.verbose_name,
                            "uuid": self.rows[kind.label][pk].uuid,
                            "other": other.model._meta.verbose_name,
                        }
                    )
        return included

    def uuid(self, label: str, pk: int) -> str:
        if pk not in self.included[label]:
            raise _Changed
        return self.rows[label][pk].uuid

    def used(self, role: str) -> set[int]:
        """The pks of every term, place or user (``role``) the held records name."""
        found = set()
        for kind in kinds():
            held = self.included[kind.label]
            for field in kind.references:
                if registry.role(field) == role:
                    found |= {self.rows[kind.label][pk].references[field.name] for pk in held}
            for link in kind.links:
                rows = self.links[kind.label, link.name]
                for pk in held:
                    for target, extras in rows.get(pk, ()):
                        if registry.role(link.target) == role:
                            found.add(target)
                        for extra in link.extras:
                            if extra.many_to_one and registry.role(extra) == role:
                                found.add(extras[extra.name])
        return found - {None}


class _Changed(Exception):
    """A record changed between choosing what to write and writing it."""


class _Writer:
    def __init__(self, selection: _Selection):
        self.selection = selection
        self.terms = {term.pk: term for term in Term.objects.filter(pk__in=selection.used(TERM))}
        self.places = self._places(selection.used(PLACE))
        self.emails = dict(
            User.objects.filter(pk__in=selection.used(USER)).values_list("pk", "email")
        )
        self.problems: list[str] = []

    @staticmethod
    def _places(pks: set[int]) -> dict[int, Location]:
        """The places named and every place they lie in, by pk."""
        paths = Location.objects.filter(pk__in=pks).values_list("path", flat=True)
        every = {int(part) for path in paths for part in path.strip("/").split("/") if part}
        return Location.objects.in_bulk(every | pks)

    def term_table(self) -> dict:
        return {
            term_key(term): term_entry(term) for term in sorted(self.terms.values(), key=term_key)
        }

    def place_table(self) -> dict:
        table = {}
        for place in sorted(self.places.values(), key=lambda place: place.path):
            parent = self.places.get(place.parent_id)
            table[place.path] = {**place_entry(place), "parent": parent.path if parent else None}
        return table

    def reference(self, field: models.Field, pk):
        if pk is None:
            return None
        role = registry.role(field)
        try:
            if role == RECORD:
                return self.selection.uuid(field.related_model._meta.label_lower, pk)
            if role == TERM:
                return term_key(self.terms[pk])
            if role == PLACE:
                return self.places[pk].path
            return self.emails[pk]
        except KeyError:
            raise _Changed from None

    def entry(self, kind: Kind, instance) -> dict:
        snapshot = history.snapshot(instance)
        entry = {"uuid": str(instance.uuid), "created_at": instance.created_at.isoformat()}
        for each in kind.fields:
            value = snapshot[each.name]
            if _damaged(value):
                self.problems.append(
                    _(
                        "The %(field)s of %(kind)s %(uuid)s does not open (a damaged value); "
                        "'haven records verify' lists every such value."
                    )
                    % {
                        "field": each.name,
                        "kind": kind.model._meta.verbose_name,
                        "uuid": instance.uuid,
                    }
                )
            if each.many_to_one:
                value = self.reference(each, value)
            elif kind.label == "people.merge" and each.name == "moved":
                value = [self.moved_item(item) for item in value or []]
            entry[each.name] = value
        for link in kind.links:
            entry[link.name] = [
                self.link_row(link, target, extras)
                for target, extras in self.selection.links[kind.label, link.name].get(
                    instance.pk, ()
                )
            ]
        return entry

    def link_row(self, link: registry.Link, target, extras: dict):
        value = self.reference(link.target, target)
        if not link.extras:
            return value
        row = {link.target.name: value}
        for extra in link.extras:
            raw = extras[extra.name]
            row[extra.name] = self.reference(extra, raw) if extra.many_to_one else _plain(raw)
        return row

    def moved_item(self, item: dict) -> dict:
        """A merge's note of one moved reference, with its row named by uuids instead of
        ids (``people.duplicates.merge`` writes ids, which mean nothing elsewhere)."""
        if "case_link" in item:  # the form merges wrote before links were handled generally
            item = {"model": "cases.caseperson", "link": {"case_id": item["case_link"]}}
            item["field"] = "person"
        model = apps.get_model(item["model"])
        written = {"model": item["model"], "field": item["field"]}
        if "link" in item:
            written["link"] = self._named_keys(model, item["link"])
        elif registry.kind_for(model) is not None:
            label = model._meta.label_lower
            held = item["pk"] in self.selection.included[label]
            written["record"] = self.selection.rows[label][item["pk"]].uuid if held else None
        else:
            # A row of a link table (a person on a case, on an action): named by the
            # records it joins, besides the person it was moved from.
            row = model._base_manager.filter(pk=item["pk"]).values().first()
            keys = {
                each.attname: row[each.attname]
                for each in model._meta.concrete_fields
                if row
                and each.many_to_one
                and each.name != item["field"]
                and registry.kind_for(each.related_model) is not None
            }
            written["row"] = self._named_keys(model, keys) if row else None
        return written

    def _named_keys(self, model, keys: dict) -> dict:
        """{"case_id": 12} as {"case": uuid}: the keys of a link row by their records."""
        named = {}
        for attname, pk in keys.items():
            key = model._meta.get_field(attname.removesuffix("_id"))
            try:
                named[key.name] = self.reference(key, pk)
            except _Changed:
                named[key.name] = None
        return named


def export_team(team, *, by, out: IO[str]) -> dict[str, int]:
    """Write the archive of ``team`` to ``out``; how many records of each kind it holds.

    ``by`` must be a writing member of the team (``PermissionDenied``). One audit entry
    names every record read. ``ArchiveError`` when a record of the team points to a
    record of another team or a value does not open; raised after writing has begun,
    it leaves ``out`` incomplete (the ``haven exchange`` command writes to a
    temporary file and keeps it only when the export succeeds).
    """
    if not is_writing_member(by, team):
        raise PermissionDenied
    selection = _Selection(team)
    if selection.problems:
        raise ArchiveError(selection.problems)
    writer = _Writer(selection)
    counts = {kind.label: len(selection.included[kind.label]) for kind in kinds()}
    header = {
        "format": FORMAT,
        "version": VERSION,
        "team": team.name,
        "exported_at": timezone.now().isoformat(),
        "exported_by": by.email,
        "left_out": {**registry.LEFT_OUT, **registry.NOT_CARRIED},
        "counts": counts,
        "terms": writer.term_table(),
        "places": writer.place_table(),
    }
    out.write("{\n")
    for key, value in header.items():
        out.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
    out.write('"records": {')
    read = []
    for position, kind in enumerate(kinds()):
        out.write(("," if position else "") + f"\n{json.dumps(kind.label)}: [")
        held = selection.included[kind.label]
        queryset = kind.model._base_manager.filter(team=team).order_by("pk")
        written = 0
        for instance in queryset.iterator(chunk_size=500):
            if instance.pk not in held:
                continue
            try:
                entry = writer.entry(kind, instance)
            except _Changed:
                raise ArchiveError(
                    [_("The team's records changed while they were exported; export again.")]
                ) from None
            out.write(("," if written else "") + "\n" + json.dumps(entry, ensure_ascii=False))
            written += 1
            read.append(kind.model(pk=instance.pk, uuid=instance.uuid))
        out.write("\n]")
    out.write("\n}\n}\n")
    if writer.problems:
        raise ArchiveError(writer.problems)
    record(
        "exchange.archive.exported",
        actor=by,
        target=team,
        summary=f"team archive: {len(read)} records",
        records=read,
    )
    return counts


# ---- import ------------------------------------------------------------------------------


@dataclass
class ImportResult:
    counts: dict[str, int]
    missing_users: list[str] = dataclass_field(default_factory=list)
    created_terms: list[str] = dataclass_field(default_factory=list)
    created_places: list[str] = dataclass_field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def read_archive(stream: IO) -> dict:
    """The document in ``stream``; ``ArchiveError`` when it is not JSON."""
    try:
        data = json.load(stream)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ArchiveError([_("This file is not JSON: %(error)s") % {"error": exc}]) from None
    return data


def _uuid(value) -> str | None:
    try:
        return str(uuidlib.UUID(str(value)))
    except ValueError:
        return None


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return moment if timezone.is_aware(moment) else None


def _value(each: models.Field, value):
    """The Python value of a field written in an archive; ``ValueError`` when it is not one."""
    if value is None:
        if each.null or isinstance(each, EncryptedField):
            return None
        raise ValueError
    if isinstance(each, EncryptedTextField) and not isinstance(value, str):
        raise ValueError
    if isinstance(each, EncryptedJSONField | models.JSONField):
        return value
    try:
        return history.value_from_snapshot(each, value)
    except (TypeError, ValidationError) as exc:
        raise ValueError from exc


@dataclass
class _Entry:
    kind: Kind
    uuid: str
    created_at: datetime | None
    values: dict[str, Any]  # field name -> Python value, or the reference as written
    links: dict[str, list]


class _Reader:
    """An archive read and checked; ``problems`` says everything wrong with it."""

    def __init__(self, data):
        self.problems: list[str] = []
        self.entries: list[_Entry] = []
        self.kind_of: dict[str, str] = {}  # uuid -> kind label
        self.source_team = ""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            self.problems.append(_("This is not a Haven team archive."))
            return
        if data.get("version") != VERSION:
            self.problems.append(
                _("This archive has version %(version)s; this Haven reads version %(ours)s.")
                % {"version": data.get("version"), "ours": VERSION}
            )
            return
        self.source_team = str(data.get("team") or "")
        records, terms, places = data.get("records"), data.get("terms"), data.get("places")
        if not all(isinstance(part, dict) for part in (records, terms, places)):
            self.problems.append(_("The archive lacks its records, terms or places."))
            return
        self.terms = Terms(terms)
        self.place_table = places
        for label, items in records.items():
            kind = registry.kind_of(label)
            if kind is None:
                self.problems.append(
                    _("The archive holds records of a kind this Haven does not know: %(kind)s.")
                    % {"kind": label}
                )
            elif not isinstance(items, list):
                self.problems.append(_("The %(kind)s are not a list.") % {"kind": label})
            else:
                for item in items:
                    self._read(kind, item)
        self._check_references()

    def _problem(self, kind: Kind, uuid, message: str, **values) -> None:
        self.problems.append(f"{kind.label} {uuid}: " + (message % values if values else message))

    def _read(self, kind: Kind, item) -> None:
        if not isinstance(item, dict):
            self.problems.append(_("A record of %(kind)s is not an object.") % {"kind": kind.label})
            return
        uuid = _uuid(item.get("uuid"))
        if uuid is None:
            self.problems.append(
                _("A record of %(kind)s has no valid uuid.") % {"kind": kind.label}
            )
            return
        if uuid in self.kind_of:
            self._problem(kind, uuid, _("this uuid appears twice in the archive."))
            return
        self.kind_of[uuid] = kind.label
        known = (
            {"uuid", "created_at"}
            | {f.name for f in kind.fields}
            | {link.name for link in kind.links}
        )
        for name in sorted(set(item) - known):
            self._problem(kind, uuid, _("unknown field %(field)s."), field=repr(name))
        created_at = None
        if item.get("created_at") is not None:
            created_at = _moment(item["created_at"])
            if created_at is None:
                self._problem(kind, uuid, _("created_at is not a date and time with a zone."))
        values = {}
        for each in kind.fields:
            if each.name not in item:
                continue
            value = item[each.name]
            if each.many_to_one:
                values[each.name] = value
                continue
            try:
                values[each.name] = _value(each, value)
            except ValueError:
                self._problem(
                    kind,
                    uuid,
                    _("%(value)s is not a valid %(field)s."),
                    value=json.dumps(value, ensure_ascii=False)[:60],
                    field=each.name,
                )
        links = {}
        for link in kind.links:
            if link.name not in item:
                continue
            rows = item[link.name]
            if not isinstance(rows, list):
                self._problem(kind, uuid, _("%(field)s is not a list."), field=link.name)
                continue
            links[link.name] = [self._link_row(kind, uuid, link, row) for row in rows]
        self.entries.append(_Entry(kind, uuid, created_at, values, links))

    def _link_row(self, kind: Kind, uuid: str, link: registry.Link, row) -> dict:
        """A link row as {field name: value}, the target still as written."""
        if not link.extras:
            return {link.target.name: row}
        if not isinstance(row, dict) or link.target.name not in row:
            self._problem(kind, uuid, _("a row of %(field)s is not complete."), field=link.name)
            return {link.target.name: None}
        known = {link.target.name} | {extra.name for extra in link.extras}
        for name in sorted(set(row) - known):
            self._problem(
                kind, uuid, _("unknown field %(field)s."), field=repr(f"{link.name}.{name}")
            )
        values = {link.target.name: row[link.target.name]}
        for extra in link.extras:
            if extra.name not in row:
                continue
            if extra.many_to_one:
                values[extra.name] = row[extra.name]
                continue
            try:
                values[extra.name] = _value(extra, row[extra.name])
            except ValueError:
                self._problem(
                    kind,
                    uuid,
                    _("%(value)s is not a valid %(field)s."),
                    value=json.dumps(row[extra.name])[:60],
                    field=f"{link.name}.{extra.name}",
                )
        return values

    # -- references --

    def _check_reference(self, kind: Kind, uuid: str, each: models.Field, value, name: str):
        if value is None:
            if not each.null:
                self._problem(kind, uuid, _("%(field)s is missing."), field=name)
            return
        role = registry.role(each)
        if role == RECORD:
            target = each.related_model._meta.label_lower
            if self.kind_of.get(_uuid(value) or "") != target:
                self._problem(
                    kind,
                    uuid,
                    _("%(field)s points to %(value)s, which is not a %(target)s in this archive."),
                    field=name,
                    value=str(value)[:60],
                    target=target,
                )
        elif role == TERM:
            self.used_terms.add(value if isinstance(value, str) else repr(value))
        elif role == PLACE:
            if not isinstance(value, str) or self.place_chain(value) is None:
                self._problem(
                    kind,
                    uuid,
                    _("%(field)s points to a place the archive does not describe."),
                    field=name,
                )
            else:
                self.used_places.add(value)
        elif role == USER and not isinstance(value, str):
            self._problem(kind, uuid, _("%(field)s is not an e-mail address."), field=name)

    def _check_references(self) -> None:
        self.used_terms: set[str] = set()
        self.used_places: set[str] = set()
        self._chains: dict[str, list | None] = {}
        for entry in self.entries:
            for each in entry.kind.references:
                if each.name in entry.values:
                    value = entry.values[each.name]
                    self._check_reference(entry.kind, entry.uuid, each, value, each.name)
            for name, rows in entry.links.items():
                link = entry.kind.link(name)
                for row in rows:
                    for each in (link.target, *link.extras):
                        if each.many_to_one and each.name in row:
                            label = f"{name}.{each.name}" if link.extras else name
                            self._check_reference(
                                entry.kind, entry.uuid, each, row[each.name], label
                            )
            if entry.kind.label == "people.merge":
                self._check_moved(entry)
        self.problems += self.terms.problems(self.used_terms)

    def _check_moved(self, entry: _Entry) -> None:
        items = entry.values.get("moved") or []
        if not isinstance(items, list):
            items = [None]
        for item in items:
            model = None
            if isinstance(item, dict) and isinstance(item.get("model"), str):
                try:
                    model = apps.get_model(item["model"])
                except (LookupError, ValueError):
                    model = None
            forms = sum(key in item for key in ("record", "row", "link")) if model else 0
            if model is None or forms != 1 or not isinstance(item.get("field"), str):
                self._problem(entry.kind, entry.uuid, _("a moved reference is not readable."))

    def place_chain(self, key: str) -> list | None:
        """The place ``key`` of the archive's table and every place it lies in, the
        outermost first; None when the table does not describe it (or loops)."""
        if key not in self._chains:
            chain, seen, current = [], set(), key
            while current is not None:
                entry = self.place_table.get(current)
                if not isinstance(entry, dict) or current in seen:
                    chain = None
                    break
                seen.add(current)
                chain.insert(0, entry)
                current = entry.get("parent")
            if chain is not None and place_problems(chain):
                chain = None
            self._chains[key] = chain
        return self._chains[key]

    # -- against this instance --

    def check_instance(self) -> None:
        """Refuse records whose uuid or code this instance already has."""
        by_kind = defaultdict(list)
        for entry in self.entries:
            by_kind[entry.kind].append(entry)
        for kind, entries in by_kind.items():
            taken = _existing(kind.model, "uuid", [entry.uuid for entry in entries])
            if taken:
                self.problems.append(
                    _(
                        "%(count)s %(kind)s of this archive are already in this instance "
                        "(for example %(uuid)s): it was imported before, or exported from "
                        "here. Nothing was imported."
                    )
                    % {"count": len(taken), "kind": kind.label, "uuid": sorted(taken)[0]}
                )
                continue
            for each in kind.unique:
                values = [entry.values[each.name] for entry in entries if each.name in entry.values]
                taken = _existing(kind.model, each.name, values)
                if taken:
                    self.problems.append(
                        _("The %(field)s %(values)s of %(kind)s are already used here.")
                        % {
                            "field": each.name,
                            "values": ", ".join(sorted(map(str, taken))[:5]),
                            "kind": kind.label,
                        }
                    )


def _existing(model, name: str, values: list) -> set[str]:
    found = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        found |= set(
            map(
                str,
                model._base_manager.filter(**{f"{name}__in": chunk}).values_list(name, flat=True),
            )
        )
    return found


class _Restorer:
    def __init__(self, reader: _Reader, *, team, by):
        self.reader, self.team, self.by = reader, team, by
        self.terms = reader.terms
        self.places = Places()
        self.users = Users(by)
        self.place_pks: dict[str, int] = {}
        self.pks: dict[str, int] = {}  # uuid -> pk of the record created
        self.counts: dict[str, int] = defaultdict(int)

    def reference(self, each: models.Field, value):
        if value is None:
            return None
        role = registry.role(each)
        if role == RECORD:
            return self.pks[_uuid(value)]
        if role == TERM:
            return self.terms.get_or_create(value).pk
        if role == PLACE:
            if value not in self.place_pks:
                chain = self.reader.place_chain(value)
                self.place_pks[value] = self.places.find_or_create(chain).pk
            return self.place_pks[value]
        user = self.users.get(value)
        return user.pk if user else None

    def save(self, entry: _Entry) -> None:
        kind = entry.kind
        instance = kind.model(team=self.team, uuid=entry.uuid)
        if entry.created_at is not None:
            instance.created_at = entry.created_at
        deleted_at = None
        for each in kind.fields:
            if each.name not in entry.values:
                continue
            value = entry.values[each.name]
            if each.name == "deleted_at":
                deleted_at = value
            elif each.many_to_one:
                setattr(instance, each.attname, self.reference(each, value))
            elif kind.label == "people.merge" and each.name == "moved":
                persons = (instance.kept_id, instance.merged_id)
                moved = [self.moved_item(item, persons) for item in value or []]
                setattr(instance, each.attname, moved)
            else:
                setattr(instance, each.attname, value)
        try:
            save_record(instance, by=self.by)
            if deleted_at is not None:
                # Kept deleted, with the time it was deleted; its history says so.
                instance.deleted_at = deleted_at
                save_record(instance, by=self.by, change=RecordVersion.Change.DELETED)
        except ValidationError as exc:
            raise ArchiveError(
                [f"{kind.label} {entry.uuid}: " + "; ".join(validation_messages(exc))]
            ) from None
        self.pks[entry.uuid] = instance.pk
        self.counts[kind.label] += 1

    def link(self, entry: _Entry) -> None:
        source = self.pks[entry.uuid]
        for name, rows in entry.links.items():
            link = entry.kind.link(name)
            made = []
            for row in rows:
                values = {link.source.attname: source}
                for each in (link.target, *link.extras):
                    if each.name not in row:
                        continue
                    value = row[each.name]
                    values[each.attname] = (
                        self.reference(each, value) if each.many_to_one else value
                    )
                made.append(link.through(**values))
            link.through._base_manager.bulk_create(made)

    def moved_item(self, item: dict, persons: tuple) -> dict:
        """A merge's note of one moved reference with ids of this instance; ``persons``
        are the merge's two people, one of whom the row now names."""
        model = apps.get_model(item["model"])
        restored = {"model": item["model"], "field": item["field"]}
        if "link" in item:
            restored["link"] = self._keys(model, item["link"])
        elif "record" in item:
            restored["pk"] = self.pks.get(_uuid(item["record"]) or "")
        else:
            keys = self._keys(model, item["row"] or {})
            person = model._meta.get_field(item["field"]).attname
            rows = model._base_manager.filter(**keys, **{f"{person}__in": persons})
            row = rows.order_by("pk").first() if keys else None
            restored["pk"] = row.pk if row else None
        return restored

    def _keys(self, model, named: dict) -> dict:
        keys = {}
        for name, value in named.items():
            key = model._meta.get_field(name)
            keys[key.attname] = self.pks.get(_uuid(value) or "") if value else None
        return keys


def check_archive(data) -> list[str]:
    """Every problem of ``data`` as an archive to import here; none when it would import."""
    reader = _Reader(data)
    if not reader.problems:
        reader.check_instance()
    return reader.problems


def import_team(data: dict, *, team, by) -> ImportResult:
    """Create every record of the archive ``data`` in ``team``, or nothing.

    ``by`` must be a writing member of ``team`` (``PermissionDenied``); each record is
    saved as created by them, each missing term and place is created (audited), and
    users the archive names by an e-mail this instance does not know are replaced by
    ``by`` and listed in the result. ``ArchiveError`` lists what is wrong, and nothing
    is saved.
    """
    if not is_writing_member(by, team):
        raise PermissionDenied
    reader = _Reader(data)
    if not reader.problems:
        reader.check_instance()
    if reader.problems:
        raise ArchiveError(reader.problems)
    with transaction.atomic(), acting(by):
        restorer = _Restorer(reader, team=team, by=by)
        late = [entry for entry in reader.entries if entry.kind.label in registry.LATE]
        order = {kind.label: position for position, kind in enumerate(kinds())}
        early = sorted(
            (entry for entry in reader.entries if entry.kind.label not in registry.LATE),
            key=lambda entry: order[entry.kind.label],
        )
        for entry in early:
            restorer.save(entry)
        for entry in early:
            restorer.link(entry)
        for entry in late:
            restorer.save(entry)
            restorer.link(entry)
        result = ImportResult(
            counts=dict(restorer.counts),
            missing_users=sorted(restorer.users.missing),
            created_terms=restorer.terms.created,
            created_places=restorer.places.created,
        )
        summary = f"team archive of '{reader.source_team}': {result.total} records"
        if result.missing_users:
            summary += "; unknown users recorded as the importer: " + ", ".join(
                result.missing_users
            )
        record("exchange.archive.imported", actor=by, target=team, summary=summary[:300])
    return result
