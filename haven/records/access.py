"""The one way to fetch a sensitive record for a user: 404 outside, 403 read-only.

``getter_for(Model)`` makes the per-kind helper (``get_person_for_user``), so the
rule is written once; ``get_part_for_user`` does the same for a record that belongs
to another (an act of an incident, a file of a source). Every fetch is on the
record: a view is audited as ``<kind>.viewed``, a refusal as ``access.denied``.

The two rules every verb relies on live here too: ``require_write`` (a writing
member of the record's team) and ``require_same_team`` (records are linked only
within one team). They raise ``PermissionDenied`` and ``ValidationError``, which
each interface turns into its own 403 or 400.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from haven.audit.actions import record


def can_write(user, instance) -> bool:
    from haven.accounts.models import Membership

    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and Membership.objects.filter(
            team_id=instance.team_id, user=user, access=Membership.Access.MEMBER
        ).exists()
    )


def require_write(user, instance) -> None:
    """Refuse (``PermissionDenied``) unless ``user`` is a writing member of the record's team."""
    if not can_write(user, instance):
        raise PermissionDenied


def require_same_team(instance, **others) -> None:
    """Refuse a link to a record of another team: ``ValidationError`` on the field named.

    ``require_same_team(act, victim=person)``; ``None`` values are skipped (an empty
    optional field), and so is a record whose team is not chosen yet.
    """
    if instance.team_id is None:
        return
    errors = {
        field: _("%(record)s belongs to another team; choose one of this team's.")
        % {"record": getattr(other, "code", None) or other._meta.verbose_name}
        for field, other in others.items()
        if other is not None and other.team_id != instance.team_id
    }
    if errors:
        raise ValidationError(errors)


def require_live(**records) -> None:
    """Refuse a link to a deleted record: ``ValidationError`` on the field named."""
    errors = {
        field: _("%(record)s was deleted; choose another.")
        % {"record": getattr(other, "code", None) or other._meta.verbose_name}
        for field, other in records.items()
        if other is not None and other.deleted_at is not None
    }
    if errors:
        raise ValidationError(errors)


def _fetch(queryset, user, record_id, *, label: str, write: bool):
    try:
        instance = queryset.filter(uuid=record_id).first()
    except ValidationError:  # not a UUID
        instance = None
    if instance is None:
        record("access.denied", actor=user, summary=f"{label} {str(record_id)[:40]}")
        raise Http404
    if write and not can_write(user, instance):
        record("access.denied", actor=user, target=instance, summary="read-only member")
        raise PermissionDenied
    if not write:
        record(f"{label}.viewed", actor=user, target=instance)
    return instance


def get_for_user(model, user, record_id, *, write: bool = False):
    label = model._meta.label_lower
    return _fetch(model.objects.visible_to(user), user, record_id, label=label, write=write)


def get_part_for_user(user, parent, related: str, record_id, *, write: bool = False):
    """The record ``record_id`` among ``parent``'s ``related`` ones (``"acts"``, ``"files"``),
    checked and audited like a record fetched on its own: 404 when it is not there,
    deleted or not visible, 403 on a write by a read-only member."""
    queryset = getattr(parent, related).visible_to(user)
    label = queryset.model._meta.label_lower
    return _fetch(queryset, user, record_id, label=label, write=write)


def read_visible(model, user, record_ids, *, purpose: str) -> list:
    """Every record among ``record_ids`` that ``user`` may see, read for one bulk use
    (an export, a report, a bundle): ONE audit entry ``<kind>.read`` lists them all,
    instead of one entry per record. Ids that are not visible are left out; the caller
    compares counts when it must refuse a partly hidden choice."""
    label = model._meta.label_lower
    try:
        found = list(model.objects.visible_to(user).filter(uuid__in=list(record_ids)))
    except ValidationError:  # an id that is not a UUID
        found = []
    record(f"{label}.read", actor=user, summary=f"{purpose}: {len(found)}"[:300], records=found)
    return found


def getter_for(model) -> Callable:
    def getter(user, record_id, write: bool = False):
        return get_for_user(model, user, record_id, write=write)

    getter.__name__ = f"get_{model._meta.model_name}_for_user"
    getter.__doc__ = f"The {model._meta.verbose_name} ``record_id`` if ``user`` may see it."
    return getter
