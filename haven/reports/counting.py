# ruff: noqa: S608 (the SQL text holds names and int() values only; see below)
"""Pattern reports: acts, victims or incidents counted by one dimension, or two (a
cross-table), in SQL, with totals.

Need-to-know: everything counted comes from ``Act.objects.countable_by(user)`` (the
live acts of the user's teams, "report figures only" memberships included), so a
figure never includes a record of a team the user does not belong to.

Encrypted values cannot be grouped by their ciphertext; they are grouped by their
blind-index tokens instead (``counted_only`` indexes, docs/reports.md): the gender and
birth year of a victim, the comparison of an incident's stated grounds with its
documented motive, a perpetrator's affiliation. A token is turned back into its label
by hashing the few values it can be (the genders, the years), never by decrypting;
an affiliation, which is free text, is labelled by decrypting one involvement of its
group, and only for groups of at least the report's threshold (smaller ones are
counted together as "Other affiliations", so a rare text never reaches a report).

Dates are vague (``FuzzyPeriod``): an act is dated by its start, or its incident's
when it has none, a range of days. The rule, stated on every report: an act counts as
**certain** in a period when its whole range lies inside it, and as **possible** in
every period its range overlaps. The certain counts add up to the total with one more
row, "no single period", for acts whose range spans more than one; the possible
counts are shown beside them and do not add up.

The SQL is written here rather than with the ORM because a report joins derived
tables (the index tokens, the place roll-up) that the ORM cannot express; the acts it
starts from are still the ORM's ``countable_by`` queryset, compiled into it. Every
value written into the SQL text is an ``int()``; the rest are parameters.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection

from haven.lib.fuzzy_dates import DISTANT_FUTURE, DISTANT_PAST
from haven.reports.definition import (
    DIMENSIONS,
    MAX_PERIODS,
    MEASURES,
    NOT_RECORDED,
    OTHER,
    PERIODS,
    Definition,
    Dimension,
    Table,
    period_key,
    period_label,
)

__all__ = ["DIMENSIONS", "MEASURES", "PERIODS", "Definition", "Table", "count"]
from haven.reports.grouping import _Report


def count(definition: Definition, user, *, threshold: int, fast: bool = True) -> Table:
    """Count what ``definition`` asks over what ``user`` may count (see the module);
    ``fast=False`` counts the records themselves instead of the counted acts."""
    report = _Report(definition, user, threshold, fast)
    dims = [getattr(report, code)() for code in definition.dimensions]
    row_dim = dims[0]
    col_dim = dims[1] if len(dims) > 1 else None
    joins = [sql for dim in dims for sql in dim.joins]
    multi = any(dim.multi for dim in dims)
    additive = definition.measure == "acts" and not multi
    keys = [dim.key for dim in dims]
    cells: dict[tuple, int] = {}
    spans = period_spans = None
    by_period = definition.measure == "acts" and "period" in definition.dimensions
    if by_period:
        # One pass: acts by their first and last period (and the other dimension) give
        # the certain cells, the periods to show and the possible counts alike. An act
        # counts once in each affiliation group (the join holds each act and group once).
        spans = _spans(report, dims, joins)
        position = definition.dimensions.index("period")
        for k1, k2, other, n in spans:
            key = k1 if k1 is not None and k1 == k2 else None
            cell = (key, other) if position == 0 else (other, key)
            cells[cell] = cells.get(cell, 0) + n
        # The periods' own figures count each act once, whatever its affiliations.
        period_dim = dims[position]
        period_spans = _spans(report, [period_dim], []) if multi else spans
    else:
        for *key, n in report.query(keys, joins, report.measure(multi)):
            cells[(key[0], key[1] if col_dim else 0)] = n
    if additive or by_period:
        row_totals: dict = defaultdict(int)
        column_totals: dict = defaultdict(int)
        for (row, column), n in cells.items():
            row_totals[row] += n
            column_totals[column] += n
        total = sum(cells.values())
        if multi:  # by period: the totals of the periods, and the total, from acts once each
            period_totals: dict = defaultdict(int)
            for k1, k2, _other, n in period_spans:
                period_totals[k1 if k1 is not None and k1 == k2 else None] += n
            if position == 0:
                row_totals = period_totals
            else:
                column_totals = period_totals
            total = sum(period_totals.values())
    else:
        if col_dim:
            row_totals = dict(report.query([row_dim.key], row_dim.joins, report.measure(multi)))
        else:  # the cells' own query
            row_totals = {row: n for (row, _c), n in cells.items()}
        if col_dim:
            column_totals = dict(report.query([col_dim.key], col_dim.joins, report.measure(multi)))
        else:
            column_totals = {0: 0}
        total = report.query([], [], report.measure(False))[0][0]
        if not col_dim:
            column_totals = {0: total}
    possible = possible_totals = None
    period_axis = None
    if "period" in definition.dimensions:
        period_axis = _period_axis(report, period_spans)
        possible, possible_totals = _possible(report, dims, joins, multi, period_axis, spans)
        if multi and period_spans is not None:
            _cells, possible_totals = _possible(
                report, [dims[position]], [], False, period_axis, period_spans
            )
    rows = _axis(row_dim, {row for row, _c in cells}, period_axis, definition)
    if col_dim:
        columns = _axis(col_dim, {c for _r, c in cells}, period_axis, definition)
    else:
        columns = [(0, str(MEASURES[definition.measure]))]
    return Table(
        definition=definition,
        rows=rows,
        columns=columns,
        cells=cells,
        row_totals=dict(row_totals),
        column_totals=dict(column_totals),
        total=total,
        additive=additive,
        possible=possible,
        possible_totals=possible_totals,
    )


def _axis(dim: Dimension, seen: set, period_axis, definition) -> list[tuple[object, str]]:
    """The keys of one axis, in order, with their labels."""
    if dim.code == "period":
        keys = [*(period_axis or []), *([None] if None in seen else [])]
        unit = definition.period
        return [(k, period_label(k, unit) if k is not None else dim.labels[None]) for k in keys]
    if dim.order is not None:
        return [(k, str(dim.labels.get(k, k))) for k in dim.order if k in seen]
    known = [k for k in seen if k is not None and k in dim.labels]
    unknown = [k for k in seen if k is None or k not in dim.labels]
    known.sort(
        key=lambda k: (
            k in (NOT_RECORDED, OTHER) and dim.code == "affiliation",
            str(dim.labels[k]).casefold(),
        )
    )
    return [(k, str(dim.labels.get(k, "?"))) for k in [*known, *unknown]]


def _spans(report, dims, joins) -> list[tuple]:
    """(first period, last period, other dimension's key, acts) of the acts counted."""
    first, last = report.period_sql("first"), report.period_sql("last")
    others = [dim.key for dim in dims if dim.code != "period"]
    return [
        (k1, k2, rest[0] if len(rest) > 1 else 0, rest[-1])
        for k1, k2, *rest in report.query([first, last, *others], joins, "COUNT(*)")
    ]


def _period_axis(report, spans=None) -> list[int]:
    """Every period from the first to the last in which an act may count, empty ones
    included: the filter's bounds when it has them, else the span of the acts' dates
    (an open range, "before 2019", reaches back only as far as the others)."""
    unit = report.definition.period
    definition = report.definition
    lo = period_key(definition.date_from, unit) if definition.date_from else None
    hi = period_key(definition.date_to, unit) if definition.date_to else None
    if lo is None or hi is None:
        past, future = period_key(DISTANT_PAST, unit), period_key(DISTANT_FUTURE, unit)
        if spans is not None:
            bounded = [(k1, k2) for k1, k2, _o, _n in spans if k1 is not None]
            bounded = [(k1, k2) for k1, k2 in bounded if k1 > past and k2 < future]
            low = min((k1 for k1, _k2 in bounded), default=None)
            high = max((k2 for _k1, k2 in bounded), default=None)
        else:
            first, last = report.period_sql("first"), report.period_sql("last")
            sql = (
                f"SELECT MIN({first}), MAX({last}) FROM ({report.base}) a "
                "WHERE a.r_first > %s AND a.r_last < %s"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [*report.params, DISTANT_PAST, DISTANT_FUTURE])
                low, high = cursor.fetchone()
        lo = low if lo is None else lo
        hi = high if hi is None else hi
    if lo is None or hi is None:
        return []
    return list(range(lo, min(hi, lo + MAX_PERIODS - 1) + 1))


def _possible(report, dims, joins, multi, axis, spans=None) -> tuple[dict, dict]:
    """The possible counts: each act (victim, incident) in every period of ``axis`` that
    its range overlaps, per cell and per period."""
    if not axis:
        return {}, {}
    position = [dim.code for dim in dims].index("period")
    other = dims[1 - position] if len(dims) > 1 else None
    first, last = report.period_sql("first"), report.period_sql("last")
    keys = [first, last] + ([other.key] if other else [])
    lo, hi = axis[0], axis[-1]
    if spans is not None:
        cells: dict[tuple, int] = defaultdict(int)
        totals: dict[int, int] = defaultdict(int)
        for k1, k2, other_key, n in spans:
            if k1 is None:
                continue
            for period in range(max(k1, lo), min(k2, hi) + 1):
                cells[_cell(position, period, [other_key] if other else [])] += n
                totals[period] += n
        return dict(cells), dict(totals)
    # Distinct things (victims, incidents, or acts counted under several keys) are
    # gathered as sets, so that one counts once per period however many of its acts do.
    entity = {"victims": "a.r_victim", "incidents": "a.r_incident"}.get(
        report.definition.measure, "a.r_act"
    )
    sets: dict[tuple, set] = defaultdict(set)
    period_sets: dict[int, set] = defaultdict(set)
    for k1, k2, *rest in report.query([*keys, entity], joins, "COUNT(*)"):
        thing, other_key = rest[-2], rest[:-2]
        if k1 is None:
            continue
        for period in range(max(k1, lo), min(k2, hi) + 1):
            sets[_cell(position, period, other_key)].add(thing)
            period_sets[period].add(thing)
    return (
        {key: len(found) for key, found in sets.items()},
        {period: len(found) for period, found in period_sets.items()},
    )


def _cell(position: int, period: int, other_key: list) -> tuple:
    other = other_key[0] if other_key else 0
    return (period, other) if position == 0 else (other, period)
