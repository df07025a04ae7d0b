"""Small-cell protection, tested by an attacker: from every figure a protected table
shows, work out each hidden figure by differencing its rows, columns and totals (exact
linear algebra), and by the bounds the marks give ("< 5" is 0 to 4, "×" at least 5).
Protected tables give nothing away; the same attack recovers a small figure when the
complementary suppression is turned off, so the attacker is known to work."""

import random
from fractions import Fraction

import pytest

from haven.reports.counting import Definition, count
from haven.reports.suppression import PRIMARY, lines_of, protect, protect_table, values_of

T = 5


def table_of(grid):
    """The values and lines of a cross-table given as a list of rows."""
    rows, columns = range(len(grid)), range(len(grid[0]))
    values = {("cell", r, c): grid[r][c] for r in rows for c in columns}
    for r in rows:
        values[("row", r)] = sum(grid[r])
    for c in columns:
        values[("column", c)] = sum(grid[r][c] for r in rows)
    values[("total",)] = sum(map(sum, grid))
    return values, lines_of(list(rows), list(columns), with_columns=True)


def solved_by_differencing(values, lines, hidden) -> set:
    """Hidden entries whose value follows from the lines' sums (Gauss–Jordan on the
    unknowns, in exact fractions): a pivot row with no free unknown gives it."""
    unknowns = sorted(hidden, key=str)
    index = {entry: i for i, entry in enumerate(unknowns)}
    matrix = []
    for total, parts in lines:
        row = [Fraction(0)] * (len(unknowns) + 1)
        for entry, sign in [(total, -1), *((p, 1) for p in parts)]:
            if entry in index:
                row[index[entry]] += sign
            else:
                row[-1] -= sign * values[entry]
        if any(row[:-1]):
            matrix.append(row)
    pivots, r = [], 0
    for c in range(len(unknowns)):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][c]), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        matrix[r] = [x / matrix[r][c] for x in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][c]:
                matrix[i] = [
                    a - matrix[i][c] * b for a, b in zip(matrix[i], matrix[r], strict=True)
                ]
        pivots.append(c)
        r += 1
    found = set()
    for i, c in enumerate(pivots):
        if not any(matrix[i][j] for j in range(len(unknowns)) if j != c):
            found.add(unknowns[c])
    return found


def pinned_by_bounds(values, lines, hidden) -> set:
    """Hidden small figures that the marks and the sums pin to one value."""
    high = values[("total",)]
    box = {e: [0, T - 1] if why == PRIMARY else [T, high] for e, why in hidden.items()}

    def lo(e):
        return box[e][0] if e in box else values[e]

    def hi(e):
        return box[e][1] if e in box else values[e]

    for _ in range(100):
        before = {e: tuple(b) for e, b in box.items()}
        for total, parts in lines:
            for e in [total, *parts]:
                if e not in box:
                    continue
                if e == total:
                    box[e][0] = max(box[e][0], sum(lo(p) for p in parts))
                    box[e][1] = min(box[e][1], sum(hi(p) for p in parts))
                else:
                    rest = [p for p in parts if p != e]
                    box[e][0] = max(box[e][0], lo(total) - sum(hi(p) for p in rest))
                    box[e][1] = min(box[e][1], hi(total) - sum(lo(p) for p in rest))
        if before == {e: tuple(b) for e, b in box.items()}:
            break
    return {e for e, why in hidden.items() if why == PRIMARY and box[e][0] == box[e][1]}


def attack(values, lines, hidden) -> set:
    """The small figures above zero that the attacker works out (a "< 5" found to be 0
    was a zero hidden to protect another: it tells nothing of anyone)."""
    small = {e for e, why in hidden.items() if why == PRIMARY}
    return {e for e in _attack(values, lines, hidden, small) if values[e] > 0}


def _attack(values, lines, hidden, small) -> set:
    return (solved_by_differencing(values, lines, hidden) & small) | pinned_by_bounds(
        values, lines, hidden
    )


GRID = [
    [12, 3, 20],
    [8, 15, 9],
    [30, 7, 11],
]


def test_one_small_cell_is_found_by_differencing_without_complements():
    values, lines = table_of(GRID)
    hidden = protect(values, lines, T, complementary=False).hidden
    assert hidden == {("cell", 0, 1): PRIMARY}
    assert attack(values, lines, hidden) == {("cell", 0, 1)}  # 35 - 12 - 20


def test_complementary_suppression_leaves_it_undetermined():
    values, lines = table_of(GRID)
    hidden = protect(values, lines, T).hidden
    assert ("cell", 0, 1) in hidden
    assert sum(1 for e in hidden if e[0] == "cell" and e[1] == 0) >= 2
    assert attack(values, lines, hidden) == set()
    # The totals are all still shown.
    assert not [e for e in hidden if e[0] != "cell"]


def test_small_figures_pinned_by_their_bounds_are_widened():
    # Row 0 has two "< 5" with a total of 8: both would be 4.
    values, lines = table_of([[4, 4, 40, 50], [4, 4, 40, 50], [20, 30, 40, 50]])
    hidden = protect(values, lines, T).hidden
    assert attack(values, lines, hidden) == set()
    assert len([e for e in hidden if e[0] == "cell" and e[1] == 0]) >= 3


def random_grids(seed, n=200):
    rng = random.Random(seed)
    for _ in range(n):
        rows, columns = rng.randint(2, 5), rng.randint(2, 5)
        yield [
            [rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 40]) for _c in range(columns)]
            for _r in range(rows)
        ]


def test_no_random_table_gives_a_small_figure_away():
    recovered_without = 0
    for grid in random_grids(14):
        values, lines = table_of(grid)
        hidden = protect(values, lines, T).hidden
        assert attack(values, lines, hidden) == set(), grid
        bare = protect(values, lines, T, complementary=False).hidden
        recovered_without += bool(attack(values, lines, bare))
    assert recovered_without > 50  # the attacker does find them when nothing protects them


@pytest.mark.django_db
def test_a_counted_report_gives_nothing_away(world, personas):
    table = count(Definition(rows="act_type", columns="period"), personas.member, threshold=T)
    rows = [k for k, _l in table.rows]
    columns = [k for k, _l in table.columns]
    values = values_of(table)
    lines = lines_of(rows, columns, with_columns=True)
    hidden = protect_table(table, T).hidden
    assert attack(values, lines, {e: w for e, w in hidden.items() if e in values}) == set()
    # Every cell of this small world is below 5; its total of 5 is shown.
    assert all(why == PRIMARY for e, why in hidden.items() if e[0] == "cell")
    assert ("total",) not in hidden
    bare = protect_table(table, T, complementary=False).hidden
    assert all(why == PRIMARY for why in bare.values())
