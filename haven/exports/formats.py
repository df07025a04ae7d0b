"""The three file formats of an export, each written a piece at a time in memory.

Every writer takes the column headers, the rows (lists of cells: text, numbers,
dates or ``None``) and the lines that describe the export (``About``), and yields
bytes; nothing goes through a temporary file, so nothing readable is left on disk.

- **CSV**: UTF-8 with a byte-order mark (so Excel reads Cyrillic), streamed as the
  rows come. It has no place for a description, so it ends with an empty line and
  the ``About`` lines, each starting with ``#`` (``pandas.read_csv(comment="#")``
  and R's ``read.csv(comment.char="#")`` skip them).
- **XLSX**: written with XlsxWriter, every cell by its type (``write_string``,
  ``write_number``, ``write_datetime``), never ``write()``, which guesses and may
  make a formula of a text; a second sheet holds the ``About`` lines. XlsxWriter
  builds the workbook whole, in memory (``in_memory``: its ``constant_memory`` mode
  would need temporary files), so an XLSX export has a row limit
  (``HAVEN_EXPORT_XLSX_MAX_ROWS``); CSV and JSON have none.
- **JSON**: one object, ``{"about": …, "rows": [{key: value}, …], "totals": …}``,
  streamed row by row.

Spreadsheet safety: a text starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some programs skip before them) would run as a formula when
a CSV is opened in Excel or LibreOffice ("CSV injection"). In a CSV such a cell
gets a leading apostrophe, which both programs read as "this is text"; in an XLSX
the text is stored as text with Excel's quote-prefix mark, so it also stays text
when someone edits the cell. Nothing else is changed.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time

import xlsxwriter
from django.utils import timezone
from django.utils.translation import gettext_lazy

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# An XLSX cell holds at most this many characters (Excel's limit).
XLSX_CELL_LIMIT = 32_767
# Bytes gathered before a piece is sent: large enough to keep the overhead down,
# small enough that the download starts at once.
PIECE = 64 * 1024

# (label, value) lines describing an export: what, when, by whom, which filters.
About = list[tuple[str, str]]


@dataclass(frozen=True)
class Format:
    name: str
    label: object
    extension: str
    content_type: str
    streams: bool  # written as the rows come (else built whole, then sent)


FORMATS = {
    "csv": Format("csv", gettext_lazy("CSV (any spreadsheet)"), "csv", "text/csv", True),
    "xlsx": Format(
        "xlsx",
        gettext_lazy("Excel workbook (XLSX)"),
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        False,
    ),
    "json": Format("json", gettext_lazy("JSON (for programs)"), "json", "application/json", True),
}


class TooManyRows(ValueError):
    """More rows than an XLSX export holds."""


def may_run_as_formula(text: str) -> bool:
    """Would a spreadsheet read ``text`` as a formula (its first character, or its first
    after spaces, is one that starts one)?"""
    return text.startswith(FORMULA_STARTS) or text.lstrip(" ").startswith(FORMULA_STARTS)


def formula_safe(text: str) -> str:
    """``text`` as a CSV cell that is shown, never run: an apostrophe before a text
    that would start a formula."""
    return "'" + text if may_run_as_formula(text) else text


def _plain(value) -> str | int | float:
    """A cell as CSV and JSON write it: dates in ISO 8601, anything else as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _pieces(parts: Iterable[bytes]) -> Iterator[bytes]:
    """``parts`` joined into pieces of about ``PIECE`` bytes."""
    buffer: list[bytes] = []
    size = 0
    for part in parts:
        buffer.append(part)
        size += len(part)
        if size >= PIECE:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


# --- CSV ------------------------------------------------------------------------------------


def _csv_line(cells: Iterable) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return out.getvalue().encode("utf-8")


def _csv_cell(value) -> str | int | float:
    value = _plain(value)
    return formula_safe(value) if isinstance(value, str) else value


