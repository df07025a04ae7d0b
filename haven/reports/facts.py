# ruff: noqa: S608 (the SQL text holds table names and int() values only)
"""The counted acts (``CountedAct``, ``CountedAffiliation``): what reports count, kept
up to date as records are written, so that a report reads one narrow table.

Every write that can change a figure says so through ``haven.records.signals.
records_written`` (``save_record``, ``create_records``, re-indexing, erasure, merging
people); ``refresh`` then recomputes the rows of the acts it touches, in the same
transaction, from the same tables and with the same rules as the counting over the
records themselves (``counting.count(..., fast=False)``), so both give the same
figures. Which acts a write touches:

- an act: itself; an incident: its acts; a person: the acts of which they are the
  victim; an involvement: its act.

A victim's gender and birth year and an incident's grounds are copied as the tokens the
blind index holds for them (never a value), and each act's involvements' affiliation
tokens, with the act's columns, into ``CountedAffiliation``: a report by any dimension
is then one grouped scan of one table. The tokens are written by the same writes as the
records (``save_record`` re-indexes before it says ``records_written``; bulk writes,
``haven search reindex`` and erasure likewise), so the rows follow them.

``rebuild`` recomputes every row (``haven reports rebuild``), ``differences`` compares
the rows with what they should be (``haven reports check``).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction

from haven.incidents.models import Act, Incident, Involvement
from haven.people.models import Person
from haven.records.models import BlindTerm
from haven.reports import tokens
from haven.reports.models import CountedAct, CountedAffiliation

CHUNK = 500
# The act's columns, in CountedAct and in each of its CountedAffiliation rows.
COLUMNS = (
    "team_id",
    "incident_id",
    "victim_id",
    "act_type_id",
    "place_id",
    "first_day",
    "last_day",
    "first_month",
    "last_month",
    "gender",
    "born",
    "grounds",
)
AFFILIATION_COLUMNS = ("act_id", *COLUMNS, "token", "involvement_id", "shared")


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _in(values: Iterable[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def month_sql(column: str) -> str:
    """A date as year * 12 + month - 1, in SQL."""
    from haven.reports.definition import _month, _year

    return f"({_year(column)} * 12 + {_month(column)} - 1)"


def _token_sources() -> list[tuple[str, int, dict, str]]:
    """(column, kind, candidate tokens, the act's column of the record) of each token
    copied from the blind index."""
    person = ContentType.objects.get_for_model(Person).pk
    incident = ContentType.objects.get_for_model(Incident).pk
    return [
        ("gender", person, tokens.gender_tokens(), "a.victim_id"),
        ("born", person, tokens.birth_year_tokens(), "a.victim_id"),
        ("grounds", incident, tokens.grounds_tokens(), "a.incident_id"),
    ]


def _select(where: str, *, every: bool = False) -> str:
    """The counted rows of the live acts (of live incidents) that ``where`` keeps.

    The victim's and the incident's tokens are those of their blind-index rows that
    are among the tokens the field's values can have. ``every``: for all acts at once,
    each field's tokens are gathered once (a lookup of the index by token) and joined;
    otherwise each act looks up its records' rows (by record)."""
    first = "COALESCE(a.start_earliest, i.start_earliest)"
    last = "COALESCE(a.start_latest, i.start_latest)"
    blind = _q(BlindTerm._meta.db_table)
    sources = _token_sources()
    if every:
        with_ = "WITH " + ", ".join(
            f"t_{name} AS (SELECT record_id, MIN(token) AS token FROM {blind} "
            f"WHERE kind_id = {int(kind)} AND token IN {_in(candidates)} GROUP BY record_id)"
            for name, kind, candidates, _column in sources
        )
        values = ", ".join(f"t_{name}.token" for name, *_rest in sources)
        joins = " ".join(
            f"LEFT JOIN t_{name} ON t_{name}.record_id = {column}"
            for name, _kind, _candidates, column in sources
        )
    else:
        # "token + 0": the lookup goes by record, not by the hundred candidate tokens.
        with_, joins = "", ""
        values = ", ".join(
            f"(SELECT MIN(b.token) FROM {blind} b WHERE b.kind_id = {int(kind)} "
            f"AND b.record_id = {column} AND b.token + 0 IN {_in(candidates)})"
            for _name, kind, candidates, column in sources
        )
    return (
        f"{with_} SELECT a.id, a.team_id, a.incident_id, a.victim_id, a.act_type_id, "
        f"COALESCE(a.location_id, i.location_id), {first}, {last}, "
        f"{month_sql(first)}, {month_sql(last)}, {values} "
        f"FROM {_q(Act._meta.db_table)} a JOIN {_q(Incident._meta.db_table)} i "
        f"ON i.id = a.incident_id {joins} "
        f"WHERE a.deleted_at IS NULL AND i.deleted_at IS NULL AND {where}"
    )


def _select_affiliations(where: str) -> str:
    """The affiliation rows of the counted acts that ``where`` (over ``c``, the counted
    acts) keeps: one per act and token of its live involvements (0: an involvement
    without one), or one with none for an act without a live involvement."""
    kind = ContentType.objects.get_for_model(Involvement).pk
    columns = ", ".join(f"c.{name}" for name in COLUMNS)
    return (
        f"SELECT c.act_id, {columns}, x.token, x.involvement_id, "
        "COUNT(*) OVER (PARTITION BY c.act_id) "
        f"FROM {_q(CountedAct._meta.db_table)} c LEFT JOIN ("
        f"SELECT i.act_id, COALESCE(b.token, 0) AS token, MIN(i.id) AS involvement_id "
        f"FROM {_q(Involvement._meta.db_table)} i "
        f"LEFT JOIN {_q(BlindTerm._meta.db_table)} b ON b.kind_id = {int(kind)} "
        f"AND b.record_id = i.id "
        f"WHERE i.deleted_at IS NULL AND {where.replace('c.act_id', 'i.act_id')} "
        "GROUP BY i.act_id, COALESCE(b.token, 0)"
        f") x ON x.act_id = c.act_id WHERE {where}"
    )


def _insert(where: str, *, every: bool = False) -> None:
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {counted} (act_id, {', '.join(COLUMNS)}) "
            f"{_select(where.replace('c.act_id', 'a.id'), every=every)}"
        )
        cursor.execute(
            f"INSERT INTO {affiliations} ({', '.join(AFFILIATION_COLUMNS)}) "
            f"{_select_affiliations(where)}"
        )


