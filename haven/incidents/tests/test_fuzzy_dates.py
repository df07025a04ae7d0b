"""Fuzzy dates: ranges, overlaps and round trips, checked with hypothesis."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.fuzzy_dates import FuzzyDate

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))


def _season(day):
    return ["winter", "spring", "summer", "autumn"][day.month % 12 // 3]


@st.composite
def fuzzy_dates(draw):
    day = draw(days)
    kind = draw(
        st.sampled_from(["day", "month", "season", "year", "third", "range", "before", "after"])
    )
    estimated = draw(st.booleans())
    if kind == "third":
        third = draw(st.sampled_from(["early", "mid", "late"]))
        return FuzzyDate.of_third(third, day.year, estimated)
    if kind == "range":
        # Ranges of days, months, seasons or years: whatever two dates span.
        other = draw(days)
        first, last = min(day, other), max(day, other)
        unit = draw(st.sampled_from(["day", "month", "season", "year"]))
        if unit == "month":
            first, last = (
                FuzzyDate.of_month(first.year, first.month),
                FuzzyDate.of_month(last.year, last.month),
            )
        elif unit == "season":
            first = FuzzyDate.of_season(_season(first), first.year)
            last = FuzzyDate.of_season(_season(last), max(last.year, first.latest.year))
        elif unit == "year":
            first, last = FuzzyDate.of_year(first.year), FuzzyDate.of_year(last.year)
        else:
            first, last = FuzzyDate.of_day(first), FuzzyDate.of_day(last)
        return FuzzyDate.spanning(first.earliest, max(first.latest, last.latest), estimated)
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
    # Anchors of every size, so that "before 2022" and "after July 2021" come up.
    anchor = draw(
        st.sampled_from(
            [
                FuzzyDate.of_day(day, estimated),
                FuzzyDate.of_month(day.year, day.month, estimated),
                FuzzyDate.of_year(day.year, estimated),
            ]
        )
    )
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
        assert value.label() == "about April 2020"
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


@pytest.mark.parametrize(
    "text,earliest,latest,precision",
    [
        # Months in every case people write them.
        ("апреля 2020", date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("в апреле 2020", date(2020, 4, 1), date(2020, 4, 30), "month"),
        ("April 15, 2020", date(2020, 4, 15), date(2020, 4, 15), "day"),
        # Slashes only when one order is possible: American and British alike.
        ("04/15/2020", date(2020, 4, 15), date(2020, 4, 15), "day"),
        ("15/04/2020", date(2020, 4, 15), date(2020, 4, 15), "day"),
        ("04/04/2020", date(2020, 4, 4), date(2020, 4, 4), "day"),
        # Seasons, in Russian also "летом" (in summer) and the nominative.
        ("summer 2021", date(2021, 6, 1), date(2021, 8, 31), "season"),
        ("летом 2021", date(2021, 6, 1), date(2021, 8, 31), "season"),
        ("fall 2021", date(2021, 9, 1), date(2021, 11, 30), "season"),
        # Thirds of a year.
        ("early 2021", date(2021, 1, 1), date(2021, 4, 30), "month"),
        ("mid-2021", date(2021, 5, 1), date(2021, 8, 31), "month"),
        ("late 2021", date(2021, 9, 1), date(2021, 12, 31), "month"),
        ("начало 2021", date(2021, 1, 1), date(2021, 4, 30), "month"),
        ("в начале 2021", date(2021, 1, 1), date(2021, 4, 30), "month"),
        ("середина 2021", date(2021, 5, 1), date(2021, 8, 31), "month"),
        ("в конце 2021 года", date(2021, 9, 1), date(2021, 12, 31), "month"),
        # Ranges.
        ("April–June 2020", date(2020, 4, 1), date(2020, 6, 30), "month"),
        ("April - June 2020", date(2020, 4, 1), date(2020, 6, 30), "month"),
        ("с апреля по июнь 2020", date(2020, 4, 1), date(2020, 6, 30), "month"),
        ("2020-2021", date(2020, 1, 1), date(2021, 12, 31), "year"),
        ("from 2020 to 2021", date(2020, 1, 1), date(2021, 12, 31), "year"),
        ("15–20 April 2020", date(2020, 4, 15), date(2020, 4, 20), "day"),
        ("с 15 по 20 апреля 2020", date(2020, 4, 15), date(2020, 4, 20), "day"),
        ("November 2020 – February 2021", date(2020, 11, 1), date(2021, 2, 28), "month"),
        ("December 2020 – February 2021", date(2020, 12, 1), date(2021, 2, 28), "season"),
        ("April–April 2020", date(2020, 4, 1), date(2020, 4, 30), "month"),
        # Before, after, estimates, in both languages.
        ("after July 2021", date(2021, 8, 1), date(2999, 12, 31), "after"),
        ("после июля 2021", date(2021, 8, 1), date(2999, 12, 31), "after"),
        ("до 2022", date(1900, 1, 1), date(2021, 12, 31), "before"),
        ("около июля 2021", date(2021, 7, 1), date(2021, 7, 31), "month"),
        ("circa 2020", date(2020, 1, 1), date(2020, 12, 31), "year"),
        ("~1996", date(1996, 1, 1), date(1996, 12, 31), "year"),
    ],
)
def test_parse_what_people_type(text, earliest, latest, precision):
    value = FuzzyDate.parse(text)
    assert (value.earliest, value.latest, value.precision) == (earliest, latest, precision)


@pytest.mark.parametrize(
    "text,english,russian",
    [
        ("2020-04", "April 2020", "апрель 2020"),
        ("2021-07-31", "July 31, 2021", "31 июля 2021"),
        ("~2021-07", "about July 2021", "около июля 2021"),
        ("before 2022", "before 2022", "до 2022"),
        ("до 1 января 2022 г.", "before 2022", "до 2022"),
        ("before 15.04.2020", "before April 15, 2020", "до 15 апреля 2020"),
        ("after 2021-07", "after July 2021", "после июля 2021"),
        ("after 2021-07-15", "after July 15, 2021", "после 15 июля 2021"),
        ("~before 2020-04", "probably before April 2020", "примерно до апреля 2020"),
        ("летом 2021", "summer 2021", "лето 2021"),
        ("~summer 2021", "about summer 2021", "около лета 2021"),
        ("early 2021", "early 2021", "начало 2021"),
        ("mid 2021", "mid-2021", "середина 2021"),
        ("late 2021", "late 2021", "конец 2021"),
        ("April–June 2020", "April–June 2020", "апрель–июнь 2020"),
        ("~April–June 2020", "about April–June 2020", "около апреля–июня 2020"),
        ("2020-2021", "2020–2021", "2020–2021"),
        ("15-20 April 2020", "April 15–20, 2020", "15–20 апреля 2020"),
        ("15.04.2020 - 03.05.2020", "April 15 – May 3, 2020", "15 апреля – 3 мая 2020"),
        ("April–April 2020", "April 2020", "апрель 2020"),
    ],
)
def test_labels_read_naturally_in_both_languages(text, english, russian):
    from django.utils import translation

    value = FuzzyDate.parse(text)
    with translation.override("en"):
        assert value.label() == english
    with translation.override("ru"):
        assert value.label() == russian
        assert " г." not in value.label()


def test_since_takes_the_genitive_in_russian():
    from django.utils import translation

    with translation.override("ru"):
        assert FuzzyDate.parse("summer 2021").since_label() == "с лета 2021"
        assert FuzzyDate.parse("2020-04").since_label() == "с апреля 2020"
        assert FuzzyDate.parse("~2020").since_label() == "примерно с 2020"
    with translation.override("en"):
        assert FuzzyDate.parse("summer 2021").since_label() == "since summer 2021"
        assert FuzzyDate.parse("after 2020").since_label() == "after 2020"


def test_a_period_with_equal_ends_is_said_once():
    from django.utils import translation

    from haven.lib.fuzzy_dates import period_label

    april, june = FuzzyDate.parse("April 2020"), FuzzyDate.parse("June 2020")
    with translation.override("en"):
        assert period_label(april, april) == "April 2020"
        assert period_label(april, None) == "April 2020"
        assert period_label(april, june) == "April–June 2020"
        assert period_label(FuzzyDate.parse("before 2020"), june) == "before 2020 – June 2020"
    with translation.override("ru"):
        assert period_label(april, FuzzyDate.parse("апрель 2020")) == "апрель 2020"


@pytest.mark.parametrize("text", ["June–April 2020", "before 1900", "after 2999", "2021 2022"])
def test_impossible_ranges_say_what_to_write(text):
    with pytest.raises(ValueError, match="2020-04-15"):
        FuzzyDate.parse(text)


def test_the_refusal_speaks_russian_in_russian():
    from django.utils import translation

    with translation.override("ru"), pytest.raises(ValueError, match="летом 2020"):
        FuzzyDate.parse("прошлым летом")


@settings(max_examples=200)
@given(value=fuzzy_dates(), language=st.sampled_from(["en", "ru"]))
def test_the_genitive_and_the_machine_form_read_back_too(value, language):
    from django.utils import translation

    from haven.lib.fuzzy_fields import FuzzyDateField

    assert FuzzyDate.parse(value.machine()) == value
    with translation.override(language):
        assert FuzzyDate.parse(value.label(genitive=True)) == value
        # An edit form shows the label: it must fit the field, or saving fails.
        assert len(value.label()) <= FuzzyDateField().max_length
