"""Vague dates as documenters write them: "15 April 2020", "April 2020", "summer 2020",
"2020", "before April 2020", "after 2019", each possibly estimated.

A fuzzy date is the range of days it may mean, [earliest, latest], with the
precision it was given in. Filters compare ranges: a date "April 2020" *overlaps*
15 April–1 May 2020 (the page says "possible"), and is *within* 1–30 April 2020.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DAY, MONTH, SEASON, YEAR, BEFORE, AFTER = "day", "month", "season", "year", "before", "after"
PRECISIONS = [
    (DAY, gettext_lazy("day")),
    (MONTH, gettext_lazy("month")),
    (SEASON, gettext_lazy("season")),
    (YEAR, gettext_lazy("year")),
    (BEFORE, gettext_lazy("before")),
    (AFTER, gettext_lazy("after")),
]
# Open ends of "before"/"after": far enough for any record Haven keeps.
DISTANT_PAST = date(1900, 1, 1)
DISTANT_FUTURE = date(2999, 12, 31)

SEASONS = {"winter": 12, "spring": 3, "summer": 6, "autumn": 9}
_SEASON_WORDS = {
    "winter": "winter",
    "зима": "winter",
    "зимой": "winter",
    "spring": "spring",
    "весна": "spring",
    "весной": "spring",
    "summer": "summer",
    "лето": "summer",
    "летом": "summer",
    "autumn": "autumn",
    "fall": "autumn",
    "осень": "autumn",
    "осенью": "autumn",
}
# Month names as people type them and as Haven's own labels write them (Django's
# English "Aug." and "Sept.", Russian nominative "Апрель" and genitive "апреля").
_MONTH_WORDS = {
    **{name: n for n, name in enumerate(calendar.month_name) if name},
    **{name[:3]: n for n, name in enumerate(calendar.month_name) if name},
    "sept": 9,
    **{
        word: n
        for n, forms in enumerate(
            [
                (),
                ("январь", "января", "январе", "янв"),
                ("февраль", "февраля", "феврале", "фев", "февр"),
                ("март", "марта", "марте", "мар"),
                ("апрель", "апреля", "апреле", "апр"),
                ("май", "мая", "мае"),
                ("июнь", "июня", "июне", "июн"),
                ("июль", "июля", "июле", "июл"),
                ("август", "августа", "августе", "авг"),
                ("сентябрь", "сентября", "сентябре", "сен", "сент"),
                ("октябрь", "октября", "октябре", "окт"),
                ("ноябрь", "ноября", "ноябре", "ноя", "нояб"),
                ("декабрь", "декабря", "декабре", "дек"),
            ]
        )
        for word in forms
    },
}
_MONTH_WORDS = {word.lower(): n for word, n in _MONTH_WORDS.items()}
# Words that only frame a date: "в апреле 2020 года", "in April 2020", "2020 г.".
_FILLER = {"в", "во", "in", "of", "г", "г.", "года", "год", "гг", "гг."}
_BEFORE = {"before", "до", "<"}
_AFTER = {"after", "после", ">"}
_ESTIMATED = {"~", "ca.", "ca", "circa", "about", "около", "примерно"}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def season_range(season: str, year: int) -> tuple[date, date]:
    """Meteorological seasons; winter 2021 is December 2020 to February 2021."""
    if season == "winter":
        return date(year - 1, 12, 1), _month_end(year, 2)
    month = SEASONS[season]
    return date(year, month, 1), _month_end(year, month + 2)


def _month(word: str) -> int | None:
    return _MONTH_WORDS.get(word.rstrip("."))


def _numbers(parts: list[str], text: str) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of an exact date written as ISO (2020-04-15, 2020-04), with
    dots (15.04.2020, 04.2020) or with a month name in English or Russian (15 April 2020,
    April 15 2020, апреля 2020); (None, None, None) when it is none of these."""
    iso = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text)
    if iso:
        year, month, day = (int(g) if g else None for g in iso.groups())
        return year, month, day
    dotted = re.fullmatch(r"(?:(\d{1,2})\.)?(\d{1,2})\.(\d{4})", text)
    if dotted:
        day, month, year = (int(g) if g else None for g in dotted.groups())
        return year, month, day
    if len(parts) == 2 and _month(parts[0]) and parts[1].isdigit() and len(parts[1]) == 4:
        return int(parts[1]), _month(parts[0]), None
    if len(parts) == 3 and parts[2].isdigit() and len(parts[2]) == 4:
        first, second = parts[0].rstrip("."), parts[1].rstrip(".")
        if first.isdigit() and _month(second):  # 15 April 2020, 15 апреля 2020
            return int(parts[2]), _month(second), int(first)
        if _month(first) and second.isdigit():  # April 15 2020 (the comma is gone)
            return int(parts[2]), _month(first), int(second)
    return None, None, None


