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

A victim's gender and birth year and an incident's grounds are not copied here: a report
joins their tokens from the blind index, so they are never out of step with it.

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
from haven.reports.models import CountedAct, CountedAffiliation

CHUNK = 500
COLUMNS = (
    "act_id",
    "team_id",
    "incident_id",
    "victim_id",
    "act_type_id",
    "place_id",
    "first_day",
    "last_day",
    "first_month",
    "last_month",
)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _in(values: Iterable[int]) -> str:
    return "(" + ", ".join(str(int(v)) for v in values) + ")"


def month_sql(column: str) -> str:
    """A date as year * 12 + month - 1, in SQL."""
    from haven.reports.counting import _month, _year

    return f"({_year(column)} * 12 + {_month(column)} - 1)"


def _select(where: str) -> str:
    """The counted rows of the live acts (of live incidents) that ``where`` keeps."""
    first = "COALESCE(a.start_earliest, i.start_earliest)"
    last = "COALESCE(a.start_latest, i.start_latest)"
    return (
        f"SELECT a.id, a.team_id, a.incident_id, a.victim_id, a.act_type_id, "
        f"COALESCE(a.location_id, i.location_id), {first}, {last}, "
        f"{month_sql(first)}, {month_sql(last)} "
        f"FROM {_q(Act._meta.db_table)} a JOIN {_q(Incident._meta.db_table)} i "
        f"ON i.id = a.incident_id "
        f"WHERE a.deleted_at IS NULL AND i.deleted_at IS NULL AND {where}"
    )


def _select_affiliations(where: str) -> str:
    kind = ContentType.objects.get_for_model(Involvement).pk
    return (
        f"SELECT i.act_id, b.token, MIN(i.id) FROM {_q(Involvement._meta.db_table)} i "
        f"JOIN {_q(CountedAct._meta.db_table)} c ON c.act_id = i.act_id "
        f"LEFT JOIN {_q(BlindTerm._meta.db_table)} b ON b.kind_id = {int(kind)} "
        f"AND b.record_id = i.id "
        f"WHERE i.deleted_at IS NULL AND {where.replace('a.id', 'c.act_id')} "
        "GROUP BY i.act_id, b.token"
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
            cursor.execute(
                f"INSERT INTO {counted} ({', '.join(COLUMNS)}) {_select(f'a.id IN {chunk}')}"
            )
            cursor.execute(
                f"INSERT INTO {affiliations} (act_id, token, involvement_id) "
                f"{_select_affiliations(f'a.id IN {chunk}')}"
            )


def refresh(model, ids: Iterable[int]) -> None:
    """Recompute the counted rows that a write to ``model``'s records ``ids`` touches."""
    ids = sorted({int(pk) for pk in ids if pk is not None})
    if not ids:
        return
    column = {Act: "a.id", Incident: "a.incident_id", Person: "a.victim_id"}.get(model)
    involvements = _q(Involvement._meta.db_table)
    for start in range(0, len(ids), CHUNK):
        chunk = _in(ids[start : start + CHUNK])
        if column:
            _write(f"{column} IN {chunk}")
        elif model is Involvement:
            _write(f"a.id IN (SELECT act_id FROM {involvements} WHERE id IN {chunk})")


def on_records_written(sender, ids, **kwargs) -> None:
    if sender in (Act, Incident, Person, Involvement):
        refresh(sender, ids)


@transaction.atomic
def rebuild() -> int:
    """Recompute every counted row; returns how many acts are counted."""
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {affiliations}")
        cursor.execute(f"DELETE FROM {counted}")
        cursor.execute(f"INSERT INTO {counted} ({', '.join(COLUMNS)}) {_select('1 = 1')}")
        cursor.execute(
            f"INSERT INTO {affiliations} (act_id, token, involvement_id) "
            f"{_select_affiliations('1 = 1')}"
        )
    return CountedAct.objects.count()


def differences() -> list[str]:
    """What the counted rows get wrong against the records (empty when none): rows
    missing, left over or differing, by act id."""
    counted, affiliations = _q(CountedAct._meta.db_table), _q(CountedAffiliation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(_select("1 = 1"))
        expected = {row[0]: tuple(row) for row in cursor.fetchall()}
        cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM {counted}")
        stored = {row[0]: tuple(row) for row in cursor.fetchall()}
        cursor.execute(_select_affiliations("1 = 1"))
        expected_affiliations = {tuple(row) for row in cursor.fetchall()}
        cursor.execute(f"SELECT act_id, token, involvement_id FROM {affiliations}")
        stored_affiliations = {tuple(row) for row in cursor.fetchall()}
    found = []
    for act in sorted(expected.keys() - stored.keys()):
        found.append(f"act {act}: not counted")
    for act in sorted(stored.keys() - expected.keys()):
        found.append(f"act {act}: counted, but not live")
    for act in sorted(expected.keys() & stored.keys()):
        if _normal(expected[act]) != _normal(stored[act]):
            found.append(f"act {act}: out of date")
    for row in sorted(expected_affiliations ^ stored_affiliations, key=str):
        found.append(f"act {row[0]}: affiliations out of date")
    return found


def _normal(row: tuple) -> tuple:
    """A row as compared: dates as text (SQLite gives back what it was given)."""
    return tuple(value.isoformat() if hasattr(value, "isoformat") else value for value in row)
