"""Lockdown, sign-out everywhere and quick exit."""

import json

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, add_totp, sign_in, totp_code
from haven.accounts import actions
from haven.accounts.models import Authenticator, Lockdown, Role, SecurityKey
from haven.accounts.tests.factories import UserFactory
from haven.accounts.tests.soft_key import SoftKey, add_key, sign_in_with_key
from haven.audit.models import AuditEntry

HOME = reverse("web:home")
LOGIN = reverse("accounts:login")
NOTICE = "This service is not available at the moment"


def last(action):
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


@pytest.fixture
def admins(db):
    first = UserFactory(email="first@example.org", role=Role.ADMINISTRATOR)
    second = UserFactory(email="second@example.org", role=Role.ADMINISTRATOR)
    for admin in (first, second):
        add_totp(admin)
    return first, second


def start(admin, *others) -> Client:
    """Lock down as ``admin``; the users given see their new session epoch afterwards."""
    client = Client()
    sign_in_with_key(client, admin)
    response = client.post(reverse("admin:lockdown_start"), {"confirm": "on"})
    assert response.status_code == 302 and response.url == LOGIN
    for user in (admin, *others):
        user.refresh_from_db()
    return client


def test_lockdown_is_refused_when_no_administrator_has_a_key(admins):
    first, _second = admins
    client = Client()
    sign_in(client, first)
    response = client.post(reverse("admin:lockdown_start"), {"confirm": "on"}, follow=True)
    assert "No administrator has a security key" in response.content.decode()
    assert not Lockdown.objects.exists()
    assert client.get(HOME).status_code == 200  # nothing ended


def test_lockdown_needs_the_box_ticked(admins):
    client = Client()
    sign_in_with_key(client, admins[0])
    client.post(reverse("admin:lockdown_start"), {})
    assert not Lockdown.objects.exists()


def test_lockdown_ends_every_session_and_refuses_others(admins, personas):
    first, second = admins
    member = Client()
    sign_in(member, personas.member)
    assert member.get(HOME).status_code == 200
    start(first)
    assert Lockdown.objects.in_force() is not None
    assert not Session.objects.exists()
    assert last("lockdown.started").actor_id == first.pk
    assert member.get(HOME).status_code == 302
    # The member's right password gets the innocuous notice, not a session.
    response = Client().post(LOGIN, {"email": personas.member.email, "password": PASSWORD})
    assert response.status_code == 400 and NOTICE in response.content.decode()
    assert last("lockdown.refused").summary == "sign-in"
    # The login page shows it to everyone.
    assert NOTICE in Client().get(LOGIN).content.decode()
    # An administrator without a key is refused as well.
    response = Client().post(LOGIN, {"email": second.email, "password": PASSWORD})
    assert response.status_code == 400


def test_an_administrator_signs_in_with_a_key_during_lockdown(admins):
    first, _second = admins
    soft = SoftKey()
    add_key(first, soft)
    start(first)
    client = Client()
    assert client.post(LOGIN, {"email": first.email, "password": PASSWORD}).status_code == 302
    # A code is refused, even from an authenticator that works otherwise.
    device = Authenticator.objects.get(user=first)
    refused = client.post(reverse("accounts:second_factor"), {"code": totp_code(device)})
    assert refused.status_code == 403
    options = client.post(
        reverse("otp_webauthn:credential-authentication-begin"), "{}", "application/json"
    ).json()
    answer = client.post(
        reverse("otp_webauthn:credential-authentication-complete"),
        json.dumps(soft.sign(options)),
        "application/json",
    )
    assert answer.status_code == 200
    page = client.get(HOME)
    assert page.status_code == 200
    assert 'data-testid="lockdown-banner"' in page.content.decode()


def test_a_session_verified_by_a_code_does_not_survive_lockdown(admins):
    first, second = admins
    add_key(second, SoftKey())
    start(first, second)
    # A session made some other way (here: forced) with a code is ended on its next request.
    client = Client()
    sign_in(client, second)
    assert client.get(HOME).status_code == 302
    assert last("lockdown.refused").object_id == str(second.uuid)


@pytest.mark.parametrize(
    "route",
    [
        ("exports:page", {"kind": "people"}),
        ("reports:download", {}),
        ("sources:bundle", {}),
        ("api:person-list", {}),
    ],
)
def test_downloads_exports_and_the_api_are_refused(admins, route):
    first, _second = admins
    start(first)
    client = Client()
    sign_in_with_key(client, first)
    name, kwargs = route
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 503
    assert NOTICE in response.content.decode()


def test_the_api_is_refused_to_tokens_too(admins, personas):
    _token, secret = actions.create_token(
        personas.member, name="bot", scopes=["people:read"], days=7
    )
    url = reverse("api:person-list")
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    start(admins[0])
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 503


