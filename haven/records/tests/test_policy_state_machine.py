"""Random grants, revocations, team moves and deactivations against a reference model.

After every step, what each user can list, read and write equals what a plain
dictionary of memberships says, and a session opened before a revocation loses
access on its very next request.
"""

import itertools

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from conftest import sign_in
from haven.accounts import actions as accounts
from haven.accounts.models import Membership, Role
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.people.actions import add_person
from haven.people.models import Person
from haven.records.actions import move_record

_run = itertools.count()
USERS, TEAMS, PEOPLE = 3, 2, 3
ACCESS = [Membership.Access.MEMBER, Membership.Access.READ_ONLY]


class PolicyMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        run = next(_run)
        self.teams = [TeamFactory(name=f"run{run} team{t}") for t in range(TEAMS)]
        # The keeper writes in every team and never changes; the others are randomised.
        self.keeper = UserFactory(email=f"keeper{run}@example.org")
        for team in self.teams:
            accounts.add_member(team, self.keeper)
        self.users = [
            UserFactory(email=f"run{run}-user{u}@example.org", role=Role.CASEWORKER)
            for u in range(USERS - 1)
        ]
        self.users.append(UserFactory(email=f"run{run}-admin@example.org", role=Role.ADMINISTRATOR))
        self.people = [
            add_person(team=self.teams[p % TEAMS], by=self.keeper, name=f"Person {run}-{p}")
            for p in range(PEOPLE)
        ]
        self.access: dict[tuple[int, int], str] = {}  # (user, team) -> access
        self.team_of = {p: p % TEAMS for p in range(PEOPLE)}
        self.active = dict.fromkeys(range(USERS), True)
        self.clients = []
        for user in self.users:
            client = Client()
            sign_in(client, user)
            self.clients.append(client)

    @rule(u=st.integers(0, USERS - 1), t=st.integers(0, TEAMS - 1), access=st.sampled_from(ACCESS))
    def grant(self, u, t, access):
        accounts.add_member(self.teams[t], self.users[u], access=access, by=self.keeper)
        self.access[(u, t)] = access

    @rule(u=st.integers(0, USERS - 1), t=st.integers(0, TEAMS - 1))
    def revoke(self, u, t):
        accounts.remove_member(self.teams[t], self.users[u], by=self.keeper)
        self.access.pop((u, t), None)

    @rule(p=st.integers(0, PEOPLE - 1), t=st.integers(0, TEAMS - 1))
    def move(self, p, t):
        person = Person.objects.get(pk=self.people[p].pk)
        move_record(person, self.teams[t], by=self.keeper)
        self.team_of[p] = t

    @rule(u=st.integers(0, USERS - 1))
    def deactivate(self, u):
        if self.active[u]:
            accounts.disable_user(self.users[u], by=self.keeper)
            self.active[u] = False

    def expected(self, u, p, write=False):
        access = self.access.get((u, self.team_of[p]))
        if not self.active[u] or access is None:
            return False
        return access == Membership.Access.MEMBER if write else True

    @invariant()
    def querysets_match_the_reference(self):
        ours = {person.pk for person in self.people}
        for u, user in enumerate(self.users):
            user.refresh_from_db()
            seen = set(
                Person.objects.visible_to(user).filter(pk__in=ours).values_list("pk", flat=True)
            )
            writable = set(
                Person.objects.writable_by(user).filter(pk__in=ours).values_list("pk", flat=True)
            )
            assert seen == {self.people[p].pk for p in range(PEOPLE) if self.expected(u, p)}
            assert writable == {
                self.people[p].pk for p in range(PEOPLE) if self.expected(u, p, write=True)
            }

    @invariant()
    def the_next_request_obeys(self):
        for u, client in enumerate(self.clients):
            for p, person in enumerate(self.people):
                response = client.get(reverse("people:detail", kwargs={"uuid": person.uuid}))
                if not self.active[u]:
                    assert response.status_code == 302  # signed out
                else:
                    assert response.status_code == (200 if self.expected(u, p) else 404)


@pytest.mark.django_db
def test_access_follows_the_reference_model():
    PolicyMachine.TestCase.settings = settings(
        max_examples=8,
        stateful_step_count=10,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    PolicyMachine.TestCase().runTest()
