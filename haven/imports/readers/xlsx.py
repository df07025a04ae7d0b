"""XLSX: which member holds the sheet, and how far its cells reach, before calamine reads it.

calamine places a cell by its ``r`` reference (``r="AB12"``) or, without one, in the
next column of the current row, and builds the sheet as one grid from the first to the
last cell. The sheet's XML is measured the same way first: the references are read by
patterns over each chunk (fast, in C), and only a sheet where some cell has no reference
as its first attribute — which no common writer makes — needs a second pass that
bounds the grid by counting cells row by row.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from operator import itemgetter

from .archive import (
    calamine_records,
    check_archive,
    check_extent,
    choose_sheet,
    find_member,
    formulas_refused,
    parse_xml,
    scan_xml,
)
from .refusals import MB, Limits, damaged
from .source import Source

_MAX_SMALL_XML = 16 * MB  # workbook.xml and its relationships are parsed whole

# Element names may carry any prefix (calamine ignores it); the patterns that allow one
# are three times slower, so they run only on chunks with a prefixed c, f or row tag.
_PREFIXED = re.compile(rb":(?:c|f|row)[\s/>]")
_PREFIX = rb"<(?:[\w.-]+:)?"
_FORMULA = re.compile(rb"<f[\s/>]"), re.compile(_PREFIX + rb"f[\s/>]")
_CELL = re.compile(rb"<c[\s/>]"), re.compile(_PREFIX + rb"c[\s/>]")
# A cell whose reference is its first attribute, as every common writer puts it.
_PLACED = (
    re.compile(rb'<c\s+r="([A-Za-z]{1,3})([0-9]{1,7})"'),
    re.compile(_PREFIX + rb'c\s+r="([A-Za-z]{1,3})([0-9]{1,7})"'),
)
_ROW = re.compile(_PREFIX + rb"row[\s/>]")
_UNUSUAL = re.compile(rb"<!--|<!\[CDATA\[|<\?(?!xml[\s?])")
# An attribute, quotes and all, so that r="..." inside another attribute's value cannot
# pass for the row's own; XML allows no "<" inside a value.
_ATTR = rb"""(?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))"""
_ROW_NUMBER = re.compile(_PREFIX + rb"row" + _ATTR + rb"*?\s+r\s*=\s*[\"']([0-9]+)[\"']")
# Any cell's reference, wherever it stands among the attributes and however written.
_REFERENCE = re.compile(_PREFIX + rb"c" + _ATTR + rb"*?\s+r\s*=\s*[\"']([A-Za-z]+)([0-9]+)[\"']")


@dataclass
class _Shape:
    """How far a worksheet's cells reach, as read from its XML."""

    formulas: bool = False
    unusual: bool = False  # comments, CDATA, processing instructions: tags may be faked
    cells: int = 0  # <c> tags, with a value or not
    placed: int = 0  # those with a reference as their first attribute
    last_row: int = 0
    last_column: bytes = b""
    # Filled by the second pass, for sheets with cells not placed as above:
    rows: int = 0
    last_row_number: int = 0
    last_reference_row: int = 0
    last_reference_column: bytes = b""
    widest_row: int = 0
    current_row: int = 0

    def read(self, work: bytes) -> None:
        # Each pattern runs in C over the chunk; per cell, Python only builds two sets.
        prefixed = int(_PREFIXED.search(work) is not None)
        if not self.formulas and _FORMULA[prefixed].search(work):
            self.formulas = True
        if not self.unusual and _UNUSUAL.search(work):
            self.unusual = True
        self.cells += len(_CELL[prefixed].findall(work))
        placed = _PLACED[prefixed].findall(work)
        if placed:
            self.placed += len(placed)
            columns = {column.upper() for column in set(map(itemgetter(0), placed))}
            self.last_column = max(self.last_column, *columns, key=_column_key)
            rows = set(map(itemgetter(1), placed))
            self.last_row = max(self.last_row, max(map(int, rows)))

    def count_rows(self, work: bytes) -> None:
        numbers = _ROW_NUMBER.findall(work)
        self.last_row_number = max(self.last_row_number, max(map(_number, numbers), default=0))
        for column, row in _REFERENCE.findall(work):
            self.last_reference_row = max(self.last_reference_row, _number(row))
            self.last_reference_column = max(
                self.last_reference_column, column.upper(), key=_column_key
            )
        parts = _ROW.split(work)
        self.rows += len(parts) - 1
        self.current_row += len(_CELL[1].findall(parts[0]))
        for part in parts[1:]:
            self.widest_row = max(self.widest_row, self.current_row)
            self.current_row = len(_CELL[1].findall(part))

    @property
    def all_placed(self) -> bool:
        return self.cells == self.placed

    def extent(self) -> tuple[int, int]:
        """(rows, columns) of the grid calamine will build, at most."""
        columns = _column_number(self.last_column)
        if self.all_placed:
            return self.last_row, columns
        # A cell without a reference goes after the previous cell of its row, a row
        # without a number after the previous row.
        columns = max(columns, _column_number(self.last_reference_column))
        widest = max(self.widest_row, self.current_row)
        rows = max(self.last_row, self.last_reference_row, self.last_row_number)
        return rows + self.rows, columns + widest


