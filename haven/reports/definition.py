# ruff: noqa: S608 (the SQL text holds names and int() values only; see haven.reports.counting)
"""What a pattern report is: its measures, dimensions and periods (``Definition``), the
table it gives (``Table``), and the pieces of SQL that group and label the acts."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.locations.models import Location
from haven.reports import tokens as counted_tokens

MEASURES = {
    "acts": gettext_lazy("Acts"),
    "victims": gettext_lazy("Victims (distinct)"),
    "incidents": gettext_lazy("Incidents (distinct)"),
}
DIMENSIONS = {
    "act_type": gettext_lazy("Type of act"),
    "region": gettext_lazy("Place"),
    "period": gettext_lazy("Period"),
    "affiliation": gettext_lazy("Perpetrators' affiliation"),
    "gender": gettext_lazy("Victim's gender"),
    "age": gettext_lazy("Victim's age at the time"),
    "grounds": gettext_lazy("Stated grounds and documented motive"),
}
PERIODS = {
    "year": gettext_lazy("Year"),
    "quarter": gettext_lazy("Quarter"),
    "month": gettext_lazy("Month"),
}
GROUNDS = {
    "stated": gettext_lazy("Stated grounds only"),
    "documented": gettext_lazy("Documented motive only"),
    "differ": gettext_lazy("Both, differing"),
    "same": gettext_lazy("Both, the same"),
    "neither": gettext_lazy("Neither recorded"),
}
# Age bands: (lowest age, label); an age is the year of the act minus the year of birth.
AGE_BANDS = [
    (0, "0–17"),
    (18, "18–24"),
    (25, "25–34"),
    (35, "35–44"),
    (45, "45–59"),
    (60, "60+"),
]
FIRST_BIRTH_YEAR = counted_tokens.FIRST_BIRTH_YEAR
MAX_BITS = 62  # key combinations counted as bits of one integer (see _Report._flags)
MAX_PERIODS = 400  # rows of a period axis; a longer span asks for a coarser period
# Keys of the affiliation groups that are not a text.
NOT_RECORDED, OTHER = 0, 1


@dataclass(frozen=True)
class Definition:
    """What a report counts and how; stored as JSON (``as_json``) in a saved report."""

    rows: str = "act_type"
    columns: str = ""
    measure: str = "acts"
    period: str = "year"
    level: str = Location.Kind.REGION
    date_from: date | None = None
    date_to: date | None = None
    act_types: tuple[str, ...] = ()
    region: int | None = None
    teams: tuple[str, ...] = ()  # team UUIDs, as text

    def __post_init__(self):
        if self.rows not in DIMENSIONS:
            raise ValueError(f"unknown dimension {self.rows!r}")
        if self.columns and (self.columns not in DIMENSIONS or self.columns == self.rows):
            raise ValueError(f"unknown or repeated dimension {self.columns!r}")
        if self.measure not in MEASURES:
            raise ValueError(f"unknown measure {self.measure!r}")
        if self.period not in PERIODS:
            raise ValueError(f"unknown period {self.period!r}")
        if self.level not in Location.Kind.values:
            raise ValueError(f"unknown level {self.level!r}")

    @property
    def dimensions(self) -> list[str]:
        return [d for d in (self.rows, self.columns) if d]

    def as_json(self) -> dict:
        data = {}
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, tuple):
                value = list(value)
            data[item.name] = value
        return data

    @classmethod
    def from_json(cls, data: dict) -> Definition:
        """The definition ``as_json`` wrote; ``ValueError`` for anything else."""
        if not isinstance(data, dict):
            raise ValueError("a report definition is an object")
        known = {item.name for item in fields(cls)}
        values = {}
        for name, value in data.items():
            if name not in known:
                raise ValueError(f"unknown field {name!r}")
            if name in ("date_from", "date_to") and value:
                value = date.fromisoformat(value)
            elif name in ("act_types", "teams"):
                value = tuple(str(v) for v in value or ())
            elif name == "region" and value is not None:
                value = int(value)
            values[name] = value
        return cls(**values)


@dataclass
class Table:
    """The counted figures, before any suppression. Keys are the dimension's own (an id,
    a token, a period number); ``None`` is the "unknown" row or column. Without a column
    dimension there is one column, key ``0``."""

    definition: Definition
    rows: list[tuple[object, str]]
    columns: list[tuple[object, str]]
    cells: dict[tuple, int]
    row_totals: dict[object, int]
    column_totals: dict[object, int]
    total: int
    additive: bool  # totals are the sums of their cells (acts, one value per act)
    # The period dimension's "possible" counts, by cell and by period.
    possible: dict[tuple, int] | None = None
    possible_totals: dict[object, int] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.total == 0

    def cell(self, row, column) -> int:
        return self.cells.get((row, column), 0)


# --- SQL pieces -------------------------------------------------------------------------


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _year(column: str) -> str:
    if connection.vendor == "sqlite":  # dates are 'YYYY-MM-DD' text: no function call
        return f"CAST(substr({column}, 1, 4) AS INTEGER)"
    return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"


def _month(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(substr({column}, 6, 2) AS INTEGER)"
    return f"CAST(EXTRACT(MONTH FROM {column}) AS INTEGER)"


def period_key_sql(column: str, unit: str) -> str:
    """A period as one integer: the year, year·4 + quarter, or year·12 + month (from 0)."""
    if unit == "year":
        return _year(column)
    if unit == "quarter":
        return f"({_year(column)} * 4 + ({_month(column)} - 1) / 3)"
    return f"({_year(column)} * 12 + {_month(column)} - 1)"


def period_key(day: date, unit: str) -> int:
    if unit == "year":
        return day.year
    if unit == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return day.year * 12 + day.month - 1


def period_label(key: int, unit: str) -> str:
    if unit == "year":
        return str(key)
    if unit == "quarter":
        return _("Q%(quarter)d %(year)d") % {"quarter": key % 4 + 1, "year": key // 4}
    return f"{key // 12:04d}-{key % 12 + 1:02d}"


def _values(pairs) -> str:
    """A derived table of integer pairs (``column1``, ``column2``), written inline."""
    rows = ", ".join(f"({int(a)}, {int(b)})" for a, b in pairs) or "(0, 0)"
    return f"(VALUES {rows})"


def _in(values) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")" if values else "(NULL)"


# The marker of a dimension whose key is a column of the affiliation rows
# (``CountedAffiliation``): a query with it counts them instead of the counted acts.
AFFILIATION_ROWS = ("affiliation rows", None, "")


@dataclass
class Dimension:
    """How one dimension groups the acts: its key in SQL, the joins it needs, and how
    its keys read."""

    code: str
    key: str
    joins: list  # SQL, or (name, query, join): see _Report.query
    labels: dict  # key → label
    order: list | None = None  # every key to show, in order (periods, age bands)
    multi: bool = False  # an act may count under several keys (affiliation)


def _position_sql(key: str, finite: list) -> str:
    """The position of ``key``'s value in ``finite`` (its every value), in SQL."""
    if finite == [*range(len(finite) - 1), None]:  # 0, 1, ... or null
        return f"COALESCE({key}, {len(finite) - 1})"
    cases = " ".join(
        f"WHEN {key} = {int(v)} THEN {n}" for n, v in enumerate(finite) if v is not None
    )
    return f"CASE {cases} ELSE {finite.index(None)} END"


