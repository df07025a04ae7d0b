"""What erasing a person, a case, a request or an evidence file removes, and how.

A record is *wiped*, not deleted: its row stays as a tombstone (UUID, team, code,
dates, the soft-delete mark) so that the records that point to it keep their foreign
keys, but every encrypted value is set to NULL, every history version and every
blind-index row of it is deleted, and its files leave the vault. Nothing of what it
said survives in the database; what survives is that a record with that code existed.

Which records go with the one named (``parts_of``):

- a person: their relationships (both ways), merges, consents, the requests they made,
  the acts where they are the victim (with their involvements), their involvements as
  a perpetrator, and the sources (with evidence files) that concern no one else: every
  victim of every incident the source informs is this person;
- a case: its requests, risk assessments, actions and petitions (with their drafts),
  consents, notes and reminders; the persons on it are not erased (they may be on
  other cases): erase them one by one;
- a request: itself and its reminders;
- an evidence file: itself.

Free text elsewhere that names them (another case's note, an incident's description)
is not searched for: see docs/erasure.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from haven.keys.fields import EncryptedField
from haven.records.models import BlindTerm, RecordVersion
from haven.records.signals import written

KINDS = ("people.person", "cases.case", "cases.request", "sources.evidencefile")


@dataclass
class Plan:
    """Everything one erasure wipes, and the link rows it deletes."""

    records: list = field(default_factory=list)  # model instances, the named one first
    files: list[Path] = field(default_factory=list)
    links: list = field(default_factory=list)  # querysets of link rows to delete

    def ids(self) -> list[list[str]]:
        return [[r._meta.label_lower, str(r.uuid)] for r in self.records]

    def tables(self) -> list[str]:
        """The tables this erasure writes to, for the VACUUM that follows it."""
        names = {r._meta.db_table for r in self.records} | {
            q.model._meta.db_table for q in self.links
        }
        return sorted(names | {RecordVersion._meta.db_table, BlindTerm._meta.db_table})

    def add(self, queryset) -> None:
        seen = {(r._meta.label_lower, r.pk) for r in self.records}
        self.records += [r for r in queryset if (r._meta.label_lower, r.pk) not in seen]


def model(label: str):
    return apps.get_model(label)


def find(label: str, uuid) -> models.Model | None:
    """The record ``label``/``uuid``, deleted or not; None if there is no such row."""
    return model(label)._base_manager.filter(uuid=uuid).first()


def parts_of(instance) -> Plan:
    plan = Plan(records=[instance])
    label = instance._meta.label_lower
    if label == "people.person":
        _person(plan, instance)
    elif label == "cases.case":
        _case(plan, instance)
    elif label == "cases.request":
        _request(plan, instance)
    elif label == "sources.evidencefile":
        plan.files.append(_evidence_path(instance))
    elif label == "sources.source":
        _source(plan, instance)
    else:
        raise ValueError(f"{label} cannot be erased on its own")
    return plan


def _all(label: str):
    return model(label)._base_manager


def _person(plan: Plan, person) -> None:
    from django.db.models import Q

    plan.add(_all("people.relationship").filter(Q(person=person) | Q(other=person)))
    plan.add(_all("people.merge").filter(Q(kept=person) | Q(merged=person)))
    plan.add(_all("cases.consent").filter(person=person))
    for request in _all("cases.request").filter(requester=person):
        plan.add([request])
        _request(plan, request)
    acts = list(_all("incidents.act").filter(victim=person))
    plan.add(acts)
    plan.add(_all("incidents.involvement").filter(Q(act__victim=person) | Q(perpetrator=person)))
    plan.links.append(_all("cases.caseperson").filter(person=person))
    plan.links.append(model("cases.caseaction").persons.through.objects.filter(person=person))
    incidents = _all("incidents.act").filter(victim=person).values("incident")
    Act = model("incidents.act")
    for source in _all("sources.source").filter(information__incident__in=incidents).distinct():
        others = (
            Act._base_manager.filter(incident__information__source=source, deleted_at__isnull=True)
            .exclude(victim=person)
            .exists()
        )
        if not others:
            plan.add([source])
            _source(plan, source)


def _source(plan: Plan, source) -> None:
    plan.add(_all("incidents.informationlink").filter(source=source))
    files = list(_all("sources.evidencefile").filter(source=source))
    plan.add(files)
    plan.files += [_evidence_path(f) for f in files]


def _case(plan: Plan, case) -> None:
    for request in _all("cases.request").filter(case=case):
        plan.add([request])
        _request(plan, request)
    plan.add(_all("cases.riskassessment").filter(case=case))
    actions = list(_all("cases.caseaction").filter(case=case))
    plan.add(actions)
    drafts = list(_all("drafts.draft").filter(petition__in=actions))
    plan.add(drafts)
    plan.files += [_draft_path(d) for d in drafts]
    plan.add(_all("cases.consent").filter(case=case))
    plan.add(_all("cases.casenote").filter(case=case))
    plan.links.append(_all("cases.caseperson").filter(case=case))
    plan.links.append(model("incidents.incident").cases.through.objects.filter(case=case))
    plan.links.append(_all("notifications.notification").filter(case=case))


def _request(plan: Plan, request) -> None:
    """The request, its messages, and what the public page kept of it: where the person
    is, how to reach them, and the files they sent (their source, with its evidence)."""
    plan.add(_all("cases.requestmessage").filter(request=request))
    for submission in _all("intake.submission").filter(request=request):
        plan.add([submission])
        if submission.files_id is not None:
            source = _all("sources.source").get(pk=submission.files_id)
            plan.add([source])
            _source(plan, source)
    plan.links.append(_all("notifications.notification").filter(request=request))


def _evidence_path(evidence) -> Path:
    from haven.sources.vault import stored_path

    return stored_path(str(evidence.uuid))


def _draft_path(draft) -> Path:
    from haven.drafts.actions import draft_path

    return draft_path(draft)


def encrypted_fields(model_class) -> list[models.Field]:
    return [f for f in model_class._meta.concrete_fields if isinstance(f, EncryptedField)]


def wipe(instance, *, now=None) -> None:
    """Set every encrypted value of ``instance`` to NULL, mark it deleted, and drop its
    history and its blind-index rows. Writes the row directly: no version is kept of
    an erasure, which is the point."""
    model_class = type(instance)
    now = now or timezone.now()
    values = {f.name: None for f in encrypted_fields(model_class)}
    if hasattr(instance, "deleted_at"):
        values["deleted_at"] = instance.deleted_at or now
        values["updated_at"] = now
    model_class._base_manager.filter(pk=instance.pk).update(**values)
    RecordVersion.objects.filter(
        object_type=model_class._meta.label_lower, object_uuid=instance.uuid
    ).delete()
    BlindTerm.objects.filter(
        kind=ContentType.objects.get_for_model(model_class), record_id=instance.pk
    ).delete()
    written(model_class, [instance.pk])


def carry_out(plan: Plan) -> int:
    """Wipe every record of ``plan``, delete its link rows, and remove its files once the
    transaction commits (a rolled-back erasure keeps them). Returns the files found."""
    now = timezone.now()
    for link in plan.links:
        link.delete()
    for instance in plan.records:
        wipe(instance, now=now)
    files = [path for path in plan.files if path.exists()]

    def remove() -> None:
        for path in files:
            path.unlink(missing_ok=True)

    transaction.on_commit(remove)
    return len(files)
