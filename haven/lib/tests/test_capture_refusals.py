"""Capture refuses what is not an article, with a message that says why.

Empty, oversized, binary and plain-text input; pages with only chrome or only links;
the wrong type; and a failure inside the extraction library, which becomes a
``CaptureError`` (a ``ValueError``) rather than a crash.
"""

from __future__ import annotations

import gzip
import random

import lxml.html
import pytest

from haven.lib import capture
from haven.lib.capture import MAX_PAGE_BYTES, CaptureError, extract_article
from haven.lib.tests.article_pages import PAGES

# --- bad input ------------------------------------------------------------------------


@pytest.mark.parametrize("page", [b"", "", "   \n\t ", b"\n\n"])
def test_empty_page_is_refused(page):
    with pytest.raises(CaptureError, match="The page is empty"):
        extract_article(page)


def test_oversized_page_is_refused_before_parsing(monkeypatch):
    def must_not_parse(*args, **kwargs):
        raise AssertionError("an oversized page was parsed")

    monkeypatch.setattr(capture.trafilatura, "load_html", must_not_parse)
    page = b"<html><body>" + b"<p>text</p>" * (MAX_PAGE_BYTES // 11 + 1) + b"</body></html>"

    with pytest.raises(CaptureError, match=r"too large to capture: 10\.0 MB \(the limit is 10\.0"):
        extract_article(page)
    with pytest.raises(CaptureError, match="too large"):
        extract_article(page.decode("ascii"))


def test_size_limit_counts_utf8_bytes_of_text():
    page = (PAGES / "news_ru.html").read_text(encoding="utf-8")
    limit = len(page) + 10  # more characters than the page has, fewer bytes

    with pytest.raises(CaptureError, match="too large"):
        extract_article(page, max_bytes=limit)
    assert extract_article(page, max_bytes=len(page.encode("utf-8"))).language == "ru"


@pytest.mark.parametrize(
    "garbage",
    [
        random.Random(7).randbytes(50_000),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(8).randbytes(5_000),
        gzip.compress((PAGES / "news_en.html").read_bytes(), mtime=0),
        bytes(range(1, 32)) * 100,
        "".join(chr(c) for c in range(1, 9)) * 500,
    ],
    ids=["random", "png", "gzip", "control-bytes", "control-text"],
)
def test_binary_file_is_refused(garbage):
    with pytest.raises(CaptureError, match="does not look like a web page"):
        extract_article(garbage)


def test_plain_text_is_refused():
    with pytest.raises(CaptureError, match="No article text could be found"):
        extract_article("Just a line of plain text, not a web page at all.")


def test_page_with_only_chrome_is_refused():
    page = (PAGES / "news_en.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    for element in tree.xpath("//*[@data-test='body']/p | //h1 | //figure"):
        element.drop_tree()
    chrome_only = lxml.html.tostring(tree, encoding="unicode")
    assert "Donate now" in chrome_only and "farmers who have been held" not in chrome_only

    with pytest.raises(CaptureError, match="No article text could be found on this page"):
        extract_article(chrome_only)


def test_library_failure_becomes_capture_error(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("parser bug")

    monkeypatch.setattr(capture.trafilatura, "bare_extraction", broken)

    with pytest.raises(CaptureError, match=r"could not be read \(RuntimeError\)"):
        extract_article((PAGES / "news_en.html").read_bytes())


def test_capture_error_is_a_value_error():
    with pytest.raises(ValueError, match="empty"):
        extract_article(b"")


def test_wrong_type_is_refused():
    with pytest.raises(CaptureError, match="not int"):
        extract_article(12345)  # type: ignore[arg-type]


def test_list_of_links_is_no_article():
    page = (PAGES / "news_en.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    for element in tree.xpath("//article/header | //*[@data-test='body']/p | //figure"):
        element.drop_tree()

    with pytest.raises(CaptureError, match="No article text could be found on this page"):
        extract_article(lxml.html.tostring(tree, encoding="unicode"))
