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

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.accounts.models import Team
from haven.incidents.models import Act, Involvement
from haven.lib.fuzzy_dates import DISTANT_FUTURE, DISTANT_PAST
from haven.locations.models import Location, rolled_up
from haven.people.models import Person
from haven.records.models import BlindTerm
from haven.reports import tokens as counted_tokens
from haven.reports.models import CountedAct, CountedAffiliation
from haven.vocab.models import Term

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


class _Report:
    """``fast``: count the counted acts (``CountedAct``, one narrow table kept by the
    writes, haven/reports/facts.py); otherwise the records themselves, joined to their
    incidents and blind-index tokens. Both give the same figures (tested)."""

    def __init__(self, definition: Definition, user, threshold: int, fast: bool = True):
        self.definition = definition
        self.threshold = threshold
        self.fast = fast
        acts = counted_acts if fast else countable_acts
        self.base, self.params = acts(user, definition).query.sql_with_params()
        if fast:
            rows = counted_affiliations(user, definition).query.sql_with_params()
            self.affiliation_base, self.affiliation_params = rows
        self.blind = _quote(BlindTerm._meta.db_table)
        # key → (the key it is worked out from, how, the join it needs): counted by the
        # plain key and worked out here where the counts add up (see ``query``).
        self.rollups: dict[str, tuple] = {}
        # The affiliation groups' tokens named in a report (the rest are "other").
        self.kept: dict[int, int] = {}
        # key → every value it can have, for the keys that have few.
        self.finite: dict[str, list] = {}
        if fast:
            for end in ("first", "last"):
                self.rollups[self.period_sql(end)] = (f"a.r_{end}_month", None, None)

    def period_sql(self, end: str, unit: str | None = None) -> str:
        """The period key of the first or last day of an act's range, in SQL."""
        unit = unit or self.definition.period
        if not self.fast:
            return period_key_sql(f"a.r_{end}", unit)
        month = f"a.r_{end}_month"
        return {"year": f"({month} / 12)", "quarter": f"({month} / 3)"}.get(unit, month)

    # Each dimension ---------------------------------------------------------------------

    def act_type(self) -> Dimension:
        terms = Term.objects.filter(vocabulary="act_type")
        return Dimension(
            "act_type", "a.r_type", [], {term.pk: term.label for term in terms} | {None: "?"}
        )

    def region(self) -> Dimension:
        mapping = rolled_up(self.definition.level)
        places = Location.objects.in_bulk(set(mapping.values()))
        labels = {pk: place.name for pk, place in places.items()}
        labels[None] = _("Place unknown")
        join = (
            "rg",
            f"SELECT column1, column2 FROM {_values(mapping.items())} v",
            "LEFT JOIN rg ON rg.column1 = a.r_place",
        )
        self.rollups["rg.column2"] = ("a.r_place", mapping.get, join)
        return Dimension("region", "rg.column2", [join], labels)

    def period(self) -> Dimension:
        first, last = self.period_sql("first"), self.period_sql("last")
        return Dimension(
            "period",
            f"CASE WHEN {first} = {last} THEN {first} END",
            [],
            {None: _("No single period (a vaguer date)")},
        )

    def gender(self) -> Dimension:
        tokens = counted_tokens.gender_tokens()
        choices = dict(Person.Gender.choices)
        labels = {token: str(choices[value]) for token, value in tokens.items()}
        labels[None] = _("Not recorded")
        order = [tokens_of(tokens, g) for g in Person.Gender.values] + [None]
        if self.fast:  # the column holds one of these tokens, or null
            self.finite["a.r_gender"] = [*tokens, None]
            return Dimension("gender", "a.r_gender", [], labels, order=order)
        sql = (
            "gd",
            f"SELECT record_id, token FROM {self.blind} WHERE token IN {_in(tokens)}",
            "LEFT JOIN gd ON gd.record_id = a.r_victim",
        )
        return Dimension("gender", "gd.token", [sql], labels, order=order)

    def age(self) -> Dimension:
        tokens = counted_tokens.birth_year_tokens()
        age = f"({self.period_sql('first', 'year')} - ag.born)"
        labels = {index: label for index, (_lower, label) in enumerate(AGE_BANDS)}
        labels[None] = _("Birth year not recorded")
        order = [*range(len(AGE_BANDS)), None]
        if self.fast and connection.vendor == "sqlite":
            # SQLite would scan the table of years again for every act: a search instead.
            key = age_band_sql(tokens)
            self.finite[key] = order
            return Dimension("age", key, [], labels, order=order)
        bands = " ".join(
            f"WHEN {age} < {int(upper)} THEN {index}"
            for index, (upper, _label) in enumerate(AGE_BANDS[1:])
        )
        if self.fast:  # PostgreSQL hashes the years for the join
            sql = (
                "ag",
                f"SELECT column1 AS token, column2 AS born FROM {_values(tokens.items())} v",
                "LEFT JOIN ag ON ag.token = a.r_born",
            )
        else:
            sql = (
                "ag",
                f"SELECT b.record_id, m.column2 AS born FROM {self.blind} b "
                f"JOIN {_values(tokens.items())} m ON m.column1 = b.token",
                "LEFT JOIN ag ON ag.record_id = a.r_victim",
            )
        first = "a.r_first_month" if self.fast else "a.r_first"
        key = (
            f"CASE WHEN ag.born IS NULL OR {first} IS NULL OR {age} < 0 THEN NULL "
            f"{bands} ELSE {len(AGE_BANDS) - 1} END"
        )
        if self.fast:
            self.finite[key] = order
        return Dimension("age", key, [sql], labels, order=order)

    def grounds(self) -> Dimension:
        tokens = counted_tokens.grounds_tokens()
        labels = {token: str(GROUNDS[code]) for token, code in tokens.items()}
        labels[None] = str(GROUNDS["neither"])
        order = [tokens_of(tokens, code) for code in GROUNDS]
        if self.fast:  # the column holds one of these tokens, or null
            self.finite["a.r_grounds"] = [*tokens, None]
            return Dimension("grounds", "a.r_grounds", [], labels, order=order)
        sql = (
            "gr",
            f"SELECT record_id, token FROM {self.blind} WHERE token IN {_in(tokens)}",
            "LEFT JOIN gr ON gr.record_id = a.r_incident",
        )
        return Dimension("grounds", "gr.token", [sql], labels, order=order)

    def affiliation(self) -> Dimension:
        kind = ContentType.objects.get_for_model(Involvement).pk
        involvements = _quote(Involvement._meta.db_table)
        with connection.cursor() as cursor:
            # Each affiliation's size and one of its involvements, among the acts counted.
            if self.fast:  # one row per act and token: a token's rows are its acts
                cursor.execute(
                    f"SELECT a.r_token, MIN(a.r_involvement), COUNT(*) "
                    f"FROM ({self.affiliation_base}) a "
                    f"WHERE a.r_token IS NOT NULL AND a.r_token <> {NOT_RECORDED} "
                    "GROUP BY a.r_token",
                    self.affiliation_params,
                )
            else:
                cursor.execute(
                    f"SELECT b.token, MIN(i.id), COUNT(DISTINCT i.act_id) FROM {involvements} i "
                    f"JOIN {self.blind} b ON b.kind_id = {int(kind)} AND b.record_id = i.id "
                    f"WHERE i.deleted_at IS NULL "
                    f"AND i.act_id IN (SELECT r_act FROM ({self.base}) x) "
                    "GROUP BY b.token",
                    self.params,
                )
            groups = cursor.fetchall()
        kept = {token: first for token, first, n in groups if n >= self.threshold}
        texts = Involvement._base_manager.in_bulk(kept.values())
        labels = {token: texts[first].affiliation.strip() for token, first in kept.items()}
        labels[NOT_RECORDED] = _("Affiliation not recorded")
        labels[OTHER] = _("Other affiliations (each on fewer than %(n)d acts)") % {
            "n": self.threshold
        }
        labels[None] = _("No perpetrator recorded")
        if self.fast:
            # A column of the affiliation rows: the token, "not recorded" (0) or none.
            self.kept = {int(token): int(token) for token in kept}
            kept_sql = f"WHEN a.r_token IN {_in(kept)} THEN a.r_token " if kept else ""
            key = (
                f"CASE WHEN a.r_token IS NULL THEN NULL WHEN a.r_token = {NOT_RECORDED} "
                f"THEN {NOT_RECORDED} {kept_sql}ELSE {OTHER} END"
            )
            self.rollups[key] = ("a.r_token", self.affiliation_group, None)
            return Dimension("affiliation", key, [AFFILIATION_ROWS], labels, multi=True)
        kept_sql = f"WHEN b.token IN {_in(kept)} THEN b.token " if kept else ""
        sql = (
            "af",
            # One row per act and group, however many of its involvements name it.
            f"SELECT DISTINCT i.act_id, CASE WHEN b.token IS NULL THEN {NOT_RECORDED} "
            f"{kept_sql}ELSE {OTHER} END AS aff FROM {involvements} i "
            f"LEFT JOIN {self.blind} b ON b.kind_id = {int(kind)} AND b.record_id = i.id "
            "WHERE i.deleted_at IS NULL",
            "LEFT JOIN af ON af.act_id = a.r_act",
        )
        return Dimension("affiliation", "af.aff", [sql], labels, multi=True)

    def affiliation_group(self, token):
        """The affiliation group (the key of ``affiliation()``) of a row's token."""
        if token is None or token == NOT_RECORDED:
            return token
        return token if token in self.kept else OTHER

    # Counting ---------------------------------------------------------------------------

    def measure(self, multi: bool) -> str:
        measure = self.definition.measure
        if measure == "victims":
            return "COUNT(DISTINCT a.r_victim)"
        if measure == "incidents":
            return "COUNT(DISTINCT a.r_incident)"
        return "COUNT(DISTINCT a.r_act)" if multi else "COUNT(*)"

    def query(self, keys: list[str], joins: list, value: str) -> list[tuple]:
        """``joins``: SQL, or (name, query, join) for a table of tokens worked out once
        (MATERIALIZED: both databases then hash or index it for the join, instead of
        looking the index up again for every act).

        Rows counted (``COUNT(*)``) by a rolled-up key (a place's region, a month's
        year) are counted by the plain key (the place, the month) and added up here:
        SQLite would otherwise read the whole roll-up table again for every act, or
        sort every act to group them, where by plain columns it reads them in the order
        of an index of the counted acts."""
        if self.fast and value == "COUNT(DISTINCT a.r_act)":
            # One row per counted act, and one per act and affiliation token: the rows of
            # a group are its acts, but for the acts with several rows in "other"
            # (``_several_others`` takes them out).
            value = "COUNT(*)"
        rolled = [key for key in keys if key in self.rollups]
        if self._flagged(keys, joins, value):
            return self._flags(keys, joins, value)
        if not rolled or value != "COUNT(*)":
            return self._query(keys, joins, value)
        plain = [self.rollups[key][0] if key in rolled else key for key in keys]
        # A key worked out in SQL from its plain key (a month's year) is selected as it
        # is and grouped by the plain key; one that needs a join (a region) or reads a
        # report's own list (an affiliation) is selected plain and mapped here.
        mappings = [self.rollups[key][1] if key in rolled else None for key in keys]
        select = [p if m else key for key, p, m in zip(keys, plain, mappings, strict=True)]
        dropped = [self.rollups[key][2] for key in rolled if self.rollups[key][2]]
        joins = [j for j in joins if j not in dropped]
        rows = self._query(select, joins, value, group=plain)
        summed: dict[tuple, int] = defaultdict(int)
        for row in rows:
            key = tuple(m(v) if m else v for m, v in zip(mappings, row[:-1], strict=True))
            summed[key] += row[-1]
        if AFFILIATION_ROWS in joins:
            self._several_others(select, plain, joins, mappings, summed)
        return [(*key, n) for key, n in summed.items()]

    def _flagged(self, keys, joins, value) -> bool:
        """Distinct victims or incidents by keys of few values (gender, age, grounds)."""
        if not (self.fast and keys and value.startswith("COUNT(DISTINCT ")):
            return False
        if AFFILIATION_ROWS in joins or any(key not in self.finite for key in keys):
            return False
        return math.prod(len(self.finite[key]) for key in keys) <= MAX_BITS

    def _flags(self, keys, joins, value) -> list[tuple]:
        """Distinct things counted without sorting the acts: each thing's acts, read in
        the order of its index, give the set of keys it has acts under (one bit per key
        combination), and the things are counted per set, then per key."""
        thing = value.removeprefix("COUNT(DISTINCT ").removesuffix(")")
        values = [self.finite[key] for key in keys]
        positions = [_position_sql(key, finite) for key, finite in zip(keys, values, strict=True)]
        position = positions[0]
        for key_position, finite in zip(positions[1:], values[1:], strict=True):
            position = f"({position}) * {len(finite)} + {key_position}"
        bit = f"(CAST(1 AS BIGINT) << ({position}))"
        if connection.vendor == "postgresql":
            keys_of_thing = f"BIT_OR({bit})"
        else:  # distinct powers of two add up to their union
            keys_of_thing = f"SUM(DISTINCT {bit})"
        tables = [j for j in joins if isinstance(j, tuple)]
        with_ = ", ".join(f"{name} AS MATERIALIZED ({sql})" for name, sql, _join in tables)
        joined = " ".join(j[2] if isinstance(j, tuple) else j for j in joins)
        sql = (
            f"SELECT d.keys, COUNT(*) FROM (SELECT {keys_of_thing} AS keys FROM ({self.base}) a "
            f"{joined} GROUP BY {thing}) d GROUP BY d.keys"
        )
        if with_:
            sql = f"WITH {with_} {sql}"
        with connection.cursor() as cursor:
            cursor.execute(sql, self.params)
            sets = cursor.fetchall()
        combos = list(itertools.product(*values))
        counted: dict[tuple, int] = defaultdict(int)
        for found, n in sets:
            found = int(found)
            for index, combo in enumerate(combos):
                if found >> index & 1:
                    counted[combo] += n
        return [(*combo, n) for combo, n in counted.items()]

    def _several_others(self, select, plain, joins, mappings, summed) -> None:
        """Count once in "other" the acts with several affiliation rows there (two rare
        affiliations of one act are one act in "other")."""
        position = plain.index("a.r_token")
        others = [i for i in range(len(plain)) if i != position]
        kept = f"AND a.r_token NOT IN {_in(self.kept)} " if self.kept else ""
        rows = self._query(
            [select[i] for i in others],
            joins,
            "COUNT(*) - 1",
            group=["a.r_act", *(plain[i] for i in others)],
            where=(
                f"WHERE a.r_shared > 1 AND a.r_token IS NOT NULL "
                f"AND a.r_token <> {NOT_RECORDED} {kept}"
            ),
            having=" HAVING COUNT(*) > 1",
        )
        for row in rows:
            key = [
                m(v) if m else v
                for m, v in zip([mappings[i] for i in others], row[:-1], strict=True)
            ]
            key.insert(position, OTHER)
            summed[tuple(key)] -= row[-1]

    def _query(
        self, keys: list[str], joins: list, value: str, group=None, where="", having=""
    ) -> list[tuple]:
        base, params = self.base, self.params
        if AFFILIATION_ROWS in joins:
            base, params = self.affiliation_base, self.affiliation_params
            joins = [j for j in joins if j != AFFILIATION_ROWS]
        tables = [j for j in joins if isinstance(j, tuple)]
        with_ = ", ".join(f"{name} AS MATERIALIZED ({sql})" for name, sql, _join in tables)
        joined = " ".join(j[2] if isinstance(j, tuple) else j for j in joins)
        distinct = value.startswith("COUNT(DISTINCT ") and self.fast
        if distinct:
            # Distinct things as groups of groups: PostgreSQL hashes them (it sorts for
            # COUNT(DISTINCT)); SQLite reads the counted acts in the order of the thing's
            # index when there is no other key.
            thing = value.removeprefix("COUNT(DISTINCT ").removesuffix(")")
            inner = [f"{key} AS k{n}" for n, key in enumerate(keys)]
            names = [f"k{n}" for n in range(len(keys))]
            select = ", ".join([*names, "COUNT(thing)"])
            group_by = f" GROUP BY {', '.join(names)}" if keys else ""
            sql = (
                f"SELECT {select} FROM (SELECT {', '.join([f'{thing} AS thing', *inner])} "
                f"FROM ({base}) a {joined} {where}GROUP BY {', '.join([thing, *keys])}) d"
                f"{group_by}"
            )
        else:
            select = ", ".join([*keys, value])
            group = keys if group is None else group
            group_by = f" GROUP BY {', '.join(group)}" if group else ""
            sql = f"SELECT {select} FROM ({base}) a {joined} {where}{group_by}{having}"
        if with_:
            sql = f"WITH {with_} {sql}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


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


