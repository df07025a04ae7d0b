"""Article extraction from captured pages: the report stays, the publisher's chrome goes.

The pages in ``pages/`` are fictional news stories written for these tests. Each marks
its article paragraphs' container ``data-test="body"`` and each block of page chrome
``data-test="chrome"``, so the expectations are read from the page itself.
"""

from __future__ import annotations

import dataclasses
import gzip
import html
import random
import socket
import sys
from pathlib import Path

import lxml.html
import pytest
from trafilatura.settings import Document

from haven.lib import capture
from haven.lib.capture import MAX_PAGE_BYTES, Article, CaptureError, extract_article

test_module = sys.modules[__name__]
PAGES = Path(__file__).resolve().parent / "pages"
SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "article.txt"


def _words(text: str) -> str:
    return " ".join(text.split())


def _expected(page: bytes) -> tuple[list[str], list[str], list[str]]:
    """The page's article paragraphs, its figure captions and its chrome lines."""
    tree = lxml.html.fromstring(page)
    paragraphs = [_words(p.text_content()) for p in tree.xpath("//*[@data-test='body']/p")]
    captions = [_words(c.text_content()) for c in tree.iter("figcaption")]
    chrome = [
        _words(piece)
        for block in tree.xpath("//*[@data-test='chrome']")
        for piece in block.itertext()
        if piece.strip()
    ]
    return paragraphs, captions, chrome


def _assert_article_without_chrome(
    article: Article, paragraphs: list[str], captions: list[str], chrome: list[str]
) -> None:
    found = _words(article.text)
    missing = [p for p in paragraphs if p not in found]
    assert not missing, f"article text lost: {missing}"
    leaked = [line for line in chrome if line in found]
    assert not leaked, f"page chrome kept: {leaked}"
    # Captions are kept beside the text, not in it (the text is the report as written).
    assert list(article.captions) == captions
    assert not [caption for caption in captions if caption in found]


