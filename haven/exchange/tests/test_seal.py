"""A sealed person travels sealed: the archive carries the seal and its named members."""

from __future__ import annotations

import pytest

from haven.accounts.models import Membership
from haven.accounts.tests.factories import UserFactory
from haven.audit.models import AuditEntry
from haven.exchange.archive import ArchiveError, import_team
from haven.exchange.tests.conftest import membership
from haven.exchange.tests.test_archive import _archive, _as_from_elsewhere, _counts, receiving
from haven.people.actions import seal_person
from haven.people.models import Person
from haven.records.masking import reading_as

__all__ = ["receiving"]  # the fixture, used by name


@pytest.fixture
def colleague(personas):
    """A second writing member of the personas' team, named on the seal."""
    user = UserFactory(email="colleague@example.org")
    membership(personas.team, user)
    return user


@pytest.fixture
def sealed(personas, small_team, person, colleague):
    return seal_person(person, by=personas.member, members=[colleague])


def _entry(data, code) -> dict:
    return next(e for e in data["records"]["people.person"] if e["code"] == code)


def test_a_sealed_person_arrives_sealed_for_the_same_members(
    personas, sealed, colleague, receiving
):
    data = _archive(personas.team, personas.member)
    entry = _entry(data, sealed.code)
    assert entry["sealed"] is True
    assert entry["sealed_for"] == ["colleague@example.org", "member@example.org"]
    data = _as_from_elsewhere(data)
    membership(receiving, colleague)
    membership(receiving, personas.read_only, Membership.Access.READ_ONLY)

    result = import_team(data, team=receiving, by=personas.member)

    arrived = Person.objects.get(team=receiving, sealed=True)
    assert sorted(arrived.sealed_for) == sorted([personas.member.pk, colleague.pk])
    assert result.sealed == [arrived.code]
    assert result.seal_members_missing == result.sealed_for_importer == []
    # The seal holds from the first row on: a member not named reads the code.
    with reading_as(personas.read_only):
        assert Person.objects.get(pk=arrived.pk).name == arrived.code
    with reading_as(colleague):
        assert Person.objects.get(pk=arrived.pk).name == "Ибрагим Селимханов"
    sealing = AuditEntry.objects.get(action="people.person.sealed", object_id=str(arrived.uuid))
    assert sealing.summary == "from a team archive: 2 named members"
    # The people not sealed arrive unsealed.
    assert Person.objects.filter(team=receiving, sealed=False).count() == (
        len(data["records"]["people.person"]) - 1
    )


def test_named_members_not_here_are_left_off_and_listed(personas, sealed, receiving):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    # The colleague is not in the receiving team; the outsider is a user here, but not
    # a member of it either.
    for entry in data["records"]["people.person"]:
        if entry.get("sealed"):
            entry["sealed_for"].append(personas.outsider.email)

    result = import_team(data, team=receiving, by=personas.member)

    arrived = Person.objects.get(team=receiving, sealed=True)
    assert arrived.sealed_for == [personas.member.pk]
    assert result.seal_members_missing == ["colleague@example.org", personas.outsider.email]
    assert result.sealed_for_importer == []


def test_with_none_of_its_members_here_it_is_sealed_for_the_importer(personas, sealed, receiving):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    for entry in data["records"]["people.person"]:
        if entry.get("sealed"):
            entry["sealed_for"] = ["gone@example.org"]

    result = import_team(data, team=receiving, by=personas.member)

    arrived = Person.objects.get(team=receiving, sealed=True)
    assert arrived.sealed_for == [personas.member.pk]
    assert result.sealed_for_importer == [arrived.code]
    assert result.seal_members_missing == ["gone@example.org"]
    summary = AuditEntry.objects.get(action="exchange.archive.imported").summary
    assert f"sealed for the importer alone: {arrived.code}" in summary


def test_an_archive_of_version_1_is_still_read(personas, small_team, receiving):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    data["version"] = 1
    result = import_team(data, team=receiving, by=personas.member)
    assert result.total and result.sealed == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"sealed": "yes"}, "sealed is neither true nor false"),
        ({"sealed": True, "sealed_for": "member@example.org"}, "not a list of e-mail"),
        ({"sealed": True, "sealed_for": [1]}, "not a list of e-mail"),
        ({"sealed": False, "sealed_for": ["member@example.org"]}, "a person not sealed"),
    ],
)
def test_a_seal_that_does_not_read_is_refused_whole(
    personas, small_team, receiving, change, message
):
    data = _as_from_elsewhere(_archive(personas.team, personas.member))
    data["records"]["people.person"][0].update(change)
    before = _counts()
    with pytest.raises(ArchiveError, match=message):
        import_team(data, team=receiving, by=personas.member)
    assert not Person._base_manager.filter(team=receiving).exists()
    assert _counts() == before
