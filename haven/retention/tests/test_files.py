"""On disk: an erased person's ciphertext is gone from the SQLite file, its WAL, the
evidence folder, a fresh backup, and an instance restored from an older backup."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pyrage
import pytest
from django.db import connection

from haven.retention.tests.drill import EVIDENCE, NAME, PASSPHRASE

ROOT = Path(__file__).resolve().parents[3]
HAVEN = [sys.executable, "-m", "haven.cli"]

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the instance is a SQLite file of its own"
)


def _env(var: Path) -> dict:
    env = {
        **os.environ,
        "HAVEN_VAR_DIR": str(var),
        "HAVEN_DATABASE_URL": f"sqlite:///{var / 'haven.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    for name in ("HAVEN_KEY_FILE", "HAVEN_ERASURE_JOURNAL", "HAVEN_EVIDENCE_DIR"):
        env.pop(name, None)
    return env


def _run(command, var: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(  # noqa: S603 - our own commands
        command, env=_env(var), capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _needles(folder: Path) -> list[bytes]:
    """The start and the end of each ciphertext: a value longer than a page is split
    over pages, but each end lies whole in one of them."""
    blobs = [bytes.fromhex(line) for line in (folder / "blobs.txt").read_text().split()]
    return [part for blob in blobs for part in (blob[:20], blob[-20:])]


def _found(needles, data: bytes) -> int:
    return sum(needle in data for needle in needles)


def _files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file())


def _backup(path: Path) -> bytes:
    plaintext = pyrage.passphrase.decrypt(path.read_bytes(), PASSPHRASE)
    with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:gz") as tar:
        return b"\n".join(tar.extractfile(info).read() for info in tar)


def test_erased_ciphertext_leaves_the_files_and_stays_gone_after_a_restore(tmp_path):
    import base64

    var, snapshot = tmp_path / "var", tmp_path / "snapshot"
    _run([*HAVEN, "manage", "migrate", "-v", "0"], var)
    _run([sys.executable, "-m", "haven.retention.tests.drill", str(snapshot)], var)
    needles = _needles(snapshot)
    file_id = (snapshot / "evidence.txt").read_text()
    # Control: before the erasure the database files hold the ciphertext.
    assert _found(needles, _files(snapshot / "before")) >= len(needles) // 2
    older = _backup(snapshot / "older.tar.gz.age")
    assert any(base64.b64encode(n)[:16] in older for n in needles)

    after = _files(snapshot / "after")
    assert b"Drill desk" in after  # control: plain data written in the same run is found
    assert _found(needles, after) == 0
    assert not [p for p in (var / "evidence").rglob("*") if file_id in p.name]
    fresh = _backup(snapshot / "fresh.tar.gz.age")
    blobs = [bytes.fromhex(x) for x in (snapshot / "blobs.txt").read_text().split()]
    assert not [b for b in blobs if base64.b64encode(b) in fresh]
    assert EVIDENCE not in fresh and NAME.encode() not in fresh

    # A new instance with the same key and journal, restored from the older backup.
    second = tmp_path / "second"
    second.mkdir(mode=0o700)
    shutil.copy(var / "master.key", second / "master.key")
    shutil.copy(var / "erasures.jsonl", second / "erasures.jsonl")
    _run([*HAVEN, "manage", "migrate", "-v", "0"], second)
    pass_file = tmp_path / "pass"
    pass_file.write_text(PASSPHRASE)
    _run(
        [
            *HAVEN,
            "restore",
            str(snapshot / "older.tar.gz.age"),
            "--passphrase-file",
            str(pass_file),
        ],
        second,
    )
    restored = _files(second)
    assert b"Drill desk" in restored  # control: the backup's rows are there
    assert _found(needles, restored) == 0
    assert not [p for p in (second / "evidence").rglob("*") if file_id in p.name]
    _run([*HAVEN, "audit", "verify"], second)
