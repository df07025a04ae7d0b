"""A case led by the member, a colleague who hands work over, and dates around today."""

from datetime import timedelta

import pytest
from django.utils import timezone

from haven.cases import actions
from haven.vocab.models import term


@pytest.fixture
def colleague(personas):
    """A second writing member of the personas' team."""
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import UserFactory

    user = UserFactory(email="colleague@example.org", full_name="Colleague")
    Membership.objects.create(team=personas.team, user=user, access=Membership.Access.MEMBER)
    return user


@pytest.fixture
def case(personas, person):
    return actions.open_case(
        team=personas.team,
        by=personas.member,
        title="Two brothers Selimkhanov",
        summary="Detained and tortured in April 2020.",
        persons=[person],
    )


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def plan(case, by, *, title="Evacuation to Moscow", kind="shelter", **fields):
    return actions.plan_action(case, by=by, kind=term("action_type", kind), title=title, **fields)


def petition(case, by, **fields):
    return actions.plan_action(
        case,
        by=by,
        kind=term("action_type", "petition"),
        title="State protection for both brothers",
        authority=term("authority", "ic_chechnya"),
        petition_type=term("petition_type", "state_protection"),
        **fields,
    )
