"""Verb functions for people; each one transaction with its history and audit entry.

Each verb names what it may change: the team changes only through ``move_record``
and deletion only through ``remove_person``, whoever calls (a form, an import row,
an API body). ``save_record`` checks that ``by`` may write in the person's team.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.lib.partial_dates import PartialDate
from haven.people.models import Person, Relationship
from haven.records.access import require_same_team
from haven.records.actions import assign, delete_record, save_record

# What an edit may change; whereabouts grow through record_move.
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
    """Change the fields named (any of ``EDITABLE``); TypeError for any other name."""
    assign(person, fields, EDITABLE)
    return save_record(person, by=by)


@transaction.atomic
def remove_person(person: Person, *, by) -> Person:
    return delete_record(person, by=by)


@transaction.atomic
def record_move(
    person: Person, *, by, place: str, since: PartialDate | str | None = "", note: str = ""
) -> Person:
    """Add a move to the person's whereabouts ("moved to Nizhny Novgorod", 2020-05)."""
    since = str(since) if since else ""
    person.whereabouts = [*person.whereabouts, {"place": place, "since": since, "note": note}]
    return save_record(person, by=by)


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
