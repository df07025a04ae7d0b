"""What the public request page adds to a request for help: the receipt, and the answers
that are not the request itself.

A public submission is a normal ``cases.Request`` (channel "web form", in the intake
team); its ``Submission`` holds the hash of the receipt (never the receipt), the
language the person wrote in, where they are and how to reach them safely (both
encrypted), their consent to be contacted, and the source that keeps their files as
evidence. ``Counter`` rows count attempts for the rate limits, under keyed hashes of
addresses, never the addresses.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from haven.keys.fields import EncryptedTextField
from haven.records.access import getter_for
from haven.records.models import SensitiveRecord


class Submission(SensitiveRecord):
    class State(models.TextChoices):
        NEW = "new", _("New")
        SPAM = "spam", _("Spam")

    request = models.OneToOneField(
        "cases.Request", on_delete=models.PROTECT, related_name="submission"
    )
    # HMAC-SHA256 of the receipt under a key kept with the instance's keys: a copy of the
    # database alone cannot test guesses against it. Indexed, not unique: a team archive
    # restored beside its original on one instance carries the same hashes.
    receipt_hash = models.CharField(max_length=64, db_index=True, editable=False)
    receipt_valid_until = models.DateTimeField(_("receipt valid until"))
    language = models.CharField(_("language"), max_length=8)
    place = EncryptedTextField(_("where"), max_length=500)
    contact = EncryptedTextField(_("safe way to contact"), max_length=500)
    consent_to_contact = models.BooleanField(_("consents to be contacted"), null=True, blank=True)
    # The source whose evidence files are the ones the person sent.
    files = models.ForeignKey(
        "sources.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.NEW, db_index=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("public request")
        verbose_name_plural = _("public requests")

    def __str__(self) -> str:
        return f"submission {self.uuid}"


class Counter(models.Model):
    """Attempts counted in one time window under one key (a keyed hash of what is
    counted: an address and a purpose, or a purpose alone for the global limits)."""

    key = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField(default=timezone.now, db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"counter {self.key[:8]}: {self.count}"


get_submission_for_user = getter_for(Submission)


class DigestSubscription(models.Model):
    """A member of the intake team who asked to be e-mailed when public requests wait.

    ``last_sent_at`` is when the last e-mail was made: the next one goes only when a
    request came in after it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="intake_digest"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"intake digest for {self.user_id}"
