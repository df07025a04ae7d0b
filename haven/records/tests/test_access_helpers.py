"""The policy helpers: child records fetched like their parent, bulk reads audited once,
and the two rules every verb relies on."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from haven.audit.models import AuditEntry
from haven.people.models import Person, Relationship
from haven.records.access import (
    get_part_for_user,
    read_visible,
    require_same_team,
    require_write,
)
from haven.records.actions import assign, delete_record


@pytest.fixture
def other_team_person(personas):
    from haven.accounts.tests.factories import TeamFactory
    from haven.people.actions import add_person

    other = TeamFactory(name="Other desk")
    from haven.accounts.models import Membership

    Membership.objects.create(team=other, user=personas.outsider, access="member")
    return add_person(team=other, by=personas.outsider, name="Someone Else")


def test_require_write_refuses_readers_and_outsiders(personas, person):
    require_write(personas.member, person)
    for user in (personas.read_only, personas.outsider, personas.administrator, None):
        with pytest.raises(PermissionDenied):
            require_write(user, person)


def test_same_team_rule_names_the_field(person, other_team_person):
    link = Relationship(person=person, team=person.team)
    require_same_team(link, other=person)
    with pytest.raises(ValidationError) as caught:
        require_same_team(link, other=other_team_person)
    assert set(caught.value.error_dict) == {"other"}
    assert other_team_person.code in caught.value.messages[0]


def test_assign_refuses_what_has_a_verb_of_its_own(person, personas):
    with pytest.raises(TypeError, match="team"):
        assign(person, {"team": personas.team, "notes": "x"}, editable=("notes",))
    assert person.notes != "x"  # nothing was set
    assign(person, {"notes": "moved on"}, editable=("notes",))
    assert person.notes == "moved on"


def test_a_part_is_found_only_under_its_parent_and_audited(personas, person):
    from haven.people.actions import add_person, relate
    from haven.vocab.models import term

    other = add_person(team=personas.team, by=personas.member, name="Брат")
    link = relate(person, other, kind=term("relationship", "relative"), by=personas.member)
    found = get_part_for_user(personas.read_only, person, "relationships", link.uuid)
    assert found == link
    assert AuditEntry.objects.filter(action="people.relationship.viewed").exists()
    with pytest.raises(PermissionDenied):
        get_part_for_user(personas.read_only, person, "relationships", link.uuid, write=True)
    for user, parent, wanted in (
        (personas.outsider, person, link.uuid),  # not their team
        (personas.member, other, link.uuid),  # another record's part
        (personas.member, person, uuid.uuid4()),  # no such part
        (personas.member, person, "not-a-uuid"),
    ):
        before = AuditEntry.objects.filter(action="access.denied").count()
        with pytest.raises(Http404):
            get_part_for_user(user, parent, "relationships", wanted)
        assert AuditEntry.objects.filter(action="access.denied").count() == before + 1
    delete_record(link, by=personas.member)
    with pytest.raises(Http404):
        get_part_for_user(personas.member, person, "relationships", link.uuid)


def test_a_bulk_read_writes_one_entry_for_what_it_read(personas, person, other_team_person):
    before = AuditEntry.objects.count()
    found = read_visible(
        Person, personas.member, [person.uuid, other_team_person.uuid], purpose="export"
    )
    assert found == [person]  # the other team's person is left out
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("seq")
    assert (entry.action, entry.records) == ("people.person.read", [f"people.person:{person.uuid}"])
