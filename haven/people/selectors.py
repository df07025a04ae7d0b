"""What the people pages read, for any interface: each query goes through ``visible_to``
or starts from a record the caller already fetched through a getter."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy

from haven.people.models import Person, Relationship, sealed_from
from haven.records import history
from haven.records.masking import viewer
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


def person_match(user, query: str) -> Q:
    """The people ``query`` finds for ``user``: a code, each word of a name in either
    script (with a typo), a phone number, an e-mail or a handle. A sealed person whom
    ``user`` may not name is found by the code only."""
    found = text_match(Person, query, member_teams(user))
    hidden = sealed_from(user)
    if hidden:
        found = Q(code__icontains=query.strip()) | (found & ~Q(pk__in=hidden))
    return found


def people_found(user, query: str):
    """The people ``user`` may see that ``query`` finds (see ``person_match``)."""
    return Person.objects.visible_to(user).filter(person_match(user, query))


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
    versions = list(versions)
    if not person.shown_to(viewer()):
        # A sealed person's history shows the stand-ins too, not the names it kept.
        for version in versions:
            version.snapshot = {
                **version.snapshot,
                **{name: person.stand_in_for(name) for name in Person.masked_fields},
            }
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
