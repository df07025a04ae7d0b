"""Clients for the API: one per persona, each with a token of every scope."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from haven.accounts.actions import create_token, token_scopes


class ApiClient:
    """A client that sends ``Authorization: Bearer`` and JSON, as a program would."""

    def __init__(self, secret: str | None, **headers):
        self.client = Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
        self.headers.update(headers)

    def _send(self, method, url, body=None, **headers):
        data = json.dumps(body) if body is not None and not isinstance(body, bytes) else body
        return self.client.generic(
            method,
            url,
            data or b"",
            content_type="application/json",
            **{**self.headers, **headers},
        )

    def get(self, url, **headers):
        return self.client.get(url, **{**self.headers, **headers})

    def post(self, url, body=None, **headers):
        return self._send("POST", url, body, **headers)

    def patch(self, url, body=None, **headers):
        return self._send("PATCH", url, body, **headers)

    def delete(self, url, **headers):
        return self._send("DELETE", url, None, **headers)


def token_for(user, scopes=None, days=30):
    return create_token(user, name="test", scopes=scopes or token_scopes(), days=days)


@pytest.fixture
def api(personas):
    """``api["member"]`` etc.: a client with a token of every scope for each persona."""
    return {name: ApiClient(token_for(user)[1]) for name, user in personas.all().items()}


from haven.tests.conftest import world  # noqa: E402,F401 - one record of every kind
