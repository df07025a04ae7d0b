"""The public page open on the personas' team, with no wait before sending a form."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

FORM = "intake_public:form"


@pytest.fixture
def public(settings, personas):
    settings.HAVEN_INTAKE_TEAM = personas.team.name
    settings.HAVEN_INTAKE_MIN_FILL_SECONDS = 0
    return Client()


def token_of(response) -> str:
    found = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert found, "the page carries no form token"
    return found.group(1)


def receipt_of(response) -> str:
    found = re.search(r'class="receipt">([A-Z0-9-]+)<', response.content.decode())
    assert found, response.content.decode()[:2000]
    return found.group(1)


def submit(client, *, lang="en", files=(), address="198.51.100.1", **fields):
    """Fetch the form and send it, as a browser without JavaScript would."""
    page = client.get(reverse(FORM), {"lang": lang})
    data = {"what": "They came to my house.", "urgency": "urgent", "token": token_of(page)}
    data.update(fields)
    if files:
        data["files"] = list(files)
    return client.post(reverse(FORM) + f"?lang={lang}", data, REMOTE_ADDR=address)


def open_receipt(client, receipt, *, lang="en", address="198.51.100.1"):
    return client.post(
        reverse("intake_public:receipt") + f"?lang={lang}",
        {"receipt": receipt},
        REMOTE_ADDR=address,
    )