@pytest.fixture
def no_network(monkeypatch):
    """Fails the test if extraction tries to connect anywhere, loopback included."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("extraction must not use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


# --- fictional news pages -------------------------------------------------------------


def test_english_page_keeps_article_and_caption_apart_and_drops_chrome(no_network):
    page = (PAGES / "news_en.html").read_bytes()
    paragraphs, captions, chrome = _expected(page)
    assert len(paragraphs) >= 6 and len(captions) == 1 and len(chrome) > 20

    article = extract_article(page, "https://courier.example/world/2024/05/16/karsk")

    _assert_article_without_chrome(article, paragraphs, captions, chrome)
    assert article.title == "Families of detained farmers in Karsk petition UN rights body"
    assert article.author == "Mira Okonkwo-Lind"
    assert article.date == "2024-05-16"
    assert article.site == "The Meridian Courier"
    assert article.language == "en"


def test_russian_page_keeps_article_and_caption_apart_and_drops_chrome(no_network):
    page = (PAGES / "news_ru.html").read_bytes()
    paragraphs, captions, chrome = _expected(page)
    assert len(paragraphs) >= 6 and len(captions) == 1 and len(chrome) > 15

    article = extract_article(page)

    _assert_article_without_chrome(article, paragraphs, captions, chrome)
    assert article.title == "Правозащитники добились свидания с задержанной журналисткой из Заречья"
    assert article.author == "Дарья Лесовая"
    assert article.date == "2023-11-03"
    assert article.site == "Вечерний вестник"
    assert article.language == "ru"


def test_date_comes_from_the_pages_markup_not_from_its_chrome():
    page = (PAGES / "news_en.html").read_text(encoding="utf-8")
    tree = lxml.html.fromstring(page)
    for element in tree.xpath("//meta[@property='article:published_time'] | //time | //link"):
        element.drop_tree()
    # The banner and the related links still carry dates: 1 March 2023, /2024/01/20/.
    undated = lxml.html.tostring(tree, encoding="unicode").replace("in March", "on 1 March")

    assert extract_article(undated).date is None
    assert extract_article(undated, "https://courier.example/2024/05/16/karsk").date == "2024-05-16"


def test_text_has_one_paragraph_per_line():
    page = (PAGES / "news_en.html").read_bytes()
    paragraphs, _captions, _ = _expected(page)

    lines = extract_article(page).text.splitlines()

    assert [_words(line) for line in lines if line.strip()] == paragraphs


def test_article_is_frozen():
    article = extract_article((PAGES / "news_en.html").read_bytes())

    assert isinstance(article, Article)
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.text = "edited"  # type: ignore[misc]


def test_str_input_gives_the_same_article_as_bytes():
    page = (PAGES / "news_ru.html").read_bytes()

    assert extract_article(page.decode("utf-8")) == extract_article(page)


# --- decoding -------------------------------------------------------------------------


def _russian_page_in(encoding: str, declared: str | None) -> bytes:
    page = (PAGES / "news_ru.html").read_text(encoding="utf-8")
    meta = f'<meta charset="{declared}">' if declared else ""
    return page.replace('<meta charset="utf-8">', meta).encode(encoding)


@pytest.mark.parametrize(
    "declaration",
    [
        '<meta charset="windows-1251">',
        '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">',
        "<META CHARSET=CP1251>",
    ],
)
def test_bytes_are_decoded_by_their_meta_charset(declaration):
    utf8 = extract_article((PAGES / "news_ru.html").read_bytes())
    page = (PAGES / "news_ru.html").read_text(encoding="utf-8")
    cp1251 = page.replace('<meta charset="utf-8">', declaration).encode("cp1251")

    assert extract_article(cp1251).text == utf8.text


def test_undeclared_legacy_encoding_is_guessed():
    utf8 = extract_article((PAGES / "news_ru.html").read_bytes())

    assert extract_article(_russian_page_in("cp1251", declared=None)).text == utf8.text


def test_byte_order_mark_wins():
    page = (PAGES / "news_ru.html").read_text(encoding="utf-8")

    article = extract_article(page.encode("utf-16"))

    assert "Адвокату журналистки Анны Ветровой" in article.text


@pytest.mark.parametrize("label", ["zlib", "rot13", "no-such-charset", "utf-16"])
def test_unusable_meta_charset_falls_back_to_utf8(label):
    utf8 = extract_article((PAGES / "news_ru.html").read_bytes())

    assert extract_article(_russian_page_in("utf-8", declared=label)).text == utf8.text


def test_invalid_utf8_bytes_are_replaced_not_fatal():
    page = (PAGES / "news_en.html").read_bytes()
    damaged = page.replace(b"candlelit vigil", b"candlelit \xff\xfe vigil")

    article = extract_article(damaged)

    assert "The relatives of four farmers" in article.text


# --- the seed story -------------------------------------------------------------------

# Which lines of ../shared/seed/article.txt are the publisher's, not the report's: the
# ad-free notice and support banner above the headline, the "small favour" appeal with
# its buttons below the last paragraph, and the "Read more" heading of the related list.
SEED_CHROME_PREFIXES = (
    "Enjoying ad-free content",
    "Since July 1, 2024, we have disabled",
    "This commitment costs us",
    "Support us",
    "Our journalism is banned",
    "… we have a small favor",
    "We, the journalists of",
    "Your support, no matter how small",
    "paiment methods",
    "Not ready to support today",
    "Remind me later",
    "Read more",
)
# Of the report's lines, the first is the headline and the second the lead photo's caption
# (it ends with the photo credit); the rest are the paragraphs.
SEED_HEADLINE, SEED_CAPTION = 0, 1


def _seed_lines() -> tuple[list[str], list[str], list[str]]:
    """The seed's chrome lines above the headline, its report lines, its chrome below."""
    if not SEED.is_file():
        pytest.skip("../shared/seed/article.txt not present")
    above: list[str] = []
    report: list[str] = []
    below: list[str] = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(SEED_CHROME_PREFIXES):
            (below if report else above).append(line)
        else:
            report.append(line)
    return above, report, below


