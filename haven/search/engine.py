"""Search over encrypted records: blind-index lookups, then the policy layer, then ranking.

1. The query is read once (``query.read``): a record code opens that record; contacts
   and document numbers are looked up in their own indexes; years and dates narrow
   to records of that time; the remaining words go to the name and title indexes.
2. Each word is expanded into its lookup terms with a *level* (the same skeleton, one
   edit away, only after repairing a typo) and hashed with each field's key. One SQL
   statement per kind gives every matching record of the user's teams with, per
   query word, the best level it reached: an estimate of the final score computed
   without decrypting anything. Records below the threshold are left out there.
3. ``visible_to`` has the last word on every record that is counted; the facets and
   the counts are taken over all of them, in SQL on clear columns.
4. Only the page shown is decrypted and ranked with ``haven.lib.names``: name parts
   (surname over given name over patronymic), the birth year and the places a person
   lived break ties between namesakes, and each hit says why it matched.

Each searchable kind registers itself in ``KINDS`` in one place (below).
"""

from __future__ import annotations

import heapq
from collections import Counter
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.lib.id_lists import id_list
from haven.lib.names import (
    GIVEN,
    PATRONYMIC,
    SURNAME,
    Parser,
    best_pairs,
    name_roles,
    parse,
    score_parsed,
)
from haven.lib.names import tokens as name_tokens
from haven.lib.normalize import fold
from haven.people.blocking import name_forms
from haven.records.models import Visibility, member_teams
from haven.search.facets import by_time, count_facets, facet_rows, filtered
from haven.search.lookup import (
    BONUS,
    MIN_SCORE,
    exact_ids,
    index_scores,
    query_tokens,
    ranked_ids,
    split_run_together,
)
from haven.search.query import Query, read

# The picker's suggestions rank at most this many candidates (see ``candidates``).
RANKED = 60
# Hits per page: only these are decrypted and ranked; "more results" shows the next.
PAGE = 20
# Between records of equal score, a surname that matches says more than a given name,
# and a given name more than a patronymic (many people share "Исаевич").
ROLE_WEIGHT = {SURNAME: 1.0, GIVEN: 0.97, PATRONYMIC: 0.9, None: 0.97}
EXACT = 2.0  # the rank of a record found by a code, a contact or a document number


@dataclass
class Kind:
    code: str
    label: str
    model_path: str
    fields: list[str]
    url_name: str
    texts: object  # record -> list of strings to rank against

    @property
    def model(self):
        from django.apps import apps

        return apps.get_model(self.model_path)

    def url(self, record) -> str:
        if self.code == "petition":
            return reverse("cases:detail", kwargs={"uuid": record.case.uuid})
        return reverse(self.url_name, kwargs={"uuid": record.uuid})

    def code_of(self, record) -> str:
        return record.case.code if self.code == "petition" else record.code


def _title(record):
    return [record.title]


KINDS = [
    Kind(
        "person",
        _("People"),
        "people.Person",
        ["name", "other_names", "nicknames"],
        "people:detail",
        name_forms,
    ),
    Kind("case", _("Cases"), "cases.Case", ["title"], "cases:detail", _title),
    Kind("incident", _("Incidents"), "incidents.Incident", ["title"], "incidents:detail", _title),
    Kind("source", _("Sources"), "sources.Source", ["title"], "sources:detail", _title),
    # Found by document number or date only; the title is shown, not searched by name.
    Kind("petition", _("Petitions"), "cases.CaseAction", [], "cases:detail", _title),
]
BY_CODE = {kind.code: kind for kind in KINDS}
# Record codes start with their kind's letter (haven.lib.codes).
CODE_LETTERS = {"P": "person", "C": "case", "I": "incident", "S": "source"}
FACETS = ["kind", "status", "region", "act_type", "year"]


@dataclass
class Hit:
    kind: Kind
    record: object
    score: float
    facets: dict = field(default_factory=dict)
    reasons: list = field(default_factory=list)
    rank: float = 0.0

    @property
    def url(self) -> str:
        return self.kind.url(self.record)

    @property
    def code(self) -> str:
        return self.kind.code_of(self.record)

    @property
    def text(self) -> str:
        return " · ".join(text for text in self.kind.texts(self.record) if text)


