"""Security keys (WebAuthn) as a second factor: enrolment, sign-in, refusals, the policy.

The answers come from a key in software (soft_key.py) that signs as a real one does, so
the server's checks run for real: the challenge used once, the origin, the relying
party, the key's owner.
"""

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, add_totp, sign_in, totp_code
from haven.accounts.models import Authenticator, Role, SecurityKey
from haven.accounts.tests.factories import UserFactory
from haven.accounts.tests.soft_key import SoftKey, add_key
from haven.audit.models import AuditEntry

HOME = reverse("web:home")
REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")


def post_json(client, url, data=None):
    return client.post(url, json.dumps(data or {}), content_type="application/json")


def enrol(client, soft):
    options = post_json(client, REGISTER_BEGIN).json()
    return post_json(client, REGISTER_COMPLETE, soft.register(options))


def password_step(user) -> Client:
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, "the password step should pass"
    return client


def key_step(client, soft, **how):
    options = post_json(client, AUTH_BEGIN).json()
    return post_json(client, AUTH_COMPLETE, soft.sign(options, **how))


def last(action):
    return AuditEntry.objects.filter(action=action).order_by("-seq").first()


@pytest.fixture
def user(db):
    user = UserFactory(email="amina@example.org")
    add_totp(user)
    return user


def test_a_verified_user_adds_keys_and_names_them(user):
    client = Client()
    sign_in(client, user)
    first, second = SoftKey(), SoftKey()
    assert enrol(client, first).status_code == 200
    assert enrol(client, second).status_code == 200
    keys = list(SecurityKey.objects.filter(user=user).order_by("created_at"))
    assert [key.name for key in keys] == ["Security key 1", "Security key 2"]
    assert AuditEntry.objects.filter(action="webauthn.enrolled").count() == 2
    page = client.get(reverse("accounts:keys")).content.decode()
    assert "Security key 1" in page and "Security key 2" in page
    response = client.post(reverse("accounts:key_rename", args=[keys[0].uuid]), {"name": "Blue"})
    assert response.status_code == 302
    keys[0].refresh_from_db()
    assert keys[0].name == "Blue" and last("webauthn.renamed") is not None


def test_adding_a_key_needs_a_verified_session(user):
    client = password_step(user)  # password only: the second factor still to come
    response = post_json(client, REGISTER_BEGIN)
    assert response.status_code == 302 and response.url == reverse("accounts:second_factor")
    assert not SecurityKey.objects.exists()


def test_sign_in_with_a_key_as_the_second_factor(user):
    soft = SoftKey()
    add_key(user, soft)
    client = password_step(user)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert 'id="passkey-verification-placeholder"' in page
    assert "otp_webauthn_config" in page
    assert client.get(HOME).status_code == 302  # not verified yet
    response = key_step(client, soft)
    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == HOME
    assert client.get(HOME).status_code == 200
    assert last("webauthn.verified").object_id == str(user.uuid)


def test_sign_in_with_a_key_goes_on_to_the_page_asked_for(user):
    soft = SoftKey()
    add_key(user, soft)
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"email": user.email, "password": PASSWORD, "next": reverse("accounts:keys")},
    )
    assert key_step(client, soft).json()["redirect_url"] == reverse("accounts:keys")


def test_a_replayed_answer_is_refused_and_audited(user):
    soft = SoftKey()
    add_key(user, soft)
    client = password_step(user)
    options = post_json(client, AUTH_BEGIN).json()
    answer = soft.sign(options)
    assert post_json(client, AUTH_COMPLETE, answer).status_code == 200
    # Sent again in the same session: the challenge was used up.
    client = password_step(user)
    again = post_json(client, AUTH_COMPLETE, answer)
    assert again.status_code == 400 and again.json()["code"] == "invalid_state"
    # Sent again against a fresh challenge: it was signed over another one.
    post_json(client, AUTH_BEGIN)
    replay = post_json(client, AUTH_COMPLETE, answer)
    assert replay.status_code == 422
    assert client.get(HOME).status_code == 302
    refusals = AuditEntry.objects.filter(action="webauthn.refused")
    assert [entry.summary for entry in refusals.order_by("seq")] == [
        "invalid_state",
        "invalid_authentication_response",
    ]


def test_an_answer_for_another_origin_is_refused_and_audited(user):
    soft = SoftKey()
    add_key(user, soft)
    client = password_step(user)
    response = key_step(client, soft, origin="https://haven.example.net")
    assert response.status_code == 422
    assert client.get(HOME).status_code == 302
    assert last("webauthn.refused").summary == "invalid_authentication_response"


def test_an_answer_for_another_relying_party_is_refused(user):
    soft = SoftKey()
    add_key(user, soft)
    client = password_step(user)
    assert key_step(client, soft, rp_id="haven.example.net").status_code == 422
    assert client.get(HOME).status_code == 302


