"""Partial dates (birth dates): the stored text, estimates, and the words people read."""

from datetime import date

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate


@st.composite
def partial_dates(draw):
    day = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2030, 12, 31)))
    precision = draw(st.sampled_from(["year", "month", "day"]))
    return PartialDate(
        day.year,
        day.month if precision != "year" else None,
        day.day if precision == "day" else None,
        draw(st.booleans()),
    )


@given(partial_dates(), st.sampled_from(["en", "ru"]))
def test_stored_text_and_label_read_back(value, language):
    assert PartialDate.parse(str(value)) == value
    with translation.override(language):
        assert PartialDate.from_fuzzy(FuzzyDate.parse(value.label())) == value


def test_text_stored_before_estimates_reads_the_same():
    assert PartialDate.parse("1998-05") == PartialDate(1998, 5)
    assert str(PartialDate.parse("~1996")) == "~1996"
    assert PartialDate.parse("~1996").estimated


@pytest.mark.parametrize("text", ["summer 1996", "1996-1998", "before 1996", "early 1996"])
def test_only_a_day_month_or_year_is_a_partial_date(text):
    with pytest.raises(ValueError):
        PartialDate.from_fuzzy(FuzzyDate.parse(text))


def test_labels():
    with translation.override("ru"):
        assert PartialDate(1996, 5, estimated=True).label() == "около мая 1996"
        assert PartialDate(1996, 5, 17).label() == "17 мая 1996"
    with translation.override("en"):
        assert PartialDate(1996, estimated=True).label() == "about 1996"
