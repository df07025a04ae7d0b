"""Lockdown started by two members of the lockdown team (``HAVEN_LOCKDOWN_TEAM``)."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, add_totp, sign_in
from haven.accounts import actions
from haven.accounts.models import Lockdown, LockdownProposal, Membership, Role
from haven.accounts.tests.factories import TeamFactory, UserFactory
from haven.accounts.tests.soft_key import SoftKey, add_key, sign_in_with_key
from haven.audit.models import AuditEntry

PAGE = reverse("accounts:lockdown")
PROPOSE = reverse("accounts:lockdown_propose")
CONFIRM = reverse("accounts:lockdown_confirm")
WITHDRAW = reverse("accounts:lockdown_withdraw")
LOGIN = reverse("accounts:login")
HOME = reverse("web:home")


def entries(prefix="lockdown."):
    return list(
        AuditEntry.objects.filter(action__startswith=prefix)
        .order_by("seq")
        .values_list("action", "actor_id")
    )


@pytest.fixture
def crew(db, settings):
    """The lockdown team: two full members and a read-only one; an administrator with a
    security key (so that someone can sign in to lift a lockdown)."""
    team = TeamFactory(name="Security")
    settings.HAVEN_LOCKDOWN_TEAM = "Security"
    settings.HAVEN_LOCKDOWN_CONFIRM_MINUTES = 10
    first = UserFactory(email="zarema@example.org", full_name="Zarema")
    second = UserFactory(email="timur@example.org", full_name="Timur")
    reader = UserFactory(email="watcher@example.org")
    admin = UserFactory(email="chief@example.org", role=Role.ADMINISTRATOR)
    for user in (first, second):
        Membership.objects.create(team=team, user=user, access=Membership.Access.MEMBER)
    Membership.objects.create(team=team, user=reader, access=Membership.Access.READ_ONLY)
    for user in (first, second, reader, admin):
        add_totp(user)
    add_key(admin, SoftKey())
    return type("Crew", (), {"team": team, "first": first, "second": second})(), reader, admin


def signed_in(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def test_two_members_lock_haven_down(crew, personas):
    crew, _reader, admin = crew
    bystander = signed_in(personas.member)
    one, two = signed_in(crew.first), signed_in(crew.second)
    page = one.get(PAGE).content.decode()
    assert "Propose a lockdown" in page

    response = one.post(PROPOSE, {"confirm": "on"}, follow=True)
    assert "A second member of the lockdown team must confirm within 10 minutes" in (
        response.content.decode()
    )
    proposal = LockdownProposal.objects.get()
    assert proposal.pending and proposal.proposed_by == crew.first
    assert proposal.expires_at - proposal.proposed_at == timedelta(minutes=10)
    assert Lockdown.objects.in_force() is None
    assert bystander.get(HOME).status_code == 200  # nothing ends on a proposal alone

    # The one who proposed cannot confirm it: the page offers no button, the POST fails.
    page = one.get(PAGE).content.decode()
    assert "Confirm: lock down now" not in page and "Withdraw my proposal" in page
    response = one.post(CONFIRM, {"proposal": proposal.uuid, "confirm": "on"}, follow=True)
    assert "A different member of the lockdown team must confirm" in response.content.decode()
    assert Lockdown.objects.in_force() is None

    # The administrators' page says a proposal waits.
    administrator = Client()
    sign_in_with_key(administrator, admin)
    assert (
        'data-testid="lockdown-proposal"'
        in administrator.get(reverse("admin:lockdown")).content.decode()
    )

    # The second member sees it and confirms: the lockdown starts in one action.
    page = two.get(PAGE).content.decode()
    assert "Zarema proposed a lockdown" in page
    response = two.post(CONFIRM, {"proposal": proposal.uuid, "confirm": "on"})
    assert response.status_code == 302 and response.url == LOGIN
    lockdown = Lockdown.objects.in_force()
    assert lockdown is not None and lockdown.started_by == crew.second
    proposal.refresh_from_db()
    assert proposal.pending is None and proposal.outcome == "confirmed"
    assert proposal.closed_by == crew.second and proposal.lockdown == lockdown
    assert not Session.objects.exists()
    for client in (bystander, one, two, administrator):
        assert client.get(HOME).status_code == 302
    assert entries() == [
        ("lockdown.proposed", crew.first.pk),
        ("lockdown.started", crew.second.pk),
    ]
    started = AuditEntry.objects.get(action="lockdown.started")
    assert str(crew.first.uuid) in started.summary

    # A member's password gets the notice now, as everyone's does.
    response = Client().post(LOGIN, {"email": crew.first.email, "password": PASSWORD})
    assert response.status_code == 400

    # Lifting still takes two administrators: the members cannot.
    with pytest.raises(actions.LockdownError):
        actions.propose_lift(lockdown, by=crew.first)
    other_admin = UserFactory(role=Role.ADMINISTRATOR)
    actions.propose_lift(lockdown, by=admin)
    actions.confirm_lift(lockdown, by=other_admin)
    assert Lockdown.objects.in_force() is None
    # The administrators' history names both members.
    admin.refresh_from_db()  # the lockdown moved every session epoch on
    administrator = Client()
    sign_in_with_key(administrator, admin)
    history = administrator.get(reverse("admin:lockdown")).content.decode()
    assert "Zarema and Timur" in history


def test_a_proposal_expires(crew):
    crew, _reader, _admin = crew
    proposal = actions.propose_lockdown(by=crew.first)
    LockdownProposal.objects.filter(pk=proposal.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    two = signed_in(crew.second)
    assert "Propose a lockdown" in two.get(PAGE).content.decode()  # no longer offered
    response = two.post(CONFIRM, {"proposal": proposal.uuid, "confirm": "on"}, follow=True)
    assert "This proposal has expired" in response.content.decode()
    assert Lockdown.objects.in_force() is None
    proposal.refresh_from_db()
    assert proposal.pending is None and proposal.outcome == "expired"
    assert ("lockdown.proposal_expired", crew.first.pk) in entries()
    # A new proposal may be made once the old one has expired.
    actions.propose_lockdown(by=crew.second)
    assert LockdownProposal.objects.filter(pending=True).count() == 1


def test_one_proposal_waits_at_a_time(crew):
    crew, _reader, _admin = crew
    actions.propose_lockdown(by=crew.first)
    with pytest.raises(actions.LockdownError, match="Zarema has proposed a lockdown already"):
        actions.propose_lockdown(by=crew.second)
    with pytest.raises(actions.LockdownError, match="You have proposed a lockdown already"):
        actions.propose_lockdown(by=crew.first)
    assert LockdownProposal.objects.count() == 1


def test_the_proposer_withdraws(crew):
    crew, _reader, _admin = crew
    proposal = actions.propose_lockdown(by=crew.first)
    # Another member cannot withdraw it.
    signed_in(crew.second).post(WITHDRAW)
    proposal.refresh_from_db()
    assert proposal.pending
    signed_in(crew.first).post(WITHDRAW)
    proposal.refresh_from_db()
    assert proposal.pending is None and proposal.outcome == "withdrawn"
    with pytest.raises(actions.LockdownError, match="no longer open"):
        actions.confirm_lockdown(proposal, by=crew.second)
    assert Lockdown.objects.in_force() is None
    assert ("lockdown.proposal_withdrawn", crew.first.pk) in entries()


def test_the_proposer_must_still_be_in_the_team(crew):
    crew, _reader, _admin = crew
    proposal = actions.propose_lockdown(by=crew.first)
    actions.remove_member(crew.team, crew.first)
    with pytest.raises(actions.LockdownError, match="no longer in the lockdown team"):
        actions.confirm_lockdown(proposal, by=crew.second)
    assert Lockdown.objects.in_force() is None


def test_who_is_not_a_full_member_of_the_team_cannot(crew, personas):
    crew, reader, admin = crew
    proposal = actions.propose_lockdown(by=crew.first)
    for user in (reader, personas.member, personas.outsider):
        client = signed_in(user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PROPOSE, {"confirm": "on"}).status_code == 403
        assert client.post(CONFIRM, {"proposal": proposal.uuid, "confirm": "on"}).status_code == (
            403
        )
        with pytest.raises(actions.LockdownError):
            actions.confirm_lockdown(proposal, by=user)
    # An administrator starts one alone, on their own page.
    client = Client()
    sign_in_with_key(client, admin)
    response = client.get(PAGE)
    assert response.status_code == 302 and response.url == reverse("admin:lockdown")
    assert client.post(CONFIRM, {"proposal": proposal.uuid, "confirm": "on"}).status_code == 403
    assert Lockdown.objects.in_force() is None


def test_no_team_configured_means_no_member_may(crew, settings):
    crew, _reader, _admin = crew
    settings.HAVEN_LOCKDOWN_TEAM = ""
    assert signed_in(crew.first).get(PAGE).status_code == 403
    with pytest.raises(actions.LockdownError):
        actions.propose_lockdown(by=crew.first)
    settings.HAVEN_LOCKDOWN_TEAM = "No such team"
    assert signed_in(crew.first).get(PAGE).status_code == 403


def test_the_box_must_be_ticked(crew):
    crew, _reader, _admin = crew
    signed_in(crew.first).post(PROPOSE, {})
    assert not LockdownProposal.objects.exists()
    proposal = actions.propose_lockdown(by=crew.first)
    response = signed_in(crew.second).post(CONFIRM, {"proposal": proposal.uuid}, follow=True)
    assert "Tick the box" in response.content.decode()
    assert Lockdown.objects.in_force() is None


def test_no_lockdown_without_an_administrator_key(crew):
    crew, _reader, admin = crew
    proposal = actions.propose_lockdown(by=crew.first)
    actions.reset_second_factor(admin)  # the only administrator key goes
    with pytest.raises(actions.LockdownError, match="No administrator has a security key"):
        actions.confirm_lockdown(proposal, by=crew.second)
    assert Lockdown.objects.in_force() is None
    proposal.refresh_from_db()
    assert proposal.pending  # still waiting: an administrator may add a key in time
    response = signed_in(crew.second).get(PAGE).content.decode()
    assert "No administrator has a security key yet" in response


def test_not_while_a_lockdown_is_in_force(crew):
    crew, _reader, admin = crew
    actions.start_lockdown(by=admin)
    with pytest.raises(actions.LockdownError, match="in force already"):
        actions.propose_lockdown(by=crew.first)
