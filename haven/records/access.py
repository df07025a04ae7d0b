"""The one way to fetch a sensitive record for a user: 404 outside, 403 read-only.

``getter_for(Model)`` makes the per-kind helper (``get_person_for_user``), so the
rule is written once. Every fetch is on the record: a view is audited as
``<kind>.viewed``, a refusal as ``access.denied``.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from haven.audit.actions import record


def can_write(user, instance) -> bool:
    from haven.accounts.models import Membership

    return (
        user.is_authenticated
        and user.is_active
        and Membership.objects.filter(
            team_id=instance.team_id, user=user, access=Membership.Access.MEMBER
        ).exists()
    )


def get_for_user(model, user, record_id, *, write: bool = False):
    label = model._meta.label_lower
    try:
        instance = model.objects.visible_to(user).filter(uuid=record_id).first()
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


def getter_for(model) -> Callable:
    def getter(user, record_id, write: bool = False):
        return get_for_user(model, user, record_id, write=write)

    getter.__name__ = f"get_{model._meta.model_name}_for_user"
    getter.__doc__ = f"The {model._meta.verbose_name} ``record_id`` if ``user`` may see it."
    return getter
