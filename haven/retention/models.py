"""Erasures (the journal's copy in the database), legal holds and retention rules.

The journal that counts is the file beside the key (``haven.retention.journal``): a
restored backup brings back this table as it was, the file is what re-applies the
erasures made since.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from haven.keys.fields import EncryptedTextField
from haven.records.access import getter_for
from haven.records.models import SensitiveRecord


class Reason(models.TextChoices):
    """Why something was erased: a choice, never free text, so that the tombstone and the
    journal hold no word of what was erased."""

    SUBJECT_REQUEST = "subject_request", _("The person asked to be forgotten")
    RETENTION = "retention", _("Its retention period ended")
    ERROR = "error", _("Recorded in error")
    ORDER = "order", _("A court or regulator ordered it")


class Erasure(models.Model):
    """One erasure: what was named and every record it wiped, by kind and UUID only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=64)
    object_uuid = models.UUIDField(db_index=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    erased_at = models.DateTimeField(_("erased at"), default=timezone.now)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    files = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"erasure of {self.kind} {self.object_uuid}"


class ErasedRecord(models.Model):
    """One record an erasure wiped (the named one and each part), by kind and UUID."""

    erasure = models.ForeignKey(Erasure, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=64)
    object_uuid = models.UUIDField()

    class Meta:
        indexes = [models.Index(fields=["kind", "object_uuid"], name="erased_record")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_uuid}"


class LegalHold(SensitiveRecord):
    """A case or an incident that must be kept: nothing it covers is erased until lifted."""

    class Target(models.TextChoices):
        CASE = "cases.case", pgettext_lazy("hold target", "Case")
        INCIDENT = "incidents.incident", pgettext_lazy("hold target", "Incident")

    target_kind = models.CharField(max_length=32, choices=Target.choices)
    target_uuid = models.UUIDField(db_index=True)
    # The hold's name ("ECHR application", "prosecutor's request") may say more than a
    # code does: encrypted like the record it protects.
    name = EncryptedTextField(_("name of the hold"), max_length=200, blank=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True, editable=False)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")

    def __str__(self) -> str:
        return f"hold {self.uuid}"


get_hold_for_user = getter_for(LegalHold)


class RetentionRule(models.Model):
    """How long one kind of record is kept once it no longer serves."""

    class Kind(models.TextChoices):
        OPEN_REQUEST = "open_request", _("Requests never turned into a case")
        CLOSED_CASE = "closed_case", _("Closed cases, counted from closing")
        EVIDENCE = "evidence", _("Evidence files, by source type")

    kind = models.CharField(_("records"), max_length=16, choices=Kind.choices)
    # For evidence: the source type (Source.Kind) the rule applies to.
    source_kind = models.CharField(_("source type"), max_length=12, blank=True, default="")
    days = models.PositiveIntegerField(
        _("kept for (days)"), validators=[MinValueValidator(1), MaxValueValidator(36500)]
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["kind", "source_kind"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_kind"], name="retention_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source_kind} {self.days} days"
