"""Canary: what a client sends never reaches the server's logs or the audit log in clear."""

from __future__ import annotations

import logging

import pytest

from haven.audit.models import AuditEntry
from haven.tests.canaries import CYRILLIC_NAMES, LATIN_NAMES, PHONES

pytestmark = pytest.mark.django_db


def test_no_plaintext_in_api_logs(api, personas, caplog):
    name, latin, phone = CYRILLIC_NAMES[0], LATIN_NAMES[0], PHONES[0]
    member = api["member"]
    with caplog.at_level(logging.DEBUG):
        made = member.post("/api/v1/people/", {"name": name, "contacts": [phone]})
        assert made.status_code == 201
        url = f"/api/v1/people/{made.json()['id']}/"
        # Refusals are logged ("Bad Request", "Precondition Failed"): with the path only.
        assert member.post("/api/v1/people/", {"name": name, "x": latin}).status_code == 400
        assert member.patch(url, {"notes": latin}, HTTP_IF_MATCH='"9"').status_code == 412
        assert api["outsider"].get(url).status_code == 404
        assert member.post("/api/v1/search/", {"query": latin}).status_code == 200
        assert (
            member.post("/api/v1/requests/", {"channel": name, "summary": name}).status_code == 400
        )
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "Bad Request" in logged  # the logs were captured
    entries = " ".join(f"{entry.summary} {entry.records}" for entry in AuditEntry.objects.all())
    for canary in (name, latin, phone, *name.split(), *latin.split()):
        assert canary not in logged
        assert canary not in entries
