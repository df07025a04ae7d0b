"""English and Russian: the switch works for everyone and is remembered per user."""

from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import AuditEntry


def test_anonymous_switch_sets_cookie_and_translates_login(client, db):
    response = client.post(
        reverse("accounts:language"), {"language": "ru", "next": "/accounts/login/"}
    )
    assert response.status_code == 302
    page = client.get(reverse("accounts:login"))
    assert page["Content-Language"] == "ru"
    assert "Войти в Haven" in page.content.decode()


def test_browser_preference_is_honoured(client, db):
    page = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")
    assert "Войти в Haven" in page.content.decode()


def test_choice_is_remembered_on_the_account(personas):
    first = Client()
    sign_in(first, personas.member)
    first.post(reverse("accounts:language"), {"language": "ru", "next": "/"})
    personas.member.refresh_from_db()
    assert personas.member.language == "ru"
    assert AuditEntry.objects.filter(action="user.language_changed").exists()
    # Another browser, with an English preference, still gets Russian.
    other = Client(HTTP_ACCEPT_LANGUAGE="en")
    sign_in(other, personas.member)
    page = other.get(reverse("web:home"))
    assert "Панель" in page.content.decode()


def test_unknown_language_is_ignored(client, personas):
    sign_in(client, personas.member)
    response = client.post(reverse("accounts:language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    personas.member.refresh_from_db()
    assert personas.member.language == ""


def test_dates_and_numbers_are_localised(client, personas):
    import datetime

    from django.utils import formats, translation

    day = datetime.date(2020, 4, 1)
    with translation.override("ru"):
        assert "апреля" in formats.date_format(day, "DATE_FORMAT")
        assert formats.number_format(1234.5, 1, use_l10n=True, force_grouping=True) == "1\xa0234,5"
    with translation.override("en"):
        assert "April" in formats.date_format(day, "DATE_FORMAT")
