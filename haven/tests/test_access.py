"""Deny by default: every route needs a password and a second factor.

What each persona gets on each route is the table in ``test_routes.py``.
"""

import time

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.decorators import OPEN, SECOND_FACTOR
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.tests.factories import UserFactory
from haven.tests.routes import all_routes

# Quick exit works from any page, signed in or not, and leads to a blank page; the key
# scripts' messages are read on the second-factor page.
OPEN_ROUTES = {
    "accounts:login",
    "accounts:language",
    "accounts:logout",
    "accounts:quick_exit",
    "accounts:blank",
    "otp_webauthn:js-i18n-catalog",
    # The public request page: for people who have no account (haven/intake).
    "intake_public:form",
    "intake_public:receipt",
    "intake_public:message",
}
SECOND_FACTOR_ROUTES = {
    "accounts:second_factor",
    "accounts:enroll",
    "otp_webauthn:credential-authentication-begin",
    "otp_webauthn:credential-authentication-complete",
}
# The API checks its callers itself (a token, or a session with its second factor) and
# answers 401 with problem details, never a redirect; its unknown paths answer 404.
API_PAGES = {"api:docs"}
API_NOT_FOUND = "api:not_found"


def is_api(route) -> bool:
    return route.name.startswith("api:") and route.name not in API_PAGES


@pytest.mark.parametrize("route", all_routes(), ids=lambda r: r.name)
def test_every_route_requires_password_and_second_factor(route, db):
    """Anonymous requests are sent to sign-in; a password alone is not enough."""
    access = getattr(route.view, "haven_access", None)
    if route.name in OPEN_ROUTES:
        assert access == OPEN
        return
    if is_api(route):
        assert access == OPEN, f"{route.name} must authenticate its callers itself"
        _check_api_route(route)
        return
    assert access != OPEN, f"{route.name} is open without being listed as open"
    anonymous = Client().get(route.url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("accounts:login"))
    half = Client()
    user = UserFactory()
    half.force_login(user)  # password accepted, no second factor yet
    session = half.session
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.save()
    response = half.get(route.url)
    if route.name in SECOND_FACTOR_ROUTES:
        assert access == SECOND_FACTOR
        # The key ceremonies take POSTs only (JSON): a GET reaches them and is refused.
        post_only = route.name.startswith("otp_webauthn:")
        assert response.status_code in ((405,) if post_only else (200, 302))
    else:
        assert response.status_code == 302
        assert response.url == reverse("accounts:second_factor")


def test_an_unknown_page_is_404(client, personas):
    sign_in(client, personas.member)
    assert client.get("/nothing/").status_code == 404


def _check_api_route(route) -> None:
    """An API route refuses anyone without a token or a verified session: 401 (or the
    404 of a path that is none), with problem details, for GET and POST alike."""
    half = Client()
    half.force_login(UserFactory())  # password accepted, no second factor yet
    session = half.session
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.save()
    expected = 404 if route.name == API_NOT_FOUND else 401
    for client in (Client(), half):
        for method in ("get", "post"):
            response = getattr(client, method)(route.url)
            assert response.status_code == expected, (route.name, method, response.status_code)
            assert response["Content-Type"].startswith("application/problem+json")
