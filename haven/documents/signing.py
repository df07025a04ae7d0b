"""A document's statement, its hash and the instance's signature over it.

Every printed document (a pattern report, a case dossier) is made from a *statement*:
the canonical bytes of what it says (a report's definition and figures, a dossier's
records). Its SHA-256 and the instance's Ed25519 signature over that hash are printed in
the document's footer, so a reader with the instance's public key (``haven keys
public-key``) and the same statement can check both offline.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from haven.keys.keyring import get_keyring

CONTEXT = b"haven document statement v1\n"


def canonical(value) -> bytes:
    """Canonical JSON bytes of ``value`` (sorted keys, no spaces, UTF-8)."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode()


@dataclass(frozen=True)
class Seal:
    sha256: str  # hex digest of the statement
    signature: str  # base64 Ed25519 signature over CONTEXT + digest
    key_fingerprint: str  # first 16 hex digits of SHA-256 of the raw public key


def key_fingerprint() -> str:
    raw = get_keyring().signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def seal(statement: bytes) -> Seal:
    digest = hashlib.sha256(statement).hexdigest()
    signature = get_keyring().signing_key().sign(CONTEXT + digest.encode())
    return Seal(digest, base64.b64encode(signature).decode(), key_fingerprint())


def verify(statement: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64, as printed) is this instance's over ``statement``."""
    digest = hashlib.sha256(statement).hexdigest()
    try:
        raw = base64.b64decode(signature, validate=True)
        get_keyring().signing_key().public_key().verify(raw, CONTEXT + digest.encode())
    except (InvalidSignature, ValueError):
        return False
    return True
