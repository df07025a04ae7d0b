"""Vague dates as documenters write them: "15 April 2020", "April 2020", "summer 2020",
"early 2021", "April–June 2020", "2020–2021", "before April 2020", "after 2019", each
possibly estimated ("~2020", "около 2020"), in English or Russian.

A fuzzy date is the range of days it may mean, [earliest, latest], with the
precision it was given in. Filters compare ranges: a date "April 2020" *overlaps*
15 April–1 May 2020 (the page says "possible"), and is *within* 1–30 April 2020.

A range keeps the precision of its ends: "April–June 2020" is ``MONTH`` from 1 April
to 30 June, "2020–2021" is ``YEAR`` over two years, "early 2021" is January–April. A
range is stored in the columns of a single month or year; ``is_range`` tells them apart.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from haven.lib.date_words import (
    AFTER_WORDS,
    BEFORE_WORDS,
    EN_THIRDS,
    ESTIMATED_WORDS,
    FILLER_WORDS,
    MONTH_WORDS,
    RANGE_JOINERS,
    RANGE_OPENERS,
    RU_MONTHS,
    RU_SEASONS,
    RU_THIRDS,
    SEASON_OF_MONTH,
    SEASON_WORDS,
    SEASONS,
    SINCE_WORDS,
    THIRD_WORDS,
    THIRDS,
)

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
# Every date Haven keeps names a year in this span (the open ends above excepted): a
# typo such as 9999 or 0202 is refused instead of breaking the pages that draw it.
FIRST_YEAR, LAST_YEAR = 1000, 2200


def in_bounds(day: date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR or day in (DISTANT_PAST, DISTANT_FUTURE)


def out_of_bounds_message() -> str:
    return _("Give a year between %(first)s and %(last)s.") % {
        "first": FIRST_YEAR,
        "last": LAST_YEAR,
    }


def validate_in_bounds(day: date | None) -> None:
    """A form field's validator, for dates that are not saved (a list's filter): the
    years Haven keeps, as ``SensitiveRecord.clean_fields`` checks for those saved."""
    if day is not None and not in_bounds(day):
        from django.core.exceptions import ValidationError

        raise ValidationError(out_of_bounds_message(), code="out_of_bounds")


def _problem() -> ValueError:
    return ValueError(
        _(
            "Write a date like 2020-04-15, 15.04.2020, April 15, 2020, April 2020, "
            "summer 2020, early 2021, April–June 2020, 2020–2021, before 2022, "
            "after July 2021, or ~2020 for an estimate."
        )
    )


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def season_range(season: str, year: int) -> tuple[date, date]:
    """Meteorological seasons; winter 2021 is December 2020 to February 2021."""
    if season == "winter":
        return date(year - 1, 12, 1), _month_end(year, 2)
    month = SEASONS[season]
    return date(year, month, 1), _month_end(year, month + 2)


def _last_season_start(latest: date) -> date:
    """The first day of the season that ends on ``latest`` (the end of Feb, May, Aug, Nov)."""
    if latest.month <= 2:
        return date(latest.year - 1, 12, 1)
    return date(latest.year, latest.month - 2, 1)


def _season_of(day: date) -> tuple[str, int]:
    """The season that starts on ``day`` (the 1st of March, June, September or
    December) and the year it is named by."""
    season = SEASON_OF_MONTH[day.month]
    return season, day.year + (1 if season == "winter" else 0)


def _fits(precision: str, earliest: date, latest: date) -> bool:
    """Do ``earliest`` and ``latest`` start and end whole units of ``precision``?"""
    after = latest + timedelta(days=1)
    if precision == YEAR:
        return (earliest.month, earliest.day, after.month, after.day) == (1, 1, 1, 1)
    if precision == SEASON:
        return (
            earliest.day == 1
            and earliest.month in SEASON_OF_MONTH
            and after.day == 1
            and after.month in {3, 6, 9, 12}
        )
    if precision == MONTH:
        return earliest.day == 1 and after.day == 1
    return True


# --- reading ---------------------------------------------------------------------------


def _normalise(text: str) -> str:
    text = text.strip().lower().replace(",", " ").replace("ё", "е")
    text = re.sub(r"\bmid-", "mid ", text)
    text = re.sub(r"\s*[–—−]\s*|\s+-\s+", " – ", text)  # dashes, a spaced hyphen
    # A hyphen between two years or two days is a range; in ISO dates it is not.
    text = re.sub(r"(?<![\d.-])(\d{4})\s*-\s*(\d{4})(?![\d.-])", r"\1 – \2", text)
    text = re.sub(r"(?<![\d.-])(\d{1,2})\s*-\s*(\d{1,2})(?![\d.-])", r"\1 – \2", text)
    text = re.sub(r"(\d)(г\.?|гг\.?)(?=\s|$)", r"\1", text)  # 2020г.
    return text


@dataclass
class _Pieces:
    """What one side of a date says: any of year, month, day, season, third."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    third: str | None = None

    def put(self, **values) -> None:
        for name, value in values.items():
            if getattr(self, name) is not None:
                raise _problem()  # "April May 2020", "2020 2021"
            setattr(self, name, value)


