"""Upgrading keeps what was indexed: the 0002 migration converts old index rows."""

import hashlib
import hmac
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from haven.keys.keyring import get_keyring
from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.actions import delete_record
from haven.records.blind import matching, scope_of
from haven.records.models import BlindTerm

BEFORE = [("records", "0001_initial")]
AFTER = [("records", "0002_compact_blind_index")]


@pytest.fixture
def back_to_the_latest():
    """Going back to records 0001 also unapplies every later migration that depends on
    it (other apps' tables): whatever the test did, the database ends at the latest."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_index_rows_are_converted_without_the_keys(personas, back_to_the_latest):
    person = add_person(team=personas.team, by=personas.member, name="Салех Магамадов")
    gone = add_person(team=personas.team, by=personas.member, name="Салех Магамадов")
    delete_record(gone, by=personas.member)
    key = get_keyring().index_key(scope_of(Person, "name"))
    term = "sk:magamadov"
    old_token = hmac.new(key, term.encode(), hashlib.sha256).hexdigest()[:32]
    BlindTerm.objects.all().delete()

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("records", "BlindTerm")
    old.objects.create(scope="people.person.name", token=old_token, object_uuid=person.uuid)
    old.objects.create(scope="people.person.name", token="ab" * 16, object_uuid=uuid.uuid4())
    old.objects.create(scope="people.person.name", token=old_token, object_uuid=gone.uuid)
    old.objects.create(scope="gone.model.name", token=old_token, object_uuid=person.uuid)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    # Rows of no record, of a deleted record and of a model that is gone are dropped.
    row = BlindTerm.objects.get()
    assert (row.record_id, row.team_id) == (person.pk, personas.team.pk)
    visible = Person.objects.visible_to(personas.member)
    assert list(matching(visible, "name", "Magamadov")) == [person]

    # Going back empties the index (it cannot be rebuilt without the keys); forward again.
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    assert (
        not executor.loader.project_state(BEFORE)
        .apps.get_model("records", "BlindTerm")
        .objects.exists()
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)


def _blind_table_sql() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE name = 'records_blindterm'")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="a SQLite table's form")
@pytest.mark.django_db(transaction=True)
def test_the_blind_index_has_no_autoincrement_and_keeps_its_rows_and_indexes():
    """An import writes some thirty index rows per row; AUTOINCREMENT would update
    sqlite_sequence for each. A later change to BlindTerm makes Django rebuild the table
    with it again: then this fails, and the migration's step is needed once more."""
    from importlib import import_module

    migration = import_module("haven.records.migrations.0003_blind_index_without_autoincrement")
    assert "AUTOINCREMENT" not in _blind_table_sql().upper()
    # The table as Django made it before (today's, with AUTOINCREMENT back): rows and
    # indexes come through the copy.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'records_blindterm' "
            "AND type = 'index' AND sql IS NOT NULL"
        )
        indexes = [row[0] for row in cursor.fetchall()]
        before = _blind_table_sql().replace("PRIMARY KEY", "PRIMARY KEY AUTOINCREMENT", 1)
        cursor.execute("DROP TABLE records_blindterm")
        cursor.execute(before)
        for index_sql in indexes:
            cursor.execute(index_sql)
        cursor.execute(
            "INSERT INTO records_blindterm (id, team_id, kind_id, token, record_id) "
            "VALUES (7, 1, 2, -5, 9), (8, 1, 2, 6, 9)"
        )
    assert "AUTOINCREMENT" in _blind_table_sql()
    with connection.schema_editor() as editor:
        migration.without_autoincrement(None, editor)
    assert "AUTOINCREMENT" not in _blind_table_sql().upper()
    assert sorted(BlindTerm.objects.values_list("id", "token", "record_id")) == [
        (7, -5, 9),
        (8, 6, 9),
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records_blindterm'"
        )
        assert {row[0] for row in cursor.fetchall()} == {"blind_lookup", "blind_record"}
        cursor.execute(
            "EXPLAIN QUERY PLAN SELECT record_id FROM records_blindterm WHERE token = 6 AND team_id = 1"
        )
        assert "COVERING INDEX blind_lookup" in str(cursor.fetchall())
    BlindTerm.objects.create(token=1, team_id=1, kind_id=2, record_id=10)
    assert BlindTerm.objects.count() == 3


@pytest.mark.django_db
def test_a_records_versions_are_found_through_the_unique_index():
    """Migration 0005 took the versions' second index on the record away: the unique
    constraint's index, which begins with the record, finds its versions (SQLite's plan
    says so; PostgreSQL chooses by its statistics)."""
    from haven.records.models import RecordVersion

    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    query = RecordVersion.objects.filter(
        object_type="people.person", object_uuid=uuid.uuid4()
    ).order_by("number")
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' "
            "AND tbl_name = 'records_recordversion' AND sql IS NOT NULL"
        )
        assert "records_rec_object__20ab98_idx" not in {row[0] for row in cursor.fetchall()}
    assert "SEARCH" in plan and "sqlite_autoindex_records_recordversion" in plan, plan
    assert "TEMP B-TREE" not in plan, plan  # in the index's order: no sorting