def test_another_users_key_is_refused_and_audited(user):
    other = UserFactory(email="other@example.org")
    others_key = SoftKey()
    add_key(other, others_key)
    add_key(user, SoftKey())
    client = password_step(user)
    response = key_step(client, others_key)
    assert response.status_code == 403
    assert response.json()["code"] == "credential_user_mismatch"
    assert client.get(HOME).status_code == 302
    assert last("webauthn.refused").summary == "credential_user_mismatch"


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"id": 5}',
        '{"id": "x", "rawId": "x", "response": []}',
        "[" * 100_000 + "]" * 100_000,
        b'{"id": "\xff\xfe"}',
    ],
)
def test_a_malformed_answer_is_a_clear_refusal_not_an_error(user, body):
    add_key(user, SoftKey())
    client = password_step(user)
    post_json(client, AUTH_BEGIN)
    response = client.post(AUTH_COMPLETE, body, content_type="application/json")
    assert response.status_code in (400, 404, 422)
    assert "detail" in response.json()
    assert last("webauthn.refused") is not None
    assert client.get(HOME).status_code == 302


def test_an_administrator_with_a_key_must_use_it(db):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    device = add_totp(admin)
    add_key(admin, SoftKey())
    client = password_step(admin)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "Six-digit code" not in page
    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(device)})
    assert response.status_code == 403
    assert client.get(HOME).status_code == 302
    assert last("otp.refused").summary == "a security key is required"
    recovery = client.post(reverse("accounts:second_factor"), {"recovery_code": "AAAA"})
    assert recovery.status_code == 403


def test_an_administrator_without_a_key_still_uses_codes(db):
    admin = UserFactory(role=Role.ADMINISTRATOR)
    device = add_totp(admin)
    client = password_step(admin)
    response = client.post(reverse("accounts:second_factor"), {"code": totp_code(device)})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200


def test_the_required_roles_are_a_setting(user, settings):
    add_key(user, SoftKey())
    device = Authenticator.objects.get(user=user)
    settings.HAVEN_KEY_REQUIRED_ROLES = [Role.CASEWORKER]
    client = password_step(user)
    assert (
        client.post(reverse("accounts:second_factor"), {"code": totp_code(device)}).status_code
        == 403
    )
    settings.HAVEN_KEY_REQUIRED_ROLES = ["administrator"]
    client = password_step(user)
    assert (
        client.post(reverse("accounts:second_factor"), {"code": totp_code(device, 1)}).status_code
        == 302
    )


def test_removing_a_key_is_audited_and_it_no_longer_signs_in(user):
    soft = SoftKey()
    key = add_key(user, soft)
    client = Client()
    sign_in(client, user)
    response = client.post(reverse("accounts:key_remove", args=[key.uuid]))
    assert response.status_code == 302
    assert not SecurityKey.objects.filter(pk=key.pk).exists()
    assert last("webauthn.removed").summary == f"key {key.uuid}"
    client = password_step(user)
    assert key_step(client, soft).status_code in (400, 404)


def test_another_users_key_cannot_be_renamed_or_removed(user):
    other = UserFactory()
    key = add_key(other, SoftKey())
    client = Client()
    sign_in(client, user)
    assert client.post(reverse("accounts:key_remove", args=[key.uuid])).status_code == 404
    rename = client.post(reverse("accounts:key_rename", args=[key.uuid]), {"name": "Mine"})
    assert rename.status_code == 404
    key.refresh_from_db()
    assert key.name == "Blue key"


def test_an_empty_name_is_refused_and_nothing_changes(user):
    key = add_key(user, SoftKey())
    client = Client()
    sign_in(client, user)
    client.post(reverse("accounts:key_rename", args=[key.uuid]), {"name": "  "})
    key.refresh_from_db()
    assert key.name == "Blue key"


def test_resetting_the_second_factor_removes_the_keys(user):
    from haven.accounts.actions import reset_second_factor

    add_key(user, SoftKey())
    reset_second_factor(user)
    assert not SecurityKey.objects.filter(user=user).exists()


def test_the_key_scripts_come_from_havens_own_origin(user, client):
    """The strict CSP (script-src 'self') holds: the library's scripts are static files
    and a catalogue served by Haven, its settings a JSON block that is not run."""
    add_key(user, SoftKey())
    client = password_step(user)
    response = client.get(reverse("accounts:second_factor"))
    page = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<script id="otp_webauthn_config" type="application/json">' in page
    assert "/static/django_otp_webauthn/otp_webauthn_auth.js" in page
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog"))
    assert catalog.status_code == 200 and "javascript" in catalog["Content-Type"]


def test_unknown_roles_in_the_key_setting_stop_the_start(settings):
    from django.apps import apps

    from haven.lib.env import ConfigError

    settings.HAVEN_KEY_REQUIRED_ROLES = ["administrator", "janitor"]
    with pytest.raises(ConfigError, match="janitor"):
        apps.get_app_config("accounts").ready()


def test_the_key_scripts_speak_russian(db):
    script = (
        Client()
        .get(reverse("otp_webauthn:js-i18n-catalog"), HTTP_ACCEPT_LANGUAGE="ru")
        .content.decode()
    )
    # The catalog spells Cyrillic as \uXXXX escapes.
    catalog = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), script)
    assert "Проверяем" in catalog and "Ключ добавлен" in catalog