def _pieces(words: list[str]) -> _Pieces:
    found = _Pieces()
    for word in words:
        if word in FILLER_WORDS:
            continue
        bare = word.rstrip(".")
        if match := re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", word):
            year, month, day = (int(g) if g else None for g in match.groups())
            found.put(year=year, month=month)
            if day is not None:
                found.put(day=day)
        elif match := re.fullmatch(r"(?:(\d{1,2})\.)?(\d{1,2})\.(\d{4})", word):
            day, month, year = (int(g) if g else None for g in match.groups())
            found.put(year=year, month=month)
            if day is not None:
                found.put(day=day)
        elif match := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", word):
            # 04/15/2020 (American) or 15/04/2020 (British): taken only when one
            # order is possible, never guessed.
            first, second, year = (int(g) for g in match.groups())
            if first > 12 >= second or first == second:
                found.put(year=year, month=second, day=first)
            elif second > 12 >= first:
                found.put(year=year, month=first, day=second)
            else:
                raise _problem()
        elif re.fullmatch(r"\d{4}", bare):
            found.put(year=int(bare))
        elif re.fullmatch(r"\d{1,2}", bare):
            found.put(day=int(bare))
        elif bare in MONTH_WORDS or word in MONTH_WORDS:
            found.put(month=MONTH_WORDS.get(word) or MONTH_WORDS[bare])
        elif word in SEASON_WORDS:
            found.put(season=SEASON_WORDS[word])
        elif word in THIRD_WORDS:
            found.put(third=THIRD_WORDS[word])
        else:
            raise _problem()
    return found


def _from_pieces(found: _Pieces, estimated: bool) -> FuzzyDate:
    if found.year is None:
        raise _problem()
    try:
        if found.season or found.third:
            if found.month or found.day or (found.season and found.third):
                raise _problem()
            if found.season:
                return FuzzyDate.of_season(found.season, found.year, estimated)
            return FuzzyDate.of_third(found.third, found.year, estimated)
        if found.day is not None:
            if found.month is None:
                raise _problem()
            return FuzzyDate.of_day(date(found.year, found.month, found.day), estimated)
        if found.month is not None:
            return FuzzyDate.of_month(found.year, found.month, estimated)
        return FuzzyDate.of_year(found.year, estimated)
    except (ValueError, OverflowError):
        raise _problem() from None


def _split_range(words: list[str]) -> tuple[list[str], list[str]] | None:
    """The two sides of "April – June 2020", "с апреля по июнь 2020", "from X to Y"."""
    opened = bool(words) and words[0] in RANGE_OPENERS
    if opened:
        words = words[1:]
    joiners = RANGE_JOINERS if opened else {"–", "to", "through"}
    for i, word in enumerate(words):
        if word in joiners:
            return words[:i], words[i + 1 :]
    return None


def _parse_range(left: list[str], right: list[str], estimated: bool) -> FuzzyDate:
    start, end = _pieces(left), _pieces(right)
    # Each side lends the other what it leaves out: "15–20 April 2020",
    # "April 15–20, 2020", "April–June 2020", "summer–autumn 2021".
    if start.year is None:
        start.year = end.year
    if start.day is not None and start.month is None:
        start.month = end.month
    if end.day is not None and end.month is None:
        end.month = start.month
    if end.year is None:
        end.year = start.year
    first, last = _from_pieces(start, estimated), _from_pieces(end, estimated)
    if last.latest < first.earliest:
        raise _problem()
    return FuzzyDate.spanning(first.earliest, last.latest, estimated)


