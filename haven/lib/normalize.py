"""Normalised forms of names and contacts, for blind-index lookups.

Each function returns the terms a value is indexed under, as ``kind:term``
strings; a query value goes through the same function, so ``+7 (900) 123-45-67``
finds ``8 900 1234567`` and ``ИСАЕВ Ибрагим`` finds ``Исаев``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_NOT_DIGIT = re.compile(r"\D")
_PHONE_MARKS = re.compile(r"[\s()+.-]")


def fold(text: str) -> str:
    """Unicode-normalised, case-folded, ё as е, spaces collapsed."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return _SPACES.sub(" ", text).strip()


def exact_terms(value: str) -> list[str]:
    folded = fold(value)
    return [f"exact:{folded}"] if folded else []


def word_terms(value: str) -> list[str]:
    return sorted({f"word:{word}" for word in _WORD.findall(fold(value)) if len(word) > 1})


def phone_digits(value: str) -> str:
    digits = _NOT_DIGIT.sub("", value)
    # Russian numbers are written +7 or 8 before the ten digits of the subscriber.
    if len(digits) == 11 and digits[0] in "78":
        digits = "7" + digits[1:]
    return digits


def contact_terms(value: str) -> list[str]:
    """A contact is an e-mail (case-insensitive), a phone (digits only) or a handle."""
    value = value.strip()
    if "@" in value and not value.startswith("@"):
        return [f"email:{fold(value)}"]
    digits = phone_digits(value)
    if len(digits) >= 6 and len(digits) >= len(_PHONE_MARKS.sub("", value)) - 1:
        return [f"phone:{digits}"]
    return [f"handle:{fold(value).lstrip('@')}"] if value.strip("@") else []


_REFERENCE_MARK = re.compile(r"^(№|no\.?|n°|nr\.?|#)\s*")
_NOT_ALNUM = re.compile(r"[^\w]|_", re.UNICODE)


def reference_terms(value: str) -> list[str]:
    """A document number (a petition's reference) as one term, whatever its punctuation:
    ``№ 3-12/2021``, ``3-12/2021`` and ``3 12 2021`` meet in ``ref:3122021``. Only a value
    with a digit is one: a word is not a document number."""
    if not value or not any(c.isdigit() for c in value):
        return []
    text = _REFERENCE_MARK.sub("", fold(value).replace("№", "no"))
    text = _NOT_ALNUM.sub("", text)
    return [f"ref:{text}"] if text else []


def terms_for_all(values: Iterable[str], function) -> list[str]:
    found: set[str] = set()
    for value in values:
        if value:
            found.update(function(value))
    return sorted(found)


# --- Indexes for counting (reports): one term per value, never looked up by a search.


def value_term(value) -> list[str]:
    """The whole value as one term (``value:male``): for a field with few values that a
    report groups by, such as a gender or a category."""
    folded = fold(str(value)) if value else ""
    return [f"value:{folded}"] if folded else []


def year_term(value) -> list[str]:
    """The year of a date or partial date (``year:1998``): a birth date is grouped by its
    year, the only part every stored birth date has."""
    year = getattr(value, "year", None)
    return [f"year:{year:04d}"] if year else []


def no_terms(value) -> list[str]:
    """The query side of an index used only for counting: nothing, so no search or list
    lookup can find a record by it."""
    return []


def counted_only(term_function):
    """A blind index for grouping in reports, not for finding: the value is indexed with
    ``term_function`` and every query finds nothing (see docs/reports.md)."""
    return (term_function, no_terms)