def _seed_page(appeal_markup: str) -> tuple[str, list[str], str, list[str]]:
    above, report, below = _seed_lines()
    escape = html.escape
    headline, caption = report[SEED_HEADLINE], report[SEED_CAPTION]
    paragraphs = report[SEED_CAPTION + 1 :]
    read_more = [line for line in below if line.startswith("Read more")]
    appeal = [line for line in below if line not in read_more]
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    banner = "\n".join(f"<p>{escape(line)}</p>" for line in above)
    appeal_box = appeal_markup.format("\n".join(f"<p>{escape(line)}</p>" for line in appeal))
    related = "\n".join(
        f'<li><a href="/news/2021/{n}">Another story from the region, part {n}</a></li>'
        for n in range(1, 4)
    )
    page = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(headline)} - The Moscow Times</title>
<meta property="og:site_name" content="The Moscow Times"></head>
<body>
<header><nav class="main-menu"><a href="/news">News</a> <a href="/opinion">Opinion</a>
<a href="/business">Business</a> <a href="/arts">Arts and Life</a></nav></header>
<div class="top-banner">{banner}</div>
<main>
<article class="article">
<h1>{escape(headline)}</h1>
<figure class="article__featured-image">
<img src="/media/photo.jpg" alt="">
<figcaption>{escape(caption)}</figcaption>
</figure>
<div class="article__content">
{body}
</div>
{appeal_box}
<section class="related-articles"><h3>{escape(read_more[0])}</h3><ul>{related}</ul></section>
</article>
</main>
<footer><p>Footer links and copyright</p></footer>
</body></html>"""
    return page, paragraphs, caption, above + below


@pytest.mark.parametrize(
    "appeal_markup",
    [
        '<div class="contribution-box">{}</div>',
        '<aside class="support-appeal">{}</aside>',
        '<div class="donation-prompt">{}</div>',
    ],
)
def test_seed_story_keeps_report_and_drops_publisher_chrome(appeal_markup, no_network):
    page, report, caption, chrome = _seed_page(appeal_markup)
    assert chrome and len(report) >= 5

    article = extract_article(page.encode("utf-8"))

    _assert_article_without_chrome(article, report, [caption], chrome)
    assert article.title == _seed_lines()[1][SEED_HEADLINE]
    # The page gives no date; "Since July 1, 2024" in the ad-free notice is not the story's.
    assert article.date is None


def test_seed_story_is_skipped_where_shared_folder_is_absent(monkeypatch, tmp_path):
    monkeypatch.setattr(test_module, "SEED", tmp_path / "article.txt")

    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/seed/article\.txt not present"):
        _seed_lines()


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


# --- boxes, pointers and index pages --------------------------------------------------


def test_short_story_in_a_read_more_container_is_kept(no_network):
    """A short body in a container named "read-more" is the article, not a publisher's box
    (seen on a real tabloid page: the whole body was dropped as one)."""
    page = (PAGES / "short_read_more.html").read_bytes()
    paragraphs, captions, chrome = _expected(page)
    assert len(paragraphs) == 3 and "read-more" in page.decode()

    article = extract_article(page)

    found = _words(article.text)
    assert [p for p in paragraphs if p not in found] == []
    assert [line for line in chrome if line in found] == []
    assert article.title == "Court frees Valley Road tenants' organiser after two nights in custody"


def test_most_read_thumbnails_and_their_captions_stay_out(no_network):
    article = extract_article((PAGES / "short_read_more.html").read_bytes())

    assert article.captions == ("Tenants wait outside the magistrates' court on Tuesday morning.",)
    for other in ("Late goal settles", "Fans at the derby", "Most read", "Ferry company"):
        assert other not in article.text


def test_headline_is_the_title_not_the_first_line():
    article = extract_article((PAGES / "short_read_more.html").read_bytes())

    assert article.text.splitlines()[0].startswith("A magistrate on Tuesday released")


@pytest.mark.parametrize(
    "pointer",
    [
        "<p><strong>READ MORE:</strong> <a href='/x'>Another story about the harbour</a></p>",
        "<p><strong>DON'T MISS</strong></p>",
        "<p>Related: <a href='/y'>What the landlord says</a></p>",
    ],
)
def test_paragraphs_pointing_elsewhere_stay_out(pointer):
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    marker = "<p>The magistrate found"
    page = page.replace(marker, pointer + marker)

    article = extract_article(page)

    assert lxml.html.fromstring(pointer).text_content() not in article.text
    assert "The magistrate found no grounds" in article.text


def test_a_list_in_the_story_is_kept():
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    demands = "".join(
        f"<li>{demand}</li>"
        for demand in (
            "an end to evictions in winter",
            "repairs to the heating in block C",
            "a tenants' seat on the housing board",
        )
    )
    marker = "<p>The magistrate found"
    page = page.replace(marker, f"<p>The association asks for:</p><ul>{demands}</ul>{marker}")

    article = extract_article(page)

    assert "repairs to the heating in block C" in article.text


def test_home_page_is_not_an_article(no_network):
    with pytest.raises(CaptureError, match="This page is not an article: it lists the headlines"):
        extract_article((PAGES / "index_en.html").read_bytes(), "https://harbourpost.example/")


def test_an_article_with_a_few_linked_headlines_is_still_an_article():
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    teasers = "".join(
        f"<h3><a href='/s/{n}'>Another headline number {n}</a></h3>" for n in range(1, 5)
    )
    page = page.replace("</article>", f"<div>{teasers}</div></article>")

    assert "A magistrate on Tuesday released" in extract_article(page).text


def test_a_body_split_into_blocks_is_read_whole(no_network):
    """A page may cut its body into blocks of one class with a rail of advertisements
    between them; the second block is the story too (seen on a magazine's long read:
    half of the story was lost)."""
    page = (PAGES / "split_body.html").read_bytes()
    paragraphs, _captions, chrome = _expected(page)

    found = _words(extract_article(page).text)

    assert [p for p in paragraphs if p not in found] == []
    assert [line for line in chrome if line in found] == []


def test_posts_under_their_own_headlines_are_not_joined():
    tree = lxml.html.fromstring(
        "<main><h2><a href='/1'>First post</a></h2><div class='entry-content'><p>One</p></div>"
        "<h2><a href='/2'>Second post</a></h2><div class='entry-content'><p>Two</p></div></main>"
    )

    capture._join_split_body(tree)

    assert [block.getparent().tag for block in tree.find_class("entry-content")] == [
        "main",
        "main",
    ]


def test_only_blocks_of_the_first_ones_kind_are_joined():
    """A quotation's block between two blocks of the body keeps its place."""
    tree = lxml.html.fromstring(
        "<main><section class='article__content'><p>One</p></section>"
        "<section class='article__content article__content--quote'><p>Quote</p></section>"
        "<section class='article__content'><p>Two</p></section></main>"
    )

    capture._join_split_body(tree)

    assert [_words(child.text_content()) for child in tree] == ["One", "Quote", "Two"]


