"""The article in a captured web page: its text and what is known about it.

``extract_article(html, url)`` keeps the report itself — headline, byline, date and the
paragraphs, with the photo captions apart — and drops the page chrome around it:
navigation, donation appeals, newsletter boxes, paywall prompts, "Read more" and "Most
read" lists, linked headlines of other stories, print-only notices, footers. Extraction
is trafilatura's (https://trafilatura.readthedocs.io); this module drops the publisher's
boxes it misses, joins a body the page splits into blocks (trafilatura reads the first),
adds the limits and the decoding that hostile pages need, and never touches the network.

Every failure is a ``CaptureError`` with a message a person can act on: the page is
empty, too large, not a web page at all, an index or home page rather than an article,
or has no article text on it. The message is
English, marked for translation, and translated where it is shown: extraction runs in a
child process that has no translations set up (see ``CaptureError``).

The work grows with the page: a news page takes a few hundredths of a second, but a
hostile page near the size limit can hold trafilatura for half a minute or more, so
run extraction off the request path, in a job with a time limit.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import re
from dataclasses import dataclass

import trafilatura
from django.utils.translation import gettext_noop
from htmldate import find_date
from lxml import etree
from lxml.html import HtmlElement
from trafilatura import metadata
from trafilatura.settings import Document, set_date_params

from haven.lib.page_text import MAX_PAGE_BYTES, CaptureError, page_text

__all__ = ["MAX_PAGE_BYTES", "Article", "CaptureError", "extract_article"]

_NOT_AN_ARTICLE = gettext_noop(
    "This page is not an article: it lists the headlines of other pages, like a home page "
    "or a section's index. Capture the address of one of its articles instead."
)
_BOX_TAGS = ("aside", "div", "form", "li", "ol", "p", "section", "ul")
_PUBLISHER_BOX = re.compile(
    r"donat|subscri|support-?us|contribut|newsletter|sign-?up|read-?(?:more|also)"
    r"|see-?also|promo|ads?-?free|no-?ads|membership|paywall|regwall"
    r"|most-?(?:read|popular|viewed|shared)|trending|recommend|more-?stories|dont-?miss"
    # What a page shows only on paper (its masthead and copyright notice, hidden on screen)
    # and the toolbar that prints or orders reprints of the story.
    r"|print-?(?:only|header|footer|tools)|reprints?\b|article-?tools",
)  # searched in lower-cased names
# The classes and ids of the elements that may be boxes, in the page's order. Selected in
# lxml's C code and searched as one text: a Python loop over every element is what costs
# on a big page.
_BOX_NAMES = etree.XPath(" | ".join(f"//{tag}/@class | //{tag}/@id" for tag in _BOX_TAGS))
_PUBLISHER_BOX_MAX_CHARS = 2000
# A box holding this share of the page's paragraph text is the article, whatever its name
# ("read-more" is also the class of a short article's folded body).
_ARTICLE_SHARE = 0.5
# A list whose every item is (nearly) all link text is a list of other stories.
_LINK_LIST_MIN_ITEMS = 3
_LINK_SHARE = 0.7
# A paragraph that only points elsewhere: "READ MORE: <a headline>", "DON'T MISS".
_POINTER_LABEL = re.compile(
    r"^\W*(?:(?:read|see|watch) (?:more|also)|also read|related|don'?t miss|most read)\b",
    re.IGNORECASE,
)
_POINTER_MAX_CHARS = 300
_LINK_PARAGRAPH_MAX_CHARS = 1000
# Lists of two items or more, but not in the page's menus or footer: trafilatura leaves
# those out whole, and on most pages they hold most of the lists.
_LISTS = etree.XPath(
    "//ul[li[2]][not(ancestor::nav or ancestor::footer)]"
    " | //ol[li[2]][not(ancestor::nav or ancestor::footer)]"
)
# A block of links and nothing else, such as thumbnails of other stories: a row of <a>.
_LINK_BLOCKS = etree.XPath(
    " | ".join(
        f"//{tag}[a[{_LINK_LIST_MIN_ITEMS}]][count(*) = count(a) + count(br)]"
        for tag in ("div", "section", "aside")
    )
)
_SHORT_PARAGRAPHS = etree.XPath(
    f"//p[string-length(normalize-space(.)) <= {_LINK_PARAGRAPH_MAX_CHARS}]"
)
_LINK_TEXT = etree.XPath(".//a//text()")
# A headline that is a link, or a link around a headline.
_LINKED_HEADINGS = etree.XPath(
    "(.//h2//a | .//h3//a | .//h4//a | .//a//h2 | .//a//h3 | .//a//h4"
    " | self::a[.//h2 or .//h3 or .//h4])[1]"
)
# A line of a paragraph that points elsewhere: a linked headline of a few words, beside
# at most a short label ("[VIDEO]", "Watch:") much shorter than it.
_HEADLINE_MIN_WORDS = 4
_LABEL_MAX_WORDS = 2
_LINK_LINE_SHARE = 0.75
# Classes that name an article's body; a page may split the body into several blocks of
# one such class, with advertisements or a "most popular" rail between them.
_BODY_CLASS = re.compile(
    r"article[-_]*(?:body|content)|story-?body|post-?body|entry-content|body-?text"
)  # searched in lower-cased names
_BLOCK_CLASSES = etree.XPath("//div/@class | //section/@class")
_HEADLINES = ("h1", "h2", "h3")
# The headline may follow a line or two of the page's chrome: a section's name, a kicker.
_HEADLINE_MAX_LINE = 3
_ABOVE_HEADLINE_MAX_CHARS = 100
_TITLE_SUFFIX = re.compile(r"\s+[|–—-]\s+[^|–—-]+$")
# An index or home page: most of the extracted lines are teasers of other pages.
_INDEX_MIN_TEASERS = 5
_INDEX_TEASER_SHARE = 0.5
_HEADINGS = ("h2", "h3", "h4")
# An article has at least this much text outside links: a list of headlines has none.
_MIN_PROSE_CHARS = 100
_LINK_LIST_MAX_CHARS = 3000
# A caption goes next to the paragraph beside its figure, found by the start of its text.
_ANCHOR_CHARS = 80
_OUTER_FIGURES = etree.XPath(
    "//figure[.//figcaption][not(ancestor::figure or ancestor::nav or ancestor::footer)]"
)
# The nearest paragraph with words, outside any figure, on either side.
_PARAGRAPH_BEFORE = etree.XPath("preceding::p[not(ancestor::figure)][normalize-space(.)][1]")
_PARAGRAPH_AFTER = etree.XPath("following::p[not(ancestor::figure)][normalize-space(.)][1]")
_LANGUAGE_METAS = etree.XPath(
    "//meta[translate(@http-equiv, 'CONTENT-LANGUAGE', 'content-language')"
    " = 'content-language']/@content"
    " | //meta[@property = 'og:locale']/@content"
)
_LANGUAGE_TAG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


@dataclass(frozen=True)
class Article:
    """What was read from a page. ``text`` has one paragraph per line."""

    title: str | None
    author: str | None
    date: str | None
    site: str | None
    text: str
    language: str | None
    # The captions of the article's figures, in page order; never part of ``text``.
    captions: tuple[str, ...] = ()


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
    (``en``, ``ru``), or None. The headline is the ``title``, not the text's first line.
    Figure captions are kept apart, in ``captions``, when a paragraph beside the figure
    is part of the article: a related story's thumbnail has a caption too.

    Raises ``CaptureError`` for an empty page, one over ``max_bytes`` (counted in UTF-8
    for a ``str``), a binary file, an index or home page (a list of other pages'
    headlines), and a page on which no article text can be found.
    """
    text = page_text(html, max_bytes)
    try:
        tree = trafilatura.load_html(text)
        if tree is None:
            raise CaptureError(
                gettext_noop("No article text could be found: this is not an HTML page.")
            )
        language = _declared_language(tree)
        headlines = {_words(h1.text_content()).casefold() for h1 in tree.iter("h1")} - {""}
        _join_split_body(tree)
        _drop_publisher_boxes(tree)
        _drop_link_lists(tree)
        captions = _captions(tree)
        document = _run_trafilatura(tree, url)
        body = _without_headline(document, headlines)
        if body and _is_index(body, tree):
            raise CaptureError(_NOT_AN_ARTICLE)
    except CaptureError:
        raise
    except Exception as error:  # a library's bug on a hostile page is still a bad page
        raise CaptureError(
            gettext_noop("No article text could be found: the page could not be read (%(error)s)."),
            {"error": type(error).__name__},
        ) from error
    if document is None or not _reads_as_article(body, tree):
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
        text=body,
        language=language,
        captions=_article_captions(body, captions),
    )


