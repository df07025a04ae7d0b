"""The ESF document's own words: its name, date types, who may name people, and how
dates are written."""

from __future__ import annotations

from datetime import date
from typing import Any

from haven.accounts.models import Role
from haven.exchange.errors import ExchangeError
from haven.lib.fuzzy_dates import DAY, FuzzyDate
from haven.sources.models import Source

FORMAT = "huridocs-esf"
VERSION = 1
STANDARD = "HURIDOCS Events Standard Formats (2001)"
# Who may take names out of Haven in an identifying export: those whose work puts a
# named account before a court, an authority or an international body.
IDENTIFYING_ROLES = frozenset({Role.COORDINATOR, Role.LAWYER, Role.ADMINISTRATOR})
# ESF date types (micro-thesaurus "Types of dates").
EXACT, ESTIMATED, UNKNOWN = "exact", "estimated", "unknown"
# A source is a person in the ESF: a witness giving testimony, or an organisation.
SOURCE_UNITS = {
    Source.Kind.TESTIMONY: "individual",
    Source.Kind.SOCIAL: "individual",
    Source.Kind.MEDIA: "organisation",
    Source.Kind.OFFICIAL: "organisation",
    Source.Kind.NGO: "organisation",
}


class EventsError(ExchangeError):
    """An ESF document that cannot be imported."""


def may_identify(user) -> bool:
    return bool(user is not None and user.is_active and user.role in IDENTIFYING_ROLES)


def esf_date(prefix: str, value: FuzzyDate | None) -> dict[str, Any]:
    """``initial_date`` and its date type, with the range Haven knows it to be.

    The date given is the first day it may be, or for "before …" the last.
    """
    if value is None:
        return {prefix: None, f"{prefix}_type": UNKNOWN}
    exact = value.precision == DAY and not value.estimated
    shown = value.latest if value.precision == "before" else value.earliest
    return {
        prefix: shown.isoformat(),
        f"{prefix}_type": EXACT if exact else ESTIMATED,
        f"{prefix}_precision": value.precision,
        f"{prefix}_earliest": value.earliest.isoformat(),
        f"{prefix}_latest": value.latest.isoformat(),
        f"{prefix}_estimated": value.estimated,
    }


def read_esf_date(item: dict, prefix: str) -> FuzzyDate | None:
    """The date ``esf_date`` wrote, or one from an ESF date and its type alone;
    ``ValueError`` when it is neither."""
    if f"{prefix}_earliest" in item:
        return FuzzyDate(
            date.fromisoformat(item[f"{prefix}_earliest"]),
            date.fromisoformat(item[f"{prefix}_latest"]),
            item.get(f"{prefix}_precision") or DAY,
            bool(item.get(f"{prefix}_estimated")),
        )
    if item.get(prefix) in (None, "") or item.get(f"{prefix}_type") == UNKNOWN:
        return None
    day = date.fromisoformat(item[prefix])
    return FuzzyDate.of_day(day, estimated=item.get(f"{prefix}_type") == ESTIMATED)
