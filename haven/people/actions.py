"""Verb functions for people; each one transaction with its history and audit entry."""

from __future__ import annotations

from django.db import transaction

from haven.people.models import Person
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