# --- writing ---------------------------------------------------------------------------


def _russian() -> bool:
    return (translation.get_language() or "en").startswith("ru")


def _month_name(month: int, genitive: bool) -> str:
    if _russian():
        return RU_MONTHS[month][1 if genitive else 0]
    return calendar.month_name[month]


def _day(day: date, *, year: bool = True, genitive: bool = False) -> str:
    """15 апреля 2020 / April 15, 2020 (the same in both cases in Russian)."""
    if _russian():
        text = f"{day.day} {RU_MONTHS[day.month][1]}"
        return f"{text} {day.year}" if year else text
    text = f"{calendar.month_name[day.month]} {day.day}"
    return f"{text}, {day.year}" if year else text


def _span(earliest: date, latest: date, precision: str, genitive: bool) -> str:
    """The words for the days [earliest, latest] at ``precision``: a unit, or a range."""
    ru = _russian()
    if precision == DAY:
        if earliest == latest:
            return _day(earliest, genitive=genitive)
        if earliest.year != latest.year:
            return f"{_day(earliest)} – {_day(latest)}"
        if ru:
            if earliest.month == latest.month:
                return f"{earliest.day}–{_day(latest)}"
            return f"{_day(earliest, year=False)} – {_day(latest)}"
        if earliest.month == latest.month:
            month = calendar.month_name[earliest.month]
            return f"{month} {earliest.day}–{latest.day}, {latest.year}"
        return f"{_day(earliest, year=False)} – {_day(latest)}"
    if precision == MONTH:
        last = latest.replace(day=1)
        if earliest == last:
            return f"{_month_name(earliest.month, genitive)} {earliest.year}"
        if earliest.year == latest.year:
            for third, (first_month, last_month) in THIRDS.items():
                if (earliest.month, latest.month) == (first_month, last_month):
                    if ru:
                        return f"{RU_THIRDS[third][1 if genitive else 0]} {earliest.year}"
                    return f"{EN_THIRDS[third]}{'' if third == 'mid' else ' '}{earliest.year}"
            return (
                f"{_month_name(earliest.month, genitive)}–"
                f"{_month_name(latest.month, genitive)} {latest.year}"
            )
        return (
            f"{_month_name(earliest.month, genitive)} {earliest.year} – "
            f"{_month_name(latest.month, genitive)} {latest.year}"
        )
    if precision == SEASON:
        first, first_year = _season_of(earliest)
        last, last_year = _season_of(_last_season_start(latest))
        if ru:
            first = RU_SEASONS[first][1 if genitive else 0]
            last = RU_SEASONS[last][1 if genitive else 0]
        if (first, first_year) == (last, last_year):
            return f"{first} {first_year}"
        if first_year == last_year:
            return f"{first}–{last} {last_year}"
        return f"{first} {first_year} – {last} {last_year}"
    if earliest.year == latest.year:
        return str(earliest.year)
    return f"{earliest.year}–{latest.year}"


def _unit_starting(day: date) -> tuple[date, date, str]:
    """The largest of year, month, day that begins on ``day``: what "before" names."""
    if (day.month, day.day) == (1, 1):
        return day, _month_end(day.year, 12), YEAR
    if day.day == 1:
        return day, _month_end(day.year, day.month), MONTH
    return day, day, DAY


