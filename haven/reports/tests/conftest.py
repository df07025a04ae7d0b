"""A small world to count: three incidents of the personas' team, one of another team."""

from types import SimpleNamespace

import pytest

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.incidents import actions
from haven.lib.fuzzy_dates import FuzzyDate
from haven.lib.partial_dates import PartialDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.records.actions import delete_record
from haven.vocab.models import term


def place(name):
    return Location.objects.get(name_en=name)


@pytest.fixture
def world(personas):
    """The personas' team: 5 live acts against 4 victims in 3 incidents, one deleted act;
    another team: 2 acts the member does not see. An analyst with "report figures
    only" on both teams."""
    by, team = personas.member, personas.team

    def person(name, **fields):
        return add_person(team=team, by=by, name=name, **fields)

    ibragim = person("Ibragim", gender="male", birth_date=PartialDate(1998, 5))
    salekh = person("Salekh", gender="male", birth_date=PartialDate(2000))
    aminat = person("Aminat", gender="female")
    nobody = person("Unknown man")
    unit = person("Police unit", kind="group")

    def act(incident, code, victim, **fields):
        return actions.record_act(
            incident, by=by, act_type=term("act_type", code), victim=victim, **fields
        )

    grozny = actions.record_incident(
        team=team,
        by=by,
        title="Detention in Grozny",
        start=FuzzyDate.parse("2020-04"),
        location=place("Grozny"),
        stated_grounds="an opposition Telegram channel",
        documented_motive="sexual orientation",
    )
    torture = act(grozny, "torture", ibragim)
    detention = act(grozny, "arbitrary_detention", ibragim, start=FuzzyDate.parse("2020-04-02"))
    act(grozny, "arbitrary_detention", salekh, start=FuzzyDate.parse("2020-04-05"))
    actions.add_involvement(
        torture, by=by, perpetrator=unit, degree="direct", affiliation="Special police"
    )
    actions.add_involvement(
        detention, by=by, perpetrator=unit, degree="direct", affiliation="special  POLICE"
    )
    delete_record(act(grozny, "killing", salekh), by=by)
    summer = actions.record_incident(
        team=team,
        by=by,
        title="Threats",
        start=FuzzyDate.parse("summer 2020"),
        location=place("Republic of Dagestan"),
        stated_grounds="debts",
    )
    act(summer, "threat", aminat)
    somewhere = actions.record_incident(
        team=team, by=by, title="Somewhere", start=FuzzyDate.parse("2019")
    )
    act(somewhere, "arbitrary_detention", nobody, start=FuzzyDate.parse("2019-11"))

    other = TeamFactory(name="Other desk")
    Membership.objects.create(team=other, user=personas.outsider, access="member")
    theirs = actions.record_incident(
        team=other,
        by=personas.outsider,
        title="Theirs",
        start=FuzzyDate.parse("2020-04-02"),
        location=place("Grozny"),
    )
    victim = add_person(team=other, by=personas.outsider, name="Their victim", gender="male")
    for code in ("torture", "arbitrary_detention"):
        actions.record_act(
            theirs, by=personas.outsider, act_type=term("act_type", code), victim=victim
        )

    analyst = UserFactory(email="analyst@example.org", role="analyst")
    for each in (team, other):
        Membership.objects.create(team=each, user=analyst, access="aggregate")
    return SimpleNamespace(other_team=other, analyst=analyst, grozny=grozny, torture=torture)
