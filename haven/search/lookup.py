"""The index stage of search: which records' blind-index tokens promise a match.

Each query word is expanded into its lookup terms with a *level* (the same skeleton, one
edit away, only after repairing a typo) and hashed with each field's key; one SQL
statement per kind gives every matching record of the user's teams with, per word, the
best level it reached: an estimate of the final score computed without decrypting
anything (``index_scores``). Contacts and document numbers are looked up exactly
(``exact_ids``); the pickers take the records sharing the most tokens (``ranked_ids``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from django.db import connection

from haven.lib.id_lists import array
from haven.lib.names import part_terms, skeleton
from haven.records.blind import hashed, term_functions, token_map
from haven.records.models import BlindTerm
from haven.search.query import MOST_WORDS, Query

if TYPE_CHECKING:
    from haven.search.engine import Kind

MIN_SCORE = 0.72
# How close an index level says a word is: the same skeleton, one edit, a repaired typo;
# a word of the query that matched nothing counts as a poor pair would.
LEVEL_SCORE = {3: 1.0, 2: 0.9, 1: 0.8, 0: 0.3}
COMMON = 200  # a word with this many exact matches is not looked up one edit away
BONUS = 0.05  # a matching birth year, place or date between otherwise equal records


def query_tokens(kind: Kind, query: str, terms: dict) -> set[int]:
    """The index tokens a query looks up in ``kind``'s fields; ``terms`` keeps each term
    function's output for the next kind (all name fields share one)."""
    model = kind.model
    wanted: set[int] = set()
    for name in kind.fields:
        function = term_functions(model, name)[1]
        if function not in terms:
            terms[function] = function(query)
        wanted |= hashed(model, name, terms[function])
    return wanted


def _in(tokens) -> tuple[str, list]:
    return ", ".join(["%s"] * len(tokens)), list(tokens)


def word_levels(
    parts: list[dict[int, int]],
    extra: set[int],
    teams: list[int],
    weights: list[int] | None = None,
    within: list[int] | None = None,
) -> dict:
    """Per record of the user's teams that has any of the tokens: the best level each
    query word reached (``parts``: token -> level, one dict per word) and whether it has
    one of the ``extra`` tokens (a birth year). One statement; the levels are worked out
    by the database, so a name shared by thousands sends back one row per record.
    Given the words' ``weights``, only the records whose levels reach ``MIN_SCORE`` are
    sent back (the test is the database's: thousands of rows never reach Python); given
    ``within``, only those of these records. ``kind_levels`` does the same for several
    kinds at once."""
    found = kind_levels({0: (parts, extra)}, teams, weights, {0: within})
    return found.get(0, {})


# Where a token's kind travels in the packed levels: above the levels of every word
# (two bits each, at most ``MOST_WORDS`` and the birth year).
KIND_SHIFT = 24