class Results(list):
    """One page of hits, best first, with what the page needs around them: ``total``
    (every visible hit, not only this page), ``counts`` (facet counts over all of them),
    ``opened`` (the record a code named), ``notes`` (what was not searched, and why)."""

    def __init__(self, hits=(), query: Query | None = None):
        super().__init__(hits)
        self.query = query
        self.total = 0
        self.page = 1
        self.counts: dict[str, Counter] = {name: Counter() for name in FACETS}
        self.opened = None
        self.notes: list = list(query.notes) if query else []

    @property
    def more(self) -> bool:
        return self.page * PAGE < self.total

    @property
    def capped(self) -> set:  # kept for callers that asked before pages existed
        return set()


# --- visibility ----------------------------------------------------------------------


def _visible(kind: Kind, visible: Visibility, ids):
    return visible.records(kind.model).filter(pk__in=id_list(ids))


def _named(rows: list[tuple], user) -> list[tuple]:
    """The rows of ``facet_rows`` (people: id, sealed) less the sealed people ``user``
    may see but not name. A sealed person is found by the code only: finding "Ruslan"
    or a phone number as P-1234 would name P-1234. Few people are sealed: their named
    members are read only when one of them is among the hits."""
    sealed = [pk for pk, is_sealed in rows if is_sealed]
    if not sealed:
        return rows
    named = {
        pk
        for pk, members in BY_CODE["person"]
        .model.objects.filter(pk__in=sealed)
        .values_list("pk", "sealed_for")
        if getattr(user, "pk", None) in (members or [])
    }
    return [row for row in rows if not row[1] or row[0] in named]


# --- the page: decrypted and ranked ------------------------------------------------------

# Why a hit matched, as the page lists it ("matched: surname, birth year").
_ROLE_REASON = {
    SURNAME: pgettext_lazy("search match", "surname"),
    GIVEN: pgettext_lazy("search match", "given name"),
    PATRONYMIC: pgettext_lazy("search match", "patronymic"),
    None: pgettext_lazy("search match", "name"),
}


def _prepare(kind: Kind, records):
    records = records.order_by()  # the page is put in order here, not by the database
    if kind.code == "petition":
        return records.select_related("case")
    return records


def _facets_of(kind: Kind, record) -> dict:
    """What a hit shows of the facets (they are counted over every hit in SQL)."""
    facets = {"kind": kind.code}
    if kind.code == "case":
        facets["status"] = record.status
        facets["year"] = record.opened_on.year if record.opened_on else None
    if kind.code == "incident" and record.start_earliest:
        facets["year"] = record.start_earliest.year
    return facets


def _rank_names(kind: Kind, record, words: tuple, weights: list[int], parser) -> tuple:
    """(score, rank, reasons) of a record against the query's words, or None below the
    threshold. The score is ``names.score``'s; the rank also weighs which part of the
    name each word matched."""
    texts = [text for text in kind.texts(record) if text]
    forms = [parser(text) for text in texts]
    flat = words
    value = score_parsed(flat, forms, parser.similarity)
    best_rank, reasons, unmatched = 0.0, [], list(range(len(words)))
    for text, form in zip(texts, forms, strict=True):
        if not form:
            continue
        roles = name_roles(text) if kind.code == "person" else [None] * len(form)
        if len(roles) != len(form):
            roles = [None] * len(form)
        pairs = best_pairs(flat, form, parser.similarity)
        # A title's words have no part of a name: weighed as a name word of unknown part,
        # so that a title ranks below a person whose surname and given name match as well
        # (the page was chosen people first: it is put in order the same way).
        total = sum(
            weight * similarity * ROLE_WEIGHT[roles[where]]
            for (where, similarity), weight in zip(pairs, weights, strict=True)
        ) / sum(weights)
        if total > best_rank:
            best_rank = total
            matched = [
                (roles[where], similarity) for where, similarity in pairs if similarity >= 0.8
            ]
            unmatched = [n for n, (_w, similarity) in enumerate(pairs) if similarity < 0.8]
            if kind.code == "person":
                reasons = list(dict.fromkeys(_ROLE_REASON[role] for role, _s in matched))
            else:
                reasons = [pgettext_lazy("search match", "title")] if matched else []
            # Below 0.85 the skeletons differ: a typo, not another script or spelling.
            if any(similarity < 0.85 for _role, similarity in matched):
                reasons.append(pgettext_lazy("search match", "close spelling"))
    return value, best_rank, reasons, unmatched


def _place_words(person) -> set[str]:
    places = set()
    for move in person.whereabouts or []:
        places.update(fold(word) for word in name_tokens(str(move.get("place") or "")))
    return places