def _run_trafilatura(tree: HtmlElement, url: str | None) -> Document | None:
    """trafilatura's extraction in its balanced mode, with the metadata Haven keeps.

    Its precise mode let in less chrome before the boxes and link lists were dropped
    here; now it only loses text (and takes longer). ``fast`` leaves out the second
    opinion of trafilatura's fallback extractors: on the benchmark's pages they changed
    nothing and cost a fifth of the time. Tables are kept: reports put lists of
    detainees and figures in them (and the benchmark loses recall without them).
    """
    document = _metadata(tree, url)
    result = trafilatura.bare_extraction(
        tree, url=url, fast=True, include_comments=False, include_tables=True
    )
    if not isinstance(result, Document):
        return None
    document.text = result.text
    return document


def _metadata(tree: HtmlElement, url: str | None) -> Document:
    """Title, author, date and site name, by trafilatura's own readers of each.

    ``bare_extraction(with_metadata=True)`` also reads categories, tags and a licence,
    which Haven does not keep: a quarter of the time of a capture went there. The author
    comes from the page's metadata (``<meta name="author">``, Open Graph, JSON-LD) only:
    trafilatura's search of the markup for a byline took a tenth of the time, on the
    pages that name no author in their metadata, and the source falls back to the site.
    """
    document = metadata.examine_meta(tree)
    if document.author and " " not in document.author:
        document.author = None  # a handle or a single word is no byline
    with contextlib.suppress(Exception):  # JSON-LD as pages write it: often broken
        document = metadata.extract_meta_json(tree, document)
    document.title = document.title or metadata.extract_title(tree)
    document.sitename = (document.sitename or metadata.extract_sitename(tree) or "").lstrip("@")
    # Dates from the page's metadata and markup only: a search of its text takes the date
    # in a banner ("Since July 1, 2024, we have disabled all ads") for the story's.
    document.date = find_date(tree, url=document.url or url, **set_date_params(extensive=False))
    return document


