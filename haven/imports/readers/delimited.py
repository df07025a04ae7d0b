"""CSV: the encoding, the delimiter, and the records, decoded strictly.

The whole file is decoded once with the chosen codec before any row is read, in chunks,
so that a bad byte is reported with its line and its offset in the file, and a NUL (no
text file has one) is refused rather than passed on. Rows are then read straight from
the file on each pass, never all held at once.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator

from django.utils.translation import gettext_lazy as _

from .refusals import FileRefused, Limits, not_text
from .source import Source

DELIMITERS = (",", ";", "\t", "|")

_BOMS = [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]
_SNIFF_CHARS = 32 * 1024  # csv.Sniffer's patterns grow slow on long samples
_SNIFF_LINES = 50
# Bytes that text does not contain: C0 controls but tab, line ends and form feed (and
# 1A, the DOS end-of-file mark, which still ends some old exports).
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 26), *range(27, 32)])
_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_HIGH_BYTES = bytes(range(128, 256))
_VALID_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
# A word (letters only) with at least one byte from the upper half; Ёё are A8/B8 in cp1251.
_EIGHT_BIT_WORD = re.compile(
    rb"[A-Za-z\xa8\xb8\xc0-\xff]*[\xa8\xb8\xc0-\xff][A-Za-z\xa8\xb8\xc0-\xff]*"
)
_ASCII_LETTER = re.compile(rb"[A-Za-z]")


def csv_records(
    source: Source,
    head: bytes,
    limits: Limits,
    *,
    encoding: str | None,
    delimiter: str | None,
) -> tuple[Callable[[], Iterator[list[str]]], str, str]:
    """(a function giving a fresh iterator of records, codec, delimiter) for a CSV file."""
    codec, skip = choose_encoding(source, head, encoding)
    text_head = head[skip : skip + _SNIFF_CHARS * 4].decode(codec, errors="replace")
    sample = text_head[: 64 * 1024]
    if len(_CONTROL_CHARS.findall(sample)) > max(8, len(sample) // 100):
        raise not_text()
    if delimiter is None:
        delimiter = sniff_delimiter(text_head, complete=skip + _SNIFF_CHARS * 4 >= source.size)
    elif len(delimiter) != 1 or delimiter in '"\r\n\x00':
        raise FileRefused(
            _("The column separator must be one character, such as , ; | or a tab."),
            code="bad_delimiter",
        )
    # The csv module's cell limit is process-wide; it only ever grows here, and the
    # configured limit is checked on every cell, with a clearer message.
    csv.field_size_limit(max(csv.field_size_limit(), limits.max_cell + 1))
    separator = delimiter

    def records() -> Iterator[list[str]]:
        with source.open() as raw:
            raw.seek(skip)
            text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
            row = 1  # the record being read, counted from the first line
            try:
                for values in csv.reader(text, delimiter=separator):
                    yield [value.strip() for value in values]
                    row += 1
            except csv.Error as exc:
                raise _csv_error(exc, row, limits) from None

    return records, codec, delimiter


def _csv_error(exc: csv.Error, row: int, limits: Limits) -> FileRefused:
    if "field larger than field limit" in str(exc):
        return FileRefused(
            _(
                "A cell in row %(row)s is longer than %(limit)s characters, the most Haven "
                "accepts (HAVEN_IMPORT_MAX_CELL). If no cell should be that long, a quotation "
                "mark is probably left open on that row or before it."
            ),
            code="cell_too_long",
            row=row,
            limit=limits.max_cell,
        )
    return FileRefused(
        _("The CSV file cannot be read at row %(row)s (%(detail)s)."),
        code="damaged",
        row=row,
        detail=str(exc),
    )


def choose_encoding(source: Source, head: bytes, given: str | None) -> tuple[str, int]:
    """(codec, bytes of byte-order mark to skip), after decoding the whole file with it.

    Detection goes: a byte-order mark; UTF-16 without one (NULs in every other byte —
    tried before UTF-8, because ASCII text in UTF-16 is also valid UTF-8, full of NULs);
    strict UTF-8; and for other bytes cp1251 or cp1252, whichever keeps the words in one
    script (``cyrillic_or_latin``). A file that is mostly valid UTF-8 but has a few bad
    bytes is refused with their position, not read as cp1251 mojibake.
    """
    bom = next(((mark, codec) for mark, codec in _BOMS if head.startswith(mark)), None)
    if given:
        codec = _known_codec(given)
        if codec == "utf-8-sig":
            codec = "utf-8"
        elif codec == "utf-16":  # in the file's byte order
            if bom and bom[1].startswith("utf-16"):
                codec = bom[1]
            else:
                codec = utf16_by_nuls(head) or "utf-16-le"
        skip = len(bom[0]) if bom and bom[1] == codec else 0
        _check_decoding(source, codec, skip)
        return codec, skip
    if bom:
        _check_decoding(source, bom[1], len(bom[0]))
        return bom[1], len(bom[0])
    utf16 = utf16_by_nuls(head)
    if utf16:
        _check_decoding(source, utf16, 0)
        return utf16, 0
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > max(8, len(head) // 100):
        raise not_text()
    utf8_error = decoding_error(source, "utf-8", 0)
    if utf8_error is None:
        return "utf-8", 0
    if mostly_utf8(head):
        raise utf8_error
    first = cyrillic_or_latin(head)
    second = "cp1252" if first == "cp1251" else "cp1251"
    error = decoding_error(source, first, 0)
    if error is None:
        return first, 0
    if decoding_error(source, second, 0) is None:
        return second, 0
    raise error


def _known_codec(name: str) -> str:
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with NUL in it
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise FileRefused(
            _("Haven does not know the text encoding %(encoding)s."),
            code="bad_encoding",
            encoding=name[:40].replace("\x00", "\ufffd"),
        )
    return info.name


def utf16_by_nuls(head: bytes) -> str | None:
    """UTF-16 without a byte-order mark: the NUL high bytes of ASCII, on one side only.

    Delimiters, digits, spaces and line ends are ASCII, so even a Russian or Arabic CSV
    has them in more than a tenth of its characters; and a CSV read this way must show a
    line end or a delimiter, which a stray NUL in 8-bit text would not give.
    """
    sample = head[: len(head) - len(head) % 2]
    pairs = len(sample) // 2
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    for codec, nuls, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if nuls >= max(2, pairs / 10) and others <= nuls / 20:
            text = sample.decode(codec, errors="replace")
            if any(mark in text for mark in ("\n", "\r", *DELIMITERS)):
                return codec
    return None


def mostly_utf8(sample: bytes) -> bool:
    """True when most upper-half bytes form UTF-8 sequences: UTF-8 with some bad bytes.

    cp1251 and cp1252 text almost never does: their letters are followed by letters or
    by ASCII, hardly ever by the continuation bytes 80–BF.
    """
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    valid = sum(len(match) for match in _VALID_UTF8_SEQUENCE.findall(sample))
    return high > 0 and valid * 2 >= high


def cyrillic_or_latin(sample: bytes) -> str:
    """cp1251 or cp1252 for 8-bit text: the reading that keeps each word in one script.

    The upper halves of both code pages are nearly all letters, so counting letters
    cannot tell them apart; words can. Read as cp1251, Russian words are all Cyrillic;
    read as cp1252 they turn into runs of accented letters ("Ïðèâåò") without a plain
    ASCII one. French or German words read as cp1252 mix ASCII letters with an accented
    one or two ("café", "Müller", "Straße"); read as cp1251 they would mix Latin and
    Cyrillic ("cafй"). So a word of two or more upper-half letters and nothing else votes
    cp1251, a word with both kinds votes cp1252. A tie goes to cp1251, the likelier code
    page for Haven's users.
    """
    cyrillic = latin = 0
    for word in _EIGHT_BIT_WORD.findall(sample):
        if _ASCII_LETTER.search(word):
            latin += 1
        elif len(word) >= 2:
            cyrillic += 1
    return "cp1252" if latin > cyrillic else "cp1251"


def _check_decoding(source: Source, codec: str, skip: int) -> None:
    error = decoding_error(source, codec, skip)
    if error is not None:
        raise error


def decoding_error(source: Source, codec: str, skip: int) -> FileRefused | None:
    """Decode the whole file in chunks; the first bad byte or NUL, as a refusal."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    fed = skip
    lines = 1
    for chunk, final in _with_last(source.chunks(skip)):
        pending = len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk, final)
        except UnicodeDecodeError as exc:
            before = exc.object[: exc.start].decode(codec, errors="replace")
            return FileRefused(
                _(
                    "The file is not valid %(encoding)s: the bytes on line %(line)s (byte "
                    "%(offset)s of the file) cannot be read. Choose the file's encoding, or "
                    "save it again as CSV in UTF-8."
                ),
                code="bad_encoding",
                encoding=codec.upper(),
                line=lines + before.count("\n"),
                offset=fed - pending + exc.start + 1,
            )
        nul = text.find("\x00")
        if nul != -1:
            return FileRefused(
                _(
                    "The file contains a NUL character on line %(line)s, which text files do "
                    "not have: it is damaged, or it is not a CSV file."
                ),
                code="nul",
                line=lines + text.count("\n", 0, nul),
            )
        lines += text.count("\n")
        fed += len(chunk)
    return None


def _with_last(chunks: Iterator[bytes]) -> Iterator[tuple[bytes, bool]]:
    previous = next(chunks, b"")
    for chunk in chunks:
        yield previous, False
        previous = chunk
    yield previous, True


def sniff_delimiter(text: str, *, complete: bool) -> str:
    """The delimiter csv.Sniffer finds among , ; tab | in the first lines, else a comma."""
    lines = text.splitlines(keepends=True)
    if not complete and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut short
    sample = "".join(lines[:_SNIFF_LINES])[:_SNIFF_CHARS]
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","
