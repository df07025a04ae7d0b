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