def _unit_ending(day: date) -> tuple[date, date, str]:
    """The largest of year, month, day that ends on ``day``: what "after" names."""
    if (day.month, day.day) == (12, 31):
        return date(day.year, 1, 1), day, YEAR
    if (day + timedelta(days=1)).day == 1:
        return day.replace(day=1), day, MONTH
    return day, day, DAY


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
    def of_third(cls, third: str, year: int, estimated=False) -> FuzzyDate:
        """ "early", "mid" or "late" ``year``: January–April, May–August, September–December."""
        first, last = THIRDS[third]
        return cls(date(year, first, 1), _month_end(year, last), MONTH, estimated)

    @classmethod
    def spanning(cls, earliest: date, latest: date, estimated=False) -> FuzzyDate:
        """The days [earliest, latest] in the coarsest unit whose whole units they are:
        1 January 2020–31 December 2021 is the years 2020–2021, 1 April–30 June the
        months April–June, 15–20 April the days; equal ends are one unit."""
        for precision in (YEAR, SEASON, MONTH, DAY):
            if _fits(precision, earliest, latest):
                return cls(earliest, latest, precision, estimated)
        raise AssertionError("a day always fits")  # pragma: no cover

    @classmethod
    def before(cls, anchor: FuzzyDate) -> FuzzyDate:
        return cls(DISTANT_PAST, anchor.earliest - timedelta(days=1), BEFORE, anchor.estimated)

    @classmethod
    def after(cls, anchor: FuzzyDate) -> FuzzyDate:
        return cls(anchor.latest + timedelta(days=1), DISTANT_FUTURE, AFTER, anchor.estimated)

    @classmethod
    def parse(cls, text: str) -> FuzzyDate:
        """Read a date as people type it (see ``_parse``), in years Haven keeps."""
        try:
            value = cls._parse(text)
        except OverflowError:
            raise ValueError(out_of_bounds_message()) from None
        named = {BEFORE: [value.latest], AFTER: [value.earliest]}.get(
            value.precision, [value.earliest, value.latest]
        )
        if not all(FIRST_YEAR <= day.year <= LAST_YEAR for day in named):
            raise ValueError(out_of_bounds_message())
        return value

    @classmethod
    def _parse(cls, text: str) -> FuzzyDate:
        """Read a date as people type it in English or Russian, and every form that
        ``label()`` (in either language) and ``machine()`` write:

        - days: 2020-04-15, 15.04.2020, 15 April 2020, April 15, 2020, 15 апреля 2020 г.
        - months: 2020-04, 04.2020, April 2020, апрель 2020, апреля 2020, в апреле 2020 года
        - seasons and thirds: summer 2021, летом 2021, лето 2021, early/mid/late 2021,
          начало/середина/конец 2021, в начале 2021
        - years: 2021, 2021 г.
        - ranges: April–June 2020, 15–20 April 2020, с апреля по июнь 2020, 2020-2021,
          from 2020 to 2021, 2020-04/2020-06
        - before/after: before 2022, до 1 января 2022, after July 2021, после июля 2021
        - estimates: ~2020, about/circa 2020, около 2020, примерно в 2020

        Slashed days are read only when one order is possible (04/15/2020, 15/04/2020);
        12/04/2020 is refused: whether the day or the month comes first differs between
        countries, and a wrong guess would silently move a date.

        Raises ValueError with a message, in the active language, showing accepted forms.
        """
        words = _normalise(text).split()
        estimated, mode = False, None
        # Prefixes in any order: "~before 2020", "probably before ~2020", "примерно до".
        while words:
            word = words[0]
            if word in ESTIMATED_WORDS:
                estimated, words = True, words[1:]
            elif word.startswith("~"):
                estimated = True
                words = [word[1:], *words[1:]] if word[1:] else words[1:]
            elif mode is None and word in BEFORE_WORDS:
                mode, words = BEFORE, words[1:]
            elif mode is None and word in AFTER_WORDS:
                mode, words = AFTER, words[1:]
            elif word in SINCE_WORDS and _split_range(words) is None:
                words = words[1:]
            else:
                break
        joined = " ".join(words)
        if joined.count("/") == 1:  # machine() writes a range as 2020-04/2020-06
            left, right = joined.split("/")
            words = [*left.split(), "–", *right.split()]
        if not words:
            raise _problem()
        sides = _split_range(words)
        if sides:
            value = _parse_range(*sides, estimated)
        else:
            value = _from_pieces(_pieces(words), estimated)
        try:
            if mode == BEFORE:
                return cls.before(value)
            if mode == AFTER:
                return cls.after(value)
        except (ValueError, OverflowError):
            raise _problem() from None
        return value

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

    @property
    def is_range(self) -> bool:
        """More than one unit of its precision: "April–June 2020", "2020–2021"."""
        if self.precision in (BEFORE, AFTER):
            return False
        one = {
            DAY: self.earliest,
            MONTH: _month_end(self.earliest.year, self.earliest.month),
            YEAR: date(self.earliest.year, 12, 31),
        }
        if self.precision == SEASON:
            return self.latest != season_range(*_season_of(self.earliest))[1]
        return self.latest != one[self.precision]

    # --- writing -------------------------------------------------------------------------
    def machine(self) -> str:
        """The text form ``parse`` reads back to an equal value, in any language."""
        prefix = "~" if self.estimated else ""
        if self.precision == BEFORE:
            return f"{prefix}before " + (self.latest + timedelta(days=1)).isoformat()
        if self.precision == AFTER:
            return f"{prefix}after " + (self.earliest - timedelta(days=1)).isoformat()
        start = self._machine_unit(self.earliest)
        if not self.is_range:
            return prefix + start
        end = {
            DAY: self.latest,
            MONTH: self.latest.replace(day=1),
            YEAR: self.latest,
            SEASON: _last_season_start(self.latest),
        }[self.precision]
        return f"{prefix}{start}/{self._machine_unit(end)}"

    def _machine_unit(self, day: date) -> str:
        if self.precision == DAY:
            return day.isoformat()
        if self.precision == MONTH:
            return day.strftime("%Y-%m")
        if self.precision == YEAR:
            return f"{day.year}"
        season, year = _season_of(day)
        return f"{season} {year}"

    def label(self, *, genitive: bool = False) -> str:
        """For people, in the active language: "April 2020", "April–June 2020",
        "summer 2021", "early 2021", "before 2022", "after July 2021", "about July 2021";
        "апрель 2020", "лето 2021", "до 1 января 2022", "около июля 2021".

        ``genitive`` gives the Russian form that follows a preposition ("с апреля
        2020"); English is the same either way. "Before" and "after" name the largest
        unit that fits ("after July 2021", not "after July 31, 2021").
        """
        ru = _russian()
        if self.precision in (BEFORE, AFTER):
            if self.precision == BEFORE:
                unit = _unit_starting(self.latest + timedelta(days=1))
                word = "до" if ru else "before"
            else:
                unit = _unit_ending(self.earliest - timedelta(days=1))
                word = "после" if ru else "after"
            text = f"{word} {_span(*unit, genitive=True)}"
            if self.estimated:
                text = ("примерно " if ru else "probably ") + text
            return text
        if self.estimated:
            if ru:
                return "около " + _span(self.earliest, self.latest, self.precision, True)
            return "about " + _span(self.earliest, self.latest, self.precision, False)
        return _span(self.earliest, self.latest, self.precision, genitive)

    def since_label(self) -> str:
        """ "since April 2020" / "с апреля 2020" for when a stay began; a "before" or
        "after" date says so itself ("after July 2021")."""
        if self.precision in (BEFORE, AFTER):
            return self.label()
        if self.estimated:
            plain = FuzzyDate(self.earliest, self.latest, self.precision)
            if _russian():
                return "примерно с " + plain.label(genitive=True)
            return "since about " + plain.label()
        return _("since %(date)s") % {"date": self.label(genitive=True)}

    def __str__(self) -> str:
        return self.label()


def since_text(stored: str) -> str:
    """ "since summer 2021" for a stored date of a move ("summer 2021"); text that does not
    read as a date (typed into an old import) is shown as it is."""
    if not stored:
        return ""
    try:
        return FuzzyDate.parse(stored).since_label()
    except ValueError:
        return stored


def period_label(start: FuzzyDate | None, end: FuzzyDate | None) -> str:
    """A start and an end as one phrase: "April–June 2020", and a single "April 2020"
    when both ends are the same, never "April 2020 – April 2020"."""
    if start is None:
        return ""
    if end is None or end == start:
        return start.label()
    plain = (BEFORE, AFTER)
    if (
        start.precision not in plain
        and end.precision not in plain
        and start.estimated == end.estimated
        and start.earliest <= end.latest
    ):
        return FuzzyDate.spanning(start.earliest, end.latest, start.estimated).label()
    return f"{start.label()} – {end.label()}"
