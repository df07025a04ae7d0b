"""ODS: every sheet measured in content.xml, as calamine will expand it, before it reads it.

calamine parses every sheet of an ODS file when it opens it, and expands what the XML
only describes: a cell with a value repeated ``table:number-columns-repeated`` times, a
row with values repeated ``table:number-rows-repeated`` times, ``<text:s text:c="…">``
spaces. A few kilobytes can describe a billion cells, so each sheet's grid is counted
first and refused the moment it passes a limit. Empty repeats at the end of a row or a
sheet, which LibreOffice writes for formatting, cost nothing and are not counted, as
calamine drops them.

The count works a row at a time, on the tags calamine acts on, by name as written
(calamine matches "table:table-cell", prefix and all). A row without repeats or spaces
(most rows) is measured by counting its cells in C; only other rows are read cell by
cell. Patterns can trust what they see because expat has proved the same bytes
well-formed (``scan_xml``); a file with comments, CDATA or processing instructions,
where a tag could be faked, or with a table inside a cell, which calamine reads
differently from XML, is refused instead. No common writer makes either.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from django.utils.translation import gettext_lazy as _

from .archive import (
    calamine_records,
    check_archive,
    check_extent,
    choose_sheet,
    find_member,
    formulas_refused,
    scan_xml,
)
from .refusals import MB, FileRefused, Limits, damaged, too_many_columns
from .source import Source

_ATTRS = rb"""((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(/?)>"""
_STRUCTURE = re.compile(rb"<(/?)(table:table-row|table:table)" + _ATTRS)
_IN_ROW = re.compile(rb"<(/?)(table:table-cell|table:covered-table-cell|text:s)" + _ATTRS)
# An empty cell that holds only a style and a repeat count, as rows end in LibreOffice.
_EMPTY_CELL = re.compile(
    rb"<table:(?:covered-)?table-cell"
    rb"""(?:\s+table:(?:style-name|number-columns-repeated)\s*=\s*(?:"[^"]*"|'[^']*'))*"""
    rb"\s*/>"
)
_SPACES = re.compile(rb"<text:s[\s/>]")
_ATTRIBUTE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_CHARACTER_REFERENCE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
_UNUSUAL = re.compile(rb"<!--|<!\[CDATA\[|<\?(?!xml[\s?])")
_MAX_ROW_BYTES = 128 * MB
# Outside a sheet, in a sheet, in a row.
_OUTSIDE, _SHEET, _ROW = range(3)


def _unusual(detail: str) -> FileRefused:
    return FileRefused(
        _(
            "Haven cannot read this ODS file safely (%(detail)s). Open it in LibreOffice and "
            "save it again, or save the sheet as CSV."
        ),
        code="unsupported",
        detail=detail,
    )


class _Sheets:
    """Names, formulas and grid sizes of the sheets in content.xml, counted row by row."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.names: list[str] = []
        self.with_formulas: set[str] = set()
        self.state = _OUTSIDE
        self.sheet = ""
        self.height = self.empty_rows = self.width = 0
        self.row_repeats = 1
        self.pending = b""  # an unfinished row, read again with the next piece

    def read(self, work: bytes) -> None:
        if _UNUSUAL.search(work):
            raise _unusual("comments, CDATA or processing instructions in content.xml")
        text, self.pending = self.pending + work, b""
        row_start = body_start = 0
        for tag in _STRUCTURE.finditer(text):
            closing, name, attrs, empty = tag.groups()
            if self.state == _ROW:
                if not (closing and name == b"table:table-row"):
                    raise _unusual("a table inside a cell")
                self.state = _SHEET
                self._row(text[body_start : tag.start()])
            elif closing:
                if name == b"table:table" and self.state == _SHEET:
                    self.state = _OUTSIDE
            elif name == b"table:table-row":
                if self.state == _SHEET:  # calamine reads rows only in a named table
                    self.row_repeats = _number(attrs, b"table:number-rows-repeated")
                    if empty:
                        self._row(b"")
                    else:
                        self.state = _ROW
                        row_start, body_start = tag.start(), tag.end()
            elif self.state == _SHEET:
                raise _unusual("a table inside a table")
            else:
                self._sheet(attrs, empty)
        if self.state == _ROW:
            self.state = _SHEET
            self.pending = text[row_start:]
            if len(self.pending) > _MAX_ROW_BYTES:
                raise damaged("ODS", "a row longer than 128 MB")

    def _sheet(self, attrs: bytes, empty: bytes) -> None:
        name = _attributes(attrs).get(b"table:name")
        if name is None:  # calamine skips a table without a name
            return
        self.sheet = name.decode("utf-8", errors="replace")
        self.names.append(self.sheet)
        self.height = self.empty_rows = self.width = 0
        self.state = _OUTSIDE if empty else _SHEET

    def _row(self, body: bytes) -> None:
        if b"table:formula" in body:
            self.with_formulas.add(self.sheet)
        cells = _without_trailing_empty_cells(body)
        if b"number-columns-repeated" in cells or (b"<text:s" in cells and _SPACES.search(cells)):
            width, has_values = self._cells(cells)
        else:
            # Every cell counts for one column: at most as wide as calamine makes it.
            width = cells.count(b"<table:table-cell") + cells.count(b"<table:covered-table-cell")
            has_values = b"office:" in cells or b"table:formula" in cells
        if has_values:
            # The grid starts at the first row with values; empty rows between rows with
            # values become part of it.
            self.height += (self.empty_rows if self.height else 0) + self.row_repeats
            self.empty_rows = 0
            self.width = max(self.width, width)
            check_extent(self.sheet, self.height, self.width, self.limits)
        elif self.height:
            self.empty_rows += self.row_repeats

    def _cells(self, cells: bytes) -> tuple[int, bool]:
        """A row's width and whether it has values, read cell by cell."""
        width = empty = spaces = 0
        has_values = in_cell = False
        for closing, name, attrs, self_closing in _IN_ROW.findall(cells):
            if name == b"text:s":
                if not closing:
                    spaces += _number(attrs, b"text:c")
                    if spaces > self.limits.max_cell:
                        raise self._long_cell()
            elif closing:
                in_cell = False
            elif in_cell:
                raise _unusual("a table inside a cell")
            else:
                in_cell, spaces = not self_closing, 0
                repeats = _number(attrs, b"table:number-columns-repeated")
                # Any office: attribute (a value or a value type) counts as a value: some
                # with a type and no value are empty to calamine, and counting them is safe.
                if b"office:" in attrs or b"table:formula" in attrs:
                    # Empty cells before this one become part of the row only now.
                    width += empty + repeats
                    empty = 0
                    has_values = True
                    if width > self.limits.max_columns:
                        raise too_many_columns(self.limits, width)
                else:
                    empty += repeats
        return width, has_values

    def _long_cell(self) -> FileRefused:
        return FileRefused(
            _(
                "A cell in the sheet %(sheet)s holds more than %(limit)s characters; Haven "
                "accepts up to %(limit)s in a cell (HAVEN_IMPORT_MAX_CELL)."
            ),
            code="cell_too_long",
            sheet=self.sheet,
            limit=self.limits.max_cell,
        )


def _without_trailing_empty_cells(body: bytes) -> bytes:
    """A row's cells up to the last that may hold a value; calamine drops the rest."""
    end = len(body)
    while body.endswith(b"/>", 0, end):
        start = max(
            body.rfind(b"<table:table-cell", 0, end),
            body.rfind(b"<table:covered-table-cell", 0, end),
        )
        if start == -1 or not _EMPTY_CELL.fullmatch(body, start, end):
            break
        end = start
    return body[:end]


def _attributes(attrs: bytes) -> dict[bytes, bytes]:
    return {name: double or single for name, double, single in _ATTRIBUTE.findall(attrs)}


def _number(attrs: bytes, name: bytes) -> int:
    """A count attribute (a repeat, a number of spaces), 1 when absent."""
    if name not in attrs:
        return 1
    raw = _attributes(attrs).get(name)
    if raw is None:
        return 1
    # calamine unescapes some of these: "&#49;000" is 1000 to it.
    value = _CHARACTER_REFERENCE.sub(_digit, raw).strip()
    if not value.isdigit():
        raise damaged("ODS", f"{name.decode()}={raw[:20].decode(errors='replace')!r}")
    return int(value) if len(value) < 19 else 10**18  # beyond any limit, as it is to calamine


def _digit(reference: re.Match[bytes]) -> bytes:
    code = reference[1]
    number = int(code[1:], 16) if code[:1] == b"x" else int(code)
    return bytes([number]) if 48 <= number <= 57 else b"?"


def ods_records(
    source: Source, sheet: str | None, limits: Limits
) -> tuple[Callable[[], Iterator[list[str]]], list[str], str]:
    """(records, the sheet names, the one read) for an ODS file, or FileRefused."""
    with source.zip("ODS") as archive:
        check_archive(archive, limits, "ODS")
        content = find_member(archive, "content.xml")
        if content is None or content.filename != "content.xml":
            raise damaged("ODS", "content.xml is missing")
        sheets = _Sheets(limits)
        for member in archive.infolist():
            if member is content:
                scan_xml(archive, member, "ODS", sheets.read)
            elif member.filename.lower().endswith((".xml", ".rdf")):
                scan_xml(archive, member, "ODS")
    chosen = choose_sheet(sheets.names, sheet)
    if chosen in sheets.with_formulas:
        raise formulas_refused(chosen)
    return calamine_records(source, chosen, "ODS"), sheets.names, chosen
