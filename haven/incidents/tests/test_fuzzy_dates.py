"""Fuzzy dates: ranges, overlaps and round trips, checked with hypothesis."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.fuzzy_dates import FuzzyDate

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))


@st.composite
def fuzzy_dates(draw):
    day = draw(days)
    kind = draw(st.sampled_from(["day", "month", "season", "year", "before", "after"]))
    estimated = draw(st.booleans())
    if kind == "day":
        return FuzzyDate.of_day(day, estimated)
    if kind == "month":
        return FuzzyDate.of_month(day.year, day.month, estimated)
    if kind == "season":
        return FuzzyDate.of_season(
            draw(st.sampled_from(["winter", "spring", "summer", "autumn"])), day.year, estimated
        )
    if kind == "year":
        return FuzzyDate.of_year(day.year, estimated)
    anchor = FuzzyDate.of_day(day, estimated)
    return FuzzyDate.before(anchor) if kind == "before" else FuzzyDate.after(anchor)


@given(fuzzy_dates())
def test_range_is_ordered_and_round_trips(value):
    assert value.earliest <= value.latest
    assert FuzzyDate.parse(value.machine()) == value


@given(fuzzy_dates(), days)
def test_any_day_in_the_range_overlaps_a_window_around_it(value, day):
    inside = min(max(day, value.earliest), value.latest)
    assert value.overlaps(inside, inside)
    assert value.overlaps(inside - timedelta(days=3), inside + timedelta(days=3))


@given(fuzzy_dates(), days, days)
def test_within_implies_overlaps(value, a, b):
    start, end = min(a, b), max(a, b)
    if value.within(start, end):
        assert value.overlaps(start, end)


@given(fuzzy_dates(), days)
def test_a_window_entirely_outside_never_overlaps(value, day):
    if day > value.latest:
        assert not value.overlaps(day, day + timedelta(days=10))
    if day < value.earliest:
        assert not value.overlaps(day - timedelta(days=10), day)


def test_april_2020_is_possible_in_mid_april_to_may():
    april = FuzzyDate.parse("2020-04")
    assert april.overlaps(date(2020, 4, 15), date(2020, 5, 1))
    assert not april.within(date(2020, 4, 15), date(2020, 5, 1))
    assert april.within(date(2020, 4, 1), date(2020, 4, 30))
    assert not april.overlaps(date(2020, 5, 2), date(2020, 6, 1))


@pytest.mark.parametrize(
    "text,earliest,latest,precision",
    [
        ("2020-04-15", date(2020, 4, 15), date(2020, 4, 15), "day"),
        ("2020-02", date(2020, 2, 1), date(2020, 2, 29), "month"),
        ("summer 2020", date(2020, 6, 1), date(2020, 8, 31), "season"),
        ("лето 2020", date(2020, 6, 1), date(2020, 8, 31), "season"),
        ("winter 2021", date(2020, 12, 1), date(2021, 2, 28), "season"),
        ("2021", date(2021, 1, 1), date(2021, 12, 31), "year"),
        ("before 2020-04", date(1900, 1, 1), date(2020, 3, 31), "before"),
        ("до 2020-04", date(1900, 1, 1), date(2020, 3, 31), "before"),
        ("after 2019", date(2020, 1, 1), date(2999, 12, 31), "after"),
        # What people type, in both languages (the README promises "April 2020").
        ("April 2020", date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("апрель 2020", date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("в апреле 2020 года", date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("31.07.2021", date(2021, 7, 31), date(2021, 7, 31), "day"),
        ("07.2021", date(2021, 7, 1), date(2021, 7, 31), "month"),
        ("15 апреля 2020 г.", date(2020, 4, 15), date(2020, 4, 15), "day"),
        ("15 April 2020", date(2020, 4, 15), date(2020, 4, 15), "day"),
        ("Sept. 3, 2021", date(2021, 9, 3), date(2021, 9, 3), "day"),
        ("до 1 января 2022 г.", date(1900, 1, 1), date(2021, 12, 31), "before"),
    ],
)
def test_parse(text, earliest, latest, precision):
    value = FuzzyDate.parse(text)
    assert (value.earliest, value.latest, value.precision) == (earliest, latest, precision)


def test_estimate_and_labels():
    from django.utils import translation

    value = FuzzyDate.parse("~2020-04")
    assert value.estimated
    with translation.override("en"):
        assert value.label() == "~April 2020"
        assert FuzzyDate.parse("summer 2020").label() == "summer 2020"
    with translation.override("ru"):
        assert "2020" in FuzzyDate.parse("summer 2020").label()
        assert FuzzyDate.parse("summer 2020").label().startswith("лето")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "last summer",
        "2020-13",
        "2020-02-30",
        "springtime 2020",
        "before",
        "12/04/2020",  # day or month first? ambiguous, so refused
        "31.02.2021",
        "апрель",
        "15 Foo 2020",
    ],
)
def test_bad_dates_say_what_to_write(text):
    with pytest.raises(ValueError, match="2020-04-15"):
        FuzzyDate.parse(text)


@settings(max_examples=300)
@given(
    value=fuzzy_dates(),
    language=st.sampled_from(["en", "ru"]),
)
def test_what_a_date_says_reads_back_as_the_same_date(value, language):
    """Display, then parse: the same value, in both languages."""
    from django.utils import translation

    with translation.override(language):
        assert FuzzyDate.parse(value.label()) == value
