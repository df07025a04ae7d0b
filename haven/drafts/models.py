"""Petition drafts: document templates (DOCX, versioned, instance-wide) and the drafts
made from them for one petition (team records, like the petition itself).

A template is not team data: it is a blank letter that administrators keep for every
team. Its file is still kept like every other file, encrypted in the vault's
``templates/`` folder under a key of its own; a draft, which names people and says
what happened to them, is kept the same way in ``drafts/`` and belongs to the case's
team.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedTextField
from haven.records.models import SensitiveRecord
from haven.vocab.models import Vocabulary


class DocumentTemplate(models.Model):
    """A named letter (a request for state protection, a criminal complaint ...) in one
    language, for one kind of petition; its versions are its successive files."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=settings.LANGUAGES)
    petition_type = models.ForeignKey(
        "vocab.Term",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.PETITION_TYPE},
        verbose_name=_("kind of petition"),
    )
    # The built-in template it was installed as (its code), blank for an uploaded one.
    builtin = models.CharField(max_length=40, blank=True, editable=False)
    active = models.ForeignKey(
        "TemplateVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("active version"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "created_at"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One file of a template. The file is in the vault, sealed with ``file_key``."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    template = models.ForeignKey(
        DocumentTemplate, on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file_name = models.CharField(_("file"), max_length=255)
    file_key = EncryptedTextField(max_length=64)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(default=0)
    # The placeholders the file uses, as found when it was checked.
    placeholders = models.JSONField(default=list, blank=True)
    # Nobody for a built-in template: Haven made it.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["template", "number"], name="template_version_unique")
        ]
        verbose_name = _("template version")
        verbose_name_plural = _("template versions")

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class Draft(SensitiveRecord):
    """A document generated from a template for one petition, kept as it was made."""

    petition = models.ForeignKey(
        "cases.CaseAction", on_delete=models.PROTECT, related_name="drafts"
    )
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="drafts"
    )
    file_name = EncryptedTextField(_("file"), max_length=255)
    file_key = EncryptedTextField(max_length=64)
    sha256 = models.CharField("SHA-256", max_length=64)
    size = models.PositiveIntegerField(default=0)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(_("made at"), default=timezone.now)

    class Meta:
        ordering = ["-made_at", "-created_at"]
        verbose_name = _("petition draft")
        verbose_name_plural = _("petition drafts")

    def __str__(self) -> str:
        return f"draft {self.uuid}"
