"""Article extraction from whole pages: the report stays, the publisher's chrome goes.

Fictional news stories in English and Russian (in ``pages/``), their bytes in legacy
encodings or with a byte-order mark, and the seed story in ../shared/seed/article.txt
wrapped in a publisher's page: the text, title, author, date, site and captions come out,
and the banners and appeals do not.
"""

from __future__ import annotations

import dataclasses
import html
import sys
from pathlib import Path

import lxml.html
import pytest

from haven.lib.capture import Article, extract_article
from haven.lib.tests import article_pages
from haven.lib.tests.article_pages import PAGES, _expected, _words

# The fixture, named here so that pytest finds it for this module's tests.
no_network = article_pages.no_network

test_module = sys.modules[__name__]
SEED = Path(__file__).resolve().parents[3].parent / "shared" / "seed" / "article.txt"


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
