"""What XLSX and ODS share: the ZIP checks, the XML scan, and reading with calamine.

Before python-calamine sees a workbook, the ZIP's directory is checked (members, what
they unpack to, their compression ratio, encryption, names given twice) and every XML
member is read through once, in chunks, by expat: zipfile stops at a member's stated
size and checks its CRC, so a member that lies about its size is refused here, and so is
XML that is not well-formed or has a document type declaration (the way to entity
expansion, "billion laughs").
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any
from xml.parsers import expat

import python_calamine
from django.utils.translation import gettext_lazy as _

from .refusals import MB, FileRefused, Limits, damaged, too_many_columns, too_many_rows
from .source import CHUNK, Source

_MAX_MEMBERS = 10_000
_RATIO_FLOOR = MB  # smaller members may compress as well as they like
_MAX_TAG = 4 * MB  # an XML tag longer than this is refused rather than buffered


def check_archive(archive: zipfile.ZipFile, limits: Limits, format: str) -> None:
    """Members, unpacked size, compression ratio, encryption: from the ZIP's directory."""
    members = archive.infolist()
    if len(members) > _MAX_MEMBERS:
        raise FileRefused(
            _("The file holds %(count)s parts, far more than a spreadsheet has."),
            code="zip_bomb",
            count=len(members),
        )
    # With two members of one name (in any case), calamine might read one and this
    # module scan the other.
    if len({member.filename.lower() for member in members}) != len(members):
        raise damaged(format, "two parts have the same name")
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.max_unpacked:
        raise FileRefused(
            _(
                "The file unpacks to %(size)s MB, more than the %(limit)s MB Haven unpacks "
                "(HAVEN_IMPORT_MAX_UNPACKED_MB). Save the sheet you need as CSV, or split "
                "the workbook."
            ),
            code="too_large",
            size=-(-unpacked // MB),
            limit=limits.max_unpacked // MB,
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise FileRefused(
                _(
                    "The workbook is protected by a password. Save a copy without the "
                    "password and upload that."
                ),
                code="encrypted",
            )
        if (
            member.file_size > _RATIO_FLOOR
            and member.file_size > member.compress_size * limits.max_ratio
        ):
            raise FileRefused(
                _(
                    "A part of the file (%(member)s) unpacks to %(ratio)s times its packed "
                    "size, which is what a “zip bomb” looks like; Haven does not open it."
                ),
                code="zip_bomb",
                member=member.filename[:100],
                ratio=member.file_size // max(member.compress_size, 1),
            )


def find_member(archive: zipfile.ZipFile, path: str) -> zipfile.ZipInfo | None:
    """The member calamine opens for ``path``: the one whose name matches, in any case."""
    for info in archive.infolist():
        if info.filename.lower() == path.lower():
            return info
    return None


def read_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, format: str) -> Iterator[bytes]:
    """A member's bytes in chunks; zipfile stops at its stated size and checks its CRC."""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk
    except Exception as exc:  # BadZipFile (a bad CRC), zlib.error, an unknown method …
        raise damaged(format, str(exc)) from None


def doctype_refused(member: str) -> FileRefused:
    return FileRefused(
        _(
            "The file contains an XML document type declaration (in %(member)s). "
            "Spreadsheets never need one and attacks use it, so Haven does not open the file."
        ),
        code="doctype",
        member=member[:100],
    )


def xml_parser(member: str) -> Any:
    """An expat parser without namespaces (names as written, as calamine matches them)
    that refuses document type declarations, and with them entity definitions."""
    parser = expat.ParserCreate()

    def refuse(*_args: Any) -> None:
        raise doctype_refused(member)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


# A whole tag, comment, CDATA section or processing instruction, quotes and all: "<"
# cannot appear in an attribute's value, but ">" can.
_MARKUP = re.compile(
    rb"""<(?:/?[\w:.-]+(?:\s+[\w:.-]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*/?>"""
    rb"|!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>)",
    re.DOTALL,
)


def scan_xml(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    format: str,
    markup: Callable[[bytes], None] | None = None,
) -> None:
    """Read one XML member through expat, refusing a DTD or bad XML; pass ``markup``
    the bytes in pieces that end on a whole tag, for patterns to count.

    expat (with no handlers for elements, so at C speed) proves the XML well-formed,
    which is what lets patterns trust a "<" to start a tag. NUL bytes are refused: they
    mean UTF-16 or UTF-32, which byte patterns cannot read.
    """
    parser = xml_parser(member.filename)
    carry = b""
    for chunk in read_member(archive, member, format):
        if b"\x00" in chunk:
            raise damaged(format, f"{member.filename} is not UTF-8")
        try:
            parser.Parse(chunk, False)
        except expat.ExpatError as exc:
            raise damaged(format, f"{member.filename}: {exc}") from None
        if markup is None:
            continue
        work = carry + chunk
        cut = _last_whole_markup(work)
        work, carry = work[:cut], work[cut:]
        if len(carry) > _MAX_TAG:
            raise damaged(format, f"{member.filename}: a tag longer than 4 MB")
        markup(work)
    try:
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise damaged(format, f"{member.filename}: {exc}") from None
    if markup is not None and carry:
        markup(carry)


def _last_whole_markup(work: bytes) -> int:
    """Where to cut ``work`` so that no tag is split: after its last whole markup."""
    lt = work.rfind(b"<")
    if lt == -1:
        return len(work)
    # After the last whole markup comes only text, which no pattern looks at.
    return len(work) if _MARKUP.match(work, lt) else lt


def parse_xml(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    format: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
) -> None:
    """Parse a small XML member with element handlers (slow per element, fine for a few)."""
    parser = xml_parser(member.filename)
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    try:
        for chunk in read_member(archive, member, format):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise damaged(format, f"{member.filename}: {exc}") from None


def formulas_refused(sheet: str) -> FileRefused:
    return FileRefused(
        _(
            "The sheet %(sheet)s contains formulas. Haven imports values only: save a copy "
            "with values only (copy the cells, then Paste Special › Values) or save the sheet "
            "as CSV, and upload that."
        ),
        code="formulas",
        sheet=sheet,
    )


def check_extent(sheet: str, rows: int, columns: int, limits: Limits) -> None:
    """Refuse a sheet whose grid would be too wide, too long, or too big to hold."""
    if columns > limits.max_columns:
        raise too_many_columns(limits, columns)
    if rows - 1 > limits.max_rows:
        raise too_many_rows(limits)
    if rows * columns > limits.max_sheet_cells:
        raise FileRefused(
            _(
                "The sheet %(sheet)s spans %(rows)s rows by %(columns)s columns, more than "
                "the %(limit)s cells Haven reads at once (HAVEN_IMPORT_MAX_SHEET_CELLS). "
                "Delete the empty rows and columns around the data, or split the sheet."
            ),
            code="too_many_cells",
            sheet=sheet,
            rows=rows,
            columns=columns,
            limit=limits.max_sheet_cells,
        )


def choose_sheet(names: list[str], sheet: str | None) -> str:
    if not names:
        raise FileRefused(_("The workbook has no sheets."), code="empty")
    if sheet is None:
        return names[0]
    if sheet not in names:
        raise FileRefused(
            _("The workbook has no sheet named %(sheet)s. Its sheets are: %(sheets)s."),
            code="no_sheet",
            sheet=sheet,
            sheets=", ".join(names),
        )
    return sheet


def calamine_records(source: Source, sheet: str, format: str) -> Callable[[], Iterator[list[str]]]:
    """The sheet's rows as text, from the first row of the sheet (blank ones included)."""
    try:
        readable = source.path if source.path is not None else io.BytesIO(source.data or b"")
        with python_calamine.CalamineWorkbook.from_object(readable) as workbook:
            grid = workbook.get_sheet_by_name(sheet)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # CalamineError, ValueError … or a Rust panic (not Exception)
        raise damaged(format, str(exc)) from None

    def records() -> Iterator[list[str]]:
        for values in grid.iter_rows():
            yield [_AS_TEXT.get(type(value), _other_text)(value) for value in values]

    return records


def _datetime_text(value: datetime.datetime) -> str:
    if not (value.hour or value.minute or value.second or value.microsecond):
        return value.date().isoformat()
    return value.isoformat(" ", timespec="seconds" if value.second else "minutes")


def _time_text(value: datetime.time) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _duration_text(value: datetime.timedelta) -> str:
    seconds = int(value.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _other_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# A cell's value as text, by its type: one lookup per cell, as a sheet has millions.
_AS_TEXT: dict[type, Callable[[Any], str]] = {
    str: str.strip,
    # The 15 significant digits Excel keeps; a whole number comes without ".0".
    float: "%.15g".__mod__,
    int: str,
    bool: lambda value: "true" if value else "false",
    datetime.datetime: _datetime_text,
    datetime.date: datetime.date.isoformat,
    datetime.time: _time_text,
    datetime.timedelta: _duration_text,
}
