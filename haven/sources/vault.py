"""The evidence vault: files encrypted as they arrive, hashed from the same stream.

An upload never touches the disk in clear: ``EncryptingUploadHandler`` takes each
chunk from the request body, adds it to the SHA-256 of the original and writes
it through ``SealingWriter`` to a temporary file that is already ciphertext. Only
when the record is saved does the file move into the vault; a refused, cut or
failed upload leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers, StopUpload

from haven.lib.stream_crypto import SealingWriter, open_stream

HEAD_BYTES = 8192  # kept in memory to recognise the file's type


def vault_dir() -> Path:
    return Path(settings.HAVEN_EVIDENCE_DIR)


def private_dir(path: Path) -> Path:
    """``path`` inside the vault, made (with the vault itself) readable by Haven only,
    whatever the umask: a folder created 0755 would list every file to every user."""
    root = vault_dir()
    for folder in (root, *reversed(path.relative_to(root).parents[:-1]), path):
        folder = root / folder if not folder.is_absolute() else folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
    return path


def _tmp_dir() -> Path:
    return private_dir(vault_dir() / "incoming")


def stored_path(file_id: str) -> Path:
    return vault_dir() / file_id[:2] / f"{file_id}.hev"


@dataclass
class Sealer:
    """Encrypts and hashes one file as its bytes arrive."""

    file_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    key: bytes = field(default_factory=lambda: os.urandom(32))
    size: int = 0
    head: bytearray = field(default_factory=bytearray)

    def __post_init__(self):
        self._hash = hashlib.sha256()
        handle, name = tempfile.mkstemp(dir=_tmp_dir(), suffix=".part")
        self.tmp_path = Path(name)
        self._file = os.fdopen(handle, "wb")
        self._writer = SealingWriter(self._file, self.key, self.file_id)

    def write(self, data: bytes) -> None:
        self._hash.update(data)
        if len(self.head) < HEAD_BYTES:
            self.head += data[: HEAD_BYTES - len(self.head)]
        self.size += len(data)
        self._writer.write(data)

    def finish(self) -> str:
        self._writer.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        return self._hash.hexdigest()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.tmp_path.unlink(missing_ok=True)


class SealedUpload(UploadedFile):
    """What an upload leaves in ``request.FILES``: ciphertext on disk and facts about it."""

    def __init__(self, sealer: Sealer, name: str, content_type: str, sha256: str):
        super().__init__(file=None, name=name, content_type=content_type, size=sealer.size)
        self.sealer = sealer
        self.sha256 = sha256

    def discard(self) -> None:
        self.sealer.discard()

    def close(self) -> None:
        """Nothing is open: the ciphertext is on disk (Django closes uploads when a
        request is cut short, e.g. by too many files); what is not stored is discarded
        by ``discard_unstored``."""


def track(request, sealer: Sealer) -> None:
    """Remember a sealer made for this request, so ``discard_unstored`` can clean up."""
    if request is not None:
        if not hasattr(request, "haven_sealers"):
            request.haven_sealers = []
        request.haven_sealers.append(sealer)


def discard_unstored(view):
    """After the view, whatever happened (a refusal, a CSRF failure, an error), remove
    every sealed upload of the request that did not make it into the vault."""
    from functools import wraps

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        finally:
            for sealer in getattr(request, "haven_sealers", []):
                sealer.discard()

    return wrapper


def remove_stale_parts(older_than_seconds: int = 3600) -> int:
    """Remove encrypted part files left by a crashed process; returns how many."""
    import time

    removed = 0
    folder = vault_dir() / "incoming"
    if folder.exists():
        for part in folder.glob("*.part"):
            if time.time() - part.stat().st_mtime > older_than_seconds:
                part.unlink(missing_ok=True)
                removed += 1
    return removed


def quarantine_orphans(known_ids: set[str], older_than_seconds: int = 3600) -> int:
    """Move vault files that no record names (a process killed between storing a file
    and committing its record) out of the vault into ``orphans/``; returns how many.

    They are ciphertext whose key was never recorded, so nothing can read them; they
    are moved, not deleted, so that nothing is lost on a mistaken judgement.
    """
    import time

    moved = 0
    root = vault_dir()
    if not root.exists():
        return 0
    for path in root.glob("??/*.hev"):
        if path.stem in known_ids or time.time() - path.stat().st_mtime <= older_than_seconds:
            continue
        target = private_dir(root / "orphans") / path.name
        os.replace(path, target)
        moved += 1
    return moved


def seal_bytes(data: bytes, name: str, content_type: str = "") -> SealedUpload:
    sealer = Sealer()
    sealer.write(data)
    return SealedUpload(sealer, name, content_type, sealer.finish())


class EncryptingUploadHandler(FileUploadHandler):
    """Replaces Django's handlers on evidence uploads: nothing is buffered in clear."""

    def __init__(self, request=None):
        super().__init__(request)
        self.sealer: Sealer | None = None
        self.limit = settings.HAVEN_EVIDENCE_MAX_BYTES

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.sealer = Sealer()
        track(self.request, self.sealer)
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data, start):
        if self.sealer.size + len(raw_data) > self.limit:
            self.sealer.discard()
            self.request.haven_upload_refused = "too_large"
            raise StopUpload(connection_reset=False)
        self.sealer.write(raw_data)
        return None

    def file_complete(self, file_size):
        sha256 = self.sealer.finish()
        return SealedUpload(self.sealer, self.file_name, self.content_type or "", sha256)

    def upload_interrupted(self):
        if self.sealer is not None:
            self.sealer.discard()


def read_plaintext(file_id: str, key: bytes):
    """Yield the original's bytes; raises DecryptionError if the stored file was altered."""
    with stored_path(file_id).open("rb") as handle:
        yield from open_stream(handle, key, file_id)
