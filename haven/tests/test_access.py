"""Every route, every persona: deny by default, administrators' pages, modules."""

import re
import time
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.decorators import OPEN, SECOND_FACTOR
from haven.accounts.middleware import LOGIN_AT, SEEN_AT
from haven.accounts.tests.factories import UserFactory
from haven.tests.access import check_access
from haven.tests.routes import all_routes

EVERYONE_OK = {"administrator": 200, "member": 200, "read_only": 200, "outsider": 200}
ADMIN_ONLY = {"administrator": 200, "member": 403, "read_only": 403, "outsider": 403}
OPEN_ROUTES = {"accounts:login", "accounts:language", "accounts:logout"}
SECOND_FACTOR_ROUTES = {"accounts:second_factor", "accounts:enroll"}


@pytest.mark.parametrize("route", all_routes(), ids=lambda r: r.name)
def test_every_route_requires_password_and_second_factor(route, db):
    """Anonymous requests are sent to sign-in; a password alone is not enough."""
    access = getattr(route.view, "haven_access", None)
    if route.name in OPEN_ROUTES:
        assert access == OPEN
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
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 302
        assert response.url == reverse("accounts:second_factor")


@pytest.mark.parametrize(
    "name,kwargs,expected",
    [
        ("web:home", {}, EVERYONE_OK),
        ("web:module", {"module": "cases"}, EVERYONE_OK),
        ("accounts:account", {}, EVERYONE_OK),
        ("accounts:password", {}, EVERYONE_OK),
        ("admin:users", {}, ADMIN_ONLY),
        ("admin:teams", {}, ADMIN_ONLY),
        ("audit:log", {}, ADMIN_ONLY),
    ],
)
def test_pages_by_persona(personas, name, kwargs, expected):
    check_access(personas, name, reverse(name, kwargs=kwargs), expected)


def test_unknown_module_is_404(client, personas):
    sign_in(client, personas.member)
    assert client.get(reverse("web:module", kwargs={"module": "nothing"})).status_code == 404


def test_team_page_by_persona(personas):
    url = reverse("admin:team", kwargs={"uuid": personas.team.uuid})
    check_access(personas, "admin:team", url, ADMIN_ONLY)


def test_post_only_routes_by_persona(personas):
    other = UserFactory()
    for name in ("admin:user_disable", "admin:user_reset_2fa"):
        url = reverse(name, kwargs={"uuid": other.uuid})
        check_access(personas, name, url, {**ADMIN_ONLY, "administrator": 405})
        check_access(
            personas, name, url, {"member": 403, "read_only": 403, "outsider": 403}, method="post"
        )
    url = reverse("admin:member_remove", kwargs={"uuid": personas.team.uuid, "user": other.uuid})
    check_access(personas, "admin:member_remove", url, {**ADMIN_ONLY, "administrator": 405})
    check_access(
        personas,
        "accounts:recovery_codes",
        reverse("accounts:recovery_codes"),
        {"member": 405, "read_only": 405, "outsider": 405, "administrator": 405},
    )
    check_access(
        personas,
        "accounts:finish_setup",
        reverse("accounts:finish_setup"),
        {"member": 302, "read_only": 302},
    )


def test_sign_in_routes_by_persona(personas):
    check_access(
        personas, "accounts:login", reverse("accounts:login"), {"anonymous": 200, "member": 302}
    )
    check_access(
        personas, "accounts:second_factor", reverse("accounts:second_factor"), {"member": 302}
    )
    check_access(personas, "accounts:enroll", reverse("accounts:enroll"), {"member": 302})
    check_access(
        personas, "accounts:logout", reverse("accounts:logout"), {"anonymous": 405, "member": 405}
    )
    check_access(
        personas,
        "accounts:language",
        reverse("accounts:language"),
        {"anonymous": 405, "member": 405},
    )


def test_every_route_has_an_access_test():
    """Every named route appears in some ``check_access(personas, "name", ...)`` call.

    Read from the test sources, so the result does not depend on which tests ran.
    """
    pattern = re.compile(r"check_access\(\s*personas,\s*\"([\w:]+)\"")
    covered: set[str] = set()
    for path in Path(__file__).resolve().parents[1].rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        covered.update(pattern.findall(text))
        # check_access(personas, name, ...) inside "for name in (...)" loops
        for names in re.findall(r"for name in \(([^)]*)\)", text):
            covered.update(re.findall(r'"(\w+:\w+)"', names))
    here = Path(__file__).read_text(encoding="utf-8")
    covered.update(re.findall(r'\("(\w+:\w+)",\s*\{', here))  # parametrized cases
    missing = {route.name for route in all_routes()} - covered
    assert not missing, f"routes without an access test: {sorted(missing)}"
