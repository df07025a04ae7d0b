"""Backups: one ``age``-encrypted archive of the database and the evidence vault.

The archive (a gzipped tar, encrypted to an age recipient or a passphrase, so the
standard ``age`` tool opens it) holds ``manifest.json``, ``db/<table>.jsonl`` (a
consistent snapshot, see ``snapshot.py``) and ``evidence/<path>`` (the vault's files,
already ciphertext). Sensitive values stay sealed, and the key-encryption key is not
in it: restoring needs the instance's ``master.key`` or passphrase, kept apart.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyrage
from django.conf import settings
from django.db import connection, transaction

from haven.backups import snapshot
from haven.lib import crypto

FORMAT = "haven-backup"
FORMAT_VERSION = 1
SUFFIX = ".tar.gz.age"
# Tables that a fresh ``migrate`` fills by itself: a restore replaces their rows.
SEEDED_APPS = {"contenttypes", "keys", "vocab", "locations"}
SEEDED_TABLES = {"auth_permission"}

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup cannot be written, opened or restored; the message says why."""


@dataclass
class Backup:
    manifest: dict
    members: dict[str, bytes]


def _quiet(_message: str) -> None:
    pass


def haven_version() -> dict:
    try:
        version = metadata.version("haven")
    except metadata.PackageNotFoundError:
        version = "unknown"
    commit = ""
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        commit = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "HEAD"],  # noqa: S607
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        ).stdout.strip()
    return {"version": version, "commit": commit}


# --- writing ----------------------------------------------------------------------------


@contextlib.contextmanager
def _read_transaction() -> Iterator[None]:
    """One snapshot for every table: REPEATABLE READ on PostgreSQL; on SQLite a
    deferred read transaction, which in WAL mode sees one state and blocks no writer."""
    if connection.in_atomic_block:  # already inside a transaction (tests)
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            cursor.execute("ROLLBACK")


def _evidence_files() -> list[Path]:
    root = Path(settings.HAVEN_EVIDENCE_DIR)
    if not root.is_dir():
        return []
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file() and path.relative_to(root).parts[0] != "incoming"
    )


def _add(tar: tarfile.TarFile, name: str, data: bytes, hashes: dict) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))
    hashes[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def build_archive(progress: Progress = _quiet) -> tuple[bytes, dict]:
    """The archive's plaintext (kept in memory only) and its manifest."""
    buffer = io.BytesIO()
    members: dict[str, dict] = {}
    tables: dict[str, dict] = {}
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar, _read_transaction():
        models = snapshot.snapshot_models()
        migrations = snapshot.applied_migrations()
        total = 0
        for number, model in enumerate(models, 1):
            lines = [json.dumps(row, ensure_ascii=False) for row in snapshot.read_rows(model)]
            table = model._meta.db_table
            _add(tar, f"db/{table}.jsonl", "".join(f"{x}\n" for x in lines).encode(), members)
            tables[table] = {"rows": len(lines), "columns": [c for c, _ in snapshot.columns(model)]}
            total += len(lines)
            progress(f"tables {number}/{len(models)}, rows {total}: {table}")
        files = _evidence_files()
        root = Path(settings.HAVEN_EVIDENCE_DIR)
        for number, path in enumerate(files, 1):
            _add(tar, f"evidence/{path.relative_to(root).as_posix()}", path.read_bytes(), members)
            if number % 50 == 0 or number == len(files):
                progress(f"evidence files {number}/{len(files)}")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "haven": haven_version(),
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database": connection.vendor,
            "migrations": migrations,
            "tables": tables,
            "members": members,
        }
        _add(tar, "manifest.json", json.dumps(manifest, indent=1).encode(), {})
    return buffer.getvalue(), manifest


def recipients_from(values: list[str]) -> list:
    try:
        return [pyrage.x25519.Recipient.from_str(value.strip()) for value in values]
    except pyrage.RecipientError:
        raise BackupError(
            "A recipient is not an age public key (it starts with 'age1'; make one with "
            "'age-keygen')."
        ) from None


def encrypt(plaintext: bytes, *, recipients: list[str], passphrase: str | None) -> bytes:
    if recipients:
        return pyrage.encrypt(plaintext, recipients_from(recipients))
    if passphrase:
        return pyrage.passphrase.encrypt(plaintext, passphrase)
    raise BackupError(
        "A backup needs an age recipient (--recipient or HAVEN_BACKUP_RECIPIENT) or a "
        "passphrase (--passphrase-file or HAVEN_BACKUP_PASSPHRASE_FILE)."
    )


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".backup-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def create_backup(
    path: Path,
    *,
    recipients: list[str] = (),
    passphrase: str | None = None,
    progress: Progress = _quiet,
) -> dict:
    """Write one encrypted archive to ``path``; return its manifest."""
    from haven.audit.actions import record

    recipients = list(recipients)
    if not recipients and not passphrase:
        encrypt(b"", recipients=[], passphrase=None)  # raises the explanation
    if recipients:
        recipients_from(recipients)  # a bad key is refused before the long work
    plaintext, manifest = build_archive(progress)
    progress("encrypting")
    _write_atomically(Path(path), encrypt(plaintext, recipients=recipients, passphrase=passphrase))
    rows = sum(table["rows"] for table in manifest["tables"].values())
    with transaction.atomic():
        record("backup.created", summary=f"{rows} rows, {len(manifest['members'])} members")
    return manifest