def _rank_page(entries, query: Query, exact: dict, visible: Visibility) -> list[Hit]:
    """Decrypt and rank the records of one page (``entries``: (estimate, kind, id))."""
    user = visible.user
    by_kind: dict[str, list[int]] = {}
    for _estimate, code, pk in entries:
        by_kind.setdefault(code, []).append(pk)
    loaded = {}
    for code, ids in by_kind.items():
        kind = BY_CODE[code]
        for record in _prepare(kind, _visible(kind, visible, ids)):
            if code != "person" or record.shown_to(user):  # sealed since it was counted
                loaded[(code, record.pk)] = record
    parser = Parser()
    texts = [word for word in query.words if parse(word)]
    # A word that names a place one of these people lived in is context, not a name:
    # it ranks those people first and costs the others nothing.
    places = {
        key: _place_words(record)
        for key, record in loaded.items()
        if key[0] == "person" and len(texts) > 1
    }
    context = set().union(*places.values())
    names = [word for word in texts if fold(word) not in context] or texts
    words = tuple(parse(word)[0] for word in names)
    weights = [len(word[0][0]) for word in words]
    hits = []
    for estimate, code, pk in entries:
        record = loaded.get((code, pk))
        if record is None:
            continue
        kind = BY_CODE[code]
        reasons = list(exact.get((code, pk), []))
        score, rank = (1.0, EXACT) if reasons else (estimate, estimate)
        if words and not reasons:
            score, rank, reasons, unmatched = _rank_names(kind, record, words, weights, parser)
            if score < MIN_SCORE:
                continue
            if code == "person" and any(fold(word) in places.get((code, pk), ()) for word in texts):
                rank += BONUS
                reasons.append(pgettext_lazy("search match", "place"))
        elif not reasons:
            reasons = [pgettext_lazy("search match", "date")]
        if query.years and code == "person" and record.birth_date:
            if record.birth_date.year in query.years:
                rank += BONUS
                reasons.append(pgettext_lazy("search match", "birth year"))
        elif (
            words
            and code == "incident"
            and record.start_earliest
            and record.start_earliest.year in query.years
        ):
            rank += BONUS
            reasons.append(pgettext_lazy("search match", "year"))
        hits.append(Hit(kind, record, score, _facets_of(kind, record), reasons, rank))
    hits.sort(key=lambda hit: -hit.rank)
    return hits


# --- the search --------------------------------------------------------------------------


def _by_code(code: str, visible: Visibility):
    kind = BY_CODE.get(CODE_LETTERS.get(code[0], ""))
    if kind is None:
        return None, None
    return kind, visible.records(kind.model).filter(code=code).first()


