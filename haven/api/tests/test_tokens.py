"""Personal access tokens: shown once, kept hashed, scoped, expiring, revocable."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from conftest import sign_in
from haven.accounts import actions
from haven.accounts.models import AccessToken
from haven.api.tests.conftest import ApiClient, token_for
from haven.audit.models import AuditEntry
from haven.tests.helpers import post_form

pytestmark = pytest.mark.django_db

PEOPLE = "/api/v1/people/"


def is_problem(response, status):
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"] and body["type"]
    return body


def test_a_token_made_on_the_account_page_is_shown_once_and_kept_hashed(client, personas):
    sign_in(client, personas.member)
    form = {"name": "Hotline bot", "days": "30", "scopes": ["requests:write", "people:read"]}
    page = post_form(client, "/accounts/tokens/", form)
    assert page.status_code == 201
    secret = re.search(r"hvn_[A-Za-z0-9_-]{40,}", page.content.decode()).group(0)
    token = AccessToken.objects.get(user=personas.member)
    assert token.scopes == ["people:read", "requests:write"]
    # Only the fingerprint is stored: the secret is nowhere in the row.
    assert secret not in str(AccessToken.objects.filter(pk=token.pk).values().first())
    assert token.secret_hash != secret and len(token.secret_hash) == 64
    # The list shows it without the secret, with its last use.
    listing = client.get("/accounts/tokens/").content.decode()
    assert "Hotline bot" in listing and secret not in listing and token.hint in listing
    # Sent again (a reload, a double click): no second token, and no secret shown again.
    again = client.post("/accounts/tokens/", {**form, "once": "spent"}, follow=True)
    assert AccessToken.objects.count() == 1 and secret not in again.content.decode()
    assert ApiClient(secret).get(PEOPLE).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_the_api_refuses_no_token_a_wrong_one_and_an_expired_one(personas):
    body = is_problem(ApiClient(None).get(PEOPLE), 401)
    assert "token" in body["detail"] or body["detail"]
    response = ApiClient("hvn_not-a-token").get(PEOPLE)
    is_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    token, secret = token_for(personas.member)
    AccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    is_problem(ApiClient(secret).get(PEOPLE), 401)
    assert AuditEntry.objects.filter(action="api.token_refused", channel="api").count() == 2


def test_revoking_stops_a_token_at_once(client, personas):
    token, secret = token_for(personas.member)
    api = ApiClient(secret)
    assert api.get(PEOPLE).status_code == 200
    sign_in(client, personas.member)
    assert client.post(f"/accounts/tokens/{token.uuid}/revoke/").status_code == 302
    is_problem(api.get(PEOPLE), 401)
    # Another user's token is not theirs to revoke (nor to learn about).
    other, other_secret = token_for(personas.read_only)
    assert client.post(f"/accounts/tokens/{other.uuid}/revoke/").status_code == 404
    assert ApiClient(other_secret).get(PEOPLE).status_code == 200


@pytest.mark.parametrize(
    "what",
    [
        lambda user: actions.disable_user(user),
        lambda user: actions.reset_second_factor(user),
        lambda user: actions.change_password(user, "a new and long passphrase 7"),
    ],
    ids=["disabled", "second factor reset", "password changed"],
)
def test_a_token_dies_with_its_account_or_second_factor(personas, what):
    token, secret = token_for(personas.member)
    what(personas.member)
    token.refresh_from_db()
    assert token.revoked_at is not None
    is_problem(ApiClient(secret).get(PEOPLE), 401)


def test_a_disabled_users_token_stops_even_before_it_is_revoked(personas):
    _token, secret = token_for(personas.member)
    type(personas.member).objects.filter(pk=personas.member.pk).update(is_active=False)
    is_problem(ApiClient(secret).get(PEOPLE), 401)


def test_a_token_reaches_only_its_scopes(personas):
    _token, secret = token_for(personas.member, scopes=["people:read"])
    api = ApiClient(secret)
    assert api.get(PEOPLE).status_code == 200
    body = is_problem(api.post(PEOPLE, {"name": "Анна"}), 403)
    assert "people:write" in body["detail"]
    is_problem(api.get("/api/v1/cases/"), 403)
    assert AuditEntry.objects.filter(action="access.denied", channel="api").exists()
    assert not AuditEntry.objects.filter(action="people.person.created").exists()


def test_a_token_beyond_its_rate_gets_429_with_retry_after(personas, settings):
    settings.HAVEN_API_RATE = "2/minute"
    cache.clear()
    _token, secret = token_for(personas.member)
    api = ApiClient(secret)
    assert [api.get(PEOPLE).status_code for _ in range(2)] == [200, 200]
    response = api.get(PEOPLE)
    is_problem(response, 429)
    assert int(response["Retry-After"]) > 0
    # Another token has its own budget.
    assert ApiClient(token_for(personas.member)[1]).get(PEOPLE).status_code == 200


def test_the_browser_session_works_with_its_csrf_token(personas):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    sign_in(browser, personas.member)
    assert browser.get(PEOPLE).status_code == 200
    refused = browser.post(PEOPLE, {"name": "Анна"}, content_type="application/json")
    is_problem(refused, 403)
    browser.get("/accounts/tokens/")  # sets the CSRF cookie
    csrf = browser.cookies["haven-csrf"].value
    made = browser.post(
        PEOPLE, {"name": "Анна"}, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert made.status_code == 201, made.content
    entry = AuditEntry.objects.get(action="people.person.created")
    assert entry.channel == "api" and entry.actor == personas.member


def test_a_session_without_its_second_factor_is_not_signed_in(client, personas):
    client.force_login(personas.member)  # password accepted, second factor not yet
    is_problem(client.get(PEOPLE), 401)


def _modules_by_writes() -> dict[str, bool]:
    """Each module the API's routes name, and whether any route of it writes."""
    from rest_framework.permissions import SAFE_METHODS

    from haven.api.urls import urlpatterns

    writes: dict[str, bool] = {}
    for pattern in urlpatterns:
        view = getattr(pattern.callback, "cls", None)
        module = getattr(view, "module", None)
        if module is None:
            continue
        actions_by_method = getattr(pattern.callback, "actions", None)
        methods = (
            actions_by_method
            if actions_by_method is not None
            else [m for m in view.http_method_names if hasattr(view, m)]
        )
        changes = any(m.upper() not in SAFE_METHODS for m in methods) and not getattr(
            view, "reads_by_post", False
        )
        writes[module] = writes.get(module, False) or changes
    return writes


def test_a_token_offers_write_only_where_the_api_writes(client, personas):
    writes = _modules_by_writes()
    assert {"search", "audit", "reference", "people", "cases"} <= set(writes)
    offered = set(actions.token_scopes())
    assert offered == {f"{m}:read" for m in writes} | {f"{m}:write" for m in writes if writes[m]}
    assert "search:write" not in offered and "audit:write" not in offered
    sign_in(client, personas.member)
    page = client.get("/accounts/tokens/").content.decode()
    assert 'value="search:read"' in page and 'value="search:write"' not in page
    assert 'value="cases:write"' in page
    # A scope that is not offered cannot be asked for either.
    refused = post_form(
        client, "/accounts/tokens/", {"name": "x", "days": "30", "scopes": ["audit:write"]}
    )
    assert refused.status_code == 400 and not AccessToken.objects.exists()
    with pytest.raises(ValueError, match="audit:write"):
        actions.create_token(personas.member, name="x", scopes=["audit:write"], days=30)
