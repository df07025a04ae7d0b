"""What the people pages read, for any interface: each query goes through ``visible_to``
or starts from a record the caller already fetched through a getter."""

from __future__ import annotations

from haven.people.models import Person, Relationship
from haven.records import history
from haven.records.models import RecordVersion


def relationships_of(user, person: Person):
    """The person's relationships that ``user`` may see, with the kind and the other person."""
    return (
        Relationship.objects.visible_to(user)
        .filter(person=person, other__deleted_at__isnull=True)
        .select_related("kind", "other")
    )


def related_by_others(user, person: Person):
    """Relationships recorded on other people's pages that name ``person``
    ("Руслан is a relative of this person"), with the kind and that other person."""
    return (
        Relationship.objects.visible_to(user)
        .filter(other=person, person__deleted_at__isnull=True)
        .select_related("kind", "person")
    )


def history_rows(person: Person) -> list[tuple[RecordVersion, list]]:
    """Each version of ``person``, newest first, with what it changed from the one before."""
    versions = (
        RecordVersion.objects.filter(object_type="people.person", object_uuid=person.uuid)
        .select_related("changed_by")
        .order_by("number")
    )
    # The snapshots name only the person's own references (its teams), so reading
    # their labels shows nothing the person's page would not.
    shown = history.Readable(
        Person,
        [version.snapshot for version in versions],
        choices={"gender": Person.Gender.choices},
    )
    rows, before = [], None
    for version in versions:
        rows.append((version, history.diff(Person, before, version.snapshot, shown=shown)))
        before = version.snapshot
    rows.reverse()
    return rows