def _without_headline(document: Document | None, headlines: set[str]) -> str:
    """The document's text from after its headline, when the headline is among its first
    lines: the headline is the ``title``, and what stands above it is the page's chrome
    (a section's name, a kicker, a box of other stories' headlines) when it is short.

    The headline is the page's ``<h1>`` or its title, the latter also without a trailing
    " | Site name"; letter case aside.
    """
    if document is None:
        return ""
    text = (document.text or "").strip()
    if document.title:
        title = _words(document.title).casefold()
        headlines = headlines | {title, _TITLE_SUFFIX.sub("", title)}
    lines = text.split("\n", _HEADLINE_MAX_LINE)
    for number, line in enumerate(lines[:_HEADLINE_MAX_LINE]):
        if _words(line).casefold() in headlines:
            return "\n".join(lines[number + 1 :]).strip()
        if len(line) > _ABOVE_HEADLINE_MAX_CHARS:
            break
    return text


def _join_split_body(tree: HtmlElement) -> None:
    """Join the blocks of an article's body that the page splits into several, so that
    the whole body is read: trafilatura reads the first block that looks like one.

    The first block on the page is joined by those that follow it with the same element
    and class, up to a block of another kind or a headline between two: on a blog's home
    page or a section's index, each post's body follows its own headline. A block
    inside another is part of it already.
    """
    # in the page's order
    blocks = [name.getparent() for name in _BLOCK_CLASSES(tree) if _BODY_CLASS.search(name.lower())]
    if len(blocks) < 2:
        return
    inside = set(blocks)
    outer = [block for block in blocks if not any(a in inside for a in block.iterancestors())]
    first = outer[0]
    kind = (first.tag, first.get("class"))
    run = list(itertools.takewhile(lambda b: (b.tag, b.get("class")) == kind, outer[1:]))
    if not run:
        return
    # Positions in the page as it was, before any block moves.
    order = {element: number for number, element in enumerate(tree.iter())}
    headlines = [order[heading] for heading in tree.iter(*_HEADLINES)]
    previous = first
    for block in run:
        end = order[previous] + sum(1 for _ in previous.iterdescendants())
        if any(end < headline < order[block] for headline in headlines):
            break
        block.drop_tree()  # its tail stays where it was
        block.tail = None
        first.append(block)
        previous = block


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


