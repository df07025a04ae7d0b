"""Security keys and lockdown in a real browser, with Chromium's virtual authenticator.

The DevTools protocol's WebAuthn domain gives each browser context a key that answers
``navigator.credentials`` as a real one does (user present and verified), so the library's
own scripts, the strict CSP and the server's checks all run for real.
"""

import base64

from cryptography.hazmat.primitives import serialization

from conftest import PASSWORD, add_totp
from haven.accounts.models import Lockdown, Role, SecurityKey
from haven.accounts.tests.factories import UserFactory
from haven.accounts.tests.soft_key import SoftKey, add_key
from haven.tests.browser.conftest import sign_in_through_page

NOTICE = "This service is not available at the moment"


def virtual_key(page, soft: SoftKey | None = None):
    """A platform authenticator for this tab; holding ``soft``'s key if given."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]
    if soft is not None:
        pkcs8 = soft.private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        cdp.send(
            "WebAuthn.addCredential",
            {
                "authenticatorId": authenticator,
                "credential": {
                    "credentialId": base64.b64encode(soft.credential_id).decode(),
                    "isResidentCredential": False,
                    "rpId": "localhost",
                    "privateKey": base64.b64encode(pkcs8).decode(),
                    "signCount": 0,
                },
            },
        )
    return cdp


def password_step(page, user):
    page.goto("/accounts/login/")
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def key_step(page):
    page.wait_for_url("**/accounts/verify/")
    page.get_by_role("button", name="Use security key").click()
    page.wait_for_url(lambda url: "/accounts/verify/" not in url)


def test_add_a_key_and_sign_in_with_it(page, shoot, transactional_db):
    admin = UserFactory(email="asya@example.org", role=Role.ADMINISTRATOR)
    device = add_totp(admin)
    # The library's scripts run under Haven's strict CSP: the browser reports no violation.
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    virtual_key(page)
    sign_in_through_page(page, admin, device)
    page.goto("/accounts/keys/")
    shoot(page, "1-no-keys")
    page.get_by_role("button", name="Add a security key").click()
    page.get_by_test_id("security-key").first.wait_for()
    assert SecurityKey.objects.filter(user=admin).count() == 1
    page.get_by_label("New name").fill("Laptop passkey")
    page.get_by_role("button", name="Rename").click()
    assert page.get_by_test_id("security-key").first.inner_text().startswith("Laptop passkey")
    shoot(page, "2-one-key")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/accounts/login/")
    # An administrator with a key: the key, and no code field.
    password_step(page, admin)
    page.wait_for_url("**/accounts/verify/")
    assert page.get_by_label("Six-digit code from your authenticator app").count() == 0
    shoot(page, "3-verify-with-key")
    key_step(page)
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert SecurityKey.objects.get(user=admin).last_used_at is not None
    assert violations == []


def test_lockdown_and_lifting_it(browser, live_server, page, shoot, transactional_db):
    first = UserFactory(email="first@example.org", role=Role.ADMINISTRATOR)
    second = UserFactory(email="second@example.org", role=Role.ADMINISTRATOR)
    member = UserFactory(email="member@example.org", role=Role.CASEWORKER)
    for user in (first, second):
        add_totp(user)
    member_device = add_totp(member)
    first_key, second_key = SoftKey(), SoftKey()
    add_key(first, first_key)
    add_key(second, second_key)

    # The first administrator signs in with her key and locks Haven down.
    virtual_key(page, first_key)
    password_step(page, first)
    key_step(page)
    page.goto("/admin/lockdown/")
    shoot(page, "1-lockdown-page")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Lock down now").click()
    page.wait_for_url("**/accounts/login/")
    assert NOTICE in page.get_by_test_id("notice").inner_text()
    shoot(page, "2-signed-out-with-notice")
    assert Lockdown.objects.in_force() is not None

    # A caseworker's right password gets the notice and no session.
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    member_page = other.new_page()
    password_step(member_page, member)
    assert NOTICE in member_page.locator(".errorlist").inner_text()
    assert "/accounts/login/" in member_page.url
    assert member_device  # the code step is never reached
    shoot(member_page, "3-member-refused")

    # The administrator is back in with her key; exports are refused.
    password_step(page, first)
    key_step(page)
    assert page.get_by_test_id("lockdown-banner").is_visible()
    shoot(page, "4-banner")
    response = page.goto("/export/people/")
    assert response.status == 503
    assert NOTICE in page.content()
    page.goto("/admin/lockdown/")
    page.get_by_role("button", name="Propose to lift the lockdown").click()
    assert page.get_by_role("button", name="Confirm: lift the lockdown").is_disabled()
    shoot(page, "5-proposed")

    # The second administrator confirms; the lockdown is lifted.
    third = browser.new_context(base_url=live_server.url, locale="en-GB")
    second_page = third.new_page()
    second_page.set_default_timeout(15000)
    virtual_key(second_page, second_key)
    password_step(second_page, second)
    key_step(second_page)
    second_page.goto("/admin/lockdown/")
    second_page.get_by_role("button", name="Confirm: lift the lockdown").click()
    assert second_page.get_by_text("The lockdown is lifted.").is_visible()
    shoot(second_page, "6-lifted")
    assert Lockdown.objects.in_force() is None

    # Quick exit: the page goes, the session too.
    second_page.get_by_role("button", name="Quick exit").click()
    second_page.wait_for_url("**/accounts/blank/")
    assert "Haven" not in second_page.content()
    second_page.goto("/")
    assert "/accounts/login/" in second_page.url
    other.close()
    third.close()


def test_two_members_of_the_lockdown_team_lock_down(
    browser, live_server, page, shoot, transactional_db, settings
):
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import TeamFactory
    from haven.tests.browser.conftest import sign_in_through_page

    settings.HAVEN_LOCKDOWN_TEAM = "Security"
    team = TeamFactory(name="Security")
    admin = UserFactory(email="chief@example.org", role=Role.ADMINISTRATOR)
    add_key(admin, SoftKey())
    first = UserFactory(email="zarema@example.org", full_name="Zarema")
    second = UserFactory(email="timur@example.org", full_name="Timur")
    devices = {}
    for user in (first, second):
        Membership.objects.create(team=team, user=user, access=Membership.Access.MEMBER)
        devices[user.pk] = add_totp(user)

    # The first member proposes, from her account page.
    sign_in_through_page(page, first, devices[first.pk])
    page.goto("/accounts/")
    page.get_by_role("link", name="Lockdown (with a second member of the lockdown team)").click()
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Propose a lockdown").click()
    assert page.get_by_test_id("lockdown-proposal").is_visible()
    assert page.get_by_role("button", name="Confirm: lock down now").count() == 0
    shoot(page, "1-proposed")

    # The second member confirms: every session ends, his and hers.
    other = browser.new_context(base_url=live_server.url, locale="en-GB")
    second_page = other.new_page()
    sign_in_through_page(second_page, second, devices[second.pk])
    second_page.goto("/accounts/lockdown/")
    assert (
        "Zarema proposed a lockdown" in second_page.get_by_test_id("lockdown-proposal").inner_text()
    )
    shoot(second_page, "2-to-confirm")
    second_page.get_by_label("I confirm").check()
    second_page.get_by_role("button", name="Confirm: lock down now").click()
    second_page.wait_for_url("**/accounts/login/")
    assert NOTICE in second_page.get_by_test_id("notice").inner_text()
    shoot(second_page, "3-locked-down")
    assert Lockdown.objects.in_force().started_by == second
    page.goto("/")
    assert "/accounts/login/" in page.url
    other.close()