def _write(acts_where: str) -> None:
    """Recompute the rows of the acts ``acts_where`` (over ``incidents_act a``) keeps."""
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    acts = f"SELECT a.id FROM {_q(Act._meta.db_table)} a WHERE {acts_where}"
    with connection.cursor() as cursor:
        # The ids first: a deleted act, or one of a deleted incident, loses its rows.
        cursor.execute(acts)
        ids = [row[0] for row in cursor.fetchall()]
        for start in range(0, len(ids), CHUNK):
            chunk = _in(ids[start : start + CHUNK])
            cursor.execute(f"DELETE FROM {affiliations} WHERE act_id IN {chunk}")
            cursor.execute(f"DELETE FROM {counted} WHERE act_id IN {chunk}")
            _insert(f"c.act_id IN {chunk}")


def refresh(model, ids: Iterable[int]) -> None:
    """Recompute the counted rows that a write to ``model``'s records ``ids`` (or to
    their blind-index tokens) touches."""
    refresh_together({model: ids})


def refresh_together(records: dict) -> None:
    """``refresh`` for writes to several kinds at once ({model: ids}): each act they
    touch is recomputed once, however many of its records were written."""
    acts: set[int] = set()
    for model, ids in records.items():
        acts |= _acts_touched(model, ids)
    ordered = sorted(acts)
    for start in range(0, len(ordered), CHUNK):
        _write(f"a.id IN {_in(ordered[start : start + CHUNK])}")


def _acts_touched(model, ids: Iterable[int]) -> set[int]:
    """Ids of the acts (deleted ones too: they lose their rows) that a write to
    ``model``'s records ``ids`` touches."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    column = {Act: "id", Incident: "incident_id", Person: "victim_id"}.get(model)
    if column is None and model is not Involvement:
        return set()
    touched: set[int] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = _in(ids[start : start + CHUNK])
            if column:
                cursor.execute(f"SELECT id FROM {_q(Act._meta.db_table)} WHERE {column} IN {chunk}")
            else:
                cursor.execute(
                    f"SELECT act_id FROM {_q(Involvement._meta.db_table)} WHERE id IN {chunk}"
                )
            touched.update(row[0] for row in cursor.fetchall())
    return touched


def on_records_written(sender, records, **kwargs) -> None:
    counted = {
        model: ids
        for model, ids in records.items()
        if model in (Act, Incident, Person, Involvement)
    }
    if counted:
        refresh_together(counted)


@transaction.atomic
def rebuild() -> int:
    """Recompute every counted row; returns how many acts are counted."""
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {affiliations}")
        cursor.execute(f"DELETE FROM {counted}")
    _insert("1 = 1", every=True)
    return CountedAct.objects.count()


def differences() -> list[str]:
    """What the counted rows get wrong against the records (empty when none): rows
    missing, left over or differing, by act id."""
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_select("1 = 1", every=True))
        expected = {row[0]: _normal(row) for row in cursor.fetchall()}
        cursor.execute(f"SELECT act_id, {', '.join(COLUMNS)} FROM {counted}")
        stored = {row[0]: _normal(row) for row in cursor.fetchall()}
    # The affiliation rows as they should be, from the counted acts as they should be.
    expected_affiliations = set()
    with connection.cursor() as cursor:
        cursor.execute(_select_affiliations("1 = 1"))
        for row in cursor.fetchall():
            if row[0] in expected:
                expected_affiliations.add((*expected[row[0]], *row[-3:]))
        cursor.execute(f"SELECT {', '.join(AFFILIATION_COLUMNS)} FROM {affiliations}")
        stored_affiliations = {_normal(row) for row in cursor.fetchall()}
    found = []
    for act in sorted(expected.keys() - stored.keys()):
        found.append(f"act {act}: not counted")
    for act in sorted(stored.keys() - expected.keys()):
        found.append(f"act {act}: counted, but not live")
    for act in sorted(expected.keys() & stored.keys()):
        if expected[act] != stored[act]:
            found.append(f"act {act}: out of date")
    for row in sorted(expected_affiliations ^ stored_affiliations, key=str):
        found.append(f"act {row[0]}: affiliations out of date")
    return found


def _normal(row: tuple) -> tuple:
    """A row as compared: dates as text (SQLite gives back what it was given)."""
    return tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in row)
