# ruff: noqa: S608 (the SQL text holds names and int() values only; see haven.reports.counting)
"""One report's SQL: how the acts are grouped by its dimensions and counted
(``haven.reports.counting`` says what is counted, and the rules for vague dates)."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.translation import gettext as _

from haven.incidents.models import Involvement
from haven.locations.models import Location, rolled_up
from haven.people.models import Person
from haven.records.models import BlindTerm
from haven.reports import tokens as counted_tokens
from haven.reports.acts import countable_acts, counted_acts, counted_affiliations
from haven.reports.definition import (
    AFFILIATION_ROWS,
    AGE_BANDS,
    GROUNDS,
    MAX_BITS,
    NOT_RECORDED,
    OTHER,
    Definition,
    Dimension,
    _in,
    _position_sql,
    _quote,
    _values,
    age_band_sql,
    period_key_sql,
    tokens_of,
)
from haven.vocab.models import Term


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
