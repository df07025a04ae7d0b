"""Dates known only to the year or month: "1998", "1998-05", "1998-05-17", each possibly
an estimate ("~1998"); stored as that text, so values written before estimates existed
read unchanged."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from haven.lib.fuzzy_dates import DAY, MONTH, YEAR, FuzzyDate

_PATTERN = re.compile(r"^(~)?(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


@dataclass(frozen=True, order=True)
class PartialDate:
    """A calendar date of which the month and day may be unknown.

    The day is only allowed with a month; the value must exist in the calendar.
    """

    year: int
    month: int | None = None
    day: int | None = None
    estimated: bool = False

    def __post_init__(self):
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year {self.year} is out of range")
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError(f"month {self.month} does not exist")
        if self.day is not None:
            last = calendar.monthrange(self.year, self.month)[1]
            if not 1 <= self.day <= last:
                raise ValueError(f"{self.year}-{self.month:02d} has no day {self.day}")

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        match = _PATTERN.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not a date like 1998, 1998-05, 1998-05-17 or ~1998")
        mark, *parts = match.groups()
        year, month, day = (int(part) if part else None for part in parts)
        return cls(year, month, day, bool(mark))

    @classmethod
    def from_fuzzy(cls, value: FuzzyDate) -> PartialDate:
        """The same date if it is one day, month or year ("May 1996", "~1996");
        ValueError for a season, a range, "before" or "after"."""
        if value.precision not in (DAY, MONTH, YEAR) or value.is_range:
            raise ValueError("not a single day, month or year")
        day = value.earliest
        return cls(
            day.year,
            day.month if value.precision != YEAR else None,
            day.day if value.precision == DAY else None,
            value.estimated,
        )

    def fuzzy(self) -> FuzzyDate:
        if self.day:
            return FuzzyDate.of_day(date(self.year, self.month, self.day), self.estimated)
        if self.month:
            return FuzzyDate.of_month(self.year, self.month, self.estimated)
        return FuzzyDate.of_year(self.year, self.estimated)

    def label(self) -> str:
        """For people, in the active language: "May 1996", "около 1996"."""
        return self.fuzzy().label()

    @property
    def precision(self) -> str:
        return "day" if self.day else "month" if self.month else "year"

    def earliest(self) -> date:
        return date(self.year, self.month or 1, self.day or 1)

    def latest(self) -> date:
        month = self.month or 12
        return date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def __str__(self) -> str:
        mark = "~" if self.estimated else ""
        if self.day:
            return f"{mark}{self.year:04d}-{self.month:02d}-{self.day:02d}"
        if self.month:
            return f"{mark}{self.year:04d}-{self.month:02d}"
        return f"{mark}{self.year:04d}"
