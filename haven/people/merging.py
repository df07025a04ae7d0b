"""Merging two records of one person, and undoing it: everything that pointed at the
merged record points at the kept one, and the merged one is retired (soft-deleted), with
what moved kept on the ``Merge`` so that ``undo`` can put it back."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.actions import record
from haven.people.blocking import name_forms
from haven.people.models import Merge, Person, require_shown
from haven.records.access import require_write
from haven.records.actions import save_record
from haven.records.signals import written


def _references(person):
    """(model, field name) of every foreign key that can point at a person."""
    # include_hidden: relations declared with related_name="+" count too.
    for relation in Person._meta.get_fields(include_hidden=True):
        if relation.one_to_many and relation.related_model is not Merge:
            yield relation.related_model, relation.field.name


def _twin(model, name: str, row, kept):
    """The values of ``row``'s unique link (case and person, say) when ``kept`` already
    has the same link, so moving ``row`` onto ``kept`` would break the constraint."""
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if isinstance(constraint, UniqueConstraint) and name in fields:
            others = {
                f"{field}_id": getattr(row, f"{field}_id") for field in fields if field != name
            }
            if model._base_manager.filter(**others, **{name: kept}).exists():
                return others
    return None


@transaction.atomic
def merge(kept: Person, merged: Person, *, by) -> Merge:
    """Point everything about ``merged`` at ``kept`` and retire ``merged`` (soft delete)."""
    if kept.pk == merged.pk or kept.team_id != merged.team_id:
        raise ValidationError(_("Only two different people of one team can be merged."))
    require_write(by, kept)
    require_write(by, merged)
    require_shown(kept, by)
    require_shown(merged, by)
    if merged.sealed and not kept.sealed:
        # The sealed person's name forms would join a record every member can read.
        raise ValidationError(
            _("%(code)s is sealed: seal %(kept)s first, or keep %(code)s instead.")
            % {"code": merged.code, "kept": kept.code}
        )
    moved = []
    for model, name in _references(merged):
        for row in model._base_manager.filter(**{name: merged}):
            twin = _twin(model, name, row, kept)
            if twin is not None:
                # Both were on it (a case, say): drop the second link, remember it for undo.
                moved.append({"model": model._meta.label_lower, "link": twin, "field": name})
                row.delete()
                continue
            model._base_manager.filter(pk=row.pk).update(**{name: kept})
            written(model, [row.pk])
            moved.append({"model": model._meta.label_lower, "pk": row.pk, "field": name})
    before = list(kept.other_names or [])
    additions = [f for f in name_forms(merged) if f and f not in name_forms(kept)]
    kept.other_names = before + additions
    save_record(kept, by=by)
    merged.deleted_at = timezone.now()
    save_record(merged, by=by, change="deleted")
    result = Merge(team=kept.team, kept=kept, merged=merged, moved=moved, kept_name_forms=before)
    save_record(result, by=by)
    record(
        "people.person.merged",
        actor=by,
        target=kept,
        summary=f"{merged.code} into {kept.code}; {len(moved)} references moved",
    )
    return result


@transaction.atomic
def undo(result: Merge, *, by) -> None:
    from django.apps import apps

    if result.undone_at:
        raise ValidationError(_("This merge was already undone."))
    kept = Person.objects.get(pk=result.kept_id)
    merged = Person._base_manager.get(pk=result.merged_id)
    require_write(by, kept)
    require_shown(kept, by)
    for item in result.moved:
        if "case_link" in item:  # written by merges before links were handled generally
            item = {"model": "cases.caseperson", "link": {"case_id": item["case_link"]}}
            item["field"] = "person"
        model = apps.get_model(item["model"])
        if "link" in item:
            model._base_manager.get_or_create(**item["link"], **{item["field"]: merged})
            continue
        model._base_manager.filter(pk=item["pk"], **{item["field"]: kept}).update(
            **{item["field"]: merged}
        )
        written(model, [item["pk"]])
    kept.other_names = result.kept_name_forms
    save_record(kept, by=by)
    merged.deleted_at = None
    save_record(merged, by=by, change="restored")
    result.undone_at = timezone.now()
    save_record(result, by=by)
    record("people.person.unmerged", actor=by, target=kept, summary=f"{merged.code} restored")
