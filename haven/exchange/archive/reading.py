"""Reading a team archive: every check first, then every record in one transaction."""

from __future__ import annotations

import json
import uuid as uuidlib
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Membership
from haven.audit.actions import record
from haven.exchange import kinds as registry
from haven.exchange.access import acting, is_writing_member
from haven.exchange.archive.format import FORMAT, READS, VERSION, ArchiveError
from haven.exchange.errors import validation_messages
from haven.exchange.kinds import PLACE, RECORD, TERM, USER, Kind, kinds
from haven.exchange.references import (
    Places,
    Terms,
    Users,
    existing,
    place_problems,
)
from haven.keys.fields import EncryptedField, EncryptedJSONField, EncryptedTextField
from haven.records import history
from haven.records.actions import save_record
from haven.records.models import RecordVersion


@dataclass
class ImportResult:
    counts: dict[str, int]
    missing_users: list[str] = dataclass_field(default_factory=list)
    created_terms: list[str] = dataclass_field(default_factory=list)
    created_places: list[str] = dataclass_field(default_factory=list)
    # Codes of the people who arrived sealed; the e-mails named on their seals that are
    # not members of the receiving team here (left off the seal); the codes of those
    # none of whose named members is here, sealed for the importing user alone.
    sealed: list[str] = dataclass_field(default_factory=list)
    seal_members_missing: list[str] = dataclass_field(default_factory=list)
    sealed_for_importer: list[str] = dataclass_field(default_factory=list)

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
    sealed_for: list[str] | None = None  # a sealed person's named members (e-mails)


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
        if data.get("version") not in READS:
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
        if kind.label == registry.SEALED:
            known |= {"sealed", "sealed_for"}
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
        sealed_for = self._seal(kind, uuid, item) if kind.label == registry.SEALED else None
        self.entries.append(_Entry(kind, uuid, created_at, values, links, sealed_for))

    def _seal(self, kind: Kind, uuid: str, item: dict) -> list[str] | None:
        """A person's seal as written: None when not sealed, else the members' e-mails."""
        sealed, named = item.get("sealed", False), item.get("sealed_for", [])
        if sealed not in (True, False):
            self._problem(kind, uuid, _("sealed is neither true nor false."))
            return None
        if not isinstance(named, list) or not all(isinstance(each, str) for each in named):
            self._problem(kind, uuid, _("sealed_for is not a list of e-mail addresses."))
            return None
        if named and not sealed:
            self._problem(kind, uuid, _("sealed_for names members of a person not sealed."))
            return None
        return sorted({each.strip().lower() for each in named}) if sealed else None

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
            taken = existing(kind.model, "uuid", [entry.uuid for entry in entries])
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
                taken = existing(kind.model, each.name, values)
                if taken:
                    self.problems.append(
                        _("The %(field)s %(values)s of %(kind)s are already used here.")
                        % {
                            "field": each.name,
                            "values": ", ".join(sorted(map(str, taken))[:5]),
                            "kind": kind.label,
                        }
                    )


class _Restorer:
    def __init__(self, reader: _Reader, *, team, by):
        self.reader, self.team, self.by = reader, team, by
        self.terms = reader.terms
        self.places = Places()
        self.users = Users(by)
        self.place_pks: dict[str, int] = {}
        self.pks: dict[str, int] = {}  # uuid -> pk of the record created
        self.counts: dict[str, int] = defaultdict(int)
        self.sealed: list[str] = []
        self.seal_members_missing: set[str] = set()
        self.sealed_for_importer: list[str] = []
        # Who a seal may name here: as ``seal_person`` allows, the active users with
        # record access to the team the archive goes into, by e-mail.
        self.team_users = {
            email.lower(): pk
            for email, pk in Membership.objects.filter(
                team=team, access__in=Membership.RECORD_ACCESS, user__is_active=True
            ).values_list("user__email", "user_id")
        }

    def seal(self, instance, emails: list[str]) -> None:
        """Seal a person before it is first saved, so it never exists unsealed: for the
        members the archive names who may read the team's records here; when none of
        them is here, for the importing user alone (who holds the archive, names and
        all), so that someone can read the name and choose the members again."""
        named = sorted({self.team_users[email] for email in emails if email in self.team_users})
        self.seal_members_missing |= {email for email in emails if email not in self.team_users}
        if not named:
            named = [self.by.pk]
            self.sealed_for_importer.append(instance.code)
        instance.sealed, instance.sealed_for = True, named
        self.sealed.append(instance.code)

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
        instance = kind.model(team=self.team, uuid=uuidlib.UUID(entry.uuid))
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
        if entry.sealed_for is not None:
            self.seal(instance, entry.sealed_for)
        try:
            save_record(instance, by=self.by)
            if entry.sealed_for is not None:
                record(
                    "people.person.sealed",
                    actor=self.by,
                    target=instance,
                    summary=f"from a team archive: {len(instance.sealed_for)} named members",
                )
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


def import_team(data: dict, *, team, by) -> ImportResult:
    """Create every record of the archive ``data`` in ``team``, or nothing.

    ``by`` must be a writing member of ``team`` (``PermissionDenied``); each record is
    saved as created by them, each missing term and place is created (audited), and
    users the archive names by an e-mail this instance does not know are replaced by
    ``by`` and listed in the result. A sealed person arrives sealed, for the named
    members who may read the team's records here (``by`` when none of them is), and the
    result lists who of those named is not here. ``ArchiveError`` lists what is wrong, and nothing
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
            sealed=sorted(restorer.sealed),
            seal_members_missing=sorted(restorer.seal_members_missing),
            sealed_for_importer=sorted(restorer.sealed_for_importer),
        )
        summary = f"team archive of '{reader.source_team}': {result.total} records"
        if result.missing_users:
            summary += "; unknown users recorded as the importer: " + ", ".join(
                result.missing_users
            )
        if result.sealed_for_importer:
            summary += "; sealed for the importer alone: " + ", ".join(result.sealed_for_importer)
        record("exchange.archive.imported", actor=by, target=team, summary=summary[:300])
    return result
