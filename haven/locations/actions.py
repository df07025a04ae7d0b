"""Verbs for the gazetteer: adding and correcting places, each one audited transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.locations.models import Location

EDITABLE = ("parent", "kind", "name_en", "name_ru", "latitude", "longitude")


@transaction.atomic
def save_place(place: Location, **fields) -> Location:
    """Add ``place`` (a new ``Location()``) or correct it; a place is never put inside
    itself, and coordinates stay on the globe."""
    refused = sorted(set(fields) - set(EDITABLE))
    if refused:
        raise TypeError(f"cannot set {', '.join(refused)} on a place")
    for name, value in fields.items():
        setattr(place, name, value)
    errors = {}
    parent = place.parent
    if parent and place.pk and (parent.pk == place.pk or f"/{place.pk}/" in parent.path):
        errors["parent"] = _("A place cannot be inside itself.")
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = getattr(place, name)
        if value is not None and not low <= value <= high:
            errors[name] = _("Must be between %(low)s and %(high)s.") % {"low": low, "high": high}
    if errors:
        raise ValidationError(errors)
    place.full_clean(exclude=["path"])
    place.save()
    record("locations.location.saved", target=place, summary=place.name_en[:200])
    return place
