"""Sign-in: password, second factor (enrolment, codes used once, recovery), throttling."""

import re

import pytest
from django.urls import reverse

from conftest import PASSWORD, add_totp, totp_code
from haven.accounts.models import Authenticator, RecoveryDevice, Role
from haven.accounts.tests.factories import UserFactory
from haven.audit.models import AuditEntry

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:second_factor")
ENROLL = reverse("accounts:enroll")
HOME = reverse("web:home")


def actions_logged():
    return list(AuditEntry.objects.order_by("seq").values_list("action", flat=True))


def password_step(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"email": email, "password": password}, **extra)


@pytest.fixture
def user(db):
    return UserFactory(email="anna@example.org")


@pytest.fixture
def enrolled(user):
    add_totp(user)
    return user


def test_login_page_renders(client, db):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="email"' in response.content
    assert b'name="password"' in response.content


def test_first_login_enrols_totp_and_issues_ten_recovery_codes(client, user):
    response = password_step(client, user.email)
    assert response.status_code == 302
    assert response.url == VERIFY
    assert client.get(VERIFY).url == ENROLL
    page = client.get(ENROLL)
    assert page.status_code == 200
    assert b"<svg" in page.content  # the QR code
    device = Authenticator.objects.get(user=user, confirmed=False)
    response = client.post(ENROLL, {"code": totp_code(device)})
    assert response.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9-]{19})</code>", response.content.decode())
    assert len(codes) == 10
    assert len(set(codes)) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(HOME).status_code == 200
    assert "otp.enrolled" in actions_logged()
    # Only hashes are stored.
    stored = set(RecoveryDevice.objects.get(user=user).codes.values_list("code_hash", flat=True))
    assert not stored & set(codes)


def test_enrolment_rejects_wrong_code_and_keeps_the_same_secret(client, user):
    password_step(client, user.email)
    first = client.get(ENROLL).context["secret"]
    response = client.post(ENROLL, {"code": "000000"})
    assert response.status_code == 400
    assert "does not match" in response.content.decode()
    assert client.get(ENROLL).context["secret"] == first
    assert not Authenticator.objects.filter(user=user, confirmed=True).exists()


def test_login_with_totp_code(client, enrolled):
    password_step(client, enrolled.email)
    assert client.get(HOME).url == VERIFY  # password alone opens nothing
    device = Authenticator.objects.get(user=enrolled)
    response = client.post(VERIFY, {"code": totp_code(device)})
    assert response.status_code == 302
    assert response.url == HOME
    assert client.get(HOME).status_code == 200
    assert actions_logged()[-2:] == ["login.password_accepted", "otp.verified"]


def test_a_code_is_accepted_only_once(client, enrolled):
    device = Authenticator.objects.get(user=enrolled)
    code = totp_code(device)
    password_step(client, enrolled.email)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    password_step(client, enrolled.email)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code in (400, 429)
    assert client.get(HOME).status_code == 302
    assert actions_logged()[-1] in {"otp.failed", "otp.throttled"}


def test_wrong_code_gets_clear_message_and_audit(client, enrolled):
    password_step(client, enrolled.email)
    response = client.post(VERIFY, {"code": "12345"})
    assert response.status_code == 400
    assert "six digits" in response.content.decode()
    device = Authenticator.objects.get(user=enrolled)
    wrong = f"{(int(totp_code(device)) + 1) % 1000000:06d}"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 400
    assert "wrong, expired or was already used" in response.content.decode()
    assert actions_logged()[-1] == "otp.failed"


def test_repeated_wrong_codes_are_throttled(client, enrolled, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60  # long enough that a slow machine cannot outwait it
    password_step(client, enrolled.email)
    client.post(VERIFY, {"code": "000000"})
    device = Authenticator.objects.get(user=enrolled)
    # Right after a failure the device refuses even the right code for a moment.
    response = client.post(VERIFY, {"code": totp_code(device)})
    assert response.status_code == 429
    assert actions_logged()[-1] == "otp.throttled"


def test_recovery_code_signs_in_once(client, user):
    from django.test import RequestFactory

    from haven.accounts.actions import confirm_enrolment, unconfirmed_totp_device

    request = RequestFactory().post("/")
    request.user = user
    codes = confirm_enrolment(user, unconfirmed_totp_device(user), request=request)
    password_step(client, user.email)
    response = client.post(VERIFY, {"recovery_code": codes[0].lower()})
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))
    password_step(client, user.email)
    response = client.post(VERIFY, {"recovery_code": codes[0]})
    assert response.status_code == 400
    assert "not valid or was already used" in response.content.decode()
    assert RecoveryDevice.objects.get(user=user).remaining() == 9


