"""Counts of querysets in one statement, compiled once per key."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.accounts.models import Membership, Team
from haven.accounts.tests.factories import UserFactory
from haven.lib import counting

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh():
    counting.forget()
    yield
    counting.forget()


def test_the_counts_are_those_of_count_joins_and_empty_querysets_included():
    team = Team.objects.create(name="A")
    users = [UserFactory() for _ in range(3)]
    for user in users[:2]:
        Membership.objects.create(team=team, user=user, access=Membership.Access.MEMBER)
    querysets = [
        Membership.objects.filter(team__name="A").order_by("-pk"),  # a join, an order
        Membership.objects.filter(user=users[2]),
        Membership.objects.none(),
        Membership.objects.filter(pk__in=[]),
    ]
    assert counting.counts("k", lambda: querysets) == [qs.count() for qs in querysets]
    assert counting.counts("k", lambda: querysets) == [2, 0, 0, 0]


def test_the_statement_is_built_once_and_counts_what_is_there_when_it_runs():
    team = Team.objects.create(name="A")
    built = []

    def build():
        built.append(1)
        return [Membership.objects.filter(team=team)]

    assert counting.counts(("members", team.pk), build) == [0]
    Membership.objects.create(team=team, user=UserFactory(), access=Membership.Access.MEMBER)
    with CaptureQueriesContext(connection) as queries:
        assert counting.counts(("members", team.pk), build) == [1]
    assert len(built) == 1
    assert len(queries) == 1


def test_the_oldest_statements_are_dropped(monkeypatch):
    monkeypatch.setattr(counting, "KEPT", 2)
    built = []

    def build():
        built.append(1)
        return [Team.objects.all()]

    for key in ["a", "b", "c", "a"]:
        counting.counts(key, build)
    assert len(built) == 4  # "a" was dropped when "c" came
    counting.counts("c", build)
    assert len(built) == 4
