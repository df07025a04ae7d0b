"""Every date Haven keeps names a year between 1000 and 2200: extreme dates that used to
break shared pages (statistics, a victim's page, a case's timeline) are refused cleanly,
in forms and in the verbs alike."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from conftest import sign_in
from haven.cases import actions as cases
from haven.cases.models import RiskAssessment
from haven.lib.fuzzy_dates import FuzzyDate
from haven.tests.helpers import post_form
from haven.vocab.models import term

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("text", ["9999-12-31", "0202-01-01", "after 2201", "~0999-05-01"])
def test_the_parser_refuses_years_out_of_bounds_with_a_message(text):
    with pytest.raises(ValueError, match="between 1000 and 2200"):
        FuzzyDate.parse(text)


@pytest.mark.parametrize("text", ["after 9999", "before 0001", "summer " + "9" * 30, "~10000"])
def test_the_parser_refuses_what_cannot_be_a_year_cleanly(text):
    with pytest.raises(ValueError):  # a message for the form, never an OverflowError
        FuzzyDate.parse(text)


@given(year=st.integers(min_value=1000, max_value=2200))
def test_every_year_in_bounds_is_read(year):
    assert FuzzyDate.parse(str(year)).earliest == date(year, 1, 1)


def test_a_verb_refuses_an_extreme_date_and_saves_nothing(personas):
    case = cases.open_case(team=personas.team, by=personas.member, title="A case")
    with pytest.raises(ValidationError) as refused:
        cases.assess_risk(
            case,
            by=personas.member,
            assessed_on=date(9999, 12, 31),
            level="high",
            likelihood=3,
            impact=3,
        )
    assert "between 1000 and 2200" in str(refused.value.error_dict["assessed_on"])
    assert not RiskAssessment.objects.exists()


def test_forms_refuse_extreme_dates_and_pages_keep_working(client, personas):
    case = cases.open_case(team=personas.team, by=personas.member, title="A case")
    sign_in(client, personas.member)
    risk = post_form(
        client,
        reverse("cases:risk_new", kwargs={"uuid": case.uuid}),
        {
            "assessed_on": "9999-12-31",
            "threat_sources": [term("threat_source", "family").pk],
            "threat_types": [term("threat_type", "abduction").pk],
            "likelihood": 3,
            "impact": 3,
            "level": "high",
        },
    )
    assert risk.status_code == 400
    assert "between 1000 and 2200" in risk.content.decode()
    incident = post_form(
        client,
        reverse("incidents:new"),
        {
            "team": personas.team.pk,
            "title": "Far future",
            "start": "9999-12-31",
            "violation_status": "alleged",
            "confidentiality": "restricted",
        },
    )
    assert incident.status_code == 400
    assert "between 1000 and 2200" in incident.content.decode()
    for page in (
        reverse("cases:detail", kwargs={"uuid": case.uuid}),
        reverse("incidents:statistics"),
    ):
        assert client.get(page).status_code == 200
