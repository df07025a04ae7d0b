"""How the preview shows a record that is not saved yet: its kind and its values."""

from __future__ import annotations

from django import template
from django.db import models

from haven.lib.fuzzy_fields import get_fuzzy

register = template.Library()

HIDDEN = {"id", "uuid", "team", "created_at", "updated_at", "deleted_at", "code"}


@register.filter
def verbose_name(record) -> str:
    return str(record._meta.verbose_name).capitalize()


@register.filter
def describe(record) -> str:
    """ "label: value" for each field with a value, vague dates as the forms write them."""
    parts = []
    done = set()
    for field in record._meta.concrete_fields:
        name = field.name
        if name in HIDDEN or name in done:
            continue
        for prefix in ("start", "end", "published"):
            if name == f"{prefix}_earliest":
                when = get_fuzzy(record, prefix)
                if when is not None:
                    parts.append(f"{field.verbose_name}: {when.label()}")
                done.update(
                    f"{prefix}_{part}" for part in ("earliest", "latest", "precision", "estimated")
                )
                break
        else:
            if name.split("_")[-1] in ("latest", "precision", "estimated"):
                continue
            value = _shown(record, field)
            if value not in (None, "", [], {}):
                parts.append(f"{field.verbose_name}: {value}")
    return "; ".join(parts)


def _shown(record, field):
    if isinstance(field, models.ForeignKey):
        related = (
            getattr(record, field.name, None)
            if field.is_cached(record) or getattr(record, field.attname)
            else None
        )
        if related is None:
            return None
        return getattr(related, "code", None) or getattr(related, "label", None) or str(related)
    if field.choices:
        return getattr(record, f"get_{field.name}_display")()
    value = getattr(record, field.attname)
    if isinstance(value, list):
        return ", ".join(
            v.get("value", v.get("place", "")) if isinstance(v, dict) else str(v) for v in value
        )
    if isinstance(value, str) and len(value) > 200:
        return value[:200] + "…"
    return value