@pytest.mark.parametrize(
    "pointers",
    [
        # a list of other stories inside a paragraph, each with a label
        "<p><a href='/a'>Harbour police close the old ferry terminal</a> [<strong>VIDEO]<br>"
        "</strong><a href='/b'>Council votes to sell the bus depot</a> [INSIGHT]</p>",
        # one headline alone in a paragraph
        "<p><strong><a href='/app'>GET THE HARBOUR POST APP FOR YOUR PHONE</a></strong></p>",
        # the last row of a grid of other stories holds two
        "<ul><li><h3><a href='/f'>Late goal settles the derby</a></h3><h4>A header in the last"
        " minute</h4></li><li><h3><a href='/g'>Ferry company orders boats</a></h3>"
        "<h4>Two electric boats by 2027</h4></li></ul>",
    ],
)
def test_links_to_other_stories_stay_out(pointers):
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    marker = "<p>The magistrate found"
    page = page.replace(marker, pointers + marker)

    article = extract_article(page)

    for line in lxml.html.fromstring(pointers).itertext():
        if _words(line) and _words(line) not in ("[", "]"):
            assert _words(line) not in article.text
    assert "The magistrate found no grounds" in article.text


def test_a_row_of_thumbnails_of_other_stories_is_dropped():
    """Links around a picture and a headline, and nothing else beside them (trafilatura
    keeps their headlines on a page whose body no element names)."""
    tree = lxml.html.fromstring(
        "<main><p>The story.</p><div id='also'>"
        "<a href='/c'><img src='/c.jpg' alt=''><h3>A new ferry at the quay</h3></a>"
        "<a href='/d'><img src='/d.jpg' alt=''><h3>Old bridge to close for repairs</h3></a>"
        "<a href='/e'><img src='/e.jpg' alt=''><h3>Why rents keep rising</h3></a></div>"
        "<div>Follow us on <a href='/f'>Mastodon</a>, <a href='/p'>Pixelfed</a> and "
        "<a href='/r'>our feed</a></div></main>"
    )

    capture._drop_link_lists(tree)

    assert tree.get_element_by_id("also", None) is None
    assert _words(tree.text_content()) == "The story.Follow us on Mastodon, Pixelfed and our feed"