def kind_levels(
    wanted: dict,
    teams: list[int],
    weights: list[int] | None = None,
    within: dict | None = None,
) -> dict:
    """``word_levels`` of several kinds in one statement: ``wanted`` maps a key (a kind)
    to its (parts, extra) or (parts, extra, carried), ``within`` a key to its records or
    None; the answer maps each key to its records' levels. ``carried`` (packed levels)
    goes with every token of its kind: the level of a word each record of ``within``
    is known to have.

    The tokens travel as one list of (token, levels, kind), the levels of every word
    packed two bits each into one integer, and the index is joined to it: testing each
    index row against one list of tokens per word and level cost three times as much.
    A search looks up four kinds, twice: on PostgreSQL one statement per kind was a
    round trip and a plan each (up to eight per search). Each kind's fields have their
    own keys, so a token belongs to one kind; the kind is read from the list, not from
    the index row (which the lookup reads from the index alone)."""
    keys = list(wanted)
    within = within or {}
    packed: dict[int, int] = {}
    for number, key in enumerate(keys):
        parts, extra, *carried = wanted[key]
        mine: dict[int, int] = {}
        for n, part in enumerate(parts):
            for token, level in part.items():
                mine[token] = mine.get(token, 0) | level << 2 * n
        for token in extra:
            mine[token] = mine.get(token, 0) | 1 << 2 * len(parts)
        for token, levels in mine.items():
            if token in packed:  # two kinds' keys gave one token: each kind alone, then
                return {
                    key: kind_levels({key: wanted[key]}, teams, weights, within)[key]
                    for key in keys
                }
            packed[token] = levels | sum(carried) | number << KIND_SHIFT
    if not packed or not teams:
        return {key: {} for key in keys}
    counts = [len(parts) + (1 if extra else 0) for parts, extra, *_carried in wanted.values()]
    mask = (1 << KIND_SHIFT) - 1
    columns = ", ".join(
        f"MAX((wanted.levels >> {2 * n:d}) & 3)" for n in range(max(counts, default=0))
    )
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    team_marks, team_values = _in(teams)
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        wanted_sql = (
            f"(SELECT token, levels & {mask:d} AS levels, levels >> {KIND_SHIFT:d} AS kind "  # noqa: S608
            f"FROM unnest({array(packed)}::bigint[], {array(packed.values())}::integer[]) "
            "AS w(token, levels)) AS wanted"
        )
        params = []
    else:
        # The list is read first and each token looked up in the index (CROSS JOIN
        # keeps that order in SQLite); JSON object keys are text.
        wanted_sql = (
            f"(SELECT CAST(key AS INTEGER) AS token, value & {mask:d} AS levels, "  # noqa: S608
            f"value >> {KIND_SHIFT:d} AS kind FROM json_each(%s)) AS wanted"
        )
        params = [json.dumps({str(token): levels for token, levels in packed.items()})]
    sql = (
        f"SELECT wanted.kind, b.record_id, {columns} "  # noqa: S608 - placeholders
        f"FROM {wanted_sql} CROSS JOIN {table} AS b "
        f"WHERE b.token = wanted.token AND b.team_id IN ({team_marks})"
    )
    tail: list = []
    narrowed = [n for n, key in enumerate(keys) if within.get(key) is not None]
    if narrowed:  # only these records of these kinds; the index is still read by token
        tests = []
        others = [n for n in range(len(keys)) if n not in narrowed]
        if others:
            tests.append(f"wanted.kind IN ({', '.join(f'{n:d}' for n in others)})")
        for n in narrowed:
            ids = sorted(within[keys[n]])
            if postgresql:
                tests.append(f"(wanted.kind = {n:d} AND b.record_id = ANY({array(ids)}::bigint[]))")
            else:
                # "+": a test on each row read, not one index probe per token and record.
                tests.append(
                    f"(wanted.kind = {n:d} AND "  # noqa: S608 - an integer
                    "+b.record_id IN (SELECT value FROM json_each(%s)))"
                )
                tail.append(json.dumps(ids))
        sql += f" AND ({' OR '.join(tests)})"
    sql += " GROUP BY wanted.kind, b.record_id"
    if weights:
        sql += f" HAVING {_score_sql(weights)}"
    found: dict = {key: {} for key in keys}
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *team_values, *tail])
        for row in cursor.fetchall():
            number = row[0]
            found[keys[number]][row[1]] = row[2 : 2 + counts[number]]
    return found


# The scores in hundredths, for the test that a record reaches ``MIN_SCORE``: integers,
# which the database adds faster than decimals, and exactly (a record at the score
# exactly is kept, in SQL as in Python).
_LEVEL_HUNDREDTHS = {level: round(score * 100) for level, score in LEVEL_SCORE.items()}
_MIN_HUNDREDTHS = round(MIN_SCORE * 100)


def _score_sql(weights: list[int]) -> str:
    """A test that a record's levels (the columns of ``word_levels``) reach ``MIN_SCORE``
    with these word weights, as ``index_scores`` works it out (``_reaches``)."""
    cases = " ".join(f"WHEN {level:d} THEN {score:d}" for level, score in _LEVEL_HUNDREDTHS.items())
    terms = " + ".join(
        f"{weight:d} * (CASE MAX((wanted.levels >> {2 * n:d}) & 3) {cases} END)"
        for n, weight in enumerate(weights)
    )
    return f"{terms} >= {_MIN_HUNDREDTHS * sum(weights):d}"


def levels_of(
    parts: list[dict[int, int]], extra: set[int], teams: list[int], weights: list[int]
) -> dict:
    """``word_levels``, looking a word up one edit away only when it is not common (see
    ``kind_levels_of``, which does it for several kinds at once)."""
    return kind_levels_of({0: (parts, extra)}, teams, weights)[0]