def test_lifting_takes_two_administrators(admins):
    first, second = admins
    add_key(second, SoftKey())
    start(first, second)
    lockdown = Lockdown.objects.in_force()
    one, two = Client(), Client()
    sign_in_with_key(one, first)
    sign_in_with_key(two, second)
    lift = reverse("admin:lockdown_lift")
    one.post(lift)  # proposes
    lockdown.refresh_from_db()
    assert lockdown.lift_proposed_by == first and lockdown.in_force
    response = one.post(lift, follow=True)  # the same one cannot confirm
    assert "A second administrator must confirm" in response.content.decode()
    assert Lockdown.objects.in_force() is not None
    two.post(lift)
    assert Lockdown.objects.in_force() is None
    lockdown.refresh_from_db()
    assert lockdown.lifted_by == second
    assert [
        e.action for e in AuditEntry.objects.filter(action__startswith="lockdown.l").order_by("seq")
    ] == [
        "lockdown.lift_proposed",
        "lockdown.lifted",
    ]
    # Everyone may sign in again.
    member = UserFactory()
    assert Client().post(LOGIN, {"email": member.email, "password": PASSWORD}).status_code == 302


def test_a_lockdown_cannot_start_twice(admins):
    first, _second = admins
    add_key(first, SoftKey())
    actions.start_lockdown(by=first)
    with pytest.raises(actions.LockdownError):
        actions.start_lockdown(by=first)
    assert Lockdown.objects.count() == 1


def test_only_administrators_start_a_lockdown(admins, personas):
    add_key(admins[0], SoftKey())
    with pytest.raises(actions.LockdownError):
        actions.start_lockdown(by=personas.member)
    client = Client()
    sign_in(client, personas.member)
    assert client.post(reverse("admin:lockdown_start"), {"confirm": "on"}).status_code == 403
    assert not Lockdown.objects.exists()


def test_the_last_administrator_key_cannot_be_removed_during_lockdown(admins):
    first, _second = admins
    key = add_key(first, SoftKey())
    spare = add_key(first, SoftKey(), name="Spare")
    start(first)
    client = Client()
    sign_in_with_key(client, first, key)
    client.post(reverse("accounts:key_remove", args=[spare.uuid]))
    assert not SecurityKey.objects.filter(pk=spare.pk).exists()
    response = client.post(reverse("accounts:key_remove", args=[key.uuid]), follow=True)
    assert "last administrator" in response.content.decode()
    assert SecurityKey.objects.filter(pk=key.pk).exists()


def test_sign_out_everywhere_ends_every_session_of_the_user(personas):
    laptop, phone, colleague = Client(), Client(), Client()
    sign_in(laptop, personas.member)
    sign_in(phone, personas.member)
    sign_in(colleague, personas.read_only)
    response = phone.post(reverse("accounts:logout_everywhere"))
    assert response.status_code == 302 and response.url == LOGIN
    assert laptop.get(HOME).status_code == 302
    assert phone.get(HOME).status_code == 302
    assert colleague.get(HOME).status_code == 200
    assert last("logout").summary == "everywhere"


def test_quick_exit_clears_the_page_and_every_session(personas):
    laptop, phone = Client(), Client()
    sign_in(laptop, personas.member)
    sign_in(phone, personas.member)
    response = laptop.post(reverse("accounts:quick_exit"))
    assert response.status_code == 302 and response.url == reverse("accounts:blank")
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    assert laptop.get(HOME).status_code == 302
    assert phone.get(HOME).status_code == 302
    assert last("logout").summary == "quick exit"
    blank = laptop.get(response.url).content.decode()
    assert "Haven" not in blank


def test_quick_exit_leads_where_the_setting_says(db, settings):
    settings.HAVEN_QUICK_EXIT_URL = "https://weather.example.org/"
    response = Client().post(reverse("accounts:quick_exit"))
    assert response.status_code == 302 and response.url == "https://weather.example.org/"


def test_every_page_has_the_quick_exit_button(personas):
    client = Client()
    sign_in(client, personas.member)
    for url in (HOME, reverse("accounts:account"), LOGIN):
        page = client.get(url, follow=True).content.decode()
        assert reverse("accounts:quick_exit") in page, url


def test_the_last_administrator_with_a_key_stays_during_lockdown(admins):
    first, second = admins
    key = add_key(first, SoftKey())
    actions.start_lockdown(by=first)
    with pytest.raises(actions.LastKeyError):
        actions.reset_second_factor(first, by=second)
    with pytest.raises(actions.LastKeyError):
        actions.disable_user(first, by=second)
    first.refresh_from_db()
    assert first.is_active and SecurityKey.objects.filter(pk=key.pk).exists()
    # Another administrator's account is not the last way in.
    actions.reset_second_factor(second, by=first)
