"""A captured page's bytes as text: the size limit, the encoding, and refusing binary files.

A page's encoding is read as a browser reads it: a byte-order mark first, then the
``<meta charset>`` it declares (with the labels browsers read differently), then UTF-8,
and only then a guess from its bytes. A file holding binary data is refused with a
message a person can act on, as every failure here is a ``CaptureError``.
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
from django.utils.translation import gettext_noop

MAX_PAGE_BYTES = 10 * 1024 * 1024

# The HTML standard looks for <meta charset> in the first 1,024 bytes; real pages put
# scripts and comments first often enough that a longer look pays.
_CHARSET_PRESCAN_BYTES = 16 * 1024
_CHARSET_GUESS_BYTES = 64 * 1024
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE
)
# Labels the HTML standard reads differently from Python's codec of the same name.
_CHARSET_ALIASES = {
    # A page whose <meta> could be read as ASCII is not UTF-16 or UTF-32, whatever it says.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "utf-32": "utf-8",
    "x-user-defined": "windows-1252",
    # Browsers decode these as windows-1252, and pages are written for browsers.
    "iso-8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
}
# Python codecs that a page may name but that are no web encoding (UTF-7 also smuggles markup).
_NOT_WEB_ENCODINGS = {
    "idna",
    "punycode",
    "raw-unicode-escape",
    "undefined",
    "unicode-escape",
    "utf-7",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Text holds no control characters but whitespace; a file full of them is binary.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_BINARY_SAMPLE_CHARS = 8192
_BINARY_CONTROL_SHARE = 0.01
_NOT_A_WEB_PAGE = gettext_noop(
    "This file does not look like a web page: it holds binary data "
    "(an image, a PDF, a compressed or damaged file?)."
)


class CaptureError(ValueError):
    """A page that cannot be captured; the message says why, in words for the user.

    ``message`` is the English text as marked for translation and ``params`` its values,
    so that whoever shows it says it in the reader's language
    (``gettext(error.message) % error.params``); ``str(error)`` is the English sentence.
    Both survive the trip back from the extraction process (the exception is pickled).
    """

    def __init__(self, message: str, params: dict[str, str] | None = None):
        super().__init__(message, params or {})
        self.message = message
        self.params = params or {}

    def __str__(self) -> str:
        return self.message % self.params if self.params else self.message


def page_text(html: str | bytes, max_bytes: int = MAX_PAGE_BYTES) -> str:
    """The text of a page given as ``str`` or bytes; ``CaptureError`` for one that is
    empty, over ``max_bytes`` (counted in UTF-8 for a ``str``) or binary."""
    text = _decode(html, max_bytes)
    if not text.strip():
        raise CaptureError(gettext_noop("The page is empty."))
    if _looks_binary(text):
        raise CaptureError(_NOT_A_WEB_PAGE)
    return text


def _decode(html: str | bytes, max_bytes: int) -> str:
    if isinstance(html, str):
        # A str has at least as many UTF-8 bytes as characters: skip encoding a huge one.
        size = len(html) if len(html) > max_bytes else len(html.encode("utf-8", "surrogatepass"))
        _check_size(size, max_bytes)
        return html
    if not isinstance(html, bytes | bytearray | memoryview):
        raise CaptureError(
            gettext_noop("A page must be text or bytes, not %(type)s."),
            {"type": type(html).__name__},
        )
    raw = bytes(html)
    _check_size(len(raw), max_bytes)
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding, errors="replace")
    if b"\x00" in raw[:_BINARY_SAMPLE_CHARS]:
        raise CaptureError(_NOT_A_WEB_PAGE)
    declared = _declared_charset(raw[:_CHARSET_PRESCAN_BYTES])
    if declared:
        return raw.decode(declared, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = charset_normalizer.from_bytes(raw[:_CHARSET_GUESS_BYTES]).best()
    encoding = _text_codec(guess.encoding) if guess is not None else None
    return raw.decode(encoding or "utf-8", errors="replace")


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise CaptureError(
            gettext_noop(
                "The page is too large to capture: %(size)s MB (the limit is %(limit)s MB)."
            ),
            {"size": _megabytes(size), "limit": _megabytes(max_bytes)},
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}"


def _declared_charset(head: bytes) -> str | None:
    match = _META_CHARSET.search(head)
    if not match:
        return None
    label = match.group(1).decode("ascii").lower()
    return _text_codec(_CHARSET_ALIASES.get(label, label))


def _text_codec(label: str) -> str | None:
    """Python's name for a web page's text encoding; None for one no browser would use."""
    try:
        name = codecs.lookup(label).name
        if name in _NOT_WEB_ENCODINGS:
            return None
        # str.encode refuses the codecs that are not text encodings ("rot13", "zlib").
        "".encode(name)
    except (LookupError, UnicodeError):
        return None
    return name


def _looks_binary(text: str) -> bool:
    sample = text[:_BINARY_SAMPLE_CHARS]
    controls = len(_CONTROL_CHARACTERS.findall(sample))
    return controls > _BINARY_CONTROL_SHARE * len(sample)
