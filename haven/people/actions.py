"""Verb functions for people; each one transaction with its history and audit entry.

Each verb names what it may change: the team changes only through ``move_record``
and deletion only through ``remove_person``, whoever calls (a form, an import row,
an API body). ``save_record`` checks that ``by`` may write in the person's team.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.people.models import Person, Relationship, require_shown
from haven.records.access import require_same_team, require_write
from haven.records.actions import assign, delete_record, save_record

# What an edit may change; whereabouts change through record_move, change_move and
# remove_move.
EDITABLE = (
    "name",
    "kind",
    "other_names",
    "nicknames",
    "gender",
    "birth_date",
    "nationality",
    "languages",
    "contacts",
    "notes",
)
# A new person may arrive with the whereabouts already known (an import, the demo).
CREATABLE = (*EDITABLE, "whereabouts")


@transaction.atomic
def add_person(*, team, by, name: str, **fields) -> Person:
    person = Person(team=team)
    assign(person, {"name": name, **fields}, CREATABLE)
    return save_record(person, by=by)


@transaction.atomic
def update_person(person: Person, *, by, **fields) -> Person:
    """Change the fields named (any of ``EDITABLE``); TypeError for any other name.
    ``PermissionDenied`` for a member not named on a sealed person."""
    require_shown(person, by)
    assign(person, fields, EDITABLE)
    return save_record(person, by=by)


@transaction.atomic
def remove_person(person: Person, *, by) -> Person:
    return delete_record(person, by=by)


def _since(since: FuzzyDate | PartialDate | str | None) -> str:
    """A move's date as stored: the text ``FuzzyDate.parse`` reads back ("2020-05",
    "summer 2021", "2021-01/2021-04"); moves stored before vague dates read the same."""
    if not since:
        return ""
    if isinstance(since, PartialDate):
        since = since.fuzzy()
    if not isinstance(since, FuzzyDate):
        try:
            since = FuzzyDate.parse(since)
        except ValueError as exc:
            raise ValidationError({"since": str(exc)}) from None
    return since.machine()


def _move(place: str, since, note: str) -> dict:
    return {"place": place, "since": _since(since), "note": note}


@transaction.atomic
def record_move(
    person: Person, *, by, place: str, since: FuzzyDate | PartialDate | str | None = "", note=""
) -> Person:
    """Add a move to the person's whereabouts ("moved to Nizhny Novgorod", summer 2021)."""
    person.whereabouts = [*person.whereabouts, _move(place, since, note)]
    return save_record(person, by=by)


@transaction.atomic
def change_move(
    person: Person,
    index: int,
    *,
    by,
    place: str,
    since: FuzzyDate | PartialDate | str | None = "",
    note: str = "",
) -> Person:
    """Correct the move at ``index`` (0 is the oldest); IndexError when there is none."""
    moves = list(person.whereabouts)
    moves[index] = _move(place, since, note)
    person.whereabouts = moves
    return save_record(person, by=by)


@transaction.atomic
def remove_move(person: Person, index: int, *, by) -> Person:
    """Take the move at ``index`` off the person's whereabouts. The version before keeps
    it, so the person's history shows it and can restore it."""
    moves = list(person.whereabouts)
    moves.pop(index)
    person.whereabouts = moves
    save_record(person, by=by)
    record(
        "people.person.move_removed",
        actor=by,
        target=person,
        summary=f"move {index + 1} of {len(moves) + 1}",
    )
    return person


@transaction.atomic
def relate(person: Person, other: Person, *, kind, by, note: str = "") -> Relationship:
    """Record that ``person`` is ``kind`` of ``other``: two different people of one team.

    ``ValidationError`` on ``other`` for the person themself or someone of another team.
    """
    if person.pk == other.pk:
        raise ValidationError({"other": _("A person cannot be related to themself.")})
    relationship = Relationship(person=person, other=other, kind=kind, team=person.team, note=note)
    require_same_team(relationship, other=other)
    return save_record(relationship, by=by)


@transaction.atomic
def change_relationship(relationship: Relationship, *, by, kind, other: Person, note: str = ""):
    """Correct what a relationship says; the same rules as ``relate``."""
    if relationship.person_id == other.pk:
        raise ValidationError({"other": _("A person cannot be related to themself.")})
    relationship.kind, relationship.other, relationship.note = kind, other, note
    require_same_team(relationship, other=other)
    return save_record(relationship, by=by)


@transaction.atomic
def remove_relationship(relationship: Relationship, *, by) -> Relationship:
    """Soft: the relationship leaves the person's page and keeps its history."""
    return delete_record(relationship, by=by)


@transaction.atomic
def seal_person(person: Person, *, by, members) -> Person:
    """Seal ``person``: name forms and contacts only for ``members`` (users of the
    person's team with record access), ``by`` among them so that nobody seals a
    person away from themself. A sealed person's seal changes only by a named member.
    ``ValidationError`` on ``members`` for anyone outside the team."""
    from haven.accounts.models import Membership

    require_write(by, person)
    require_shown(person, by)
    chosen = {user.pk for user in members} | {by.pk}
    allowed = set(
        Membership.objects.filter(
            team_id=person.team_id, access__in=Membership.RECORD_ACCESS, user__is_active=True
        ).values_list("user_id", flat=True)
    )
    if chosen - allowed:
        raise ValidationError({"members": _("Only members of the person's team can be named.")})
    Person.objects.filter(pk=person.pk).update(sealed=True, sealed_for=sorted(chosen))
    person.sealed, person.sealed_for = True, sorted(chosen)
    record(
        "people.person.sealed",
        actor=by,
        target=person,
        summary=f"{len(chosen)} named members",
    )
    return person


@transaction.atomic
def unseal_person(person: Person, *, by) -> Person:
    """Show ``person``'s name forms and contacts to every member again: a named member only."""
    require_write(by, person)
    require_shown(person, by)
    Person.objects.filter(pk=person.pk).update(sealed=False, sealed_for=[])
    person.sealed, person.sealed_for = False, []
    record("people.person.unsealed", actor=by, target=person)
    return person
