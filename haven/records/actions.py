"""Saving, deleting, restoring and moving sensitive records: each one audited transaction."""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from haven.audit.actions import record
from haven.records import blind, history
from haven.records.access import require_write
from haven.records.masking import unmasked
from haven.records.models import RecordVersion
from haven.records.signals import written


def _versions(instance):
    return RecordVersion.objects.filter(
        object_type=instance._meta.label_lower, object_uuid=instance.uuid
    )


def assign(instance, fields: dict, editable: Collection[str]) -> None:
    """Set ``fields`` on ``instance``, refusing any name outside ``editable``.

    Update verbs use it so that no caller (a form, an import row, an API body) can
    change what has a verb of its own: the team only moves through ``move_record``,
    deletion only through ``delete_record``. A refused name is a programming error
    in the interface, reported like an unexpected keyword argument.
    """
    refused = sorted(set(fields) - set(editable))
    if refused:
        raise TypeError(
            f"cannot set {', '.join(refused)} on a {instance._meta.model_name} here; "
            f"editable: {', '.join(sorted(editable))}"
        )
    for name, value in fields.items():
        setattr(instance, name, value)


def latest_snapshot(instance) -> dict | None:
    last = _versions(instance).order_by("-number").first()
    return last.snapshot if last else None


@transaction.atomic
def save_record(instance, *, by, change: str | None = None, check: bool = True):
    """Save ``instance`` and keep its history, blind index and audit entry in step.

    ``by`` must be a writing member of the record's team (``check=False`` only
    for imports and system jobs). Saving without a change records nothing.
    """
    if check:
        require_write(by, instance)
    # Stored values are the real ones, whoever saves (see haven.records.masking).
    with unmasked():
        return _save(instance, by=by, change=change)


def _save(instance, *, by, change):
    creating = instance._state.adding
    before = None if creating else latest_snapshot(instance)
    after = history.snapshot(instance)
    fields = history.changed(before, after)
    if not creating and not fields and change is None:
        return instance
    instance.updated_at = timezone.now()
    instance.full_clean()
    instance.save()
    change = change or (RecordVersion.Change.CREATED if creating else RecordVersion.Change.UPDATED)
    number = (_versions(instance).aggregate(n=Max("number"))["n"] or 0) + 1
    version(instance, by=by, change=change, number=number, fields=fields, snapshot=after).save(
        force_insert=True
    )
    blind.reindex(instance)
    written(type(instance), [instance.pk])
    action, target, summary = audit_entry(instance, change, fields)
    record(action, actor=by, target=target, summary=summary)
    return instance


def version(instance, *, by, change: str, number: int, fields: list[str], snapshot: dict):
    """The (unsaved) history row of one change to ``instance``."""
    return RecordVersion(
        object_type=instance._meta.label_lower,
        object_uuid=instance.uuid,
        number=number,
        change=change,
        changed_by=by,
        changed_fields=fields,
        snapshot=snapshot,
    )


def audit_entry(instance, change: str, fields: list[str]) -> tuple[str, object, str]:
    """The (action, target, summary) of one change's audit entry: field names, never values."""
    summary = ("fields: " + ", ".join(fields))[:300] if fields else ""
    return f"{instance._meta.label_lower}.{change}", instance, summary


@transaction.atomic
def delete_record(instance, *, by):
    """Soft delete: the record disappears from every list but keeps its history."""
    instance.deleted_at = timezone.now()
    return save_record(instance, by=by, change=RecordVersion.Change.DELETED)


@transaction.atomic
def restore_version(instance, version: RecordVersion, *, by):
    """Bring back the content of an earlier version; itself a new change."""
    if version.object_uuid != instance.uuid:
        raise ValidationError("That version belongs to another record.")
    history.apply_snapshot(instance, version.snapshot)
    return save_record(instance, by=by, change=RecordVersion.Change.RESTORED)


@transaction.atomic
def move_record(instance, team, *, by):
    """Hand a record to another team; ``by`` must be able to write in both."""
    require_write(by, instance)
    instance.team = team
    return save_record(instance, by=by, change=RecordVersion.Change.MOVED)
