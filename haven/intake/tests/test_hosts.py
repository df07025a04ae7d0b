"""The public page on a host name of its own (HAVEN_INTAKE_HOST): there it is all that
answers; on Haven's other host names it may be switched off."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven import urls as main_urls
from haven.cases.models import Request
from haven.intake.tests.conftest import receipt_of, token_of

ONION = "qzs3x5mthgrcl6zf2iq7ssd3tpazhqxuj4hnb7o4hrm7tuu4d6uydyid.onion"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def onion(public, settings):
    settings.HAVEN_INTAKE_HOST = ONION
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, ONION]
    return Client(HTTP_HOST=ONION)


def _send(client, address="198.51.100.7", **fields):
    page = client.get("/")
    data = {"what": "They came at night.", "urgency": "urgent", "token": token_of(page), **fields}
    return client.post("/", data, REMOTE_ADDR=address)


def _bare_not_found(response) -> bool:
    html = response.content.decode()
    return (
        response.status_code == 404
        and "Not found" in html
        and "haven" not in html.lower()
        and "Location" not in response
        and not response.cookies
    )


def test_the_page_is_at_the_root_of_its_host_and_works_through(onion, personas):
    page = onion.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'action="/?lang=en"' in html and 'href="/r/?lang=en"' in html
    assert page["Referrer-Policy"] == "no-referrer" and not page.cookies
    assert "haven" not in html.lower()
    style = onion.get("/static/intake/intake.css")
    assert style.status_code == 200
    receipt = receipt_of(_send(onion))
    assert Request.objects.get().summary == "They came at night."
    read = onion.post("/r/?lang=ru", {"receipt": receipt})
    assert read.status_code == 200 and 'action="/r/send/?lang=ru"' in read.content.decode()


def test_nothing_else_of_haven_answers_on_it_even_when_signed_in(onion, personas):
    signed_in = Client(HTTP_HOST=ONION)
    sign_in(signed_in, personas.member)
    prefixes = {str(pattern.pattern) for pattern in main_urls.urlpatterns} - {""}
    paths = [
        *(f"/{prefix}" for prefix in prefixes),
        "/help/",
        "/help/r/",
        "/accounts/login/",
        "/intake/",
        "/api/v1/schema/",
        "/static/haven.css",
        "/static/haven.js",
        "/static/intake/../haven.css",
        "/static/intake/missing.css",
        "/r/anything/",
        "/favicon.ico",
        "/robots.txt",
    ]
    assert "/accounts/" in paths and "/cases/" in paths
    for client in (onion, signed_in):
        for path in paths:
            for method in (client.get, client.post):
                response = method(path)
                assert _bare_not_found(response), f"{method.__name__} {path}: {response}"


def test_on_the_main_host_the_page_stays_unless_switched_off(onion, settings, client, personas):
    main = Client()
    assert main.get(reverse("intake_public:form")).status_code == 200
    assert main.get("/").status_code == 302  # Haven itself, behind its sign-in
    settings.HAVEN_INTAKE_ON_MAIN_HOST = False
    assert main.get("/help/").status_code == 404
    assert main.post("/help/r/", {"receipt": "x"}).status_code == 404
    assert onion.get("/").status_code == 200
    sign_in(client, personas.member)
    assert client.get(reverse("intake:queue")).status_code == 200  # staff pages as before
    # Without a host of its own, the switch changes nothing: the page must live somewhere.
    settings.HAVEN_INTAKE_HOST = ""
    assert main.get("/help/").status_code == 200


def test_an_onion_host_is_not_sent_to_https_and_has_no_per_address_limit(onion, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.HAVEN_INTAKE_RATE_PER_ADDRESS = "1/hour"
    assert onion.get("/").status_code == 200
    assert Client().get("/help/").status_code == 301  # the main host still is
    # Every visitor comes from Tor's address: the per-address limit would stop them all.
    for _ in range(3):
        assert _send(onion, address="127.0.0.1").status_code == 200
    assert Request.objects.count() == 3
    main = Client(HTTP_HOST="localhost")
    settings.SECURE_SSL_REDIRECT = False
    answers = []
    for _ in range(2):
        page = main.get("/help/")
        data = {"what": "x" * 20, "urgency": "urgent", "token": token_of(page)}
        answers.append(main.post("/help/", data, REMOTE_ADDR="127.0.0.1").status_code)
    assert answers == [200, 429]


def test_a_host_name_not_an_onion_is_sent_to_https_like_the_rest(public, settings):
    settings.HAVEN_INTAKE_HOST = "contact.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "contact.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    response = Client(HTTP_HOST="contact.example.org").get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://contact.example.org/"


def _settings_with(**env) -> subprocess.CompletedProcess:
    code = "import django.conf as c, json; print(json.dumps(c.settings.ALLOWED_HOSTS))"
    return subprocess.run(  # noqa: S603 - our own interpreter on our own settings
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "haven.settings", **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_setting_allows_its_host_and_refuses_a_url():
    done = _settings_with(HAVEN_INTAKE_HOST=ONION.upper() + ".")
    assert done.returncode == 0, done.stderr
    assert ONION in done.stdout and "127.0.0.1" in done.stdout
    refused = _settings_with(HAVEN_INTAKE_HOST=f"http://{ONION}/")
    assert refused.returncode != 0
    assert "HAVEN_INTAKE_HOST is a host name alone" in refused.stderr


def test_a_mistyped_address_under_the_page_on_the_main_host_is_as_bare(client, personas):
    for path in ("/help/nothing-here/", "/help/r/x/y/", "/help/admin/"):
        assert _bare_not_found(Client().get(path)), path
    sign_in(client, personas.member)
    assert _bare_not_found(client.get("/help/nothing-here/"))
    assert Client().get("/nothing-here/").status_code == 404  # Haven's own page elsewhere
    bare = Client().get("/help/nothing-here/")
    assert bare["X-Content-Type-Options"] == "nosniff"
    assert bare["Content-Security-Policy"].startswith("default-src 'none'")
    # A known address without its final slash is still sent to it, as everywhere.
    assert Client().get("/help/r").status_code == 301