def _number(digits: bytes) -> int:
    return int(digits) if len(digits) < 19 else 10**18  # past any limit either way


def _column_key(letters: bytes) -> tuple[int, bytes]:
    return len(letters), letters


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def xlsx_records(
    source: Source, sheet: str | None, limits: Limits
) -> tuple[Callable[[], Iterator[list[str]]], list[str], str]:
    """(records, the worksheet names, the one read) for an XLSX file, or FileRefused."""
    with source.zip("XLSX") as archive:
        check_archive(archive, limits, "XLSX")
        sheets = _worksheets(archive)
        chosen = choose_sheet(list(sheets), sheet)
        target = find_member(archive, sheets[chosen])
        if target is None:
            raise damaged("XLSX", f"{sheets[chosen]} is missing")
        shape = _Shape()
        for member in archive.infolist():
            if member is target:
                scan_xml(archive, member, "XLSX", shape.read)
            elif member.filename.lower().endswith((".xml", ".rels")):  # not VML, often loose
                scan_xml(archive, member, "XLSX")
        if shape.formulas:
            raise formulas_refused(chosen)
        if not shape.all_placed:
            if shape.unusual:
                # A fake <row> in a comment would split a row in two for the count.
                raise damaged("XLSX", "comments in a sheet with cells out of place")
            scan_xml(archive, target, "XLSX", shape.count_rows)
    check_extent(chosen, *shape.extent(), limits)
    return calamine_records(source, chosen, "XLSX"), list(sheets), chosen


def _worksheets(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet names in workbook order, each with the member it is read from.

    Read as calamine reads them — literal attribute names, the same path rules — so
    that the member measured is the member calamine parses.
    """
    targets: dict[str, str] = {}
    order: list[tuple[str, str]] = []

    def relationship(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "Relationship" and "Id" in attrs:
            targets[attrs["Id"]] = attrs.get("Target", "")

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if name.rpartition(":")[2] == "sheet":
            relation = attrs.get("r:id") or attrs.get("relationships:id") or ""
            order.append((attrs.get("name", ""), relation))

    for path, start in (("xl/_rels/workbook.xml.rels", relationship), ("xl/workbook.xml", sheet)):
        member = find_member(archive, path)
        if member is None:
            continue
        if member.file_size > _MAX_SMALL_XML:
            raise damaged("XLSX", f"{path} is too large")
        parse_xml(archive, member, "XLSX", start)
    sheets: dict[str, str] = {}
    for name, relation in order:
        target = targets.get(relation, "")
        if target.startswith("/xl/"):
            path = target[1:]
        elif target.startswith("xl/"):
            path = target
        else:
            path = f"xl/{target}"
        if path.split("/")[1:2] == ["worksheets"] and name not in sheets:
            sheets[name] = path
    return sheets
