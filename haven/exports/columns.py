"""How an export's columns and kinds are described; ``haven.exports.kinds`` lists them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.utils.functional import Promise

from haven.locations.models import Location

IDENTIFYING = "identifying"
PSEUDONYMISED = "pseudonymised"

Cell = str | int | float | date | datetime | None


@dataclass
class Lookups:
    """What the rows of one export look up once and share: the regions of the places
    of the chunk being written, and the gazetteer's names (read when first needed)."""

    regions: dict[int, Location] = field(default_factory=dict)
    place_names: dict[str, Location | None] | None = None


@dataclass(frozen=True)
class Cells:
    """What a column reads besides its row: whether the row may name people, and the
    export's shared lookups."""

    named: bool = False
    lookups: Lookups = field(default_factory=Lookups)

    def coded(self) -> Cells:
        """The same lookups, for a row that may not name anyone."""
        return replace(self, named=False)

    def region(self, place: Location | None) -> str | None:
        if place is None:
            return None
        region = self.lookups.regions.get(place.pk)
        return region.name if region is not None else None


@dataclass(frozen=True)
class Column:
    """One column: its key (stable, for JSON), its header, and its cell for a row.

    ``only``: the one variant it belongs to (``IDENTIFYING`` or ``PSEUDONYMISED``);
    ``named_label``: its header in an identifying export, when it shows more there.
    """

    key: str
    label: Promise | str
    value: Callable[[Any, Cells], Cell]
    only: str = ""
    named_label: Promise | str | None = None

    def shows_in(self, variant: str) -> bool:
        return not self.only or self.only == variant

    def header(self, variant: str) -> str:
        if variant == IDENTIFYING and self.named_label is not None:
            return str(self.named_label)
        return str(self.label)

    def cell(self, row, cells: Cells) -> Cell:
        if self.only == IDENTIFYING and not cells.named:
            return None
        return self.value(row, cells)


def _none(*_args) -> None:
    return None


def _one(record) -> list:
    return [record]


def _no_one(_row) -> set[int]:
    return set()


@dataclass(frozen=True)
class Kind:
    """A list that can be exported.

    - ``listing(user, data, posted=...)``: the list's own ``Listing`` (its page uses
      the same function); ``None`` for a table that is not a list of records;
    - ``prepare(rows, user)``: the queryset with what the columns read;
    - ``chunk(records, cells, user)``: what one chunk of records looks up at once;
    - ``rows(record)``: the rows of one record (an incident: one per act);
    - ``people(row)``: ids of the people a row is about, for their consent;
    - ``read(row)``: the records a row shows, for the audit entry;
    - ``count(rows, user)``: how many rows the export will have;
    - ``table(user, team)``: the rows of a table that is not a list (statistics).
    """

    name: str
    label: Promise
    list_url: str
    columns: Sequence[Column]
    listing: Callable | None = None
    prepare: Callable = lambda rows, user: rows
    chunk: Callable[[list, Cells, Any], None] = _none
    rows: Callable[[Any], Iterable] = _one
    people: Callable[[Any], set[int]] = _no_one
    read: Callable[[Any], Iterable] = _one
    count: Callable = lambda rows, user: rows.count()
    table: Callable | None = None
    # A list of people leaves out a person who refused; other lists keep the row,
    # pseudonymised.
    drops_refused: bool = False

    @property
    def is_list(self) -> bool:
        """A list of records (with the list's filters), not a table of counts."""
        return self.table is None

    @property
    def has_identifying(self) -> bool:
        return any(column.only == IDENTIFYING for column in self.columns)

    def columns_for(self, variant: str) -> list[Column]:
        return [column for column in self.columns if column.shows_in(variant)]
