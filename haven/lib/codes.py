"""Short random codes that stand for a record in lists and talk (P-4ZVSTW, C-M5WJN3).

An unambiguous alphabet (no 0/O, 1/I/L), so a code read over a bad phone line or
copied by hand comes out right; six characters give about 900 million codes.
"""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_chars(length: int) -> str:
    """``length`` characters of ALPHABET, each uniformly at random: one draw of a number
    below ``len(ALPHABET) ** length`` spelled in that base (a draw per character asks
    the system for random bytes each time, which an import making 100,000 codes feels)."""
    number = secrets.randbelow(len(ALPHABET) ** length)
    chars = []
    for _ in range(length):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def new_code(prefix: str) -> str:
    """A record code: the kind's letter, a dash and six random characters."""
    return f"{prefix}-{random_chars(6)}"