def age_band_sql(tokens: dict[int, int]) -> str:
    """The age band of an act's victim (``AGE_BANDS``, null when unknown), from the
    counted act's birth-year token and first month, without a join: a binary search of
    the tokens (``tokens``: token → year) whose leaves compare the month with the months
    each band of that year of birth starts at."""

    def leaf(token: int, year: int) -> str:
        starts = " ".join(
            f"WHEN a.r_first_month < {(int(year) + int(lower)) * 12} THEN {index - 1}"
            for index, (lower, _label) in enumerate(AGE_BANDS)
            if index
        )
        return (
            f"CASE WHEN a.r_born = {int(token)} THEN CASE WHEN a.r_first_month < "
            f"{int(year) * 12} THEN NULL {starts} ELSE {len(AGE_BANDS) - 1} END END"
        )

    ordered = sorted(tokens.items())

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return leaf(*ordered[lo])
        mid = (lo + hi) // 2
        below, above = tree(lo, mid), tree(mid, hi)
        return f"CASE WHEN a.r_born < {int(ordered[mid][0])} THEN {below} ELSE {above} END"

    if not ordered:
        return "NULL"
    return f"CASE WHEN a.r_first_month IS NULL THEN NULL ELSE {tree(0, len(ordered))} END"


def tokens_of(tokens: dict[int, object], value) -> int:
    return next(token for token, v in tokens.items() if v == value)
