"""A new record's team: chosen already for a member of one team, a choice for others."""

import re

import pytest
from django.urls import reverse

from conftest import sign_in

CREATE_PAGES = [
    "people:new",
    "cases:new",
    "cases:request_new",
    "incidents:new",
    "sources:new",
    "sources:capture",
]


def _team_options(html: str) -> list[str]:
    select = re.search(r'<select name="team"[^>]*>(.*?)</select>', html, re.S)
    assert select, "the page has no team choice"
    return re.findall(r"<option[^>]*>", select.group(1))


@pytest.mark.parametrize("name", CREATE_PAGES)
def test_a_member_of_one_team_finds_it_chosen(client, personas, name):
    sign_in(client, personas.member)
    options = _team_options(client.get(reverse(name)).content.decode())
    assert options == [f'<option value="{personas.team.pk}" selected>']


@pytest.mark.parametrize("name", CREATE_PAGES)
def test_a_member_of_two_teams_chooses(client, personas, name):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory

    Membership.objects.create(team=TeamFactory(), user=personas.member, access="member")
    sign_in(client, personas.member)
    options = _team_options(client.get(reverse(name)).content.decode())
    assert len(options) == 3  # the empty choice and both teams
    assert not any("selected" in option for option in options[1:])