def search(
    text: str,
    user,
    only: str | None = None,
    chosen: dict | None = None,
    page: int = 1,
    visible: Visibility | None = None,
) -> Results:
    """One page of what ``text`` finds among the records ``user`` may see, of kind
    ``only`` if given, narrowed by the ``chosen`` facets (name -> value). ``visible``:
    the request's ``Visibility`` of ``user``, when the page asks more than this search."""
    visible = Visibility.of(user, visible)
    query = read(text)
    results = Results(query=query)
    results.page = max(1, page)
    chosen = {name: value for name, value in (chosen or {}).items() if value and name != "kind"}
    teams = visible.teams
    if query.empty or not teams:
        return results
    if query.code:
        kind, record = _by_code(query.code, visible)
        if record is not None and (not only or only == kind.code):
            results.opened = record
            results.append(
                Hit(
                    kind,
                    record,
                    1.0,
                    {"kind": kind.code},
                    [pgettext_lazy("search match", "record code")],
                    EXACT,
                )
            )
            results.total = 1
            results.counts["kind"][kind.code] = 1
        else:
            # The same answer for an unknown code and for another team's record.
            results.notes.append(
                _("No record you may see has the code %(code)s.") % {"code": query.code}
            )
        return results

    exact: dict[tuple[str, int], list] = {}
    if query.contacts:
        person = BY_CODE["person"]
        reason = {
            "phone": pgettext_lazy("search match", "phone number"),
            "email": pgettext_lazy("search match", "e-mail"),
            "handle": pgettext_lazy("search match", "messenger handle"),
        }
        for term in query.contacts:
            for pk in exact_ids(person.model, "contacts", [term], teams):
                exact.setdefault(("person", pk), []).append(reason[term.split(":")[0]])
    if query.references:
        petition = BY_CODE["petition"]
        for pk in exact_ids(petition.model, "reference", query.references, teams):
            exact.setdefault(("petition", pk), []).append(
                pgettext_lazy("search match", "document number")
            )

    kinds = [kind for kind in KINDS if not only or kind.code == only]
    query.words = split_run_together(kinds, query.words, teams)
    scores = index_scores(kinds, query, teams, {})
    entries = []
    for kind in kinds:
        estimates = scores.get(kind.code, {})
        for (code, pk), _reasons in exact.items():
            if code == kind.code:
                estimates[pk] = EXACT
        records = None
        if estimates:
            records = _visible(kind, visible, estimates)
        elif not query.words and not exact and (query.years or query.dates):
            records = by_time(kind, visible.records(kind.model), query.years, query.dates)
        if records is None:
            continue
        records = filtered(kind, records, chosen)
        rows = facet_rows(kind, records, by_ids=bool(estimates))
        if kind.code == "person":
            rows = _named(rows, user)
        count_facets(kind, rows, results.counts)
        ids = [row[0] for row in rows]
        if not estimates:
            estimates = dict.fromkeys(ids, 1.0)
        if query.years and query.words and kind.code in ("incident", "case"):
            column = 1 if kind.code == "incident" else 2  # the years started, opened
            for row in rows:
                if row[column] in query.years:
                    estimates[row[0]] += BONUS
        order = KINDS.index(kind)
        entries += [(estimates[pk], kind.code, pk, order) for pk in ids]
    results.total = len(entries)
    start = (results.page - 1) * PAGE
    # Best estimate first, people before titles, newest first: only as far as the page
    # shown is put in order (a common surname counts thousands of hits, a page shows 20).
    ordered = heapq.nsmallest(start + PAGE, entries, key=lambda e: (-e[0], e[3], -e[2]))
    window = [(e, code, pk) for e, code, pk, _o in ordered[start:]]
    results.extend(_rank_page(window, query, exact, visible))
    if not results.total and not results.notes and query.years and not query.words:
        results.notes.append(_("Nothing you may see is dated in that year."))
    return results


def facet_counts(hits) -> dict[str, Counter]:
    """The facet counts of a search: over every visible hit when given ``Results``."""
    if isinstance(hits, Results):
        return hits.counts
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    for hit in hits:
        for name, value in hit.facets.items():
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    counts[name][item] += 1
    return counts


# --- the pickers' suggestions ------------------------------------------------------------


def candidates(kind: Kind, wanted: set[int], user, teams: list[int], prepare=None):
    """Records of ``kind`` the user may see that share index tokens with the query: the
    ``RANKED`` that share the most, in that order, and whether there were more. Only the
    index rows of the user's teams (``member_teams``) are read, deleted records have none,
    and ``visible_to`` has the last word on every candidate, in the query that loads them.
    ``prepare`` adds what the caller reads of each record (``select_related`` …)."""
    if not wanted or not teams:
        return [], False
    model = kind.model
    ranked = ranked_ids(wanted, teams, RANKED * 2)
    position = {pk: n for n, pk in enumerate(ranked)}

    def load(ids):
        records = model.objects.visible_to(user).filter(pk__in=ids)
        return sorted(prepare(records) if prepare else records, key=lambda r: position[r.pk])

    found = load(ranked[:RANKED])
    if len(found) < min(RANKED, len(ranked)):
        # Some of the closest are not visible after all (a record deleted or moved since
        # it was indexed): look further down the ranking.
        found = load(ranked)[:RANKED]
    return found, len(ranked) > RANKED


def find(kind_code: str, query: str, user, within=None, limit: int = 10) -> list[tuple]:
    """``(record, score)`` of one kind whose names or title match ``query``, best first: a
    picker's suggestions. The same index lookup and policy as ``search``; ``within`` (a
    queryset) narrows the records further, to a form's choices."""
    query = query.strip()
    kind = BY_CODE.get(kind_code)
    if kind is None or not kind.fields or len(query) < 2:
        return []
    teams = list(member_teams(user).values_list("team_id", flat=True))

    def narrow(records):
        return records if within is None else records.filter(pk__in=within.values("pk"))

    found, _more = candidates(kind, query_tokens(kind, query, {}), user, teams, narrow)
    wanted, parsed = parse(query), Parser()
    scored = [
        (
            record,
            score_parsed(
                wanted, [parsed(text) for text in kind.texts(record) if text], parsed.similarity
            ),
        )
        for record in found
    ]
    scored = [pair for pair in scored if pair[1] >= MIN_SCORE]
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]