def backup_name(now: dt.datetime | None = None) -> str:
    now = now or dt.datetime.now(dt.UTC)
    return f"haven-{now:%Y%m%dT%H%M%S%fZ}{SUFFIX}"


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups that Haven wrote in ``folder``."""
    backups = sorted(Path(folder).glob(f"haven-*{SUFFIX}"))
    old = backups[: max(len(backups) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)
    return old


def backup_to_folder(
    folder: Path,
    *,
    keep: int,
    recipients: list[str] = (),
    passphrase: str | None = None,
    progress: Progress = _quiet,
) -> tuple[Path, dict]:
    path = Path(folder) / backup_name()
    manifest = create_backup(path, recipients=recipients, passphrase=passphrase, progress=progress)
    rotate(folder, keep)
    return path, manifest


# --- reading ----------------------------------------------------------------------------


def read_identities(path: Path) -> list:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Cannot read the identity file {path}: {exc}") from None
    keys = [line.strip() for line in lines if line.strip().startswith("AGE-SECRET-KEY-")]
    try:
        identities = [pyrage.x25519.Identity.from_str(key) for key in keys]
    except pyrage.IdentityError:
        identities = []
    if not identities:
        raise BackupError(f"{path} holds no age identity (a line 'AGE-SECRET-KEY-...').")
    return identities


def open_backup(path: Path, *, identities: list = (), passphrase: str | None = None) -> Backup:
    """Decrypt an archive and check the manifest and every member's hash.

    Raises BackupError for a wrong key or passphrase, a damaged or cut file, a
    missing, extra or altered member, or an archive of another format.
    """
    try:
        ciphertext = Path(path).read_bytes()
    except OSError as exc:
        raise BackupError(f"Cannot read {path}: {exc.strerror}") from None
    try:
        if identities:
            plaintext = pyrage.decrypt(ciphertext, list(identities))
        elif passphrase:
            plaintext = pyrage.passphrase.decrypt(ciphertext, passphrase)
        else:
            raise BackupError(
                "To open a backup give its age identity (--identity FILE or "
                "HAVEN_BACKUP_IDENTITY_FILE) or its passphrase (--passphrase-file or "
                "HAVEN_BACKUP_PASSPHRASE_FILE)."
            )
    except pyrage.DecryptError as exc:
        raise BackupError(
            f"{path} does not open: wrong identity or passphrase, or a damaged file ({exc})."
        ) from None
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(plaintext), mode="r:gz") as tar:
            for info in tar:
                if not info.isfile():
                    raise BackupError(f"{path}: unexpected member {info.name!r}.")
                members[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"{path} is not a Haven backup archive ({exc}).") from None
    try:
        manifest = json.loads(members.pop("manifest.json"))
    except (KeyError, ValueError):
        raise BackupError(f"{path} has no readable manifest.") from None
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path} is not a Haven backup of format version {FORMAT_VERSION}.")
    listed = manifest.get("members", {})
    if set(listed) != set(members):
        missing = sorted(set(listed) - set(members))
        extra = sorted(set(members) - set(listed))
        raise BackupError(f"{path}: members missing {missing[:5]}, unlisted {extra[:5]}.")
    for name, data in members.items():
        if hashlib.sha256(data).hexdigest() != listed[name]["sha256"]:
            raise BackupError(f"{path}: {name} does not match its hash in the manifest.")
    for table, facts in manifest["tables"].items():
        lines = members.get(f"db/{table}.jsonl", b"").count(b"\n")
        if lines != facts["rows"]:
            raise BackupError(f"{path}: {table} holds {lines} rows, the manifest {facts['rows']}.")
    return Backup(manifest, members)


# --- restoring --------------------------------------------------------------------------


def _rows(backup: Backup, table: str) -> list[list]:
    text = backup.members[f"db/{table}.jsonl"].decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def _configured_kek(state: list) -> bytes:
    """The KEK this instance is configured with, derived as the backup's keyring did."""
    from haven.keys.keyring import _read_key_file, key_file_path, passphrase

    _id, source, salt, *_rest = state
    secret = passphrase()
    if secret is not None:
        import base64

        return crypto.key_from_passphrase(secret, base64.b64decode(salt or ""))
    path = key_file_path()
    if not path.exists():
        raise BackupError(f"The key file {path} is missing: restoring needs the instance's KEK.")
    return _read_key_file(path)


