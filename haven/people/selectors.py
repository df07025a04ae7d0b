"""What the people pages read, for any interface: each query goes through ``visible_to``
or starts from a record the caller already fetched through a getter."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from haven.people.models import Person, Relationship
from haven.records import history
from haven.records.models import RecordVersion, member_teams
from haven.web.lists import Column, text_match

# The people list's columns. Names are encrypted: they do not sort (haven.web.lists).
PERSON_COLUMNS = [
    Column("code", gettext_lazy("Code"), ["code"]),
    Column("name", gettext_lazy("Name"), encrypted=True),
    Column("kind", gettext_lazy("Kind"), ["kind"]),
    Column("team", gettext_lazy("Team"), ["team__name"]),
]
PERSON_ORDER = "code"


def people_found(user, query: str):
    """The people ``user`` may see that ``query`` finds: a code, each word of a name in
    either script (with a typo), a phone number, an e-mail or a handle."""
    return Person.objects.visible_to(user).filter(text_match(Person, query, member_teams(user)))


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