@pytest.mark.parametrize(
    "paragraph",
    [
        "<p><a href='/ministry'>The interior ministry</a> confirmed the detentions on Monday.</p>",
        "<p><a href='/count'>Police detained 30 protesters in the harbour</a>, monitors said.</p>",
        "<p>Accounts: <a href='/@harbour_tenants'>@harbour_tenants</a>, "
        "<a href='/@valley_road'>@valley_road</a>, <a href='/@korvel'>@korvel</a></p>",
        "<p><a href='https://tenants.example/report'>https://tenants.example/report</a></p>",
    ],
)
def test_paragraphs_with_links_of_the_story_itself_are_kept(paragraph):
    """A sentence with a link, a list of accounts, a cited address: not other stories."""
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    marker = "<p>The magistrate found"
    page = page.replace(marker, paragraph + marker)

    article = extract_article(page)

    assert _words(lxml.html.fromstring(paragraph).text_content()) in article.text


@pytest.mark.parametrize(
    "box",
    [
        "<div class='print-header'><p>This copy is for your personal, non-commercial use"
        " only. To order copies for distribution, visit our reprints desk.</p></div>",
        "<ul class='js-article-tools print-tools'><li>Order Reprints</li>"
        "<li>Print Article</li></ul>",
    ],
)
def test_print_only_blocks_and_the_article_toolbar_stay_out(box):
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    marker = "<p>A magistrate on Tuesday"
    page = page.replace(marker, box + marker)

    article = extract_article(page)

    for line in lxml.html.fromstring(box).itertext():
        assert _words(line) not in article.text
    assert article.text.startswith("A magistrate on Tuesday")


@pytest.mark.parametrize(
    ("text", "title", "h1"),
    [
        # a section's name above the headline
        ("Review\nThe new ferry, tested\nThe boat is quiet.", "The new ferry, tested", None),
        # a box of other headlines above it, and a title with the site's name
        (
            "16 new boats now available\nThe new ferry, tested\nThe boat is quiet.",
            "The new ferry, tested | The Harbour Post",
            None,
        ),
        # the page's <h1> differs from its title, and is written in capitals
        (
            "THE NEW FERRY, TESTED ON THE BAY\nThe boat is quiet.",
            "Ferry test",
            "The new ferry, tested on the bay",
        ),
    ],
)
def test_what_stands_above_the_headline_stays_out(text, title, h1):
    document = Document()
    document.text, document.title = text, title
    headlines = {_words(h1).casefold()} if h1 else set()

    assert capture._without_headline(document, headlines) == "The boat is quiet."


def test_a_long_first_paragraph_is_not_taken_for_chrome_above_a_headline():
    document = Document()
    first = "The boat is quiet. " * 10
    document.text, document.title = (
        f"{first}\nThe new ferry, tested\nMore.",
        "The new ferry, tested",
    )

    assert capture._without_headline(document, set()).startswith("The boat is quiet.")


def test_a_caption_in_the_pages_footer_is_not_the_storys():
    page = (PAGES / "short_read_more.html").read_text(encoding="utf-8")
    footer = '<footer data-test="chrome">'
    figure = "<figure><img src='/team.jpg' alt=''><figcaption>Our newsroom</figcaption></figure>"
    page = page.replace(footer, footer + figure)

    article = extract_article(page)

    assert article.captions == ("Tenants wait outside the magistrates' court on Tuesday morning.",)
