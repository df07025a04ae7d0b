"""``haven exchange``: the four subcommands, and their refusals."""

from __future__ import annotations

import json
import stat
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from haven.accounts.tests.factories import TeamFactory
from haven.audit.models import AuditEntry
from haven.cli import COMMANDS
from haven.exchange.tests.conftest import membership
from haven.incidents.models import Incident
from haven.people.models import Person


def _run(*words) -> str:
    out = StringIO()
    call_command("exchange", *words, stdout=out)
    return out.getvalue()


def test_exchange_is_a_haven_command():
    assert "exchange" in COMMANDS


def test_a_team_archive_written_and_read_by_the_command(personas, small_team, tmp_path):
    path = tmp_path / "desk.json"
    said = _run("export-team", "Test desk", str(path), "--by", "member@example.org")
    assert "Wrote" in said and "decrypted" in said
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "haven-archive"
    entry = AuditEntry.objects.get(action="exchange.archive.exported")
    assert entry.channel == "cli" and entry.actor == personas.member

    receiving = TeamFactory(name="Receiving desk")
    membership(receiving, personas.member)
    with pytest.raises(CommandError, match="already in this instance"):
        _run("import-team", str(path), "--team", "Receiving desk", "--by", "member@example.org")
    assert not Person.objects.filter(team=receiving).exists()


def test_a_refused_export_leaves_no_file(personas, small_team, tmp_path):
    path = tmp_path / "desk.json"
    with pytest.raises(CommandError, match="may not"):
        _run("export-team", "Test desk", str(path), "--by", "reader@example.org")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(CommandError, match="no team named"):
        _run("export-team", "Nowhere", str(path), "--by", "member@example.org")
    with pytest.raises(CommandError, match="no active account"):
        _run("export-team", "Test desk", str(path), "--by", "nobody@example.org")


def test_events_by_the_command(personas, small_team, tmp_path):
    path = tmp_path / "events.json"
    said = _run("export-events", str(path), "--team", "Test desk", "--by", "member@example.org")
    assert "1 events, pseudonymised" in said
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"] == "huridocs-esf"
    with pytest.raises(CommandError, match="may not"):
        _run("export-events", str(path), "--by", "member@example.org", "--identifying")
    with pytest.raises(CommandError, match="Say why"):
        _run("export-events", str(path), "--by", "reader@example.org", "--identifying")

    with pytest.raises(CommandError, match="already in this instance"):
        _run("import-events", str(path), "--team", "Test desk", "--by", "member@example.org")
    Incident.objects.filter(team=personas.team).update(code="I-GONE01")
    said = _run("import-events", str(path), "--team", "Test desk", "--by", "member@example.org")
    assert "Imported 1 events" in said and "Found already in the team: 1 people" in said


def test_a_file_that_is_not_json_is_refused(personas, tmp_path):
    path = tmp_path / "desk.json"
    path.write_text("not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not JSON"):
        _run("import-team", str(path), "--team", "Test desk", "--by", "member@example.org")
