"""Sessions end on idle, at the absolute limit, at logout and at a password change."""

import time

from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, sign_in
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.audit.models import AuditEntry

HOME = reverse("web:home")


def _age_session(client, **shift):
    session = client.session
    for key, seconds in shift.items():
        session[key] = session[key] - seconds
    session.save()


def test_idle_session_expires(client, personas, settings):
    sign_in(client, personas.member)
    _age_session(client, haven_seen_at=settings.HAVEN_SESSION_IDLE_SECONDS + 5)
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.summary) == ("session.expired", "idle")
    follow = client.get(response.url)
    assert "Your session has expired" in follow.content.decode()


def test_active_session_outlives_idle_limit_but_not_the_absolute_one(client, personas, settings):
    sign_in(client, personas.member)
    _age_session(
        client,
        haven_login_at=settings.HAVEN_SESSION_MAX_SECONDS - 60,
        haven_seen_at=settings.HAVEN_SESSION_IDLE_SECONDS - 60,
    )
    assert client.get(HOME).status_code == 200
    session = client.session
    assert time.time() - session[SEEN_AT] < 5  # the idle clock was reset
    _age_session(client, haven_login_at=120)
    assert client.get(HOME).status_code == 302
    assert AuditEntry.objects.order_by("-seq").first().summary == "maximum"


def test_timeouts_are_configurable(client, personas, settings):
    settings.HAVEN_SESSION_IDLE_SECONDS = 60
    sign_in(client, personas.member)
    _age_session(client, haven_seen_at=61)
    assert client.get(HOME).status_code == 302


def test_logout_ends_every_session_of_the_user(personas):
    laptop, phone = Client(), Client()
    sign_in(laptop, personas.member)
    sign_in(phone, personas.member)
    assert phone.get(HOME).status_code == 200
    response = laptop.post(reverse("accounts:logout"))
    assert response.url == reverse("accounts:login")
    assert laptop.get(HOME).status_code == 302
    assert phone.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="logout").count() == 1


def test_logout_needs_post(client, personas):
    sign_in(client, personas.member)
    assert client.get(reverse("accounts:logout")).status_code == 405


def test_password_change_ends_other_sessions_but_keeps_this_one(personas):
    here, elsewhere = Client(), Client()
    sign_in(here, personas.member)
    sign_in(elsewhere, personas.member)
    response = here.post(
        reverse("accounts:password"),
        {
            "current_password": PASSWORD,
            "new_password": "another long passphrase 7",
            "new_password_again": "another long passphrase 7",
        },
    )
    assert response.status_code == 302
    assert here.get(HOME).status_code == 200
    assert elsewhere.get(HOME).status_code == 302
    assert AuditEntry.objects.filter(action="password.changed").count() == 1


def test_weak_passwords_are_refused_with_reasons(client, personas):
    sign_in(client, personas.member)
    url = reverse("accounts:password")
    for weak, reason in [
        ("short pw 1", "at least 12 characters"),
        ("password1234", "too common"),
    ]:
        response = client.post(
            url,
            {"current_password": PASSWORD, "new_password": weak, "new_password_again": weak},
        )
        assert response.status_code == 400
        assert reason in response.content.decode()
    response = client.post(
        url,
        {
            "current_password": "not my password",
            "new_password": "another long passphrase 7",
            "new_password_again": "another long passphrase 7",
        },
    )
    assert "current password is not correct" in response.content.decode()
    personas.member.refresh_from_db()
    assert personas.member.check_password(PASSWORD)


def test_login_stamps_session_times(client, personas):
    client.post(reverse("accounts:login"), {"email": personas.member.email, "password": PASSWORD})
    assert abs(client.session[LOGIN_AT] - time.time()) < 5
