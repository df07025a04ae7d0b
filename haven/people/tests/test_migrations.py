"""Upgrading re-indexes people whose name fields now share one blind-index scope."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.blind import matching, token_rows
from haven.records.models import BlindTerm

BEFORE = [("people", "0007_facet_columns_index_on_postgresql")]
AFTER = [("people", "0008_one_scope_for_the_name_fields")]


@pytest.mark.django_db(transaction=True)
def test_people_are_indexed_again_when_their_name_fields_share_a_scope(personas):
    person = add_person(
        team=personas.team, by=personas.member, name="Салех Магамадов", nicknames=["Хорс"]
    )
    kind = ContentType.objects.get_for_model(Person)
    now = sorted(token_rows(person))
    # The index as an older version left it: a token the new scope never makes (the
    # nickname's under its own key) and none of the nickname's new ones.
    BlindTerm.objects.filter(kind=kind, record_id=person.pk).delete()
    BlindTerm.objects.create(token=12345, team=personas.team, kind=kind, record_id=person.pk)
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)

    rows = BlindTerm.objects.filter(kind=kind, record_id=person.pk)
    assert sorted(rows.values_list("token", "team_id", "kind_id", "record_id")) == now
    visible = Person.objects.visible_to(personas.member)
    assert list(matching(visible, "nicknames", "Хорс")) == [person]
