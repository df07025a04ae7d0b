"""The uploaded bytes, and what kind of file they really are.

The kind comes from the bytes, never from the name: a ZIP holding ``xl/workbook.xml``
is XLSX, one whose ``mimetype`` member names an OpenDocument spreadsheet is ODS, and
anything without a known binary signature is text for the CSV reader to decode (which
refuses what is not text). A name that says otherwise is then refused, naming both.
"""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import BinaryIO

from django.utils.translation import gettext_lazy as _

from .refusals import MB, FileRefused, damaged, not_a_spreadsheet

CHUNK = MB
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class Source:
    """The file, in memory or on disk, opened afresh for each pass over it."""

    def __init__(self, source: str | os.PathLike[str] | bytes):
        if isinstance(source, bytes | bytearray | memoryview):
            self.data: bytes | None = bytes(source)
            self.path: str | None = None
            self.size = len(self.data)
        else:
            self.data = None
            self.path = os.fspath(source)
            self.size = os.path.getsize(self.path)

    def open(self) -> BinaryIO:
        return open(self.path, "rb") if self.path is not None else io.BytesIO(self.data or b"")

    def chunks(self, start: int = 0) -> Iterator[bytes]:
        with self.open() as stream:
            stream.seek(start)
            while chunk := stream.read(CHUNK):
                yield chunk

    def head(self, size: int) -> bytes:
        with self.open() as stream:
            return stream.read(size)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()

    def zip(self, format: str = "ZIP") -> zipfile.ZipFile:
        try:
            return zipfile.ZipFile(
                self.path if self.path is not None else io.BytesIO(self.data or b"")
            )
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise damaged(format, str(exc)) from None


_SIGNATURES = [
    (b"%PDF-", _("a PDF document")),
    (b"\x89PNG\r\n\x1a\n", _("a PNG image")),
    (b"\xff\xd8\xff", _("a JPEG image")),
    (b"GIF87a", _("a GIF image")),
    (b"GIF89a", _("a GIF image")),
    (b"MZ", _("a Windows program")),
    (b"\x7fELF", _("a Linux program")),
    (b"\x1f\x8b", _("a gzip archive")),
    (b"Rar!\x1a\x07", _("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", _("a 7-Zip archive")),
    (b"SQLite format 3\x00", _("an SQLite database")),
    (b"{\\rtf", _("an RTF document")),
    (b"PK\x05\x06", _("an empty ZIP archive")),
]
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODF_KINDS = {
    b"application/vnd.oasis.opendocument.text": _("an OpenDocument text document"),
    b"application/vnd.oasis.opendocument.presentation": _("an OpenDocument presentation"),
    b"application/vnd.oasis.opendocument.graphics": _("an OpenDocument drawing"),
}
_KIND_NAMES = {
    "csv": (_("a CSV text file"), ".csv"),
    "xlsx": (_("an Excel workbook (XLSX)"), ".xlsx"),
    "ods": (_("an OpenDocument spreadsheet (ODS)"), ".ods"),
}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".ods": "ods",
}


def kind_of(source: Source, head: bytes) -> str:
    """ "xlsx", "ods" or "csv" (text, to be decoded later), or FileRefused naming the kind."""
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(source)
    if head.startswith(_OLE2):
        # Excel also wraps a password-protected XLSX in this container.
        raise FileRefused(
            _(
                "This is an Excel 97–2003 workbook (.xls), another old Office file, or a "
                "workbook protected by a password. Open it in Excel or LibreOffice and save "
                "it, without a password, as .xlsx, .ods or CSV."
            ),
            code="old_office",
        )
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            raise not_a_spreadsheet(kind)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        raise not_a_spreadsheet(_("a web page (HTML)"))
    if start.startswith(b"<?xml"):
        raise not_a_spreadsheet(_("an XML document"))
    return "csv"


def _zip_kind(source: Source) -> str:
    with source.zip() as archive:
        names = set(archive.namelist())
        if "xl/workbook.xml" in names and "[Content_Types].xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            raise FileRefused(
                _(
                    "This is an Excel binary workbook (.xlsb). Open it in Excel and save it "
                    "as .xlsx or CSV."
                ),
                code="not_spreadsheet",
            )
        if "mimetype" in names:
            with archive.open("mimetype") as member:
                mimetype = member.read(200).strip()
            if mimetype == ODS_MIMETYPE:
                return "ods"
            raise not_a_spreadsheet(_ODF_KINDS.get(mimetype, _("an OpenDocument file")))
        if "word/document.xml" in names:
            raise not_a_spreadsheet(_("a Word document"))
        if "ppt/presentation.xml" in names:
            raise not_a_spreadsheet(_("a PowerPoint presentation"))
    raise not_a_spreadsheet(_("a ZIP archive"))


def check_name(name: str, kind: str) -> None:
    """Refuse a file whose name claims another spreadsheet kind than its bytes.

    Only the extensions of the three formats (and .tsv, .txt …) make a claim; a file
    called "export" or "data.dat" is read for what it is.
    """
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    claimed = _EXTENSIONS.get(PurePosixPath(name).suffix.lower())
    if claimed and claimed != kind:
        label, extension = _KIND_NAMES[kind]
        raise FileRefused(
            _(
                "The file is named %(name)s, but it is %(kind)s. Check that it is the right "
                "file; if it is, rename it to end in %(extension)s and upload it again."
            ),
            code="wrong_name",
            name=name[:100],
            kind=label,
            extension=extension,
        )