def write_csv(
    headers: list[str], rows: Iterable[list], about: Callable[[], About]
) -> Iterator[bytes]:
    def parts():
        yield "\ufeff".encode()
        yield _csv_line(formula_safe(header) for header in headers)
        for row in rows:
            yield _csv_line(_csv_cell(cell) for cell in row)
        yield b"\r\n"
        for label, value in about():
            # The label is Haven's own words (never a comma or a quote); the value may
            # be anything, so it is a cell like any other.
            yield _csv_line([f"# {label}", formula_safe(value)])

    return _pieces(parts())


# --- JSON -----------------------------------------------------------------------------------


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, default=_plain).encode("utf-8")


def write_json(
    head: dict,
    keys: list[str],
    rows: Iterable[list],
    totals: Callable[[], dict],
) -> Iterator[bytes]:
    def parts():
        yield b'{"about": ' + _json(head) + b',\n"rows": ['
        separator = b"\n"
        for row in rows:
            yield separator + _json(
                {key: _plain_json(cell) for key, cell in zip(keys, row, strict=True)}
            )
            separator = b",\n"
        yield b'\n],\n"totals": ' + _json(totals()) + b"}\n"

    return _pieces(parts())


def _plain_json(value):
    return None if value is None else _plain(value)


# --- XLSX -----------------------------------------------------------------------------------

_SHEET_NAME_FORBIDDEN = str.maketrans({ch: " " for ch in "[]:*?/\\"})


def _sheet_name(text: str) -> str:
    return str(text).translate(_SHEET_NAME_FORBIDDEN).strip("'")[:31] or "Rows"


class _Cells:
    """Writes each cell by its type, never as a formula."""

    def __init__(self, workbook):
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})
        self.moment = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        # Shown as it is, and kept as text when someone edits the cell.
        self.text = workbook.add_format({"quote_prefix": True})
        self.cut = 0  # texts longer than a cell holds

    def write(self, sheet, row: int, column: int, value) -> None:
        if value is None or value == "":
            return
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, int | float):
            sheet.write_number(row, column, value)
        elif isinstance(value, datetime):
            moment = timezone.localtime(value).replace(tzinfo=None)
            sheet.write_datetime(row, column, moment, self.moment)
        elif isinstance(value, date):
            sheet.write_datetime(row, column, datetime.combine(value, time()), self.date)
        else:
            text = str(value)
            if len(text) > XLSX_CELL_LIMIT:
                text = text[: XLSX_CELL_LIMIT - 1] + "…"
                self.cut += 1
            quoted = self.text if may_run_as_formula(text) else None
            sheet.write_string(row, column, text, quoted)


def write_xlsx(
    title: str,
    headers: list[str],
    rows: Iterable[list],
    about: Callable[[int], About],
    *,
    about_title: str,
    max_rows: int,
) -> bytes:
    """The workbook's bytes. ``about(cut)`` is called after the rows, with how many
    texts were cut to fit a cell. Raises ``TooManyRows`` past ``max_rows``."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    cells = _Cells(workbook)
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(_sheet_name(title))
    for column, header in enumerate(headers):
        sheet.write_string(0, column, header, bold)
    widths = [min(max(len(header), 10), 40) for header in headers]
    count = 0
    for count, row in enumerate(rows, start=1):
        if count > max_rows:
            workbook.close()
            raise TooManyRows(max_rows)
        for column, value in enumerate(row):
            cells.write(sheet, count, column, value)
            if value is not None and count <= 100:
                widths[column] = min(max(widths[column], len(str(value))), 40)
    for column, width in enumerate(widths):
        sheet.set_column(column, column, width + 1)
    sheet.freeze_panes(1, 0)
    if headers:
        sheet.autofilter(0, 0, count, len(headers) - 1)
    described = workbook.add_worksheet(_sheet_name(about_title))
    lines = about(cells.cut)
    described.set_column(0, 0, 24)
    described.set_column(1, 1, 100)
    for index, (label, value) in enumerate(lines):
        described.write_string(index, 0, label, bold)
        cells.write(described, index, 1, value)
    workbook.close()
    return buffer.getvalue()
