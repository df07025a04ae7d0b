"""Signed checkpoints catch what the chain alone cannot: the newest entries cut off."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from haven.audit.actions import record
from haven.audit.models import AuditEntry

TABLE = AuditEntry._meta.db_table


def raw(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER USER")
        cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER USER")


@pytest.fixture
def checkpoint(db, tmp_path, capsys):
    for n in range(5):
        record("test.event", summary=str(n))
    path = tmp_path / "checkpoint.json"
    call_command("audit", "checkpoint", str(path))
    capsys.readouterr()
    return path


def test_checkpoint_verifies_and_survives_growth(checkpoint, capsys):
    record("test.later")
    call_command("audit", "verify", "--checkpoint", str(checkpoint))
    out = capsys.readouterr().out
    assert "Checkpoint OK" in out and "OK: 6 entries" in out


def test_truncation_of_newest_entries_is_caught(checkpoint):
    raw(f"DELETE FROM {TABLE} WHERE seq >= 4")
    call_command("audit", "verify")  # the shorter chain alone still looks fine
    with pytest.raises(CommandError, match="shorter than the checkpoint"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_rewritten_history_is_caught(checkpoint):
    # Drop the tail and append new entries: the chain is valid, the count is back,
    # but entry 5 is no longer the one the checkpoint signed.
    raw(f"DELETE FROM {TABLE} WHERE seq >= 4")
    for n in range(3):
        record("test.forged", summary=str(n))
    call_command("audit", "verify")
    with pytest.raises(CommandError, match="diverges"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_forged_checkpoint_is_refused(checkpoint):
    document = json.loads(checkpoint.read_text())
    document["count"] = 1
    checkpoint.write_text(json.dumps(document))
    with pytest.raises(CommandError, match="not signed by this instance"):
        call_command("audit", "verify", "--checkpoint", str(checkpoint))


def test_unreadable_checkpoint_is_a_clear_error(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("not json")
    with pytest.raises(CommandError, match="not a readable checkpoint"):
        call_command("audit", "verify", "--checkpoint", str(bad))


def test_broken_log_is_not_signed(db, tmp_path):
    record("test.a")
    record("test.b")
    raw(f"UPDATE {TABLE} SET summary = 'x' WHERE seq = 1")
    with pytest.raises(CommandError, match="not signing"):
        call_command("audit", "checkpoint", str(tmp_path / "cp.json"))


def stored(settings):
    return sorted(settings.HAVEN_AUDIT_CHECKPOINT_DIR.glob("audit-*.json"))


def test_checkpoints_go_to_their_folder_and_verify_checks_every_one(db, settings, capsys):
    for n in range(3):
        record("test.event", summary=str(n))
    call_command("audit", "checkpoint")
    record("test.event", summary="3")
    call_command("audit", "checkpoint")
    assert [json.loads(p.read_text())["count"] for p in stored(settings)] == [3, 4]
    capsys.readouterr()
    call_command("audit", "verify")
    assert "2 checkpoints verified" in capsys.readouterr().out


def test_entries_cut_after_an_older_checkpoint_are_caught_by_the_newer_one(db, settings):
    """The tail is removed back to what the older checkpoint signed: that one still
    passes, the newer one catches it."""
    for n in range(3):
        record("test.event", summary=str(n))
    call_command("audit", "checkpoint")
    for n in range(3):
        record("test.event", summary=str(n))
    call_command("audit", "checkpoint")
    raw(f"DELETE FROM {TABLE} WHERE seq > 3")
    with pytest.raises(CommandError, match="fails 1 of 2 checkpoints: the log is shorter"):
        call_command("audit", "verify")


def test_a_forged_checkpoint_in_the_folder_fails_verification(db, settings):
    record("test.event")
    call_command("audit", "checkpoint")
    path = stored(settings)[0]
    document = json.loads(path.read_text())
    path.write_text(json.dumps({**document, "count": 0}))
    with pytest.raises(CommandError, match="not signed by this instance's key"):
        call_command("audit", "verify")


def test_the_scheduled_job_signs_only_when_the_log_grew(db, settings):
    from haven.gunicorn_conf import checkpoint_job, on_exit

    assert checkpoint_job() is None  # an empty log: nothing to sign
    record("test.event")
    assert checkpoint_job()["count"] == 1
    assert checkpoint_job() is None  # unchanged
    record("test.event")
    on_exit(server=None)  # the server stopping signs the newest head
    assert [json.loads(p.read_text())["count"] for p in stored(settings)] == [1, 2]


def test_the_scheduled_job_refuses_to_sign_a_broken_log(db, settings, caplog):
    from haven.gunicorn_conf import checkpoint_job

    for n in range(3):
        record("test.event", summary=str(n))
    raw(f"UPDATE {TABLE} SET summary = 'x' WHERE seq = 2")
    assert checkpoint_job() is None
    assert "broken at entry 2" in caplog.text
    assert stored(settings) == []
