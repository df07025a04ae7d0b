"""Capture keeps the story whole and leaves out the boxes around it.

Short stories in containers named like publishers' boxes, bodies split by a rail of
advertisements, lists inside the story; and what stays out: "read more" pointers, links
and thumbnails of other stories, print-only blocks, toolbars, what stands above the
headline, home pages that only list headlines.
"""

from __future__ import annotations

import lxml.html
import pytest
from trafilatura.settings import Document

from haven.lib import capture
from haven.lib.capture import CaptureError, extract_article
from haven.lib.tests import article_pages
from haven.lib.tests.article_pages import PAGES, _expected, _words

# The fixture, named here so that pytest finds it for this module's tests.
no_network = article_pages.no_network


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
