"""Where a backup's age recipient, identity or passphrase comes from: options or HAVEN_*."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from haven.backups.actions import BackupError, read_identities
from haven.lib.env import env_secret


def add_secret_arguments(parser) -> None:
    parser.add_argument(
        "--recipient",
        action="append",
        default=[],
        help="age public key (age1...) to encrypt to; default HAVEN_BACKUP_RECIPIENT",
    )
    parser.add_argument(
        "--identity",
        type=Path,
        help="age identity file that opens the backup; default HAVEN_BACKUP_IDENTITY_FILE",
    )
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        help="file holding the backup passphrase; default HAVEN_BACKUP_PASSPHRASE(_FILE)",
    )


def _passphrase(options) -> str | None:
    path = options.get("passphrase_file")
    if path:
        try:
            return Path(path).read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise BackupError(f"Cannot read the passphrase file {path}: {exc.strerror}") from None
    return env_secret("HAVEN_BACKUP_PASSPHRASE") or None


def writing_secret(options) -> dict:
    recipients = options.get("recipient") or settings.HAVEN_BACKUP_RECIPIENTS
    return {
        "recipients": list(recipients),
        "passphrase": None if recipients else _passphrase(options),
    }


def opening_secret(options) -> dict:
    identity = options.get("identity") or settings.HAVEN_BACKUP_IDENTITY_FILE
    if identity:
        return {"identities": read_identities(identity), "passphrase": None}
    return {"identities": [], "passphrase": _passphrase(options)}
