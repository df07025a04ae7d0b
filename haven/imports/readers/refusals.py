"""Why a file is refused, and the limits it is measured against."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

MB = 1024 * 1024


class FileRefused(ValueError):
    """A file Haven will not import; ``str(error)`` says why, in the active language.

    ``message`` is the lazily translated text with ``%(name)s`` placeholders and
    ``params`` its values, so the error renders in whatever language is active when it
    is shown (a job may run in another); whole numbers are grouped as that language
    groups them (1,000 / 1 000). ``code`` names the kind of refusal, for code and tests.
    """

    def __init__(self, message: Any, *, code: str = "refused", **params: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.params = params

    def __str__(self) -> str:
        if not self.params:
            return str(self.message)
        values = {
            key: number_format(value, force_grouping=True)
            if isinstance(value, int) and not isinstance(value, bool)
            else str(value)
            for key, value in self.params.items()
        }
        return str(self.message) % values


def _setting(name: str) -> Callable[[], int]:
    return lambda: getattr(settings, name)


@dataclass(frozen=True)
class Limits:
    """How much of a file Haven reads; each default is a HAVEN_IMPORT_* setting.

    ``max_sheet_cells`` bounds rows × columns of a workbook sheet: the reader holds a
    sheet in memory as a full grid, about 32 bytes a cell, empty or not.
    """

    max_bytes: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_BYTES"))
    max_rows: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_ROWS"))
    max_columns: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_COLUMNS"))
    max_cell: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_CELL"))
    max_unpacked: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_UNPACKED"))
    max_sheet_cells: int = field(default_factory=_setting("HAVEN_IMPORT_MAX_SHEET_CELLS"))
    # Apache POI refuses a ZIP member that unpacks to more than 100 times its packed
    # size; real sheets stay well under 30.
    max_ratio: int = 100


def not_a_spreadsheet(kind: Any) -> FileRefused:
    return FileRefused(
        _("This file is %(kind)s, not a spreadsheet. Upload a CSV, XLSX or ODS file."),
        code="not_spreadsheet",
        kind=kind,
    )


def not_text() -> FileRefused:
    return FileRefused(
        _("This file is not text, so it cannot be read as CSV. Upload a CSV, XLSX or ODS file."),
        code="not_text",
    )


def damaged(format: str, detail: str = "") -> FileRefused:
    if detail:
        return FileRefused(
            _("The %(format)s file is damaged and cannot be read (%(detail)s)."),
            code="damaged",
            format=format,
            detail=detail[:200],
        )
    return FileRefused(
        _("The %(format)s file is damaged and cannot be read."), code="damaged", format=format
    )


def too_many_rows(limits: Limits) -> FileRefused:
    return FileRefused(
        _(
            "The file has more than %(limit)s rows; Haven imports up to %(limit)s at once "
            "(HAVEN_IMPORT_MAX_ROWS). Split it into smaller files."
        ),
        code="too_many_rows",
        limit=limits.max_rows,
    )


def too_many_columns(limits: Limits, count: int) -> FileRefused:
    return FileRefused(
        _(
            "The file has %(count)s columns; Haven reads up to %(limit)s "
            "(HAVEN_IMPORT_MAX_COLUMNS). Remove the columns you do not need."
        ),
        code="too_many_columns",
        count=count,
        limit=limits.max_columns,
    )


def cell_too_long(
    limits: Limits, *, row: int, column: int, length: int, open_quote: bool = False
) -> FileRefused:
    if open_quote:
        # A CSV cell that runs over several lines is most often a quotation mark that was
        # opened and never closed, which turns the rest of the file into one cell.
        message = _(
            "The cell in row %(row)s, column %(column)s holds %(length)s characters; Haven "
            "accepts up to %(limit)s in a cell (HAVEN_IMPORT_MAX_CELL). If no cell should be "
            "that long, a quotation mark is probably left open in that cell."
        )
    else:
        message = _(
            "The cell in row %(row)s, column %(column)s holds %(length)s characters; "
            "Haven accepts up to %(limit)s in a cell (HAVEN_IMPORT_MAX_CELL)."
        )
    return FileRefused(
        message,
        code="cell_too_long",
        row=row,
        column=column,
        length=length,
        limit=limits.max_cell,
    )
