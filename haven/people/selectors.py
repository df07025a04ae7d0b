"""What the people pages read, for any interface: each query goes through ``visible_to``
or starts from a record the caller already fetched through a getter."""

from __future__ import annotations

from haven.people.models import Person, Relationship
from haven.records import history
from haven.records.models import RecordVersion


def relationships_of(user, person: Person):
    """The person's relationships that ``user`` may see, with the kind and the other person."""
    return (
        Relationship.objects.visible_to(user).filter(person=person).select_related("kind", "other")
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
