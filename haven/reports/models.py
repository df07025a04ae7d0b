"""Saved report definitions: a team's reports, to be run again as the records change."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportDefinition(models.Model):
    """A named report (``counting.Definition.as_json()``) that a team can re-run.

    It holds what to count and the filters, never a figure or a record, so it is not a
    sensitive record: it is shown to every member of its team, "report figures only"
    members included, and only to them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, related_name="+", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=150)
    definition = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team__name", "name"]
        verbose_name = _("saved report")
        verbose_name_plural = _("saved reports")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="report_name_unique_in_team")
        ]

    def __str__(self) -> str:
        return self.name
