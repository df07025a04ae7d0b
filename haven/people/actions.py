"""Verb functions for people; each one transaction with its history and audit entry."""

from __future__ import annotations

from django.db import transaction

from haven.people.models import Person, Relationship
from haven.records.actions import delete_record, save_record


@transaction.atomic
def add_person(*, team, by, name: str, **fields) -> Person:
    person = Person(team=team, name=name, **fields)
    return save_record(person, by=by)


@transaction.atomic
def update_person(person: Person, *, by, **fields) -> Person:
    for name, value in fields.items():
        setattr(person, name, value)
    return save_record(person, by=by)


@transaction.atomic
def remove_person(person: Person, *, by) -> Person:
    return delete_record(person, by=by)


@transaction.atomic
def record_move(person: Person, *, by, place: str, since: str = "", note: str = "") -> Person:
    """Add a move to the person's whereabouts ("moved to Nizhny Novgorod", 2020-05)."""
    person.whereabouts = [*person.whereabouts, {"place": place, "since": since, "note": note}]
    return save_record(person, by=by)


@transaction.atomic
def relate(person: Person, other: Person, *, kind, by, note: str = "") -> Relationship:
    if person.pk == other.pk:
        raise ValueError("a person cannot be related to themself")
    if person.team_id != other.team_id:
        raise ValueError("both people must belong to the same team")
    relationship = Relationship(person=person, other=other, kind=kind, team=person.team, note=note)
    return save_record(relationship, by=by)
