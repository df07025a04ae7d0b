"""Backups: what goes in (no plaintext, no KEK), and backup → wipe → restore is exact."""

from __future__ import annotations

import base64
import io
import os
import shutil
import subprocess
import tarfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pyrage
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditEntry
from haven.backups.actions import BackupError, restore_backup, rotate
from haven.backups.snapshot import encode
from haven.backups.tests.state import instance_digest, wipe_instance
from haven.keys.keyring import reset_keyring, write_key_file
from haven.lib import crypto
from haven.people.models import Person
from haven.sources.actions import add_source, attach_file
from haven.sources.vault import seal_bytes
from haven.tests.canaries import leaks, plant

CANARIES = ["Ибрагим", "Селимханов", "Selimkhanov", "928 000-11-22", "Zelimkhan", "Detained in"]
EVIDENCE = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"Testimony of Zelimkhan K. " * 200
PASSPHRASE = "correct horse battery staple backup"
_MSK = timezone(timedelta(hours=3))


@pytest.fixture
def recorded(person, personas, django_capture_on_commit_callbacks):
    """A team's person, a source and one evidence file, as a user would leave them."""
    with django_capture_on_commit_callbacks(execute=True):
        source = add_source(
            team=personas.team, by=personas.member, kind="testimony", title="Testimony"
        )
        attach_file(source, seal_bytes(EVIDENCE, "testimony.pdf"), by=personas.member)
    return person


@pytest.fixture
def age_identity():
    identity = pyrage.x25519.Identity.generate()
    return identity, str(identity.to_public())


def _tar_members(plaintext: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:gz") as tar:
        return {info.name: tar.extractfile(info).read() for info in tar}


def _encodings(text: str) -> list[bytes]:
    raw = text.encode()
    return [raw, text.encode("utf-16-le"), base64.b64encode(raw), raw.hex().encode()]


def test_backup_holds_no_plaintext_and_no_kek(recorded, personas, tmp_path, age_identity):
    plant(personas.team, personas.member)  # fifty distinctive values, as users record them
    identity, recipient = age_identity
    path = tmp_path / "b.tar.gz.age"
    call_command("backup", str(path), "--recipient", recipient, verbosity=0)
    ciphertext = path.read_bytes()
    assert ciphertext.startswith(b"age-encryption.org/v1")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    plaintext = pyrage.decrypt(ciphertext, [identity])
    members = _tar_members(plaintext)
    assert "manifest.json" in members and "db/people_person.jsonl" in members
    assert any(name.startswith("evidence/") for name in members)
    assert b"Test desk" in members["db/accounts_team.jsonl"]  # control: plain data is found
    kek = base64.b64decode(Path(settings.HAVEN_KEY_FILE).read_text().strip())
    everything = [ciphertext, plaintext, *members.values()]
    assert [leaks(blob) for blob in everything] == [[]] * len(everything)
    for secret in [*(e for c in CANARIES for e in _encodings(c)), kek, base64.b64encode(kek)]:
        assert not any(secret in blob for blob in everything), secret[:20]


def test_backup_wipe_restore_is_exact_and_audit_verifies(recorded, tmp_path, capsys):
    path = tmp_path / "b.tar.gz.age"
    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE)
    before = instance_digest()
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    call_command("backup", str(path), "--passphrase-file", str(passphrase_file))
    err = capsys.readouterr().err
    assert "rows" in err and "evidence files 1/1" in err
    call_command("backup", "verify", str(path), "--passphrase-file", str(passphrase_file))
    assert "every hash matches" in capsys.readouterr().out

    wipe_instance()
    reset_keyring()
    assert not Person.objects.exists()
    call_command("restore", str(path), "--passphrase-file", str(passphrase_file))
    assert instance_digest(audit_up_to=last_seq) == before
    assert AuditEntry.objects.order_by("-seq").first().action == "backup.restored"
    assert Person.objects.get(pk=recorded.pk).name == "Ибрагим Селимханов"
    call_command("audit", "verify")
    call_command("evidence", "verify")