def _is_index(text: str, tree: HtmlElement) -> bool:
    """True when most lines of ``text`` are teasers: linked headlines of other pages or
    the summaries under them.

    A home page or a section's index reads, once extracted, as summary, summary ... (or
    headline, summary ...), each from a teaser; an article keeps at most a few such lines
    (a list of related stories is dropped before extraction).
    """
    teasers: set[str] = set()
    found = 0
    for heading in tree.iter(*_HEADINGS):
        if heading.find(".//a") is None and getattr(heading.getparent(), "tag", None) != "a":
            continue
        found += 1
        teasers.add(_words(heading.text_content()))
        teasers.update(_words(p.text_content()) for p in _teaser_paragraphs(heading))
    if found < _INDEX_MIN_TEASERS:
        return False
    lines = [_words(line) for line in text.splitlines() if line.strip()]
    in_teasers = sum(line in teasers for line in lines)
    return in_teasers >= _INDEX_MIN_TEASERS and in_teasers >= _INDEX_TEASER_SHARE * len(lines)


def _teaser_paragraphs(heading: HtmlElement) -> list[HtmlElement]:
    """The paragraphs that go with a linked headline: those of its block when the block
    has no other headline, else those that follow it up to the next headline."""
    block = heading.getparent()
    if block is not None and sum(1 for _ in block.iter(*_HEADINGS)) == 1:
        return list(block.iter("p"))
    paragraphs = []
    for sibling in heading.itersiblings():
        if sibling.tag in _HEADINGS:
            break
        if sibling.tag == "p":
            paragraphs.append(sibling)
    return paragraphs


def _declared_language(tree: HtmlElement) -> str | None:
    """The primary subtag of the language the page declares: ``<html lang>``, else its
    ``<meta>`` (read only then: most pages say it on ``<html>``)."""
    for candidate in (tree.get("lang"), tree.get("xml:lang")):
        if language := _language_subtag(candidate):
            return language
    for candidate in _LANGUAGE_METAS(tree):
        if language := _language_subtag(candidate):
            return language
    return None


def _language_subtag(candidate: str | None) -> str | None:
    match = _LANGUAGE_TAG.match(str(candidate or "").strip())
    return match.group(1).lower() if match else None


def _drop_publisher_boxes(tree: HtmlElement) -> None:
    """Remove the publisher's own boxes: donation appeals, newsletter and subscribe prompts,
    "Most read" and "Don't miss" lists.

    trafilatura knows navigation, footers and related links, but misses these when a site
    puts them inside the article's body. A box is known by its class or id, and must be
    short and hold less than half of the page's paragraph text, so that a container of
    the whole article that happens to carry such a name (``subscriber-only``, or
    ``read-more`` around a short story folded behind a button) is not taken for one.
    """
    page_prose = None
    for box in _named_boxes(tree):
        if box.getparent() is None:  # inside a box dropped already
            continue
        if len(box.text_content()) > _PUBLISHER_BOX_MAX_CHARS or box.find(".//h1") is not None:
            continue
        if page_prose is None:
            page_prose = _paragraph_chars(tree)
        if _paragraph_chars(box) < _ARTICLE_SHARE * page_prose:
            box.drop_tree()


def _named_boxes(tree: HtmlElement) -> list[HtmlElement]:
    """The elements whose class or id names them a publisher's box, in the page's order."""
    names = _BOX_NAMES(tree)
    lowered = [name.lower() for name in names]  # may change a name's length: "İ" is two
    text = "\n".join(lowered)
    ends = list(itertools.accumulate(len(name) + 1 for name in lowered))
    boxes: list[HtmlElement] = []
    for match in _PUBLISHER_BOX.finditer(text):
        element = names[bisect.bisect_right(ends, match.start())].getparent()
        if not boxes or boxes[-1] is not element:
            boxes.append(element)
    return boxes


def _paragraph_chars(element: HtmlElement) -> int:
    """How much text ``element`` holds in paragraphs (``element`` itself included)."""
    return sum(len(_words(p.text_content())) for p in element.iter("p"))


def _drop_link_lists(tree: HtmlElement) -> None:
    """Remove pointers to other stories: lists of three items or more, each a teaser
    (a linked headline, with or without a line under it) or (nearly) all link text --
    "More from the section", thumbnails of the most read stories -- or of two linked
    headlines (the last row of a grid of them); rows of links and nothing else; and short
    paragraphs that only point elsewhere ("READ MORE: <a headline>", "DON'T MISS", a
    linked headline alone or one per line)."""
    for paragraph in _SHORT_PARAGRAPHS(tree):
        text = paragraph.text_content()
        if (_POINTER_LABEL.match(text) and len(_words(text)) <= _POINTER_MAX_CHARS) or (
            paragraph.find(".//a") is not None and _is_link_lines(paragraph)
        ):
            paragraph.drop_tree()
    for element in _LISTS(tree):
        if element.getparent() is not None and _is_teaser_list(list(element.iterchildren("li"))):
            element.drop_tree()
    for element in _LINK_BLOCKS(tree):
        if (
            element.getparent() is not None
            and _is_mostly_links(element)
            and _is_teaser_list(list(element.iterchildren("a")))
        ):
            element.drop_tree()