def test_unknown_user_and_wrong_password_look_the_same(client, user, settings, monkeypatch):
    from django.contrib.auth.hashers import MD5PasswordHasher

    # Both paths must run the hash function once: set_password for an unknown
    # account, check_password (which re-encodes) for a known one.
    calls = []
    real_encode = MD5PasswordHasher.encode

    def encode(self, *args, **kwargs):
        calls.append("hash")
        return real_encode(self, *args, **kwargs)

    monkeypatch.setattr(MD5PasswordHasher, "encode", encode)
    unknown = password_step(client, "nobody@example.org", "whatever password")
    unknown_calls, calls[:] = list(calls), []
    wrong = password_step(client, user.email, "whatever password")
    assert unknown.status_code == wrong.status_code == 400
    assert unknown_calls == calls == ["hash"]  # the same hashing work on both paths

    def message(response):
        return re.search(
            r'<ul class="errorlist nonfield">.*?</ul>', response.content.decode()
        ).group()

    assert message(unknown) == message(wrong)
    assert actions_logged()[-2:] == ["login.failed", "login.failed"]


def test_disabled_account_cannot_sign_in(client, enrolled):
    enrolled.is_active = False
    enrolled.save()
    response = password_step(client, enrolled.email)
    assert response.status_code == 400
    assert "not correct" in response.content.decode()


def test_ten_failures_back_off_only_the_attacking_address(client, enrolled, settings):
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    for _ in range(settings.HAVEN_LOGIN_FAILURES_BEFORE_BACKOFF):
        assert (
            password_step(client, enrolled.email, "guess guess guess", **attacker).status_code
            == 400
        )
    response = password_step(client, enrolled.email, PASSWORD, **attacker)
    assert response.status_code == 429
    assert "Too many failed attempts" in response.content.decode()
    assert actions_logged()[-1] == "login.throttled"
    # The owner, elsewhere, signs in as usual.
    owner = password_step(client, enrolled.email, PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert owner.status_code == 302


def test_one_address_guessing_many_accounts_is_throttled(client, db, settings):
    settings.HAVEN_ADDRESS_FAILURES_BEFORE_BACKOFF = 5
    for n in range(5):
        password_step(client, f"victim{n}@example.org", "guess", REMOTE_ADDR="203.0.113.10")
    response = password_step(client, "victim99@example.org", "guess", REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 429


def test_session_key_rotates_at_login(client, enrolled):
    client.get(LOGIN)
    session = client.session
    session["marker"] = 1
    session.save()
    before = session.session_key
    password_step(client, enrolled.email)
    assert client.session.session_key != before


def test_next_is_kept_through_the_second_factor(client, enrolled):
    response = client.get(reverse("audit:log"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN + "?next=")
    client.post(
        LOGIN + "?next=/audit/", {"email": enrolled.email, "password": PASSWORD, "next": "/audit/"}
    )
    device = Authenticator.objects.get(user=enrolled)
    assert client.post(VERIFY, {"code": totp_code(device)}).url == "/audit/"


def test_open_redirect_is_refused(client, enrolled):
    client.post(
        LOGIN, {"email": enrolled.email, "password": PASSWORD, "next": "https://evil.example/"}
    )
    device = Authenticator.objects.get(user=enrolled)
    assert client.post(VERIFY, {"code": totp_code(device)}).url == HOME


def test_one_time_password_must_be_changed_after_second_factor(client, db):
    from haven.accounts.actions import create_user

    user, password = create_user(email="new@example.org", role=Role.LAWYER)
    password_step(client, user.email, password)
    device = Authenticator.objects.create(user=user, confirmed=True)
    response = client.post(VERIFY, {"code": totp_code(device)})
    assert response.url == reverse("accounts:password")
    assert client.get(HOME).url == reverse("accounts:password")
    response = client.post(
        reverse("accounts:password"),
        {
            "current_password": password,
            "new_password": "a much longer passphrase 42",
            "new_password_again": "a much longer passphrase 42",
        },
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password
    assert user.check_password("a much longer passphrase 42")


def test_malformed_login_post_is_a_clear_400(client, db):
    response = client.post(LOGIN, {"email": "not an e-mail", "password": ""})
    assert response.status_code == 400
    assert "valid email" in response.content.decode().lower()


def test_old_failures_are_forgotten(client, enrolled, settings):
    from datetime import timedelta

    from django.utils import timezone

    from haven.accounts.models import LoginThrottle

    settings.HAVEN_ADDRESS_FAILURES_BEFORE_BACKOFF = 3
    for n in range(2):
        password_step(client, f"someone{n}@example.org", "guess", REMOTE_ADDR="203.0.113.20")
    LoginThrottle.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    password_step(client, "someone9@example.org", "guess", REMOTE_ADDR="203.0.113.20")
    assert (
        password_step(client, enrolled.email, PASSWORD, REMOTE_ADDR="203.0.113.20").status_code
        == 302
    )


def test_client_address_behind_a_proxy(client, db, settings):
    settings.HAVEN_CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    password_step(
        client,
        "nobody@example.org",
        "x",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.9",
    )
    assert AuditEntry.objects.order_by("-seq").first().ip == "198.51.100.9"