def countable_acts(user, definition: Definition):
    """The acts a report over ``definition`` counts, as the rows its SQL reads: the
    user's countable acts, narrowed by the definition's filters."""
    acts = Act.objects.countable_by(user).filter(incident__deleted_at__isnull=True)
    if definition.teams:
        acts = acts.filter(team__uuid__in=list(definition.teams))
    if definition.act_types:
        acts = acts.filter(act_type__code__in=list(definition.act_types))
    if definition.region:
        place = Location.objects.filter(pk=definition.region).first()
        path = place.path if place else "/none/"
        acts = acts.filter(
            Q(location__path__startswith=path)
            | Q(location__isnull=True, incident__location__path__startswith=path)
        )
    acts = acts.annotate(
        r_first=Coalesce("start_earliest", "incident__start_earliest"),
        r_last=Coalesce("start_latest", "incident__start_latest"),
    )
    if definition.date_from:
        acts = acts.filter(r_last__gte=definition.date_from)
    if definition.date_to:
        acts = acts.filter(r_first__lte=definition.date_to)
    return acts.values(
        "r_first",
        "r_last",
        r_act=F("id"),
        r_victim=F("victim_id"),
        r_incident=F("incident_id"),
        r_type=F("act_type_id"),
        r_place=Coalesce("location", "incident__location", output_field=models.BigIntegerField()),
    ).order_by()


