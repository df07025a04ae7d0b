"""The words of a narrative, as the word index stores them and a text search looks them up.

Each word is case-folded (ё as е) and reduced to its Snowball stem (PyStemmer): Russian
for a word with a Cyrillic letter, English for a Latin one, as it is for any other
script. ``задержана`` and ``задержанных`` both give ``stem:задержа``; ``tortured`` and
``torture`` give ``stem:tortur``. A stemmer cuts endings, it does not know the dictionary:
``пыток``/``пытки`` and ``похищен``/``похищение`` keep different stems (see
docs/blind-indexes.md for what would help).

Stop words (``и``, ``в``, ``the``, ``of`` …) are left out of the index: they are in
nearly every text, so they would find everything and their counts would only say how
long each text is. A phrase query still compares them after decryption.

The first 3 to 6 letters of each word are indexed too (``pre:задер``), for prefix
queries (``задерж*``); a longer prefix is looked up by its first 6 letters and checked
after decryption.

The words an import writes itself are not indexed: the heading of the note that keeps a
row's unmapped columns (``IMPORT_NOTE_HEADING``) and, below it, each column's name. They
are the same in every row of a file, so a search for "file", or for a column's name,
would find every record imported with it; the values stay in the index.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator

import Stemmer
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_noop

from haven.lib.normalize import fold, no_terms

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
CYRILLIC = re.compile(r"[а-яё]")
LATIN = re.compile(r"[a-z]")
# Prefix terms: the shortest prefix a query may use, and the longest one indexed.
PREFIX_MIN, PREFIX_MAX = 3, 6

# Written as text, one language a paragraph, so that the list stays readable.
STOP_WORDS = frozenset(
    """
    а без более бы был была были было быть в вам вас весь во вот все всего всех вы где да
    даже для до его ее ей если есть еще же за здесь и из или им их к как ко когда кто ли
    либо мне может мы на над надо наш не него нее нет ни них но ну о об однако он она они
    оно от очень по под при с со так также такой там те тем то того тоже той только том
    ты у уже хотя чего чей чем что чтобы чье чья эта эти это я

    a about after all also an and any are as at be been but by can could did do does for
    from had has have he her his how i if in into is it its may me my no not of on or our
    she so than that the their them then there these they this those to too up us was we
    were what when which who will with would you your
    """.split()  # noqa: SIM905
)

_stemmers = threading.local()  # a Stemmer object must not be shared between threads


def _stemmer(language: str):
    found = getattr(_stemmers, language, None)
    if found is None:
        found = Stemmer.Stemmer(language)
        setattr(_stemmers, language, found)
    return found


def stem(word: str) -> str:
    """The Snowball stem of one folded word: Russian if it has a Cyrillic letter, English
    if a Latin one, else the word itself."""
    if CYRILLIC.search(word):
        return _stemmer("russian").stemWord(word)
    if LATIN.search(word):
        return _stemmer("english").stemWord(word)
    return word


def words_with_spans(text: str) -> Iterator[tuple[str, int, int]]:
    """Each word of ``text``, folded, with where it stands in ``text`` (start, end)."""
    for match in WORD.finditer(text):
        yield fold(match.group()), match.start(), match.end()


def is_searchable(word: str) -> bool:
    """Whether a folded word goes into the index: two letters or more, not a stop word."""
    return len(word) > 1 and word not in STOP_WORDS


def stem_term(word: str) -> str:
    return f"stem:{stem(word)}"


def prefix_term(prefix: str) -> str:
    """The index term a prefix query looks up: its first ``PREFIX_MAX`` letters."""
    return f"pre:{prefix[:PREFIX_MAX]}"


# The line an import writes above the "column: value" lines of a row's unmapped columns
# (haven.imports.engine), in the language of whoever ran the import. Should its wording
# (or a translation's) ever change, keep the old one in ``_note_headings`` too: records
# imported before still hold it.
IMPORT_NOTE_HEADING = gettext_noop("From the imported file:")


@functools.cache
def _note_headings() -> frozenset[str]:
    """``IMPORT_NOTE_HEADING`` in every language of the interface."""
    headings = {IMPORT_NOTE_HEADING}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            headings.add(translation.gettext(IMPORT_NOTE_HEADING))
    return frozenset(headings)


def without_import_labels(text: str) -> str:
    """``text`` less the words an import wrote itself: the note's heading, and the
    column's name before ": " on each of the note's lines (``note_line`` writes them):
    from the heading to the first empty line, a line that does not begin with a space.
    A cell's further lines begin with two spaces and are kept whole, as is everything
    before the heading and after the empty line that ends the note. The rule reads the
    text, not where it came from: a line typed straight under the note as "word: text"
    loses its "word" too (an empty line before it keeps it)."""
    headings = _note_headings()
    if not any(heading in text for heading in headings):
        return text
    kept, in_note = [], False
    for line in text.split("\n"):
        if line.strip() in headings:
            in_note = True
            continue
        if in_note and not line.rstrip("\r"):
            in_note = False
        _label, separator, value = line.partition(": ")
        own_line = in_note and separator and line[:1] not in (" ", "\t")
        kept.append(value if own_line else line)
    return "\n".join(kept)


def note_line(column: str, value: str) -> str:
    """A line of an import's note, "column: value", a value's further lines indented by
    two spaces (an empty one too): ``without_import_labels`` then tells them apart."""
    lines = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n  ".join([f"{column}: {lines[0]}", *lines[1:]])


def narrative_terms(value: str) -> list[str]:
    """The terms a narrative is indexed under: each searchable word's stem, and its
    first 3 to 6 letters (not of the words an import wrote itself:
    ``without_import_labels``)."""
    terms: set[str] = set()
    for word, _start, _end in words_with_spans(without_import_labels(value or "")):
        if is_searchable(word):
            terms.update(_word_terms(word))
    return sorted(terms)


@functools.lru_cache(maxsize=20_000)
def _word_terms(word: str) -> tuple[str, ...]:
    """A searchable folded word's stem and prefixes; kept for the most recent words, as
    the narratives and titles of an import repeat most of their words."""
    return (
        stem_term(word),
        *(f"pre:{word[:length]}" for length in range(PREFIX_MIN, min(PREFIX_MAX, len(word)) + 1)),
    )


# A narrative field's blind index. Nothing finds a record through the generic lookups
# (list boxes, pickers): only the text search (haven/search/words.py) hashes its query
# terms, with the record's team's key (see haven.records.blind.field_tokens).
WORD_INDEX = (narrative_terms, no_terms)
