"""Reading one cell as a date, a place, a term or a choice, the way the forms read them.

Numeric dates follow the order chosen for the file (``DD.MM.YYYY`` or the US
``MM/DD/YY``) and the stated century rule for two-digit years; anything else goes through
the forms' vague-date parser, in English or Russian ("апрель 2020", "summer 2021").
"""

from __future__ import annotations

import re
from datetime import date

from django.utils.text import slugify
from django.utils.translation import gettext as _

from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.normalize import fold

_NUMERIC = re.compile(
    r"^\s*(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})"
    r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?)?\s*$"
)
_SPLIT = re.compile(r"\s*[;\n]\s*")


def full_year(text: str, century: int) -> int:
    """A year as written; two digits below ``century`` are in the 2000s, others the 1900s."""
    year = int(text)
    if len(text) <= 2:
        return 2000 + year if year < century else 1900 + year
    return year


def parse_date(text: str, *, order: str = "DMY", century: int = 50) -> FuzzyDate:
    """Raises ValueError with a message for the reader."""
    found = _NUMERIC.match(text)
    if found:
        parts = found.groups()
        if order == "YMD":
            year, month, day = parts
        elif order == "MDY":
            month, day, year = parts
        else:
            day, month, year = parts
        if len(day) > 2 or len(month) > 2:
            raise ValueError(
                _("%(text)r does not read as a date in the order %(order)s.")
                % {"text": text, "order": order}
            )
        try:
            return FuzzyDate.of_day(date(full_year(year, century), int(month), int(day)))
        except ValueError:
            raise ValueError(
                _("%(text)r is not a real date in the order %(order)s.")
                % {"text": text, "order": order}
            ) from None
    return FuzzyDate.parse(text)


def split(text: str) -> list[str]:
    """Several values in one cell, separated by ";" or new lines."""
    return [part for part in _SPLIT.split(text.strip()) if part]


def match_choice(value: str, choices) -> str | None:
    """The choice whose value or English or Russian label is ``value``, ignoring case."""
    from django.utils import translation

    wanted = fold(value)
    for code, label in choices:
        if wanted == fold(code):
            return code
        for language in ("en", "ru"):
            with translation.override(language):
                if wanted == fold(str(label)):
                    return code
    return None


def match_term(value: str, terms) -> str | None:
    """The code of the term whose code or English or Russian label is ``value``."""
    wanted = fold(value)
    for term in terms:
        if wanted in (fold(term.code), fold(term.label_en), fold(term.label_ru)):
            return term.code
    return None


def term_code(value: str) -> str:
    """A code for a new term made from a spreadsheet value (Cyrillic transliterated)."""
    import iuliia

    latin = iuliia.translate(value, iuliia.WIKIPEDIA) if re.search("[а-яА-ЯёЁ]", value) else value
    return (slugify(latin).replace("-", "_") or "term")[:60]
