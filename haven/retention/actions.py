"""Erasure, legal holds and retention rules: each verb one audited transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.actions import record
from haven.records.access import require_write
from haven.records.actions import save_record
from haven.retention import erasure, journal
from haven.retention.models import ErasedRecord, Erasure, LegalHold, Reason, RetentionRule

# Erasing cannot be undone: only those who answer for the organisation's records may.
ERASING_ROLES = {Role.ADMINISTRATOR, Role.COORDINATOR}


def may_erase(user, instance) -> bool:
    from haven.records.access import can_write

    return getattr(user, "role", None) in ERASING_ROLES and can_write(user, instance)


# --- legal holds -----------------------------------------------------------------------
def active_holds():
    return LegalHold.objects.filter(lifted_at__isnull=True, deleted_at__isnull=True)


def holds_on(instance) -> list[LegalHold]:
    """The active holds that keep ``instance``: on it, or on a case or incident it is part of."""
    label = instance._meta.label_lower
    model = erasure.model
    cases, incidents = [], []
    if label == "cases.case":
        cases = [instance.uuid]
    elif label == "incidents.incident":
        incidents = [instance.uuid]
    elif label == "cases.request":
        cases = [instance.case.uuid] if instance.case_id else []
    elif label == "people.person":
        # As subqueries: a person named on thousands of incidents (an imported
        # "unknown perpetrator") would be thousands of parameters of one statement.
        cases = (
            model("cases.case")
            ._base_manager.filter(Q(caseperson__person=instance) | Q(requests__requester=instance))
            .values("uuid")
        )
        incidents = (
            model("incidents.incident")
            ._base_manager.filter(
                Q(acts__victim=instance) | Q(acts__involvements__perpetrator=instance)
            )
            .values("uuid")
        )
    elif label == "sources.evidencefile":
        incidents = (
            model("incidents.incident")
            ._base_manager.filter(information__source_id=instance.source_id)
            .values("uuid")
        )
    return list(
        active_holds().filter(
            Q(target_kind=LegalHold.Target.CASE, target_uuid__in=cases)
            | Q(target_kind=LegalHold.Target.INCIDENT, target_uuid__in=incidents)
        )
    )


def hold_message(holds: list[LegalHold]) -> str:
    names = "; ".join(f"“{hold.name}” ({hold.created_at:%Y-%m-%d})" for hold in holds)
    return _(
        "This is under legal hold, so it cannot be erased: %(holds)s. Lift the hold first."
    ) % {"holds": names}


@transaction.atomic
def set_hold(target, *, by, name: str) -> LegalHold:
    """Keep ``target`` (a case or an incident) and everything it covers from erasure."""
    require_write(by, target)
    hold = LegalHold(
        team=target.team,
        target_kind=target._meta.label_lower,
        target_uuid=target.uuid,
        name=name.strip(),
        set_by=by,
    )
    save_record(hold, by=by)
    record("retention.hold.set", actor=by, target=target, summary=f"hold {hold.uuid}")
    return hold


@transaction.atomic
def lift_hold(hold: LegalHold, *, by) -> LegalHold:
    require_write(by, hold)
    if hold.lifted_at is not None:
        raise ValidationError(_("This hold was already lifted."))
    hold.lifted_at, hold.lifted_by = timezone.now(), by
    save_record(hold, by=by, change="updated")
    record("retention.hold.lifted", actor=by, target=hold, summary=f"on {hold.target_uuid}")
    return hold


# --- erasure ---------------------------------------------------------------------------
def is_erased(instance) -> bool:
    return ErasedRecord.objects.filter(
        kind=instance._meta.label_lower, object_uuid=instance.uuid
    ).exists()


@transaction.atomic
def erase(instance, *, by, reason: str, check: bool = True) -> Erasure:
    """Erase ``instance`` (a person, case, request or evidence file) and its parts.

    ``by`` must hold an erasing role and write in the record's team (``check=False``
    only for ``haven retention apply`` and the CLI run by the operator). Refused, with
    the hold named, while a legal hold covers it.
    """
    label = instance._meta.label_lower
    if label not in erasure.KINDS:
        raise ValueError(f"{label} cannot be erased on its own")
    if reason not in Reason.values:
        raise ValidationError({"reason": _("Choose why this is erased.")})
    if check and not may_erase(by, instance):
        raise PermissionDenied
    holds = holds_on(instance)
    if holds:
        raise ValidationError(hold_message(holds))
    plan = erasure.parts_of(instance)
    files = erasure.carry_out(plan)
    entry = Erasure.objects.create(
        kind=label, object_uuid=instance.uuid, reason=reason, erased_by=by, files=files
    )
    ErasedRecord.objects.bulk_create(
        (ErasedRecord(erasure=entry, kind=kind, object_uuid=uuid) for kind, uuid in plan.ids()),
        batch_size=500,  # a person on thousands of records: never one statement for all
    )
    entry.tables = plan.tables()  # for journal.compact, after the commit
    # The tombstone: kind, UUID, reason and counts; no value of what was erased.
    record(
        "retention.erased",
        actor=by,
        target=instance,
        summary=f"reason {reason}; {len(plan.records)} records, {files} files",
    )
    journal.append(
        {
            "erasure": str(entry.uuid),
            "at": entry.erased_at.isoformat(),
            "kind": label,
            "uuid": str(instance.uuid),
            "reason": reason,
            "records": plan.ids(),
        }
    )
    return entry


@transaction.atomic
def reapply() -> int:
    """Erase again every record the journal names that this database still holds
    unerased (a restored older backup): the named record with its parts as they are
    now, and each part the erasure wiped then. Holds do not stop it: the erasure was
    decided. Returns how many erasures had to be applied again."""
    done = 0
    for entry in journal.entries():
        wanted = [(entry["kind"], entry["uuid"]), *map(tuple, entry["records"])]
        present = [
            instance
            for kind, uuid in wanted
            if (instance := erasure.find(kind, uuid)) is not None
            and not ErasedRecord.objects.filter(kind=kind, object_uuid=uuid).exists()
        ]
        if not present:
            continue
        root = erasure.find(entry["kind"], entry["uuid"])
        plan = erasure.parts_of(root) if root is not None else erasure.Plan()
        plan.add(present)
        files = erasure.carry_out(plan)
        row = Erasure.objects.create(
            kind=entry["kind"],
            object_uuid=entry["uuid"],
            reason=entry.get("reason") or Reason.SUBJECT_REQUEST,
            files=files,
        )
        ErasedRecord.objects.bulk_create(
            (ErasedRecord(erasure=row, kind=kind, object_uuid=uuid) for kind, uuid in plan.ids()),
            batch_size=500,
        )
        record(
            "retention.reapplied",
            target=root,
            summary=f"erasure {entry.get('erasure', '')[:36]}; {len(plan.records)} records",
        )
        done += 1
    return done


# --- retention -------------------------------------------------------------------------
@dataclass
class Due:
    """One record whose retention period has passed."""

    rule: RetentionRule
    instance: object
    since: dt.date
    holds: list

    @property
    def label(self) -> str:
        return getattr(self.instance, "code", None) or str(self.instance.uuid)[:8]


def _erased_uuids(label: str):
    return ErasedRecord.objects.filter(kind=label).values("object_uuid")


def candidates(rule: RetentionRule, *, now=None):
    """(every record the rule applies to, those of them past its period), unerased."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=rule.days)
    model = erasure.model
    if rule.kind == RetentionRule.Kind.OPEN_REQUEST:
        every = model("cases.request")._base_manager.filter(case__isnull=True)
        due = every.filter(received_at__lt=cutoff)
        label = "cases.request"
    elif rule.kind == RetentionRule.Kind.CLOSED_CASE:
        every = model("cases.case")._base_manager.filter(status="closed")
        due = every.filter(
            Q(status_since__lt=cutoff.date()) | Q(status_since__isnull=True, updated_at__lt=cutoff)
        )
        label = "cases.case"
    else:
        every = model("sources.evidencefile")._base_manager.filter(source__kind=rule.source_kind)
        due = every.filter(created_at__lt=cutoff)
        label = "sources.evidencefile"
    erased = _erased_uuids(label)
    return every.exclude(uuid__in=erased), due.exclude(uuid__in=erased)


