"""Facets and filters of search, counted over every visible hit in SQL on clear columns
(status, dates, places, act types): nothing is decrypted to count them."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Func, IntegerField, Q

from haven.lib.id_lists import id_list
from haven.locations.models import Location, regions_of

if TYPE_CHECKING:
    from haven.search.engine import Kind


def by_time(kind: Kind, records, years: list[int], dates: list[date]):
    """Records of ``kind`` of one of ``years`` or spanning one of ``dates`` (clear columns)."""
    when = Q()
    if kind.code == "incident":
        for year in years:
            when |= Q(start_earliest__year=year)
        for day in dates:
            when |= Q(start_earliest=day) | Q(start_earliest__lte=day, start_latest__gte=day)
    elif kind.code == "case":
        for year in years:
            when |= Q(opened_on__year=year)
        for day in dates:
            when |= Q(opened_on=day)
    elif kind.code == "petition":
        records = records.filter(kind__code="petition")
        for year in years:
            when |= Q(filed_on__year=year) | Q(decision_on__year=year)
        for day in dates:
            when |= Q(filed_on=day) | Q(decision_on=day)
    else:
        return records.none()
    return records.filter(when) if when else records.none()


def region_places(records, name: str) -> list[int]:
    places = Location.objects.filter(
        pk__in=records.exclude(location=None).values("location").distinct()
    )
    return [pk for pk, region in regions_of(list(places)).items() if region and region.name == name]


def filtered(kind: Kind, records, chosen: dict):
    """``records`` narrowed by the chosen facets; none when a facet does not apply."""
    for name, value in chosen.items():
        if name == "status":
            if kind.code != "case":
                return records.none()
            records = records.filter(status=value)
        elif name == "year":
            if not str(value).isdigit():
                return records.none()
            records = (
                by_time(kind, records, [int(value)], [])
                if kind.code != "person"
                else (records.none())
            )
        elif name == "region":
            if kind.code != "incident":
                return records.none()
            records = records.filter(location__in=region_places(records, value))
        elif name == "act_type":
            if kind.code != "incident":
                return records.none()
            records = records.filter(
                acts__act_type__code=value, acts__deleted_at__isnull=True
            ).distinct()
    return records


class Year(Func):
    """The year of a date column, as a whole number worked out by the database."""

    output_field = IntegerField()
    template = "CAST(EXTRACT(YEAR FROM %(expressions)s) AS INTEGER)"

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps a date as ISO text ("2021-02-04", the year always four digits);
        # Django's own ExtractYear calls back into Python for every row.
        template = "CAST(SUBSTR(%(expressions)s, 1, 4) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra)


# The clear columns each kind's facets count, read with the ids in one query: dates as
# their years, the only part of them a facet or the ranking reads. On PostgreSQL the
# people's and incidents' are also held by an index on the id (migrations people/0007
# and incidents/0004), so that thousands of hits are read from the index alone: a
# column added here belongs there too (``test_facet_columns_are_in_their_index``).
# On SQLite the incidents' are (incidents/0005), and the statement names that index.
FACET_COLUMNS = {
    "person": {"sealed": "sealed"},  # not a facet: who may be found by name (``engine._named``)
    "case": {"status": "status", "opened_year": Year("opened_on")},
    "incident": {"start_year": Year("start_earliest"), "location_id": "location_id"},
    "petition": {"filed_year": Year("filed_on")},
}
# SQLite's planner reads a list of ids by rowid from the table whatever index holds
# them; an incident's row, narrative and all, is many times its index entry.
SQLITE_FACET_INDEX = {"incident": "incident_facet_columns"}


def facet_rows(kind: Kind, records, by_ids: bool = False) -> list[tuple]:
    """(id, *facet columns) of every record: the ids to rank and what the facets count.
    ``by_ids``: ``records`` are narrowed to a list of ids (the index lookup's hits), which
    SQLite then reads through the kind's facet index; a year's records are not (their
    dates' index finds them).

    A common name has thousands of visible hits: their rows are read as the database
    sends them, without the ORM's conversion of every value of every row (a third of the
    time at 2,400 incidents). The columns are ids, text, booleans and years."""
    columns = FACET_COLUMNS.get(kind.code, {})
    expressions = {name: column for name, column in columns.items() if not isinstance(column, str)}
    query = records.order_by().annotate(**expressions).values_list("pk", *columns).query
    try:
        sql, params = query.get_compiler(using=records.db).as_sql()
    except EmptyResultSet:  # ``none()``: a facet that does not apply to this kind
        return []
    connection = connections[records.db]
    if by_ids and connection.vendor == "sqlite" and kind.code in SQLITE_FACET_INDEX:
        table = connection.ops.quote_name(records.model._meta.db_table)
        index = connection.ops.quote_name(SQLITE_FACET_INDEX[kind.code])
        sql = sql.replace(f"FROM {table} ", f"FROM {table} INDEXED BY {index} ", 1)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def count_facets(kind: Kind, rows: list[tuple], counts: dict[str, Counter]) -> None:
    counts["kind"][kind.code] += len(rows)
    if not rows:
        return
    if kind.code == "case":
        counts["status"].update(status for _pk, status, _opened in rows)
        counts["year"].update(opened for _pk, _s, opened in rows if opened is not None)
    elif kind.code == "petition":
        counts["year"].update(filed for _pk, filed in rows if filed is not None)
    elif kind.code == "incident":
        counts["year"].update(start for _pk, start, _place in rows if start is not None)
        places = Counter(place for _pk, _start, place in rows if place)
        regions = regions_of(list(Location.objects.filter(pk__in=list(places)))) if places else {}
        for pk, n in places.items():
            if regions.get(pk):
                counts["region"][regions[pk].name] += n
        from haven.incidents.models import Act

        acts = (
            Act.objects.filter(incident__in=id_list(pk for pk, *_rest in rows), deleted_at=None)
            .order_by()
            .values("act_type__code")
            .annotate(n=Count("incident", distinct=True))
        )
        for row in acts:
            counts["act_type"][row["act_type__code"]] += row["n"]
