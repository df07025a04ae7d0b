"""A person's own copy (subject access): what it holds, what it leaves out, its signature,
who may make it and that it is on the record."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Role
from haven.audit.models import AuditEntry
from haven.documents.testing import pdf_pages, pdf_text
from haven.people.actions import seal_person, update_person
from haven.sources.bundle import verify

pytestmark = pytest.mark.django_db

REASON = "The person asked by Signal; handed over in person"
OTHERS = ["Салех", "Магамадов", "Salekh", "Magamadov"]  # the victim, and the twin merged in


@pytest.fixture
def coordinator(personas):
    personas.member.role = Role.COORDINATOR
    personas.member.save(update_fields=["role"])
    return personas.member


def _client(user) -> Client:
    client = Client()
    sign_in(client, user)
    return client


def _make(client, person, **data):
    url = reverse("documents:own_copy", kwargs={"uuid": person.uuid})
    return client.post(url, {"language": "ru", "reason": REASON, **data})


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_copy_holds_the_person_and_names_no_one_else(personas, world, coordinator):
    person = world.person
    update_person(
        person,
        by=coordinator,
        contacts=[{"kind": "phone", "value": "+7 900 111-22-33"}],
        notes="Lives near Салех Магамадов; call in the evening.",
    )
    response = _make(_client(coordinator), person)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/zip"
    assert f"own-copy-{person.code}-ru-" in response["Content-Disposition"]
    data = response.content
    assert verify(data) == []
    files = _files(data)
    assert set(files) == {
        "own-copy.pdf",
        "own-copy.json",
        "SHA256SUMS",
        "SHA256SUMS.sig",
        "haven-public-key.pem",
        "README.txt",
    }
    statement = files["own-copy.json"].decode()
    said = json.loads(statement)
    assert said["person"] == person.code and said["language"] == "ru"
    # The person's own data, and what concerns them.
    for expected in (
        "Ибрагим Селимханов",
        "+7 900 111-22-33",
        "Грозный",
        world.case.code,
        "Protection",
        "State protection",
        world.incident.code,
        world.source.code,
        world.evidence.sha256,
        "people.person.updated",  # the log of their record
    ):
        assert expected in statement, expected
    # Others by code only: the relative and victim, in a table and in the notes.
    assert world.victim.code in statement
    assert f"Lives near {world.victim.code}" in statement
    leaked = [form for form in OTHERS if form in statement]
    assert not leaked, leaked
    text = pdf_text(files["own-copy.pdf"])
    assert "Ибрагим Селимханов" in text and world.victim.code in text
    assert not [form for form in OTHERS if form in text]
    # The footer seals the statement.
    assert hashlib.sha256(files["own-copy.json"]).hexdigest() in text.replace("\n", "")
    pdf_pages(files["own-copy.pdf"], "own-copy-ru")
    entry = AuditEntry.objects.get(action="documents.own_copy.made")
    assert entry.actor == coordinator and entry.object_id == str(person.uuid)
    assert f"sha256 {hashlib.sha256(data).hexdigest()}" in entry.summary
    assert f"reason: {REASON}" in entry.summary
    assert f"people.person:{person.uuid}" in entry.records
    assert "Ибрагим" not in entry.summary


def test_a_changed_copy_no_longer_verifies(personas, world, coordinator):
    data = _make(_client(coordinator), world.person, language="en").content
    files = _files(data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            if name == "own-copy.json":
                content = content.replace(b"Protection", b"Nothing at all")
            archive.writestr(name, content)
    assert verify(buffer.getvalue()) == ["own-copy.json does not match its checksum"]


def test_who_may_make_it(personas, world, coordinator):
    person = world.person
    url = reverse("documents:own_copy", kwargs={"uuid": person.uuid})
    # A caseworker's role may not; a reader may not write; outsiders do not see the person.
    personas.read_only.role = Role.COORDINATOR
    personas.read_only.save(update_fields=["role"])
    assert _client(personas.read_only).get(url).status_code == 403
    assert _client(personas.outsider).get(url).status_code == 404
    assert _client(coordinator).get(url).status_code == 200
    # Without a reason: the form again, nothing made.
    response = _make(_client(coordinator), person, reason="")
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="documents.own_copy.made").exists()
    # A sealed person: only a named member may.
    from haven.accounts.models import Membership
    from haven.accounts.tests.factories import UserFactory

    other = UserFactory(role=Role.ADMINISTRATOR)
    Membership.objects.create(team=person.team, user=other, access=Membership.Access.MEMBER)
    seal_person(person, by=coordinator, members=[coordinator])
    assert _client(other).get(url).status_code == 403
    assert _make(_client(other), person).status_code == 403
    assert _make(_client(coordinator), person).status_code == 200
    # The person's page links to it for those who may.
    page = reverse("people:detail", kwargs={"uuid": person.uuid})
    assert url in _client(coordinator).get(page).content.decode()
    assert url not in _client(other).get(page).content.decode()


def test_the_command_writes_the_copy(personas, world, coordinator, tmp_path):
    output = tmp_path / "copy.zip"
    call_command(
        "own_copy", world.person.code, by=coordinator.email, reason=REASON, output=str(output)
    )
    data = output.read_bytes()
    assert verify(data) == []
    assert "Ибрагим Селимханов" in _files(data)["own-copy.json"].decode()
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(CommandError, match="may not make it"):
        call_command(
            "own_copy",
            world.person.code,
            by=personas.read_only.email,
            reason=REASON,
            output=str(output),
        )
    with pytest.raises(CommandError, match="has no person"):
        call_command(
            "own_copy",
            world.person.code,
            by=personas.outsider.email,
            reason=REASON,
            output=str(output),
        )