def _narrowed(acts, definition: Definition):
    """Counted rows (``CountedAct`` or ``CountedAffiliation``) narrowed by the
    definition's filters."""
    if definition.teams:
        acts = acts.filter(team_id__in=Team.objects.filter(uuid__in=list(definition.teams)))
    if definition.act_types:
        acts = acts.filter(
            act_type_id__in=Term.objects.filter(code__in=list(definition.act_types)).values("pk")
        )
    if definition.region:
        place = Location.objects.filter(pk=definition.region).first()
        path = place.path if place else "/none/"
        acts = acts.filter(place_id__in=Location.objects.filter(path__startswith=path).values("pk"))
    if definition.date_from:
        acts = acts.filter(last_day__gte=definition.date_from)
    if definition.date_to:
        acts = acts.filter(first_day__lte=definition.date_to)
    return acts


COUNTED_VALUES = {
    "r_first": F("first_day"),
    "r_last": F("last_day"),
    "r_act": F("act_id"),
    "r_victim": F("victim_id"),
    "r_incident": F("incident_id"),
    "r_type": F("act_type_id"),
    "r_place": F("place_id"),
    "r_first_month": F("first_month"),
    "r_last_month": F("last_month"),
    "r_gender": F("gender"),
    "r_born": F("born"),
    "r_grounds": F("grounds"),
}


def counted_acts(user, definition: Definition):
    """What ``countable_acts`` gives, read from the counted acts (``CountedAct``): the
    user's countable acts, narrowed by the definition's filters."""
    acts = _narrowed(CountedAct.objects.countable_by(user), definition)
    return acts.values(**COUNTED_VALUES).order_by()


def counted_affiliations(user, definition: Definition):
    """The affiliation rows (``CountedAffiliation``) of the acts ``counted_acts`` gives."""
    rows = _narrowed(CountedAffiliation.objects.countable_by(user), definition)
    return rows.values(
        **COUNTED_VALUES,
        r_token=F("token"),
        r_involvement=F("involvement_id"),
        r_shared=F("shared"),
    ).order_by()


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
