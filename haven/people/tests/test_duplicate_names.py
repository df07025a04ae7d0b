"""Duplicate people: how two names' words are matched, and what a reviewer is told of
them (the other rules: test_duplicate_rules.py)."""

import pytest

from haven.people.actions import add_person
from haven.people.duplicates import find
from haven.people.models import Person


def _pair_of(found, a, b):
    return [c for c in found if {c.a.pk, c.b.pk} == {a.pk, b.pk}]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        # Letters kh swapped: the readings (zelimhan, zelimkahn) are two edits apart.
        ("Зелимхан Пётрович Новиков", "Zelimkahn Pyotrovich Novikov"),
        # A letter left out: the reading of Tiur drops its i (tur against timur).
        ("Тимур Адамович Ибрагимов", "Ibragimov Tiur Adamovič"),
        ("Шамилова Марьям Николаевна", "Maryam Nikolayevna Shamiolva"),
    ],
)
def test_a_slip_one_edit_apart_as_typed_is_the_same_word(personas, one, other):
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name=one, birth_date="1984")
    b = add_person(team=team, by=by, name=other, birth_date="1984")
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert not any("another surname" in reason for reason in found.reasons)


def test_a_pair_proposed_on_its_names_alone_says_how_alike_they_are(personas):
    """Arbi Zahrov (no birth year) against Захаров Арби Василиевич scores below 0.8 on
    the names, enough to be proposed; the reviewer is still told why."""
    by, team = personas.member, personas.team
    a = add_person(team=team, by=by, name="Захаров Арби Василиевич", birth_date="1994")
    b = add_person(team=team, by=by, name="Arbi Zahrov")
    (found,) = _pair_of(find(Person.objects.all()), a, b)
    assert found.score < 0.8
    assert found.reasons == [f"similar names ({found.score:.2f})"]
