"""Wrapped data keys and the facts needed to recognise the key-encryption key."""

import secrets

from django.db import models
from django.utils import timezone


def random_key_id() -> int:
    # Random rather than sequential ids: an id from a rolled-back transaction is
    # never handed to a different key, so a cached key can never be the wrong one.
    return secrets.randbelow(2**31 - 2) + 1


class DataKey(models.Model):
    """A 256-bit data key, stored only wrapped (encrypted) by the key-encryption key.

    ``label`` names what the key protects: a model (``people.person``), the
    blind-index root, or the instance signing key. The newest unretired key of a
    label seals new values; older ones still open the values they sealed.
    """

    id = models.PositiveIntegerField(primary_key=True, default=random_key_id)
    label = models.CharField(max_length=100, db_index=True)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["label", "-created_at"]

    def __str__(self) -> str:
        return f"data key {self.id} for {self.label}"


class KeyringState(models.Model):
    """One row: how the key-encryption key is obtained and a check value to recognise it."""

    source = models.CharField(max_length=20)  # "file" or "passphrase"
    salt = models.BinaryField(blank=True, default=b"")
    key_check = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"key-encryption key from {self.source}"
