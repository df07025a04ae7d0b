"""What a typed query asks for: a record code, a contact, a document number, years and
dates, name or title words — and what cannot be searched, with the reason.

One box takes everything, so the query is read once here and each part goes to its own
lookup: ``C-M5WJN3`` opens a record, ``+7 (928) 555 01 23`` looks up the contact index,
``2021`` narrows to a year, the remaining words go to the name index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext_lazy as _

from haven.lib.names import tokens
from haven.lib.normalize import contact_terms, fold, reference_terms

# Longer than any name or title worth typing: the rest is not read (the form refuses more).
LONGEST = 200
# More words than a name and its context ever need; the others are not looked up.
MOST_WORDS = 8

CODE = re.compile(r"^([A-Za-z])-([A-Za-z0-9]{4,10})$")
YEAR = re.compile(r"^(19\d\d|20\d\d)$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
DOTTED_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
# What a regular expression or a wildcard looks like: the box takes words, not patterns.
PATTERN = re.compile(r"[.*+?]\*|\\[dwsbDWS]|\[[^\]]*\]|[\^$|]|\(\?|\{\d+(,\d*)?\}|\*")
PREFIX_STAR = re.compile(r"(?<=\w)\*(?=\s|$)")
# Words that say nothing about which record is meant (they are in every second title).
_STOP_WORDS = """a an and are as at be by for from in is it of on or the to with who what
и в во не на с со о об от по за к ко из у а но да для до же ли или как что это
его ее её их он она они мы вы я при про над под без"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


@dataclass
class Query:
    text: str
    code: str = ""
    contacts: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    # Why nothing (or less than was typed) is searched, for the page to say.
    notes: list = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.code or self.contacts or self.references or self.years or self.words)


def _date(match_, order) -> date | None:
    year, month, day = (int(match_.group(n)) for n in order)
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read(text: str) -> Query:
    """The parts of a query. Never raises: what cannot be read becomes a note."""
    text = (text or "").strip()
    query = Query(text=text[:LONGEST])
    if len(text) > LONGEST:
        query.notes.append(
            _("Only the first %(count)d characters were searched.") % {"count": LONGEST}
        )
        text = query.text
    if not text:
        return query
    if match_ := CODE.match(text):
        query.code = f"{match_.group(1)}-{match_.group(2)}".upper()
        return query
    # A word ending in * is a prefix, which the text search takes (docs/blind-indexes.md).
    if PATTERN.search(PREFIX_STAR.sub("", text)):
        query.notes.append(
            _("Search takes words, numbers and codes, not patterns: the signs were left out.")
        )
    # A handle has no spaces: "Ислам Ахмадов" is a name, not a contact to look up.
    query.contacts = [term for term in contact_terms(text) if " " not in term]
    query.references = reference_terms(text)
    rest = []
    for part in text.split():
        if YEAR.match(part):
            query.years.append(int(part))
        elif m := ISO_DATE.match(part):
            if found := _date(m, (1, 2, 3)):
                query.dates.append(found)
        elif m := DOTTED_DATE.match(part):
            if found := _date(m, (3, 2, 1)):
                query.dates.append(found)
        else:
            rest.append(part)
    for day in query.dates:
        if day.year not in query.years:
            query.years.append(day.year)
    # A single letter (an initial, a stray "b") finds nothing: names are indexed by words.
    words = [word for word in tokens(" ".join(rest)) if sum(c.isalpha() for c in word) > 1]
    meaningful = [word for word in words if fold(word) not in STOP_WORDS]
    if words and not meaningful and not query.years:
        query.notes.append(
            _("Only common words like “of” or “и” were typed: add a name, a place or a number.")
        )
    if len(meaningful) > MOST_WORDS:
        query.notes.append(
            _("Only the first %(count)d words were searched.") % {"count": MOST_WORDS}
        )
    query.words = meaningful[:MOST_WORDS]
    if not query.words and not query.years and not words and not any(c.isalnum() for c in text):
        query.notes.append(_("Type a name, a word, a number or a code: signs alone find nothing."))
    return query
