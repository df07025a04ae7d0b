"""Small-cell protection: no figure of a report singles anyone out.

A figure below the threshold (``HAVEN_REPORT_MIN_CELL``, 5 by default) but above
zero is *primary* suppressed: shown as "< 5", which reads "fewer than 5, possibly
none" (a zero is hidden that way too where it must be, see below). That alone is not
enough, because a table also shows totals: a row with one hidden cell gives it away as the row total
minus the others. So cells are *complementary* suppressed (shown as "×") until no
hidden figure can be worked out from the visible ones:

1. In every line (a row and its total, a column and its total, the totals and the
   grand total), one hidden entry alone is found by subtraction: another one is
   hidden too — the smallest figure of the line that is not zero (shown "×"; a
   large one costs the reader more), or where none is left, a zero (shown "< 5",
   which is true of it). Repeat until stable, since each new hidden cell sits in a
   column as well as a row.
2. Bounds are worked out as a reader would: a "< 5" is between 0 and 4, a "×" at
   least 5, and each line's hidden entries add up to what its total leaves. Where
   these bounds pin a "< 5" to one value (a total of 8 over two "< 5": both are 4),
   one more figure of that line is hidden; repeat.

Totals stay visible where they can: with two or more hidden cells in a line they no
longer give any one away. A total is hidden only where it is itself small, or where
its line has nothing else left to hide. Zeros are shown: that nothing happened
somewhere singles no one out.

The same works for tables whose totals are not sums (distinct victims, acts with
several affiliations): their totals tell a reader less than a sum would, so
protecting them as if they were sums is on the safe side.
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY, COMPLEMENTARY = "primary", "complementary"


@dataclass
class Protected:
    """Which entries of a table are hidden, and why (``PRIMARY`` or ``COMPLEMENTARY``)."""

    hidden: dict[object, str]

    def shown(self, entry) -> bool:
        return entry not in self.hidden


def lines_of(rows: list, columns: list, *, with_columns: bool) -> list[tuple[object, list]]:
    """The equations a table shows, as (total entry, part entries). Entries are
    ``("cell", row, column)``, ``("row", row)``, ``("column", column)`` and ``("total",)``."""
    lines = [(("row", r), [("cell", r, c) for c in columns]) for r in rows]
    lines.append((("total",), [("row", r) for r in rows]))
    if with_columns:
        lines += [(("column", c), [("cell", r, c) for r in rows]) for c in columns]
        lines.append((("total",), [("column", c) for c in columns]))
    return lines


def protect(
    values: dict,
    lines: list[tuple[object, list]],
    threshold: int,
    *,
    complementary: bool = True,
    hidden_already=(),
) -> Protected:
    """The entries of ``values`` to hide (see the module); ``hidden_already`` are hidden
    for another reason (a figure beside them is)."""
    hidden = {entry: COMPLEMENTARY for entry in hidden_already if values.get(entry, 0) > 0}
    hidden.update({entry: PRIMARY for entry, n in values.items() if 0 < n < threshold})
    if not complementary or not hidden:
        return Protected(hidden)
    while True:
        changed = _alone(values, lines, hidden)
        pinned = _pinned(values, lines, hidden, threshold)
        for entry in pinned:
            changed |= _hide_one_more(values, lines, hidden, entry)
        if not changed:
            return Protected(hidden)


def _pick(values: dict, line: tuple, hidden: dict):
    """The entry of ``line`` to hide next, and how: its smallest visible non-zero part
    ("×"), or else one of its zeros ("< 5", which it is), or else its total."""
    total, parts = line
    visible = [p for p in parts if p not in hidden and values.get(p, 0) > 0]
    if visible:
        return min(visible, key=lambda p: (values[p], str(p))), COMPLEMENTARY
    zeros = [p for p in parts if p not in hidden]
    if zeros:
        return min(zeros, key=str), PRIMARY
    if total not in hidden and values.get(total, 0) > 0:
        return total, COMPLEMENTARY
    return None


def _alone(values: dict, lines: list, hidden: dict) -> bool:
    changed = True
    any_change = False
    while changed:
        changed = False
        for line in lines:
            total, parts = line
            if sum(1 for entry in (total, *parts) if entry in hidden) == 1:
                pick = _pick(values, line, hidden)
                if pick is not None:
                    hidden[pick[0]] = pick[1]
                    changed = any_change = True
    return any_change


def _hide_one_more(values: dict, lines: list, hidden: dict, entry) -> bool:
    for line in lines:
        total, parts = line
        if entry == total or entry in parts:
            pick = _pick(values, line, hidden)
            if pick is not None:
                hidden[pick[0]] = pick[1]
                return True
    return False


def bounds(values: dict, lines: list, hidden: dict, threshold: int) -> dict:
    """What a reader can tell of each hidden entry: (lowest, highest), from the marks
    and from the lines' sums."""
    ceiling = max(values.values(), default=0)
    found = {
        entry: (0, threshold - 1) if why == PRIMARY else (threshold, ceiling)
        for entry, why in hidden.items()
    }

    def known(entry):
        if entry in found:
            return found[entry]
        n = values.get(entry, 0)
        return (n, n)

    # Only the lines with something hidden tell anything; each pass works out every
    # line's sums once, so a pass costs the size of the table.
    lines = [line for line in lines if line[0] in found or any(p in found for p in line[1])]
    for _round in range(50):
        changed = False
        for total, parts in lines:
            low_total, high_total = known(total)
            lows = [known(p)[0] for p in parts]
            highs = [known(p)[1] for p in parts]
            sum_low, sum_high = sum(lows), sum(highs)
            updates = []
            if total in found:
                updates.append((total, sum_low, sum_high))
            for part, low, high in zip(parts, lows, highs, strict=True):
                if part in found:
                    updates.append(
                        (part, low_total - (sum_high - high), high_total - (sum_low - low))
                    )
            for entry, low, high in updates:
                old = found[entry]
                new = (max(old[0], low), min(old[1], high))
                if new != old and new[0] <= new[1]:
                    found[entry] = new
                    changed = True
        if not changed:
            break
    return found


