"""The instance folder (``var/``): where the database, keys and uploads live.

Files holding secrets are created with mode 0600 and never overwritten.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_secret_file(path: Path, content: str) -> bool:
    """Create ``path`` with ``content`` and mode 0600; leave an existing file alone.

    Returns True when the file was created.
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return True


def load_or_create_secret_key(path: Path) -> str:
    """Return the secret key stored at ``path``, generating it on first use."""
    write_secret_file(path, secrets.token_urlsafe(64))
    return path.read_text(encoding="utf-8").strip()
