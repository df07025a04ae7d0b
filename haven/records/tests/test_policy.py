"""The policy layer's rules, one by one."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from haven.accounts.actions import add_member, disable_user
from haven.people.actions import remove_person
from haven.people.models import Person, get_person_for_user
from haven.records.actions import save_record


def test_read_only_member_cannot_write_even_when_the_team_has_writers(personas, person):
    """Regression: access level and user must match on the same membership row."""
    assert person in Person.objects.visible_to(personas.read_only)
    assert person not in Person.objects.writable_by(personas.read_only)
    assert person in Person.objects.writable_by(personas.member)


def test_administrator_sees_nothing_without_membership(personas, person):
    assert not Person.objects.visible_to(personas.administrator).exists()
    with pytest.raises(Http404):
        get_person_for_user(personas.administrator, person.uuid)
    add_member(personas.team, personas.administrator, by=personas.administrator, reason="audit")
    assert get_person_for_user(personas.administrator, person.uuid) == person


def test_deactivated_member_sees_nothing(personas, person):
    disable_user(personas.member)
    personas.member.refresh_from_db()
    assert not Person.objects.visible_to(personas.member).exists()


def test_deleted_records_are_hidden(personas, person):
    remove_person(person, by=personas.member)
    assert not Person.objects.visible_to(personas.member).exists()


def test_getter_refuses_writes_by_read_only_members(personas, person):
    with pytest.raises(PermissionDenied):
        get_person_for_user(personas.read_only, person.uuid, write=True)
    assert get_person_for_user(personas.member, person.uuid, write=True) == person


def test_getter_handles_garbage_ids(personas):
    with pytest.raises(Http404):
        get_person_for_user(personas.member, "not-a-uuid")


def test_save_record_checks_the_writer(personas, person):
    person.notes = "changed"
    with pytest.raises(PermissionDenied):
        save_record(person, by=personas.read_only)
    with pytest.raises(PermissionDenied):
        save_record(person, by=personas.outsider)


def test_saving_without_change_records_nothing(personas, person):
    from haven.records.models import RecordVersion

    save_record(Person.objects.get(pk=person.pk), by=personas.member)
    assert RecordVersion.objects.filter(object_uuid=person.uuid).count() == 1