def test_refusals_change_nothing(recorded, tmp_path, age_identity):
    identity, recipient = age_identity
    path = tmp_path / "b.tar.gz.age"
    call_command("backup", str(path), "--recipient", recipient, verbosity=0)
    with pytest.raises(CommandError, match="not empty"):  # the instance still holds its data
        call_command("restore", str(path), "--identity", str(_identity_file(tmp_path, identity)))

    wipe_instance()
    reset_keyring()
    wiped = instance_digest()
    with pytest.raises(BackupError, match="does not open"):
        restore_backup(path, identities=[pyrage.x25519.Identity.generate()])
    with pytest.raises(BackupError, match="does not open"):
        restore_backup(path, passphrase="not the passphrase")
    damaged = tmp_path / "damaged.age"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(bytes(data))
    with pytest.raises(BackupError, match="does not open"):
        restore_backup(damaged, identities=[identity])
    cut = tmp_path / "cut.age"
    cut.write_bytes(bytes(data[: len(data) - 100]))
    with pytest.raises(BackupError):
        restore_backup(cut, identities=[identity])

    other_key = tmp_path / "other.key"
    write_key_file(other_key, crypto.new_key())
    real_key = settings.HAVEN_KEY_FILE
    settings.HAVEN_KEY_FILE = other_key
    try:
        with pytest.raises(BackupError, match="key-encryption key in use"):
            restore_backup(path, identities=[identity])
    finally:
        settings.HAVEN_KEY_FILE = real_key
    assert instance_digest() == wiped
    restore_backup(path, identities=[identity])  # and the right key restores it
    assert Person.objects.filter(pk=recorded.pk).exists()


def test_a_different_migration_state_is_refused(recorded, tmp_path, age_identity):
    identity, recipient = age_identity
    path = tmp_path / "b.tar.gz.age"
    call_command("backup", str(path), "--recipient", recipient, verbosity=0)
    wipe_instance()
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'people'")
    with pytest.raises(BackupError, match="migrations differ"):
        restore_backup(path, identities=[identity])
    assert not Person.objects.exists()


def _identity_file(folder: Path, identity) -> Path:
    path = folder / "identity.txt"
    path.write_text(f"# backup key\n{identity}\n")
    return path


def test_scheduled_folder_keeps_the_newest(recorded, tmp_path, age_identity, settings):
    _identity, recipient = age_identity
    folder = tmp_path / "backups"
    folder.mkdir()
    for name in ["haven-20260101T000000000000Z", "haven-20260102T000000000000Z"]:
        (folder / f"{name}.tar.gz.age").write_bytes(b"old")
    (folder / "notes.txt").write_text("not a backup")
    settings.HAVEN_BACKUP_DIR = folder
    settings.HAVEN_BACKUP_RECIPIENTS = [recipient]
    from haven.gunicorn_conf import backup_job

    made = backup_job()
    assert made is not None and made.exists()
    call_command("backup", "--dir", str(folder), "--keep", "2", verbosity=0)
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 3 and "notes.txt" in kept and made.name in kept
    assert not any(name.startswith("haven-2026010") for name in kept)
    assert rotate(folder, 1) and len(list(folder.glob("haven-*"))) == 1


AGE = shutil.which("age")


