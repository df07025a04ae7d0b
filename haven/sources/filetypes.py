"""What kind of file an upload really is, judged by its first bytes, not its name.

A file whose name and content disagree (a "report.pdf" that is HTML) is refused;
so is anything that is not a document, picture, recording or saved page.
Accepted files are never opened, unpacked or served inline by Haven.
"""

from __future__ import annotations

import mimetypes

import filetype
from django.utils.translation import gettext as _

ALLOWED = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/tiff",
    "image/heic",
    "image/svg+xml",
    "application/pdf",
    "text/plain",
    "text/html",
    "text/csv",
    "audio/mpeg",
    "audio/ogg",
    "audio/mp4",
    "audio/x-wav",
    "audio/wav",
    "audio/x-m4a",
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/x-matroska",
    "application/zip",
    "application/gzip",
    "message/rfc822",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.oasis.opendocument.text",
    "application/msword",
}
# Names and contents that may legitimately disagree in their labels.
_SAME = [
    {"text/plain", "text/csv", "text/markdown", "application/json"},
    {"text/html", "application/xhtml+xml"},
    {
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text",
    },
    {"audio/x-wav", "audio/wav"},
    {"audio/mp4", "audio/x-m4a", "video/mp4"},
    {"application/gzip", "application/x-gzip"},
]


def _sniff_text(head: bytes) -> str | None:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in text):
        return "image/svg+xml"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "text/html"
    try:
        decoded = head.decode("utf-8")
    except UnicodeDecodeError:
        # The first bytes may end inside a multi-byte character.
        try:
            decoded = head[:-3].decode("utf-8")
        except UnicodeDecodeError:
            return None
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in decoded)
    return "text/plain" if decoded and printable / len(decoded) > 0.95 else None


def detect(head: bytes) -> str | None:
    if not head:
        return "text/plain"
    return filetype.guess_mime(bytes(head)) or _sniff_text(bytes(head))


def declared(name: str) -> str | None:
    return mimetypes.guess_type(name, strict=False)[0]


def _same(a: str, b: str) -> bool:
    return a == b or any(a in group and b in group for group in _SAME)


def check(name: str, head: bytes) -> tuple[str, str | None]:
    """(detected type, None) for an acceptable file, or (type, the reason it is refused)."""
    found = detect(head)
    if found is None:
        return "application/octet-stream", _(
            "Haven cannot tell what kind of file this is, so it does not accept it. "
            "Documents, pictures, recordings and saved web pages are accepted."
        )
    if found not in ALLOWED:
        return found, _("Files of type %(type)s are not accepted.") % {"type": found}
    claimed = declared(name)
    if claimed and not _same(claimed, found):
        return found, _(
            "The file's name says %(claimed)s but its content is %(found)s. "
            "Check that it is the right file; rename it if it is."
        ) % {"claimed": claimed, "found": found}
    return found, None


def safe_name(name: str) -> str:
    """The last part of a path, without control characters: "../../x.pdf" is "x.pdf"."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip().lstrip(".")
    return base[:200] or "file"