def _pinned(values: dict, lines: list, hidden: dict, threshold: int) -> list:
    """Hidden small figures above zero that a reader can work out: from several lines'
    sums together, or from the bounds (a zero hidden to protect another may be found
    out: it tells nothing of anyone)."""
    found = bounds(values, lines, hidden, threshold)
    solved = determined(lines, hidden)
    return [
        entry
        for entry, (low, high) in found.items()
        if hidden[entry] == PRIMARY
        and (low == high or entry in solved)
        and values.get(entry, 0) > 0
    ]


_PRIME = 2**61 - 1


def determined(lines: list, hidden) -> set:
    """Hidden entries whose values follow from the lines' sums taken together.

    Gauss–Jordan elimination on the hidden entries' coefficients (the visible figures
    only move the right-hand side, which does not matter for *whether* an entry is
    determined): an entry is determined when its pivot row holds no other unknown.
    Worked modulo a 61-bit prime, which keeps the numbers small; with coefficients of
    0 and ±1 the rank is that over the rationals unless the prime divides a minor,
    which for tables of this size it cannot in practice."""
    unknowns = sorted(hidden, key=str)
    index = {entry: i for i, entry in enumerate(unknowns)}
    pivots: list[tuple[int, dict]] = []
    for total, parts in lines:
        row: dict[int, int] = {}
        for entry, sign in [(total, -1), *((p, 1) for p in parts)]:
            if entry in index:
                row[index[entry]] = (row.get(index[entry], 0) + sign) % _PRIME
        for column, pivot_row in pivots:
            factor = row.get(column)
            if factor:
                for c, v in pivot_row.items():
                    row[c] = (row.get(c, 0) - factor * v) % _PRIME
        row = {c: v for c, v in row.items() if v}
        if not row:
            continue
        column = min(row)
        inverse = pow(row[column], -1, _PRIME)
        row = {c: v * inverse % _PRIME for c, v in row.items()}
        # Keep the earlier pivot rows reduced by the new one (Gauss–Jordan).
        for i, (other_column, other_row) in enumerate(pivots):
            factor = other_row.get(column)
            if factor:
                for c, v in row.items():
                    other_row[c] = (other_row.get(c, 0) - factor * v) % _PRIME
                pivots[i] = (other_column, {c: v for c, v in other_row.items() if v})
        pivots.append((column, row))
    return {unknowns[column] for column, row in pivots if len(row) == 1}


def protect_table(table, threshold: int, *, complementary: bool = True) -> Protected:
    """Protect a counted table (``counting.Table``): its cells, totals and, for a period
    report, its "possible" figures (hidden where they are small or where the certain
    figure of the same cell is)."""
    rows = [key for key, _label in table.rows]
    columns = [key for key, _label in table.columns]
    with_columns = bool(table.definition.columns)
    values = values_of(table)
    protected = protect(
        values,
        lines_of(rows, columns, with_columns=with_columns),
        threshold,
        complementary=complementary,
    )
    if table.possible is not None:
        possible = {("possible", *key): n for key, n in table.possible.items()}
        period_rows = table.definition.rows == "period"
        for key, n in (table.possible_totals or {}).items():
            possible[("possible-total", key)] = n
        lines = []
        axis = rows if period_rows else columns
        other = columns if period_rows else rows
        for period in axis:
            parts = [
                ("possible", period, o) if period_rows else ("possible", o, period) for o in other
            ]
            lines.append((("possible-total", period), parts))
        # Where the certain figure is hidden, so is the possible one beside it.
        beside = [("possible", *entry[1:]) for entry in protected.hidden if entry[0] == "cell"]
        extra = protect(
            possible, lines, threshold, complementary=complementary, hidden_already=beside
        )
        protected.hidden.update(extra.hidden)
    return protected


def values_of(table) -> dict:
    values = {("cell", *key): n for key, n in table.cells.items()}
    for row, _label in table.rows:
        values[("row", row)] = table.row_totals.get(row, 0)
        for column, _label in table.columns:
            values.setdefault(("cell", row, column), 0)
    for column, _label in table.columns:
        values[("column", column)] = table.column_totals.get(column, 0)
    values[("total",)] = table.total
    return values
