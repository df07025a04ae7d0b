"""Writing a team archive: which records it holds, and each one as a line of JSON."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import User
from haven.audit.actions import record
from haven.exchange import kinds as registry
from haven.exchange.access import is_writing_member
from haven.exchange.archive.format import FORMAT, VERSION, ArchiveError
from haven.exchange.kinds import PLACE, RECORD, TERM, USER, Kind, kinds
from haven.exchange.references import (
    place_entry,
    term_entry,
    term_key,
)
from haven.locations.models import Location
from haven.records import history
from haven.vocab.models import Term


def _damaged(value) -> bool:
    return bool(getattr(value, "damaged", False))


def _plain(value):
    """A clear column's value as JSON holds it."""
    return value.isoformat() if isinstance(value, date | datetime) else value


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
        if kind.label == registry.SEALED and instance.sealed:
            entry["sealed"] = True
            entry["sealed_for"] = sorted(
                User.objects.filter(pk__in=instance.sealed_for or []).values_list(
                    "email", flat=True
                )
            )
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
        ids (``people.merging.merge`` writes ids, which mean nothing elsewhere)."""
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


def _refuse_sealed(team, by) -> None:
    """An archive carries every name in clear (and each seal, by its members' e-mails):
    only a member named on each sealed person of the team may make one."""
    from haven.people.models import Person

    hidden = [
        person.code
        for person in Person._base_manager.filter(team=team, sealed=True).order_by("code")
        if not person.shown_to(by)
    ]
    if hidden:
        raise ArchiveError(
            [
                _(
                    "%(codes)s: sealed, and you are not among the members named; a member "
                    "named on each must export the team."
                )
                % {"codes": ", ".join(hidden)}
            ]
        )


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
    _refuse_sealed(team, by)
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