@pytest.mark.skipif(AGE is None, reason="the age tool is not installed (scripts/system-deps)")
def test_the_age_tool_opens_a_backup(recorded, tmp_path, age_identity):
    identity, recipient = age_identity
    to_key = tmp_path / "key.age"
    call_command("backup", str(to_key), "--recipient", recipient, verbosity=0)
    out = subprocess.run(  # noqa: S603
        [AGE, "--decrypt", "-i", str(_identity_file(tmp_path, identity)), str(to_key)],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    assert "manifest.json" in _tar_members(out)

    passphrase_file = tmp_path / "pass"
    passphrase_file.write_text(PASSPHRASE)
    with_passphrase = tmp_path / "pass.age"
    call_command(
        "backup", str(with_passphrase), "--passphrase-file", str(passphrase_file), verbosity=0
    )
    assert "manifest.json" in _tar_members(_age_with_passphrase(with_passphrase))


def _age_with_passphrase(path: Path) -> bytes:
    """age reads a passphrase only from a terminal: give it one."""
    import pty

    out = path.with_suffix(".tar.gz")
    pid, fd = pty.fork()
    if pid == 0:  # the child: age on the terminal
        os.execv(AGE, [AGE, "--decrypt", "-o", str(out), str(path)])  # noqa: S606
    deadline = time.monotonic() + 30
    seen = b""
    try:
        while b"passphrase" not in seen.lower() and time.monotonic() < deadline:
            seen += os.read(fd, 1024)
        os.write(fd, PASSPHRASE.encode() + b"\r")
        while time.monotonic() < deadline:
            try:
                if not os.read(fd, 1024):
                    break
            except OSError:
                break
    finally:
        _pid, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0, seen
    return out.read_bytes()


def test_verify_catches_a_member_changed_before_encryption(recorded, tmp_path, age_identity):
    """age authenticates the file; the manifest catches an archive re-made around a change."""
    identity, recipient = age_identity
    path = tmp_path / "b.tar.gz.age"
    call_command("backup", str(path), "--recipient", recipient, verbosity=0)
    members = _tar_members(pyrage.decrypt(path.read_bytes(), [identity]))
    members["db/people_person.jsonl"] = members["db/people_person.jsonl"].replace(b"[", b"[ ", 1)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    forged = tmp_path / "forged.age"
    forged.write_bytes(pyrage.encrypt(buffer.getvalue(), [identity.to_public()]))
    with pytest.raises(CommandError, match="people_person.jsonl does not match its hash"):
        call_command(
            "backup", "verify", str(forged), "--identity", str(_identity_file(tmp_path, identity))
        )


def test_restore_refuses_a_vault_with_files(recorded, tmp_path, age_identity):
    identity, recipient = age_identity
    path = tmp_path / "b.tar.gz.age"
    call_command("backup", str(path), "--recipient", recipient, verbosity=0)
    wipe_instance()
    stray = Path(settings.HAVEN_EVIDENCE_DIR) / "ab" / "stray.hev"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    with pytest.raises(BackupError, match="evidence folder .* is not empty"):
        restore_backup(path, identities=[identity])
    assert not Person.objects.exists()


def test_a_backup_is_due_when_the_newest_is_old_enough(tmp_path):
    from haven.gunicorn_conf import seconds_until_backup_due

    assert seconds_until_backup_due(tmp_path, 24) == 0
    newest = tmp_path / "haven-20260101T000000000000Z.tar.gz.age"
    newest.write_bytes(b"x")
    made = newest.stat().st_mtime
    assert seconds_until_backup_due(tmp_path, 24, now=made + 3600) == 23 * 3600
    assert seconds_until_backup_due(tmp_path, 24, now=made + 25 * 3600) == 0


@pytest.mark.parametrize(
    ("kind", "sqlite_form", "postgresql_form", "neutral"),
    [
        (
            "DateTimeField",
            "2026-04-02 03:04:05.000006",
            datetime(2026, 4, 2, 6, 4, 5, 6, tzinfo=_MSK),
            "2026-04-02T03:04:05.000006+00:00",
        ),
        ("UUIDField", "0f" * 16, uuid.UUID("0f" * 16), str(uuid.UUID("0f" * 16))),
        ("BooleanField", 1, True, True),
        ("BinaryField", b"\x00\xff", memoryview(b"\x00\xff"), "AP8="),
        ("DurationField", 172800000005, timedelta(days=2, microseconds=5), 172800000005),
        ("JSONField", '{"a": [1, "б"]}', {"a": [1, "б"]}, {"a": [1, "б"]}),
    ],
)
def test_stored_values_have_one_form_on_both_engines(kind, sqlite_form, postgresql_form, neutral):
    assert encode(kind, sqlite_form) == encode(kind, postgresql_form) == neutral


def test_decimals_have_one_form_on_both_engines():
    field = type("Field", (), {"decimal_places": 6})()
    assert encode("DecimalField", Decimal("43.317"), field) == "43.317000"
    assert encode("DecimalField", Decimal("43.317000"), field) == "43.317000"
