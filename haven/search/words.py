"""Text search: the words of every narrative (descriptions, grounds and motives, notes,
requests, risk narratives, actions' outcomes, sources' text), through the word index.

1. The query is parsed into words (``задержан``), prefixes (``задерж*``) and phrases
   (``"задержали в Грозном"``); stop words alone are not looked up.
2. Each word's Snowball stem and each prefix's first letters (``haven.lib.stemming``) are
   hashed with the key of each narrative field *and of each of the user's teams*: a team's
   words are never hashed with another's key, so another team's record cannot match.
3. The records holding every term are read from the index (newest first, at most
   ``CHECKED`` a kind), then loaded through ``visible_to`` with the record whose page
   shows them, decrypted, and checked: a phrase's words must stand together, a long
   prefix must really begin a word. Only then is a snippet cut, escaped, with the words
   marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.lib.stemming import (
    PREFIX_MIN,
    STOP_WORDS,
    is_searchable,
    prefix_term,
    stem,
    stem_term,
    words_with_spans,
)
from haven.records.blind import hashed, word_fields
from haven.records.models import BlindTerm, Visibility

MAX_QUERY = 200  # characters, as the search box takes
MAX_TERMS = 8  # words looked up in the index
CHECKED = 200  # candidates of one kind decrypted and checked, newest first
SHOWN = 50
# Parameters of one statement at most (SQLite takes 32,766): the models' lookups go in
# one statement unless the user's teams make their tokens more than this.
MOST_PARAMETERS = 10_000
SNIPPET_BEFORE, SNIPPET_CHARS = 60, 240


@dataclass(frozen=True)
class Page:
    """Where a narrative is shown: the page of the record itself, or of ``parent``."""

    label: Promise
    url_name: str
    parent: str | None = None


# Every model with a word index has a page here (a test checks it).
PAGES = {
    "people.person": Page(gettext_lazy("Person"), "people:detail"),
    "people.relationship": Page(gettext_lazy("Person"), "people:detail", "person"),
    "cases.case": Page(gettext_lazy("Case"), "cases:detail"),
    "cases.request": Page(gettext_lazy("Request"), "cases:request_detail"),
    "cases.riskassessment": Page(gettext_lazy("Case"), "cases:detail", "case"),
    "cases.caseaction": Page(gettext_lazy("Case"), "cases:detail", "case"),
    "cases.consent": Page(gettext_lazy("Person"), "people:detail", "person"),
    "cases.casenote": Page(gettext_lazy("Case"), "cases:detail", "case"),
    "incidents.incident": Page(gettext_lazy("Incident"), "incidents:detail"),
    "incidents.act": Page(gettext_lazy("Incident"), "incidents:detail", "incident"),
    "incidents.chain": Page(gettext_lazy("Incident"), "incidents:detail", "source"),
    "incidents.informationlink": Page(gettext_lazy("Incident"), "incidents:detail", "incident"),
    "sources.source": Page(gettext_lazy("Source"), "sources:detail"),
}


class QueryError(ValueError):
    """A query that cannot be searched; the message says why, for the user."""


@dataclass
class Word:
    text: str

    def terms(self) -> list[str]:
        return [stem_term(self.text)]


@dataclass
class Prefix:
    text: str

    def terms(self) -> list[str]:
        return [prefix_term(self.text)]


@dataclass
class Phrase:
    words: list[str]

    def terms(self) -> list[str]:
        return [stem_term(word) for word in self.words if is_searchable(word)]


@dataclass
class Query:
    parts: list
    ignored: list[str] = field(default_factory=list)  # stop words left out of the lookup

    def terms(self) -> list[str]:
        return list(dict.fromkeys(term for part in self.parts for term in part.terms()))


_PIECE = re.compile(r'"([^"]*)"|(\S+)')


def parse(text: str) -> Query:
    """The words, prefixes and phrases of a query; ``QueryError`` when nothing in it can
    be looked up (no word, only stop words, a prefix too short, too long a query)."""
    if len(text) > MAX_QUERY:
        raise QueryError(
            _("Search texts with at most %(count)d characters.") % {"count": MAX_QUERY}
        )
    if text.count('"') % 2:
        text = text.replace('"', " ")  # an unclosed quote is not a phrase
    query, seen_words = Query([]), False
    for match in _PIECE.finditer(text):
        phrase, bare = match.groups()
        if phrase is not None:
            words = [word for word, _start, _end in words_with_spans(phrase)]
            seen_words = seen_words or bool(words)
            if len(words) > 1 and any(is_searchable(word) for word in words):
                query.parts.append(Phrase(words))
                continue
            bare = phrase
        words = [word for word, _start, _end in words_with_spans(bare)]
        seen_words = seen_words or bool(words)
        for n, word in enumerate(words):
            if n == len(words) - 1 and bare.endswith("*"):
                if len(word) < PREFIX_MIN:
                    raise QueryError(
                        _("Type at least %(count)d letters before *.") % {"count": PREFIX_MIN}
                    )
                query.parts.append(Prefix(word))
            elif is_searchable(word):
                query.parts.append(Word(word))
            elif word in STOP_WORDS:
                query.ignored.append(word)
    if not query.parts:
        if query.ignored:
            raise QueryError(
                _("“%(words)s”: too common to search texts for. Add a word that says more.")
                % {"words": " ".join(query.ignored)}
            )
        if not seen_words:
            raise QueryError(
                _("Type a word to search texts for: punctuation and digits are not looked up.")
            )
        raise QueryError(_("Type a word of two letters or more to search texts for."))
    if len(query.terms()) > MAX_TERMS:
        raise QueryError(
            _("Search texts for at most %(count)d words at a time.") % {"count": MAX_TERMS}
        )
    return query


@dataclass
class TextHit:
    label: str  # the kind of page: Case, Incident …
    code: str
    url: str
    part: str  # what holds the words: "risk assessment: narrative"
    snippet: SafeString
    score: int


@dataclass
class TextResults:
    hits: list[TextHit] = field(default_factory=list)
    message: str = ""  # why nothing was looked up
    more: bool = False  # some kind had more candidates than were checked
    ignored: list[str] = field(default_factory=list)


def indexed_models() -> list:
    """Every model with a narrative field in the word index (less those switched off)."""
    return [model for model in apps.get_models() if word_fields(model)]


def search_texts(text: str, user, visible: Visibility | None = None) -> TextResults:
    """Records ``user`` may see whose narratives hold every word of ``text``, best first
    (``visible``: the request's ``Visibility`` of ``user``, shared with the names' search)."""
    visible = Visibility.of(user, visible)
    try:
        query = parse(text.strip())
    except QueryError as error:
        return TextResults(message=str(error))
    results = TextResults(ignored=query.ignored)
    teams = visible.teams
    if not teams:
        return results
    models = [(model, word_fields(model)) for model in indexed_models()]
    for (model, fields), (ids, more) in zip(
        models, _candidates(models, query.terms(), teams), strict=True
    ):
        results.more = results.more or more
        if ids:
            results.hits += _checked(model, fields, ids, query, visible)
    # Best first (most matches), then newest; snippets and links only for those shown.
    results.hits.sort(key=lambda found: -found.score)
    results.more = results.more or len(results.hits) > SHOWN
    results.hits = [found.hit() for found in results.hits[:SHOWN]]
    return results


def _candidates(models: list[tuple], terms: list[str], teams: list[int]) -> list[tuple]:
    """Per (model, its fields): the ids of the records (newest first) whose index holds
    every term, in the user's teams, and whether there were more than ``CHECKED``.

    One statement for every model (a dozen have narratives): on PostgreSQL one each
    was a round trip and a plan, on every search."""
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    statements: list[tuple[list, list]] = [([], [])]
    for number, (model, fields) in enumerate(models):
        groups = [
            {
                token
                for name in fields
                for team in teams
                for token in hashed(model, name, [term], team=team)
            }
            for term in terms
        ]
        every = [token for group in groups for token in group]
        cases = " ".join(
            f"WHEN token IN ({', '.join(['%s'] * len(group))}) THEN {n}"
            for n, group in enumerate(groups)
        )
        selects, params = statements[-1]
        if selects and len(params) + 2 * len(every) + len(teams) > MOST_PARAMETERS:
            selects, params = [], []  # a member of many teams: more than one statement
            statements.append((selects, params))
        selects.append(
            f"SELECT {number:d} AS model, record_id FROM ("  # noqa: S608 - placeholders only
            f"SELECT record_id FROM {table} "
            f"WHERE token IN ({', '.join(['%s'] * len(every))}) "
            f"AND team_id IN ({', '.join(['%s'] * len(teams))}) "
            f"GROUP BY record_id HAVING COUNT(DISTINCT CASE {cases} END) = %s "
            f"ORDER BY record_id DESC LIMIT %s) AS model_{number:d}"
        )
        params += [*every, *teams, *every, len(groups), CHECKED + 1]
    found: list[list[int]] = [[] for _model in models]
    with connection.cursor() as cursor:
        for selects, params in statements:
            if selects:
                cursor.execute(" UNION ALL ".join(selects), params)
                for number, record_id in cursor.fetchall():
                    found[number].append(record_id)
    answer = []
    for ids in found:
        ids.sort(reverse=True)
        answer.append((ids[:CHECKED], len(ids) > CHECKED))
    return answer


def _checked(
    model, fields: list[str], ids: list[int], query: Query, visible: Visibility
) -> list[_Found]:
    """The candidates ``user`` may see (and whose page they may open) that really hold
    the query once decrypted."""
    page = PAGES[model._meta.label_lower]
    records = visible.records(model).filter(pk__in=ids)
    if page.parent:
        parent_model = model._meta.get_field(page.parent).related_model
        records = records.filter(
            **{f"{page.parent}__in": visible.records(parent_model)}
        ).select_related(page.parent)
    found = []
    for record in records:
        spans = {name: _spans(getattr(record, name) or "", query.parts) for name in fields}
        if not all(any(each[n] for each in spans.values()) for n in range(len(query.parts))):
            continue  # a phrase apart, a long prefix that begins no word, a hash collision
        score = sum(len(each) for per_field in spans.values() for each in per_field)
        found.append(_Found(score, page, record, spans))
    return found


@dataclass
class _Found:
    """A record that holds the query: its hit is made only if it is shown."""

    score: int
    page: Page
    record: object
    spans: dict  # field name -> spans per part of the query

    def hit(self) -> TextHit:
        record, page = self.record, self.page
        name, spans = max(self.spans.items(), key=lambda item: sum(map(len, item[1])))
        shown = getattr(record, page.parent) if page.parent else record
        where = record._meta.get_field(name).verbose_name
        if page.parent:
            where = f"{record._meta.verbose_name}: {where}"
        return TextHit(
            label=str(page.label),
            code=getattr(shown, "code", "") or _when(shown),
            url=reverse(page.url_name, kwargs={"uuid": shown.uuid}),
            part=str(where),
            snippet=snippet(getattr(record, name), [span for each in spans for span in each]),
            score=self.score,
        )


def _spans(text: str, parts: list) -> list[list[tuple[int, int]]]:
    """Where each part of the query stands in ``text`` (start, end), per part."""
    words = list(words_with_spans(text))
    stem_of = _stem_cached

    def same(word: str, wanted: str) -> bool:
        if is_searchable(wanted):
            return stem_of(word) == stem_of(wanted)
        return word == wanted  # a stop word in a phrase: as it is

    found = []
    for part in parts:
        if isinstance(part, Word):
            spans = [(start, end) for word, start, end in words if same(word, part.text)]
        elif isinstance(part, Prefix):
            spans = [(start, end) for word, start, end in words if word.startswith(part.text)]
        else:
            size = len(part.words)
            spans = [
                (words[n][1], words[n + size - 1][2])
                for n in range(len(words) - size + 1)
                if all(same(words[n + k][0], part.words[k]) for k in range(size))
            ]
        found.append(spans)
    return found


def _when(record) -> str:
    """What names a record without a code (a request): the day it arrived."""
    moment = getattr(record, "received_at", None) or record.created_at
    return date_format(localtime(moment), "SHORT_DATE_FORMAT")


# Narratives repeat their words: each is stemmed once per process, up to this many.
_stem_cached = lru_cache(maxsize=50_000)(stem)

_SPACES = re.compile(r"\s+")


def snippet(text: str, spans: list[tuple[int, int]]) -> SafeString:
    """A few lines of ``text`` around its first match, HTML-escaped, each match within
    them in ``<mark>``; cut at spaces, with … where text was left out."""
    spans = sorted(spans)
    first = spans[0]
    start = max(0, first[0] - SNIPPET_BEFORE)
    if start:
        space = text.find(" ", start, first[0])
        start = space + 1 if space >= 0 else first[0]
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", first[1], end)
        end = space if space > 0 else max(end, first[1])
    pieces, at = [], start
    for begin, finish in spans:
        if begin < at or finish > end:
            continue
        pieces += [_plain(text[at:begin]), f"<mark>{_plain(text[begin:finish])}</mark>"]
        at = finish
    pieces.append(_plain(text[at:end]))
    html = ("… " if start else "") + "".join(pieces) + (" …" if end < len(text) else "")
    return mark_safe(html)  # noqa: S308 - every piece of text is escaped above


def _plain(text: str) -> str:
    return escape(_SPACES.sub(" ", text))