def kind_levels_of(wanted: dict, teams: list[int], weights: list[int]) -> dict:
    """``kind_levels``, looking a word up one edit away only when it is not common; two
    statements at most, whatever the number of kinds (``wanted``: key -> (parts, extra)).

    A word whose exact terms alone match ``COMMON`` records or more (a given name shared
    by hundreds) is not looked up by its one-edit and repaired terms: their records would
    rank after every exact match, and reading their index rows is most of the lookup's
    cost (a dozen rows per record and field against one). A rarer word, or a misspelt
    one (few or no exact matches), is looked up by every term, and then only the records
    that can reach ``MIN_SCORE`` are returned (when every word is common, all of them).
    Which words are common is told apart per kind.
    """
    exact = {
        key: ([{t: level for t, level in part.items() if level == 3} for part in parts], extra)
        for key, (parts, extra) in wanted.items()
    }
    first = kind_levels(exact, teams)
    answer: dict = {}
    second: dict = {}
    narrowed: dict = {}
    filled: dict = {}
    for key, (parts, extra) in wanted.items():
        found = first[key]
        by_word = list(zip(*found.values(), strict=True)) or [()] * len(parts)
        common = [by_word[n].count(3) >= COMMON for n in range(len(parts))]
        if all(common):
            answer[key] = found
            continue
        # A common word that no record can reach ``MIN_SCORE`` without (either word of a
        # two-word name) is matched only by its exact terms: the records to keep are among
        # those the first pass found with it, and the other words' terms need reading only
        # for them ("Adam Popv": 1,135 records instead of the 40,000 titles ending in "…ov").
        # A word no record has exactly (a misspelt surname) reaches one edit at best:
        # with that bound, a common given name can be required that would not be with
        # the misspelt word taken as exact ("Madina Kuznecoov": the 26 records with
        # "Madina" and a "Kuznecov" among 1,500 with either).
        best = [
            3
            if 3 in by_word[n]
            else max((level for level in part.values() if level < 3), default=0)
            for n, part in enumerate(parts)
        ]
        required = [n for n, skip in enumerate(common) if skip and _required(weights, n, best)]
        within = None
        for n in required:
            ids = {record_id for record_id, levels in found.items() if levels[n] == 3}
            within = ids if within is None else within & ids
        if within is not None and not within:
            answer[key] = {}
            continue
        # Every term of the rarer words now, the exact ones of the other common words
        # again (their rows are few): one row per record with all its levels. A one-edit
        # or repaired term can match tens of thousands of records ("Popv" repaired to
        # "…ov"); only those whose levels can reach ``MIN_SCORE`` come back.
        # A required word's rows are not read again: every record of ``within`` has it
        # exactly, so its level travels with each token of the other words, and the
        # records that have none of them are added here if that is enough.
        second[key] = (
            [
                {} if n in required else e if skip else part
                for n, (part, e, skip) in enumerate(zip(parts, exact[key][0], common, strict=True))
            ],
            extra,
            sum(3 << 2 * n for n in required),
        )
        narrowed[key] = within
        if required:
            alone = tuple(3 if n in required else 0 for n in range(len(parts)))
            if _reaches(weights, alone):
                filled[key] = (within, alone + ((0,) if extra else ()))
    if second:
        answer.update(kind_levels(second, teams, weights, narrowed))
    for key, (within, levels) in filled.items():
        found = answer[key]
        for record_id in within:
            found.setdefault(record_id, levels)
    return answer


def _reaches(weights: list[int], levels: tuple) -> bool:
    """The test of ``_score_sql``, in Python: whether ``levels`` reach ``MIN_SCORE``."""
    score = sum(
        weight * _LEVEL_HUNDREDTHS[level] for weight, level in zip(weights, levels, strict=False)
    )
    return score >= _MIN_HUNDREDTHS * sum(weights)


def _required(weights: list[int], n: int, best: list[int] | None = None) -> bool:
    """Whether no record reaches ``MIN_SCORE`` without word ``n``, every other word at its
    ``best`` level (exact when not given; with a margin: a record at the score exactly is
    never left out)."""
    levels = [0 if m == n else 3 if best is None else best[m] for m in range(len(weights))]
    return not _reaches(weights, tuple(levels))


def _word_tokens(kind: Kind, words: list[str], terms: dict) -> list[dict[int, int]]:
    model = kind.model
    parts = []
    for word in words:
        if word not in terms:
            terms[word] = part_terms(word)
        levels: dict[int, int] = {}
        for name in kind.fields:
            for term, token in token_map(model, name, terms[word]).items():
                level = terms[word][term]
                if level > levels.get(token, 0):
                    levels[token] = level
        parts.append(levels)
    return parts


def word_weights(words: list[str]) -> list[int]:
    """How much each query word weighs in a record's estimate: its skeleton's length."""
    return [max(2, len(skeleton(word))) for word in words]


def _capital_split(word: str) -> list[str] | None:
    """The words of ``word`` typed without a space between them, told by a capital letter
    after a small one ("PavelTagirov", "ЗелимханЭдилов"); None for any other word, or
    when a part would have fewer than two letters."""
    cuts = [n for n in range(1, len(word)) if word[n].isupper() and word[n - 1].islower()]
    if not cuts:
        return None
    parts = [word[start:end] for start, end in zip([0, *cuts], [*cuts, len(word)], strict=True)]
    if any(sum(c.isalpha() for c in part) < 2 for part in parts):
        return None
    return parts


