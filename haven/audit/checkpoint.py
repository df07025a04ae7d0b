"""Signed checkpoints of the audit log's head, kept outside the database.

The hash chain shows an edit in the middle of the log; it cannot show that the
newest entries were cut off, since the shorter chain is still a valid chain. A
checkpoint, signed with the instance's Ed25519 key (wrapped by the KEK, so whoever
holds only the database cannot forge one), records the count and head hash at a
moment; a later log must still contain that exact entry.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.utils import timezone

from haven.audit.actions import Verdict, verify_chain
from haven.audit.models import AuditEntry
from haven.keys.keyring import get_keyring

FORMAT = "haven-audit-checkpoint-1"


class CheckpointError(Exception):
    pass


def _signed_bytes(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def write_checkpoint(path: Path) -> dict:
    verdict = verify_chain()
    if not verdict.ok:
        raise CheckpointError(
            f"the audit log is broken at entry {verdict.position}; not signing it"
        )
    body = {
        "format": FORMAT,
        "count": verdict.count,
        "head": verdict.head,
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    signature = get_keyring().signing_key().sign(_signed_bytes(body))
    document = {**body, "signature": base64.b64encode(signature).decode()}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return document


@dataclass(frozen=True)
class CheckpointVerdict:
    ok: bool
    message: str
    chain: Verdict


def check_against(path: Path) -> CheckpointVerdict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        body = {key: document[key] for key in ("format", "count", "head", "at")}
        signature = base64.b64decode(document["signature"], validate=True)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{path} is not a readable checkpoint ({exc})") from None
    if body["format"] != FORMAT:
        raise CheckpointError(f"{path} has an unknown format {body['format']!r}")
    try:
        get_keyring().signing_key().public_key().verify(signature, _signed_bytes(body))
    except InvalidSignature:
        raise CheckpointError(
            f"{path} is not signed by this instance's key: it was altered or forged"
        ) from None
    chain = verify_chain()
    count, head = int(body["count"]), body["head"]
    if not chain.ok:
        return CheckpointVerdict(False, f"the log is broken at entry {chain.position}", chain)
    if chain.count < count:
        return CheckpointVerdict(
            False,
            f"the log is shorter than the checkpoint of {body['at']}: it has {chain.count} "
            f"entries, the checkpoint {count}; the newest entries were removed",
            chain,
        )
    at_checkpoint = AuditEntry.objects.filter(seq=count).values_list("hash", flat=True).first()
    if count and at_checkpoint != head:
        return CheckpointVerdict(
            False,
            f"the log diverges from the checkpoint of {body['at']} at or before entry {count}",
            chain,
        )
    return CheckpointVerdict(
        True, f"the log contains the checkpoint of {body['at']} ({count} entries)", chain
    )
