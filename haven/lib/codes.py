"""Short random codes that stand for a record in lists and talk (P-4ZVSTW, C-M5WJN3).

An unambiguous alphabet (no 0/O, 1/I/L), so a code read over a bad phone line or
copied by hand comes out right; six characters give about 900 million codes.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_chars(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_code(prefix: str) -> str:
    """A record code: the kind's letter, a dash and six random characters."""
    return f"{prefix}-{random_chars(6)}"
