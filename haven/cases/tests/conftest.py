"""A case with a petition and a request for help, on the personas' team."""

from datetime import date

import pytest

from haven.cases import actions
from haven.vocab.models import term


@pytest.fixture
def case(personas, person):
    return actions.open_case(
        team=personas.team,
        by=personas.member,
        title="Two brothers",
        summary="Detained in April 2020.",
        persons=[person],
    )


@pytest.fixture
def petition(personas, case):
    return actions.plan_action(
        case,
        by=personas.member,
        kind=term("action_type", "petition"),
        title="State protection",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
        filed_on=date(2021, 2, 12),
    )


@pytest.fixture
def intake(personas, person):
    return actions.record_request(
        team=personas.team,
        by=personas.member,
        channel=term("channel", "telegram"),
        requester=person,
        summary="Asks for help to leave.",
    )


@pytest.fixture
def other_team(db):
    """A second team, with a writing member of its own and one of its people."""
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory, UserFactory
    from haven.people.actions import add_person

    team = TeamFactory(name="Other desk")
    member = UserFactory(email="other@example.org")
    Membership.objects.create(team=team, user=member, access=Membership.Access.MEMBER)
    team.member = member
    team.person = add_person(team=team, by=member, name="Someone elsewhere")
    return team
