"""Records the incident tests share: the seed story's first incident, and a second team."""

import pytest

from haven.accounts.models import Membership
from haven.accounts.tests.factories import TeamFactory
from haven.incidents import actions
from haven.lib.fuzzy_dates import FuzzyDate
from haven.locations.models import Location
from haven.people.actions import add_person
from haven.vocab.models import term


@pytest.fixture
def incident(personas, person):
    """April 2020 in Grozny: ``person`` tortured by a police unit."""
    incident = actions.record_incident(
        team=personas.team,
        by=personas.member,
        title="Detention in Grozny",
        start=FuzzyDate.parse("2020-04"),
        location=Location.objects.get(name_en="Grozny"),
        stated_grounds="an opposition Telegram channel",
        documented_motive="sexual orientation",
    )
    unit = add_person(team=personas.team, by=personas.member, kind="group", name="Police unit")
    act = actions.record_act(
        incident, by=personas.member, act_type=term("act_type", "torture"), victim=person
    )
    actions.add_involvement(
        act, by=personas.member, perpetrator=unit, degree="direct", affiliation="special police"
    )
    return incident


@pytest.fixture
def other_team(personas):
    """A team the outsider writes in and the personas' team does not see."""
    team = TeamFactory(name="Other desk")
    Membership.objects.create(team=team, user=personas.outsider, access=Membership.Access.MEMBER)
    return team
