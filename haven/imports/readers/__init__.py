"""An uploaded spreadsheet as rows of text, read within limits.

``open_table(source, name=...)`` reads a CSV, XLSX or ODS file and returns a ``Table``:
its column names and, on each call of ``rows()``, a fresh iterator over its data rows,
every cell as stripped text. Whatever Haven cannot read safely raises ``FileRefused``,
whose text says what is wrong and what to do about it.

The file is hostile until read (each step in its module):
- ``source``: the kind comes from the bytes, never the name; a PDF, a picture, an old
  .xls is refused by name, and so is a file whose name claims another format;
- ``delimited``: a CSV is decoded strictly, all of it, before a row is read; a bad byte
  is reported by line and offset, a NUL refused;
- ``archive``, ``xlsx``, ``ods``: a workbook's ZIP is checked (size unpacked, ratio,
  CRC) and its XML scanned in chunks (no DTDs, no formulas in the sheet read, a grid
  that fits in memory) before python-calamine parses it.

python-calamine is a Rust reader for XLSX and ODS alike; it evaluates no formulas and
runs no macros. It builds a sheet as one dense grid, and a grid it cannot allocate
aborts the whole process — two cells, at A1 and at XFD1048576, in a 5 KB file ask for
550 GB — which is why the grid is measured from the XML first.

``open_table`` reads the whole file once to check every limit and count the rows; each
``rows()`` reads it again (for a CSV straight from the file, never all rows at once).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

from django.utils.translation import gettext_lazy as _

from .delimited import DELIMITERS, csv_records
from .ods import ods_records
from .refusals import MB, FileRefused, Limits, cell_too_long, too_many_columns, too_many_rows
from .source import Source, check_name, kind_of
from .xlsx import xlsx_records

__all__ = ["DELIMITERS", "ENCODINGS", "FORMATS", "FileRefused", "Limits", "Table", "open_table"]

FORMATS = ("csv", "xlsx", "ods")
# The encodings to offer for a CSV (detection returns one of these); any other text
# encoding Python knows is accepted as an override too.
ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "cp1251", "cp1252")
_HEAD = MB  # the bytes that decide the kind and, for 8-bit text, the code page


class Table:
    """A file's header and rows, as text. Made by ``open_table``.

    - ``format``: "csv", "xlsx" or "ods"; ``sha256``: hex digest of the file's bytes.
    - ``encoding``, ``delimiter``: as detected or given (CSV only, else None).
    - ``sheets``: the worksheet names ([] for CSV); ``sheet``: the one read.
    - ``columns``: the header cells, stripped; a blank one is "Column N", a repeated one
      gains " (2)", " (3)"; cells beyond the header in some row get columns named like
      blank ones, so nothing is dropped.
    - ``rows()``: a fresh iterator of data rows, each a list of exactly
      ``len(columns)`` strings. Blank rows are kept (as empty strings) so that the row
      at position i (from 0) is row ``first_row + i`` of the spreadsheet as its owner
      sees it. ``first_row`` is 2 unless blank rows come before the header.
    - ``row_count``: the number of data rows, blank ones included.
    """

    def __init__(
        self,
        *,
        format: str,
        sha256: str,
        records: Callable[[], Iterator[list[str]]],
        encoding: str | None = None,
        delimiter: str | None = None,
        sheets: list[str] | None = None,
        sheet: str | None = None,
    ):
        self.format = format
        self.sha256 = sha256
        self.encoding = encoding
        self.delimiter = delimiter
        self.sheets = sheets or []
        self.sheet = sheet
        self.columns: list[str] = []
        self.row_count = 0
        self.first_row = 2
        self._records = records

    def rows(self) -> Iterator[list[str]]:
        width = len(self.columns)
        records = self._records()
        for _record in range(self.first_row - 1):  # blank rows, then the header
            next(records, None)
        for cells in records:
            if len(cells) < width:
                cells.extend([""] * (width - len(cells)))
            yield cells[:width] if len(cells) > width else cells

    def __repr__(self) -> str:
        return f"<Table {self.format}: {len(self.columns)} columns, {self.row_count} rows>"


def open_table(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str = "",
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    limits: Limits | None = None,
) -> Table:
    """Read ``source`` (a path, or the file's bytes) as a spreadsheet, or refuse it.

    ``name`` is the uploaded file's name, used only to catch a file that lies about its
    type. ``encoding`` and ``delimiter`` override detection for a CSV; ``sheet`` picks
    a workbook's sheet by name (the first worksheet by default). ``limits`` defaults to
    the HAVEN_IMPORT_* settings.
    """
    limits = limits or Limits()
    file = Source(source)
    if file.size == 0:
        raise FileRefused(_("The file is empty."), code="empty")
    if file.size > limits.max_bytes:
        raise FileRefused(
            _(
                "The file is %(size)s MB; Haven imports files of up to %(limit)s MB "
                "(HAVEN_IMPORT_MAX_MB). Split it into smaller files."
            ),
            code="too_large",
            size=-(-file.size // MB),
            limit=limits.max_bytes // MB,
        )
    digest = file.sha256()
    head = file.head(_HEAD)
    kind = kind_of(file, head)
    check_name(name, kind)
    if kind == "csv":
        records, codec, separator = csv_records(
            file, head, limits, encoding=encoding, delimiter=delimiter
        )
        table = Table(
            format=kind, sha256=digest, records=records, encoding=codec, delimiter=separator
        )
    else:
        read = xlsx_records if kind == "xlsx" else ods_records
        records, sheets, chosen = read(file, sheet, limits)
        table = Table(format=kind, sha256=digest, records=records, sheets=sheets, sheet=chosen)
    _survey(table, limits)
    return table


def _survey(table: Table, limits: Limits) -> None:
    """Read every row once: find the header, name the columns, count rows, check limits."""
    records = table._records()
    header: list[str] | None = None
    blank = 0
    for cells in records:
        if any(cells):
            header = cells
            break
        blank += 1
    if header is None:
        raise FileRefused(_("The file has no rows with data."), code="empty")
    row = blank + 1
    csv = table.format == "csv"
    _check_cells(header, row, limits, csv)
    width = len(header)
    count = 0
    for cells in records:
        row += 1
        count += 1
        if count > limits.max_rows:
            raise too_many_rows(limits)
        if len(cells) > width:
            width = len(cells)
        _check_cells(cells, row, limits, csv)
    table.columns = column_names(header, width)
    table.row_count = count
    table.first_row = blank + 2


def _check_cells(cells: list[str], row: int, limits: Limits, csv: bool) -> None:
    if len(cells) > limits.max_columns:
        raise too_many_columns(limits, len(cells))
    if cells and max(map(len, cells)) > limits.max_cell:
        column = next(i for i, cell in enumerate(cells, 1) if len(cell) > limits.max_cell)
        cell = cells[column - 1]
        raise cell_too_long(
            limits, row=row, column=column, length=len(cell), open_quote=csv and "\n" in cell
        )


def column_names(header: list[str], width: int) -> list[str]:
    """Unique names for ``width`` columns: the header's, "Column N" for blanks, "x (2)"."""
    # Not translated: an import's mapping refers to columns by these names.
    names: list[str] = []
    seen: set[str] = set()
    for number in range(1, width + 1):
        base = (header[number - 1] if number <= len(header) else "") or f"Column {number}"
        name, copy = base, 1
        while name in seen:
            copy += 1
            name = f"{base} ({copy})"
        seen.add(name)
        names.append(name)
    return names
