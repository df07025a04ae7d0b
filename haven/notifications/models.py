"""What the reminders cannot compute from the records: that something was handed to someone.

Work due, overdue and petition deadlines are read live from the actions' indexed
dates (``selectors.py``); only events are stored. A notification names no one and says
nothing of what happened: a kind, the case (and request) it is about, who handed it,
when, and whether it was read. Who may see it is the case's business: a notification is
shown only while its case (and request) is visible to the recipient through
``visible_to`` and the recipient still leads the case.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        CASE_HANDED = "case_handed", _("Case handed to you")
        REQUEST_ASSIGNED = "request_assigned", _("Request added to your case")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(
        "cases.Request", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The header counts a user's unread notices on every page.
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}"


class DigestSubscription(models.Model):
    """A user who asked for the daily e-mail digest; ``last_sent_on`` keeps a second run
    on the same day from sending it again."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_on = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"digest for {self.user_id}"
