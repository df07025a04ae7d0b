"""Authenticated encryption, key derivation and blind-index tokens; no Django here.

Sealed value layout (bytes)::

    version (1) | data-key id (4, big-endian) | nonce (12) | AES-256-GCM ciphertext + tag

The header and the caller's associated data (model, field, row UUID) are both
authenticated: a flipped bit, a truncated value, a value copied to another row
or field, or a forged key id all fail to open, never yielding wrong plaintext.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import struct
from collections.abc import Callable

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
_HEADER = struct.Struct(">BI")
HEADER_BYTES = _HEADER.size
MIN_SEALED_BYTES = HEADER_BYTES + NONCE_BYTES + 16
_BODY = HEADER_BYTES + NONCE_BYTES  # where the ciphertext starts

# argon2id cost for a passphrase-derived key: about a quarter second on the
# 2-core machines Haven is sized for, paid once per process start.
PASSPHRASE_TIME_COST = 3
PASSPHRASE_MEMORY_KIB = 64 * 1024
PASSPHRASE_PARALLELISM = 2


class DecryptionError(Exception):
    """A sealed value did not open: wrong key, altered bytes, or moved from elsewhere."""


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def seal(key: bytes | AESGCM, key_id: int, plaintext: bytes, associated: bytes) -> bytes:
    """Encrypt ``plaintext``; ``key`` may be raw bytes or a ready AESGCM (faster)."""
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    header = _HEADER.pack(VERSION, key_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + cipher.encrypt(nonce, plaintext, header + associated)


def sealed_key_id(sealed: bytes) -> int:
    """The id of the data key a value was sealed with (unauthenticated until opened)."""
    if len(sealed) < MIN_SEALED_BYTES:
        raise DecryptionError("the encrypted value is truncated")
    version, key_id = _HEADER.unpack_from(sealed)
    if version != VERSION:
        raise DecryptionError(f"unknown encryption format version {version}")
    return key_id


def open_sealed(
    key_for: Callable[[int], bytes | AESGCM], sealed: bytes, associated: bytes
) -> bytes:
    """Decrypt ``sealed``; ``key_for(key_id)`` returns the data key it names (or its AESGCM)."""
    # sealed_key_id's checks, spelled out here: a page of records opens hundreds of values.
    if len(sealed) < MIN_SEALED_BYTES:
        raise DecryptionError("the encrypted value is truncated")
    version, key_id = _HEADER.unpack_from(sealed)
    if version != VERSION:
        raise DecryptionError(f"unknown encryption format version {version}")
    key = key_for(key_id)
    cipher = key if isinstance(key, AESGCM) else AESGCM(key)
    try:
        return cipher.decrypt(
            sealed[HEADER_BYTES:_BODY], sealed[_BODY:], sealed[:HEADER_BYTES] + associated
        )
    except InvalidTag:
        raise DecryptionError(
            "the encrypted value was altered, truncated or belongs to another record"
        ) from None


def derive_key(root: bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose (one field's blind index, say) from a root key."""
    return HKDF(
        algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose.encode()
    ).derive(root)


def key_from_passphrase(passphrase: str, salt: bytes) -> bytes:
    return hash_secret_raw(
        passphrase.encode(),
        salt,
        time_cost=PASSPHRASE_TIME_COST,
        memory_cost=PASSPHRASE_MEMORY_KIB,
        parallelism=PASSPHRASE_PARALLELISM,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def key_check(key: bytes) -> str:
    """A value that shows whether a key is the expected one without revealing it."""
    return hmac.new(key, b"haven key check v1", hashlib.sha256).hexdigest()


def blind_token(key: bytes, term: str) -> int:
    """Keyed HMAC-SHA256 of a normalised term, cut to its first 64 bits (a signed integer,
    as database integer columns hold them).

    64 bits keep the index small and its lookups fast; two different terms share a token
    with a chance of about 2**-64 per pair, and every search checks its candidates against
    the decrypted values anyway.
    """
    return next(iter(blind_tokens(key, [term])))


def blind_tokens(key: bytes, terms) -> set[int]:
    """``blind_token`` of many terms under one key (the keyed state is set up once)."""
    return set(blind_token_list(key, terms))


def blind_token_list(key: bytes, terms) -> list[int]:
    """``blind_token`` of each term, in order."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    found = []
    for term in terms:
        mac = keyed.copy()
        mac.update(term.encode())
        found.append(int.from_bytes(mac.digest()[:8], "big", signed=True))
    return found
