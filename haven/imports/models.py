"""Imports of spreadsheets: the job (the uploaded file, its mapping, how far it got), the
origin of every record it made, and mappings saved for reuse.

The uploaded file is kept encrypted in the vault's ``imports/`` folder under a key of its
own (``file_key``), like evidence; the job stores only its hash and size in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedJSONField, EncryptedTextField
from haven.records.access import getter_for
from haven.records.models import SensitiveRecord


class ImportJob(SensitiveRecord):
    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting for its mapping")
        CHECKING = "checking", _("Being checked")
        CHECKED = "checked", _("Checked")
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Stopped by an error")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = EncryptedTextField(_("file"), max_length=255)
    file_key = EncryptedTextField(max_length=64)
    sha256 = models.CharField(max_length=64)
    size = models.BigIntegerField(default=0)
    # How to read the file (overrides of what was detected): encoding, delimiter, sheet.
    options = EncryptedJSONField(default=dict, blank=True)
    mapping = EncryptedJSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    # Rows committed: an interrupted import resumes after the last of them.
    done_rows = models.PositiveIntegerField(default=0)
    problems = EncryptedJSONField(default=list, blank=True)  # [{"row", "column", "message"}]
    problem_count = models.PositiveIntegerField(default=0)
    created = models.JSONField(default=dict, blank=True)  # record kind → how many
    error = EncryptedTextField(max_length=2000)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"import {self.uuid}"

    @property
    def percent(self) -> int:
        if self.status in (self.Status.CHECKING, self.Status.CHECKED):
            done = self.checked_rows
        else:
            done = self.done_rows
        return min(100, round(100 * done / self.total_rows)) if self.total_rows else 0

    def created_list(self) -> list[tuple[str, int]]:
        """What the import made, by kind in the reader's language: [("incidents", 2)]."""
        from django.apps import apps

        found = []
        for model in apps.get_models():
            count = (self.created or {}).get(model._meta.model_name)
            if count and model._meta.app_label != "imports":
                found.append((str(model._meta.verbose_name_plural), count))
        return found

    @property
    def working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.RUNNING)


get_import_for_user = getter_for(ImportJob)


class ImportedRecord(models.Model):
    """Where a record came from: which import, which row of its file."""

    job = models.ForeignKey(ImportJob, on_delete=models.PROTECT, related_name="records")
    row = models.PositiveIntegerField()
    kind = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    record_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["kind", "record_id"], name="imported_record")]

    def __str__(self) -> str:
        return f"row {self.row} of {self.job_id}"


class SavedMapping(SensitiveRecord):
    """A mapping kept under a name for the next file of the same shape."""

    name = EncryptedTextField(_("name"), max_length=200, blank=False)
    spec = EncryptedJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return f"mapping {self.uuid}"


get_mapping_for_user = getter_for(SavedMapping)
