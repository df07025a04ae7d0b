"""The audit log: an append-only chain of entries, each carrying its predecessor's hash.

The hash alone can be recomputed by anyone who can write to the database, so each
entry is also sealed: an HMAC of its hash under a key derived from the instance's
signing key, which is wrapped by the key-encryption key and never stored in clear.
Rewriting an entry and re-chaining everything after it is caught unless the forger
also holds the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEntry(models.Model):
    """One thing that happened: who did what to which record, when and from where.

    ``summary`` never holds sensitive plaintext (names, contacts, narratives):
    the log is read by administrators who are not on the record's team.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    actor_label = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=8, blank=True, default="")
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # What one bulk read (an export, a report) read, as "app.model:id" strings.
    records = models.JSONField(default=list, blank=True)
    prev_hash = models.CharField(max_length=64)
    # Not a unique index: the hash covers ``seq``, which is unique, so two entries
    # cannot share one, and ``haven audit verify`` recomputes every hash and link.
    # An index over random hex strings cost every read's entry a B-tree insert at a
    # random page (and on PostgreSQL most of the entry's write-ahead log).
    hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-seq"]
        # One index on the action answers both the log's filter (a prefix) and an exact
        # action: PostgreSQL's pattern operators do both, where ``db_index`` made two.
        indexes = [
            models.Index(
                fields=["action"], name="audit_entry_action", opclasses=["varchar_pattern_ops"]
            )
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def canonical(self) -> bytes:
        """The bytes the hash covers: every field but the hash itself, in a fixed encoding."""
        return canonical(
            seq=self.seq,
            at=self.at,
            actor_id=self.actor_id,
            actor_label=self.actor_label,
            ip=self.ip,
            action=self.action,
            object_type=self.object_type,
            object_id=self.object_id,
            summary=self.summary,
            prev_hash=self.prev_hash,
            channel=self.channel,
            records=self.records,
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()

    def compute_seal(self) -> str:
        return seal_of(self.hash)


def canonical(
    *,
    seq: int,
    at,
    actor_id: int | None,
    actor_label: str,
    ip: str | None,
    action: str,
    object_type: str,
    object_id: str,
    summary: str,
    prev_hash: str,
    channel: str,
    records: list,
) -> bytes:
    """An entry's canonical bytes: the JSON object of its fields with sorted keys and no
    spaces, ``channel`` and ``records`` only when set (added later: entries written
    before keep their hashes).

    Spelled out here rather than through ``json.dumps(..., sort_keys=True)``: an import
    appends an entry per record, and the generic encoder's sorting and type dispatch
    cost more than the hash. The text is exactly ``json.dumps``'s (strings through its
    own encoder; ``test_canonical`` compares the two on awkward values)."""
    text = _TEXT
    parts = [
        '{"action":',
        text(action),
        ',"actor":',
        "null" if actor_id is None else str(int(actor_id)),
        ',"actor_label":',
        text(actor_label),
        ',"at":',
        text(at.astimezone(UTC).isoformat(timespec="microseconds")),
    ]
    if channel:
        parts += (',"channel":', text(channel))
    parts += (
        ',"ip":',
        "null" if ip is None else text(ip),
        ',"object_id":',
        text(object_id),
        ',"object_type":',
        text(object_type),
        ',"prev_hash":',
        text(prev_hash),
    )
    if records:
        parts += (',"records":', _JSON(records))
    parts += (',"seq":', str(int(seq)), ',"summary":', text(summary), "}")
    return "".join(parts).encode()


def canonical_by_json(entry: AuditEntry) -> bytes:
    """``canonical`` through the generic JSON encoder: the definition it must match."""
    body = {
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor_id,
        "actor_label": entry.actor_label,
        "ip": entry.ip,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "prev_hash": entry.prev_hash,
    }
    if entry.channel:
        body["channel"] = entry.channel
    if entry.records:
        body["records"] = entry.records
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


# The encoder json.dumps(..., ensure_ascii=False) uses for a string (its C version).
_TEXT = json.encoder.encode_basestring
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def seal_key() -> bytes:
    from haven.keys.keyring import get_keyring

    return get_keyring().audit_seal_key()


def seal_of(entry_hash: str, key: bytes | None = None) -> str:
    """The entry's seal: HMAC-SHA256 of its hash under the audit seal key."""
    return hmac.new(key or seal_key(), entry_hash.encode(), hashlib.sha256).hexdigest()