@dataclass(frozen=True)
class FuzzyDate:
    earliest: date
    latest: date
    precision: str
    estimated: bool = False

    def __post_init__(self):
        if self.earliest > self.latest:
            raise ValueError("the earliest day is after the latest")
        if self.precision not in dict(PRECISIONS):
            raise ValueError(f"unknown precision {self.precision!r}")

    # --- building ------------------------------------------------------------------------
    @classmethod
    def of_day(cls, day: date, estimated=False) -> FuzzyDate:
        return cls(day, day, DAY, estimated)

    @classmethod
    def of_month(cls, year: int, month: int, estimated=False) -> FuzzyDate:
        return cls(date(year, month, 1), _month_end(year, month), MONTH, estimated)

    @classmethod
    def of_season(cls, season: str, year: int, estimated=False) -> FuzzyDate:
        return cls(*season_range(season, year), SEASON, estimated)

    @classmethod
    def of_year(cls, year: int, estimated=False) -> FuzzyDate:
        return cls(date(year, 1, 1), date(year, 12, 31), YEAR, estimated)

    @classmethod
    def before(cls, anchor: FuzzyDate) -> FuzzyDate:
        return cls(DISTANT_PAST, anchor.earliest - timedelta(days=1), BEFORE, anchor.estimated)

    @classmethod
    def after(cls, anchor: FuzzyDate) -> FuzzyDate:
        return cls(anchor.latest + timedelta(days=1), DISTANT_FUTURE, AFTER, anchor.estimated)

    @classmethod
    def parse(cls, text: str) -> FuzzyDate:
        """Read "2020-04-15", "15.04.2020", "15 April 2020" / "15 апреля 2020 г.",
        "2020-04", "April 2020" / "апрель 2020", "2020", "summer 2020" / "лето 2020",
        "before 2020-04" / "до 2020-04", "after 2019", with "~" for an estimate: every
        form ``label()`` writes, in English and Russian, reads back to the same value.

        Raises ValueError with a message that shows the accepted forms.
        """
        words = text.strip().lower().replace(",", " ").split()
        estimated = bool(words) and words[0] in _ESTIMATED
        if estimated:
            words = words[1:]
        if words and words[0].startswith("~"):
            estimated, words[0] = True, words[0][1:]
        mode = None
        if words and words[0] in _BEFORE | _AFTER:
            mode = BEFORE if words[0] in _BEFORE else AFTER
            words = words[1:]
        value = cls._parse_plain(" ".join(words), estimated)
        if mode == BEFORE:
            return cls.before(value)
        if mode == AFTER:
            return cls.after(value)
        return value

    @classmethod
    def _parse_plain(cls, text: str, estimated: bool) -> FuzzyDate:
        problem = ValueError(
            _(
                "Write a date like 2020-04-15, 15.04.2020, 15 April 2020, April 2020, 2020, "
                "summer 2020, before 2020-04 or ~2020 for an estimate."
            )
        )
        parts = [part for part in text.split() if part not in _FILLER]
        text = " ".join(parts)
        if len(parts) == 2 and parts[0] in _SEASON_WORDS and parts[1].isdigit():
            return cls.of_season(_SEASON_WORDS[parts[0]], int(parts[1]), estimated)
        year, month, day = _numbers(parts, text)
        if year is None:
            raise problem
        try:
            if day:
                return cls.of_day(date(year, month, day), estimated)
            if month:
                return cls.of_month(year, month, estimated)
            if not 1 <= year <= 9999:
                raise ValueError
            return cls.of_year(year, estimated)
        except ValueError:
            raise problem from None

    # --- comparing -----------------------------------------------------------------------
    def overlaps(self, start: date | None, end: date | None) -> bool:
        """Could this date fall in [start, end]? (Either end may be open.)"""
        return (start is None or self.latest >= start) and (end is None or self.earliest <= end)

    def within(self, start: date | None, end: date | None) -> bool:
        """Does this date certainly fall in [start, end]?"""
        return (start is None or self.earliest >= start) and (end is None or self.latest <= end)

    @property
    def sort_key(self) -> tuple[date, date]:
        return (self.earliest, self.latest)

    # --- writing -------------------------------------------------------------------------
    def machine(self) -> str:
        """The text form ``parse`` reads back to an equal value."""
        prefix = "~" if self.estimated else ""
        if self.precision == DAY:
            return prefix + self.earliest.isoformat()
        if self.precision == MONTH:
            return prefix + self.earliest.strftime("%Y-%m")
        if self.precision == YEAR:
            return f"{prefix}{self.earliest.year}"
        if self.precision == SEASON:
            season = {12: "winter", 3: "spring", 6: "summer", 9: "autumn"}[self.earliest.month]
            year = self.earliest.year + (1 if season == "winter" else 0)
            return f"{prefix}{season} {year}"
        if self.precision == BEFORE:
            return f"{prefix}before " + (self.latest + timedelta(days=1)).isoformat()
        return f"{prefix}after " + (self.earliest - timedelta(days=1)).isoformat()

    def label(self) -> str:
        """For people: "April 2020", "summer 2020", "before 15 April 2020", "~2020"."""
        from django.utils.formats import date_format

        mark = "~" if self.estimated else ""
        if self.precision == DAY:
            return mark + date_format(self.earliest, "DATE_FORMAT")
        if self.precision == MONTH:
            return mark + date_format(self.earliest, "YEAR_MONTH_FORMAT")
        if self.precision == YEAR:
            return f"{mark}{self.earliest.year}"
        if self.precision == SEASON:
            season = {12: _("winter"), 3: _("spring"), 6: _("summer"), 9: _("autumn")}[
                self.earliest.month
            ]
            year = self.earliest.year + (1 if self.earliest.month == 12 else 0)
            return f"{mark}{season} {year}"
        if self.precision == BEFORE:
            return mark + _("before %(date)s") % {
                "date": date_format(self.latest + timedelta(days=1), "DATE_FORMAT")
            }
        return mark + _("after %(date)s") % {
            "date": date_format(self.earliest - timedelta(days=1), "DATE_FORMAT")
        }

    def __str__(self) -> str:
        return self.label()