def _is_teaser_list(items: list[HtmlElement]) -> bool:
    """Two linked headlines or more (a row of a grid of other stories may hold two), or
    three teasers or more."""
    if len(items) < 2:
        return False
    teasers_suffice = len(items) >= _LINK_LIST_MIN_ITEMS
    for item in items:
        if item.tag != "a" and item.find(".//a") is None:
            return False
        if not (teasers_suffice and _is_mostly_links(item)) and not _LINKED_HEADINGS(item):
            return False
    return True


def _is_mostly_links(element: HtmlElement) -> bool:
    """True when (nearly) all of ``element``'s text is the text of its links."""
    text = _letters(element.text_content())
    inside = element.itertext() if element.tag == "a" else _LINK_TEXT(element)
    return _letters("".join(inside)) >= _LINK_SHARE * text


def _letters(text: str) -> int:
    """How long ``text`` is without its whitespace."""
    return len(text) - sum(map(text.count, (" ", "\n", "\t", "\r", "\xa0")))


def _is_link_lines(paragraph: HtmlElement) -> bool:
    """True when each line of ``paragraph`` (lines end at ``<br>``) is a linked headline,
    give or take a short label such as "[VIDEO]": a pointer to another story, or a list
    of them.

    A line is one link of a few words or more, and the line's own words outside it are
    few. A sentence with a link in it has more of its own words; a cited address or a
    list of accounts (``@name, @other``) is not a headline.
    """
    lines: list[_Line] = [_Line()]

    def walk(element: HtmlElement, link: bool) -> None:
        if element.tag == "br":
            lines.append(_Line())
            return
        if not isinstance(element.tag, str):  # a comment or a processing instruction
            return
        if element.tag == "a" and not link:
            link = True
            lines[-1].links += 1
        lines[-1].add(element.text, link)
        for child in element:
            walk(child, link)
            lines[-1].add(child.tail, link)

    walk(paragraph, False)
    lines = [line for line in lines if _words(line.inside + line.outside)]
    return bool(lines) and all(line.is_headline() for line in lines)


@dataclass
class _Line:
    """A line of a paragraph: its characters inside and outside links, and its links."""

    inside: str = ""
    outside: str = ""
    links: int = 0

    def add(self, text: str | None, link: bool) -> None:
        if text:
            if link:
                self.inside += text
            else:
                self.outside += text

    def is_headline(self) -> bool:
        inside, outside = _words(self.inside), _words(self.outside)
        return (
            self.links == 1
            and len(inside.split()) >= _HEADLINE_MIN_WORDS
            and len(outside.split()) <= _LABEL_MAX_WORDS
            and len(inside) >= _LINK_LINE_SHARE * (len(inside) + len(outside))
        )


def _captions(tree: HtmlElement) -> list[_Caption]:
    """Each figure's caption, with the paragraphs just before and after the figure.

    trafilatura drops figures with their captions, but a photo's caption says who and
    what it shows: for a record of events it belongs with the report. A figure inside
    another gives its caption to the outer one's neighbours.
    """
    captions = []
    for figure in _OUTER_FIGURES(tree):
        before = _PARAGRAPH_BEFORE(figure)
        after = _PARAGRAPH_AFTER(figure)
        neighbours = [
            _words(found[0].text_content()) if found else None for found in (before, after)
        ]
        for caption in figure.iter("figcaption"):
            words = _words(caption.text_content())
            if words:
                captions.append(_Caption(words, *neighbours))
    return captions


def _article_captions(text: str, captions: list[_Caption]) -> tuple[str, ...]:
    """The captions of figures beside a paragraph of ``text``, once each.

    A caption whose neighbouring paragraphs are not in the text, such as that of a
    related story's thumbnail, stays out; so does one the text holds already.
    """
    lines = [_words(line) for line in text.splitlines()]
    heads = {line[:_ANCHOR_CHARS] for line in lines}
    kept: list[str] = []
    for caption in captions:
        if caption.words in lines or caption.words in kept:
            continue
        if any(
            neighbour and neighbour[:_ANCHOR_CHARS] in heads
            for neighbour in (caption.after, caption.before)
        ):
            kept.append(caption.words)
    return tuple(kept)


def _words(text: str) -> str:
    return " ".join(text.split())
