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
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from django.conf import settings
from django.utils import timezone

from haven.audit.actions import Verdict, verify_chain
from haven.audit.models import GENESIS_HASH, AuditEntry
from haven.keys.keyring import get_keyring

FORMAT = "haven-audit-checkpoint-1"


class CheckpointError(Exception):
    pass


def _signed_bytes(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def checkpoint_dir() -> Path:
    """Where checkpoints are written automatically: outside the database, and best on
    another machine's mount (``HAVEN_AUDIT_CHECKPOINT_DIR``)."""
    return Path(settings.HAVEN_AUDIT_CHECKPOINT_DIR)


def _read(path: Path) -> dict:
    """A checkpoint's body after checking its signature; CheckpointError otherwise."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        body = {key: document[key] for key in ("format", "count", "head", "at")}
        signature = base64.b64decode(document["signature"], validate=True)
        body["count"] = int(body["count"])
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
    return body


def stored_checkpoints() -> list[Path]:
    folder = checkpoint_dir()
    return sorted(folder.glob("audit-*.json")) if folder.is_dir() else []


def _latest_good() -> dict | None:
    """The newest stored checkpoint whose entry is still in the log as signed."""
    for path in reversed(stored_checkpoints()):
        try:
            body = _read(path)
        except CheckpointError:
            continue
        entry = AuditEntry.objects.filter(seq=body["count"]).values_list("hash", flat=True)
        if body["count"] == 0 or entry.first() == body["head"]:
            return body
    return None


def write_checkpoint(path: Path | None = None) -> dict:
    """Sign the log's current head, after verifying the entries since the last good
    checkpoint; into ``path``, or a new file in the checkpoint folder."""
    latest = _latest_good()
    after = (latest["count"], latest["head"]) if latest else (0, GENESIS_HASH)
    verdict = verify_chain(after=after)
    if not verdict.ok:
        raise CheckpointError(
            f"the audit log is broken at entry {verdict.position}; not signing it"
        )
    now = timezone.now()
    body = {
        "format": FORMAT,
        "count": verdict.count,
        "head": verdict.head,
        "at": now.isoformat(timespec="seconds"),
    }
    signature = get_keyring().signing_key().sign(_signed_bytes(body))
    document = {**body, "signature": base64.b64encode(signature).decode()}
    if path is None:
        folder = checkpoint_dir()
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"audit-{verdict.count:012d}-{now:%Y%m%dT%H%M%S%f}.json"
    partial = path.with_name(path.name + ".part")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    os.replace(partial, path)
    return document


def checkpoint_if_moved() -> dict | None:
    """Write a checkpoint when the log grew since the newest one (for schedules)."""
    head = AuditEntry.objects.order_by("-seq").values_list("seq", "hash").first()
    latest = _latest_good()
    if head is None or (latest and (latest["count"], latest["head"]) == head):
        return None
    return write_checkpoint()


@dataclass(frozen=True)
class CheckpointVerdict:
    ok: bool
    message: str
    chain: Verdict


def _compare(body: dict, chain: Verdict) -> CheckpointVerdict:
    count, head = body["count"], body["head"]
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


def check_against(path: Path, chain: Verdict | None = None) -> CheckpointVerdict:
    body = _read(path)
    return _compare(body, chain or verify_chain())


def check_all(extra: Path | None = None) -> list[tuple[Path, CheckpointVerdict]]:
    """Every stored checkpoint (and ``extra``) against one walk of the chain.

    A checkpoint that fails its signature is reported as a failure, not skipped.
    """
    chain = verify_chain()
    results = []
    for path in [*stored_checkpoints(), *([extra] if extra else [])]:
        try:
            results.append((path, _compare(_read(path), chain)))
        except CheckpointError as exc:
            results.append((path, CheckpointVerdict(False, str(exc), chain)))
    return results
