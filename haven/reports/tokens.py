"""The counted-only tokens a report groups by, and what each stands for: worked out by
hashing the few values a token can be (the genders, the years of birth, the kinds of
grounds), never by decrypting anything (docs/reports.md)."""

from __future__ import annotations

from django.utils import timezone

from haven.incidents.models import Incident
from haven.people.models import Person
from haven.records import blind

FIRST_BIRTH_YEAR = 1900
GROUNDS_CODES = ("stated", "documented", "differ", "same", "neither")


def _tokens(model, name: str, terms: dict[str, object]) -> dict[int, object]:
    """token → what it stands for, for each candidate term of ``model.name``'s index."""
    return {next(iter(blind.hashed(model, name, [term]))): value for term, value in terms.items()}


def gender_tokens() -> dict[int, str]:
    return _tokens(Person, "gender", {f"value:{g}": g for g in Person.Gender.values})


def birth_year_tokens() -> dict[int, int]:
    years = range(FIRST_BIRTH_YEAR, timezone.now().year + 1)
    return _tokens(Person, "birth_date", {f"year:{y:04d}": y for y in years})


def grounds_tokens() -> dict[int, str]:
    return _tokens(Incident, "grounds_agreement", {f"value:{c}": c for c in GROUNDS_CODES})