def check_kek(backup: Backup) -> None:
    """Refuse unless the configured KEK is the backup's: it must open every data key."""
    import base64

    from haven.keys.keyring import _wrap_ad
    from haven.keys.models import DataKey, KeyringState

    state_cols = backup.manifest["tables"][KeyringState._meta.db_table]["columns"]
    states = _rows(backup, KeyringState._meta.db_table)
    if not states:
        return
    state = dict(zip(state_cols, states[0], strict=True))
    kek = _configured_kek([state["id"], state["source"], state["salt"]])
    how = (
        "HAVEN_PASSPHRASE(_FILE)"
        if state["source"] == "passphrase"
        else f"HAVEN_KEY_FILE (now {settings.HAVEN_KEY_FILE})"
    )
    if crypto.key_check(kek) != state["key_check"]:
        raise BackupError(
            "The key-encryption key in use is not the one this backup's data keys are "
            f"wrapped with (it came from a {state['source']}). Set {how} to the KEK of "
            "the instance that made the backup; nothing was changed."
        )
    key_cols = backup.manifest["tables"][DataKey._meta.db_table]["columns"]
    for values in _rows(backup, DataKey._meta.db_table):
        row = dict(zip(key_cols, values, strict=True))
        try:
            crypto.open_sealed(
                lambda _id: kek, base64.b64decode(row["wrapped"]), _wrap_ad(row["label"])
            )
        except crypto.DecryptionError:
            raise BackupError(
                f"Data key {row['id']} ({row['label']}) does not open with the KEK in use; "
                "nothing was changed."
            ) from None


def _seeded(model) -> bool:
    return model._meta.app_label in SEEDED_APPS or model._meta.db_table in SEEDED_TABLES


def check_target(backup: Backup) -> None:
    """Refuse unless this instance is empty and at the backup's migration state."""
    mine = snapshot.applied_migrations()
    theirs = backup.manifest["migrations"]
    if mine != theirs:
        ahead = len({tuple(m) for m in mine} - {tuple(m) for m in theirs})
        behind = len({tuple(m) for m in theirs} - {tuple(m) for m in mine})
        raise BackupError(
            "This instance's migrations differ from the backup's "
            f"({behind} of the backup's are not applied here, {ahead} here are not in the "
            "backup). Restore into an instance of the Haven version that made the backup "
            f"({backup.manifest['haven']}), migrated with 'haven manage migrate'."
        )
    models = {m._meta.db_table: m for m in snapshot.snapshot_models()}
    unknown = sorted(set(backup.manifest["tables"]) - set(models))
    if unknown:
        raise BackupError(f"The backup has tables this instance does not: {unknown[:5]}.")
    busy = [
        table
        for table, model in models.items()
        if not _seeded(model) and model._base_manager.exists()
    ]
    if busy:
        raise BackupError(
            f"This instance is not empty ({', '.join(busy[:5])} hold rows): a backup is "
            "restored only into a new instance ('haven manage migrate' on an empty "
            "database and evidence folder). Nothing was changed."
        )
    if _evidence_files():
        raise BackupError(
            f"The evidence folder {settings.HAVEN_EVIDENCE_DIR} is not empty. Nothing was changed."
        )


def restore_backup(
    path: Path,
    *,
    identities: list = (),
    passphrase: str | None = None,
    progress: Progress = _quiet,
) -> dict:
    """Restore an archive into this empty, migrated instance, all or nothing."""
    from haven.audit.actions import record
    from haven.backups.signals import restored
    from haven.keys.keyring import reset_keyring

    backup = open_backup(path, identities=identities, passphrase=passphrase)
    progress("archive verified")
    check_kek(backup)
    check_target(backup)
    models = {m._meta.db_table: m for m in snapshot.snapshot_models()}
    total = sum(facts["rows"] for facts in backup.manifest["tables"].values())
    done = 0

    def count(rows: int) -> None:
        nonlocal done
        before, done = done, done + rows
        if done // 5000 != before // 5000 or done == total:
            progress(f"rows {done}/{total}")

    root = Path(settings.HAVEN_EVIDENCE_DIR)
    written: list[Path] = []
    try:
        with transaction.atomic():
            for model in models.values():
                if _seeded(model):
                    snapshot.delete_rows(model)
            for table, facts in backup.manifest["tables"].items():
                if facts["columns"] != [c for c, _ in snapshot.columns(models[table])]:
                    raise BackupError(f"The columns of {table} differ from this instance's.")
                snapshot.write_rows(models[table], _rows(backup, table), count)
            connection.check_constraints(table_names=list(backup.manifest["tables"]))
            snapshot.reset_sequences(list(models.values()))
            files = [name for name in backup.members if name.startswith("evidence/")]
            for number, name in enumerate(files, 1):
                target = root.joinpath(*name.split("/")[1:])
                if root.resolve() not in target.resolve().parents:
                    raise BackupError(f"{name} points outside the evidence folder.")
                target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                with open(target, "xb") as out:
                    written.append(target)
                    out.write(backup.members[name])
                if number % 50 == 0 or number == len(files):
                    progress(f"evidence files {number}/{len(files)}")
            reset_keyring()
            record("backup.restored", summary=f"{total} rows, {len(files)} evidence files")
            # Erasures made since the backup are applied again before anything commits.
            restored.send(sender=restore_backup, manifest=backup.manifest)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        reset_keyring()
        raise
    return backup.manifest
