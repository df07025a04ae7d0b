"""Receipt codes: about 98 bits of chance, written in five groups of four characters
from an alphabet without look-alikes (no 0/O, 1/I/L, U/V), so that a person can copy
one onto paper or into a note and type it back on a phone.

Only a keyed hash is stored. Typing is forgiving: case, spaces and dashes do not
matter, and Cyrillic letters that look like Latin ones (a Russian keyboard) count as
those Latin letters.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from haven.keys.keyring import SIGNING_LABEL, get_keyring
from haven.lib.crypto import derive_key

ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
GROUPS, GROUP_SIZE = 5, 4
_LOOK_ALIKES = str.maketrans("АВСЕНКМОРТХУ", "ABCEHKMOPTXY")


def new_receipt() -> str:
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_SIZE))
    return "-".join(symbols[i : i + GROUP_SIZE] for i in range(0, len(symbols), GROUP_SIZE))


def normalise(typed: str) -> str:
    """The receipt's symbols as typed, without separators; "" for anything that cannot be
    one (wrong length or a symbol outside the alphabet)."""
    text = typed.upper().translate(_LOOK_ALIKES)
    symbols = "".join(ch for ch in text if ch not in " -\t\r\n.")
    if len(symbols) != GROUPS * GROUP_SIZE or any(ch not in ALPHABET for ch in symbols):
        return ""
    return symbols


def receipt_hash(typed: str) -> str:
    """The stored form of a receipt. Keyed by the instance's signing key, which never
    rotates, so a key rotation does not lock people out of their requests."""
    return hmac.new(
        instance_key("intake receipt"), normalise(typed).encode(), hashlib.sha256
    ).hexdigest()


def instance_key(purpose: str) -> bytes:
    """A key for one purpose of the public page, derived from the signing key."""
    _key_id, root = get_keyring().active_key(SIGNING_LABEL)
    return derive_key(root, purpose)