def split_run_together(kinds: list[Kind], words: list[str], teams: list[int]) -> list[str]:
    """``words`` with each word of capitalised words run together ("PavelTagirov") split
    into them, unless a record of the user's teams has that word as it is (a name such
    as "McAllister" stays whole). One statement, only when such a word is typed; at most
    ``MOST_WORDS`` words come back, as the query reader keeps.

    The lookup terms of a word cut anywhere in two (``part_terms``, level 1) find every
    record with either half: "PavelTagirov" counted 2,399 incidents at full scale, every
    Pavel and every Tagirov, where "Pavel Tagirov" is the name meant and finds the records
    with both."""
    split = {n: parts for n, word in enumerate(words) if (parts := _capital_split(word))}
    if not split or not teams:
        return words
    wanted = {}
    for kind in kinds:
        if kind.fields:
            parts = _word_tokens(kind, [words[n] for n in split], {})
            exact = [{t: level for t, level in part.items() if level == 3} for part in parts]
            wanted[kind.code] = (exact, set())
    found = kind_levels(wanted, teams)
    whole = {
        n
        for number, n in enumerate(split)
        for levels in found.values()
        if any(record_levels[number] for record_levels in levels.values())
    }
    answer: list[str] = []
    for n, word in enumerate(words):
        answer += split[n] if n in split and n not in whole else [word]
    return answer[:MOST_WORDS]


def index_scores(kinds: list[Kind], query: Query, teams: list[int], terms: dict) -> dict:
    """Per kind (its code), the records whose index tokens promise a score at or over
    ``MIN_SCORE``, with that estimate (and a small bonus for a birth year the query
    gives). Every kind is looked up in the same two statements."""
    if not query.words:
        return {}
    weights = word_weights(query.words)
    wanted = {}
    for kind in kinds:
        if not kind.fields:
            continue
        extra: set[int] = set()
        if kind.code == "person" and query.years:
            # The birth year's counted-only tokens: never a way to find someone (a year
            # alone matches nothing here), only a tie-break between people the name
            # already found.
            years = [f"year:{year:04d}" for year in query.years]
            extra = set(token_map(kind.model, "birth_date", years).values())
        wanted[kind.code] = (_word_tokens(kind, query.words, terms), extra)
    total = sum(weights)
    # Thousands of records reach one of a few combinations of levels: each is scored once.
    estimates: dict[tuple, float | None] = {}
    scores = {}
    for code, found_levels in kind_levels_of(wanted, teams, weights).items():
        extra = wanted[code][1]
        found = scores[code] = {}
        for record_id, levels in found_levels.items():
            if (extra_key := (bool(extra), levels)) not in estimates:
                value = sum(
                    w * LEVEL_SCORE[level] for w, level in zip(weights, levels, strict=False)
                )
                value /= total
                bonus = BONUS if extra and levels[-1] else 0.0
                estimates[extra_key] = value + bonus if value >= MIN_SCORE else None
            value = estimates[extra_key]
            if value is not None:
                found[record_id] = value
    return scores


def exact_ids(model, field: str, terms: list[str], teams: list[int]) -> list[int]:
    """Records of the user's teams with one of ``terms`` in ``field`` (a contact, a
    document number): one statement, every query sends it."""
    tokens = list(token_map(model, field, terms).values())
    if not tokens or not teams:
        return []
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    marks, values = _in(tokens)
    team_marks, team_values = _in(teams)
    sql = (
        f"SELECT DISTINCT record_id FROM {table} "  # noqa: S608 - placeholders
        f"WHERE token IN ({marks}) AND team_id IN ({team_marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *team_values])
        return [row[0] for row in cursor.fetchall()]


def ranked_ids(wanted: set[int], teams: list[int], limit: int) -> list[int]:
    """Ids of the records with the most index tokens in ``wanted``, in the user's teams.

    One SQL statement with placeholders only: through the ORM, preparing each of the
    several hundred token parameters cost about as much as the lookup itself.
    """
    table = connection.ops.quote_name(BlindTerm._meta.db_table)
    tokens = ", ".join(["%s"] * len(wanted))
    team_list = ", ".join(["%s"] * len(teams))
    sql = (
        f"SELECT record_id FROM {table} WHERE token IN ({tokens}) "  # noqa: S608 - placeholders
        f"AND team_id IN ({team_list}) GROUP BY record_id "
        "ORDER BY COUNT(*) DESC, record_id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*wanted, *teams, limit])
        return [row[0] for row in cursor.fetchall()]
