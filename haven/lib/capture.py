"""The article in a captured web page: its text and what is known about it.

``extract_article(html, url)`` keeps the report itself — headline, byline, date, the
paragraphs and the photo captions — and drops the page chrome around it: navigation,
donation appeals, newsletter boxes, paywall prompts, "Read more" lists, footers.
Extraction is trafilatura's (https://trafilatura.readthedocs.io); this module adds
the limits and the decoding that hostile pages need, and never touches the network.

Every failure is a ``CaptureError`` with a message a person can act on: the page is
empty, too large, not a web page at all, or has no article text on it. The message is
English, marked for translation, and translated where it is shown: extraction runs in a
child process that has no translations set up (see ``CaptureError``).

The work grows with the page: a news page takes a few hundredths of a second, but a
hostile page near the size limit can hold trafilatura for half a minute or more, so
run extraction off the request path, in a job with a time limit.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
import trafilatura
from django.utils.translation import gettext_noop
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import Document, set_date_params

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

# Below this many characters the precise extraction is suspect (see _extract).
_SHORT_TEXT_CHARS = 500
_BOX_TAGS = ("aside", "div", "form", "li", "ol", "p", "section", "ul")
_PUBLISHER_BOX = re.compile(
    r"donat|subscri|support-?us|contribut|newsletter|sign-?up|read-?(?:more|also)"
    r"|see-?also|promo|ads?-?free|no-?ads|membership",
    re.IGNORECASE,
)
_PUBLISHER_BOX_MAX_CHARS = 2000
# An article has at least this much text outside links: a list of headlines has none.
_MIN_PROSE_CHARS = 100
_LINK_LIST_MAX_CHARS = 3000
# A caption goes next to the paragraph beside its figure, found by the start of its text.
_ANCHOR_CHARS = 80
_LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


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


@dataclass(frozen=True)
class Article:
    """What was read from a page. ``text`` has one paragraph per line."""

    title: str | None
    author: str | None
    date: str | None
    site: str | None
    text: str
    language: str | None


@dataclass
class _Caption:
    words: str
    before: str | None  # the paragraph just before the figure
    after: str | None = None  # and just after it


def extract_article(
    html: str | bytes, url: str | None = None, *, max_bytes: int = MAX_PAGE_BYTES
) -> Article:
    """The article on a web page, without the page's chrome.

    ``html`` is the page as fetched (bytes, decoded by a byte-order mark, else by its
    ``<meta charset>``, else as UTF-8 when valid, else by a guess; bad bytes become
    U+FFFD) or already decoded. ``url`` helps find the site name and date. ``date`` is an
    ISO date (``2024-05-16``); ``language`` is the primary subtag the page declares
    (``en``, ``ru``), or None. A figure's caption is kept, as a line of its own, when a
    paragraph beside the figure is part of the article.

    Raises ``CaptureError`` for an empty page, one over ``max_bytes`` (counted in UTF-8
    for a ``str``), a binary file, and a page on which no article text can be found.
    """
    text = _decode(html, max_bytes)
    if not text.strip():
        raise CaptureError(gettext_noop("The page is empty."))
    if _looks_binary(text):
        raise CaptureError(_NOT_A_WEB_PAGE)
    try:
        tree = trafilatura.load_html(text)
        if tree is None:
            raise CaptureError(
                gettext_noop("No article text could be found: this is not an HTML page.")
            )
        language = _declared_language(tree)
        _drop_publisher_boxes(tree)
        captions = _captions(tree)
        document = _extract(tree, url)
    except CaptureError:
        raise
    except Exception as error:  # a library's bug on a hostile page is still a bad page
        raise CaptureError(
            gettext_noop("No article text could be found: the page could not be read (%(error)s)."),
            {"error": type(error).__name__},
        ) from error
    if document is None or not _reads_as_article(document.text or "", tree):
        raise CaptureError(
            gettext_noop(
                "No article text could be found on this page: it may be an index, a login or "
                "paywall page, or its text may be drawn by scripts."
            )
        )
    return Article(
        title=document.title or None,
        author=document.author or None,
        date=document.date or None,
        site=document.sitename or None,
        text=_with_captions(document.text.strip(), captions),
        language=language,
    )


def _extract(tree: HtmlElement, url: str | None) -> Document | None:
    """trafilatura's precise mode, or its balanced one where the precise one finds little.

    The precise mode lets in the least chrome, but on some pages it keeps only a stray
    notice of the article; the balanced mode recovers those. Where the precise mode finds
    nothing at all there is no article, and the balanced mode would return the chrome.
    Tables are kept: reports put lists of detainees and figures in them (and the
    benchmark loses recall without them).
    """
    precise = _run_trafilatura(tree, url, favor_precision=True)
    if not 0 < _text_length(precise) < _SHORT_TEXT_CHARS:
        return precise
    balanced = _run_trafilatura(tree, url, favor_precision=False)
    return balanced if _text_length(balanced) > _text_length(precise) else precise


def _run_trafilatura(
    tree: HtmlElement, url: str | None, *, favor_precision: bool
) -> Document | None:
    # bare_extraction works on a copy of the tree, so both modes see the same page.
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        favor_precision=favor_precision,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        # Dates from the page's metadata and markup only: a search of its text takes the
        # date in a banner ("Since July 1, 2024, we have disabled all ads") for the story's.
        date_extraction_params=set_date_params(extensive=False),
    )
    return result if isinstance(result, Document) else None


def _text_length(document: Document | None) -> int:
    return len((document.text or "").strip()) if document is not None else 0


def _reads_as_article(text: str, tree: HtmlElement) -> bool:
    """False for a text that is little but the page's links, such as a short list of headlines.

    What remains of a chrome-only page is such a list; a long text is taken as it is,
    which also bounds the work on a page with many links.
    """
    if len(text) >= _LINK_LIST_MAX_CHARS:
        return True
    prose = _words(text)
    for link in tree.iter("a"):
        words = _words(link.text_content())
        if words:
            prose = prose.replace(words, " ", 1)
    return len(_words(prose)) >= _MIN_PROSE_CHARS


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


def _declared_language(tree: HtmlElement) -> str | None:
    candidates = [tree.get("lang"), tree.get("xml:lang")]
    candidates += tree.xpath(
        "//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
        " = 'content-language']/@content"
        " | //meta[@property = 'og:locale']/@content"
    )
    for candidate in candidates:
        match = _LANGUAGE_TAG.match(str(candidate or "").strip())
        if match:
            return match.group(1).lower()
    return None


def _drop_publisher_boxes(tree: HtmlElement) -> None:
    """Remove the publisher's own boxes: donation appeals, newsletter and subscribe prompts.

    trafilatura knows navigation, footers and related links, but misses these when a site
    puts them inside the article's body. A box is known by its class or id, and must be
    short, so that a container of the whole article that happens to carry such a name
    (``subscriber-only``) is not taken for one.
    """
    boxes = [
        element
        for element in tree.iter(*_BOX_TAGS)
        if _PUBLISHER_BOX.search(f"{element.get('class', '')} {element.get('id', '')}")
    ]
    for box in boxes:
        if len(box.text_content()) <= _PUBLISHER_BOX_MAX_CHARS and box.find(".//h1") is None:
            box.drop_tree()


def _captions(tree: HtmlElement) -> list[_Caption]:
    """Each figure's caption, with the paragraphs beside the figure, in one pass.

    trafilatura drops figures with their captions, but a photo's caption says who and
    what it shows: for a record of events it is part of the report.
    """
    captions: list[_Caption] = []
    waiting: list[_Caption] = []  # captions of figures that no paragraph has followed yet
    figures: list[tuple[str | None, list[str]]] = []  # open figures: paragraph before, captions
    last_paragraph: str | None = None
    for event, element in etree.iterwalk(tree, events=("start", "end")):
        if element.tag == "figure":
            if event == "start":
                figures.append((last_paragraph, []))
            else:
                before, words = figures.pop()
                waiting += [_Caption(caption, before) for caption in words]
        elif event == "end" and element.tag == "figcaption" and figures:
            words = _words(element.text_content())
            if words:
                figures[-1][1].append(words)
        elif event == "end" and element.tag == "p" and not figures:
            words = _words(element.text_content())
            if words:
                last_paragraph = words
                for caption in waiting:
                    caption.after = words
                captions += waiting
                waiting = []
    return captions + waiting


def _with_captions(text: str, captions: list[_Caption]) -> str:
    """``text`` with each caption put back before (or after) a paragraph beside its figure.

    A caption whose neighbouring paragraphs are not in the text, such as that of a
    related story's thumbnail, stays out.
    """
    lines = text.splitlines()
    line_of: dict[str, int] = {}
    for index, line in enumerate(lines):
        line_of.setdefault(_words(line)[:_ANCHOR_CHARS], index)
    present = {_words(line) for line in lines}
    before: dict[int, list[str]] = {}
    after: dict[int, list[str]] = {}
    for caption in captions:
        if caption.words in present:
            continue
        if caption.after and caption.after[:_ANCHOR_CHARS] in line_of:
            before.setdefault(line_of[caption.after[:_ANCHOR_CHARS]], []).append(caption.words)
        elif caption.before and caption.before[:_ANCHOR_CHARS] in line_of:
            after.setdefault(line_of[caption.before[:_ANCHOR_CHARS]], []).append(caption.words)
        else:
            continue
        present.add(caption.words)
    captioned: list[str] = []
    for index, line in enumerate(lines):
        captioned += before.get(index, [])
        captioned.append(line)
        captioned += after.get(index, [])
    return "\n".join(captioned)


def _words(text: str) -> str:
    return " ".join(text.split())