def _since(rule, instance) -> dt.date:
    if rule.kind == RetentionRule.Kind.OPEN_REQUEST:
        start = timezone.localdate(instance.received_at)
    elif rule.kind == RetentionRule.Kind.CLOSED_CASE:
        start = instance.status_since or timezone.localdate(instance.updated_at)
    else:
        start = timezone.localdate(instance.created_at)
    return start + dt.timedelta(days=rule.days)


def review(*, now=None) -> list[Due]:
    """What falls due under every rule, oldest first, each with the holds that keep it."""
    found = []
    for rule in RetentionRule.objects.all():
        _every, due = candidates(rule, now=now)
        for instance in due.order_by("pk"):
            found.append(Due(rule, instance, _since(rule, instance), holds_on(instance)))
    return sorted(found, key=lambda d: (d.since, d.label))


def sweeping_rules(*, now=None) -> list[tuple[RetentionRule, int]]:
    """Rules that would erase every record they apply to, with that count: applying
    them needs a confirmation naming the count."""
    found = []
    for rule in RetentionRule.objects.all():
        every, due = candidates(rule, now=now)
        count = due.count()
        if count and count == every.count():
            found.append((rule, count))
    return found


def apply_retention(*, by=None, now=None, confirmed_all: int | None = None) -> dict:
    """Erase what ``review`` lists, each record in its own transaction; held ones are
    skipped. Refused (nothing erased) while a rule would erase everything it applies
    to, unless ``confirmed_all`` is the total count of those rules' records."""
    sweeping = sweeping_rules(now=now)
    total = sum(count for _rule, count in sweeping)
    if sweeping and confirmed_all != total:
        raise ValidationError(
            _(
                "A rule would erase every one of the %(count)s records it applies to. "
                "Check the rules, or confirm with the count %(count)s."
            )
            % {"count": total}
        )
    erased, held = [], []
    for due in review(now=now):
        if due.holds:
            held.append(due)
            continue
        erase(due.instance, by=by, reason=Reason.RETENTION, check=False)
        erased.append(due)
    record("retention.applied", actor=by, summary=f"{len(erased)} erased, {len(held)} held")
    return {"erased": erased, "held": held}


@transaction.atomic
def save_rule(*, by, kind: str, days: int, source_kind: str = "") -> RetentionRule:
    if not getattr(by, "is_administrator", False):
        raise PermissionDenied
    if kind != RetentionRule.Kind.EVIDENCE:
        source_kind = ""
    elif not source_kind:
        raise ValidationError({"source_kind": _("Choose the source type of the evidence.")})
    rule = RetentionRule.objects.filter(kind=kind, source_kind=source_kind).first()
    rule = rule or RetentionRule(kind=kind, source_kind=source_kind)
    rule.days, rule.updated_by, rule.updated_at = days, by, timezone.now()
    rule.full_clean(validate_unique=False)
    rule.save()
    record("retention.rule.saved", actor=by, summary=f"{kind} {source_kind} {days} days".strip())
    return rule


@transaction.atomic
def delete_rule(rule: RetentionRule, *, by) -> None:
    if not getattr(by, "is_administrator", False):
        raise PermissionDenied
    summary = f"{rule.kind} {rule.source_kind}".strip()
    rule.delete()
    record("retention.rule.deleted", actor=by, summary=summary)
