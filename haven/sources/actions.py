"""Verb functions for sources and their evidence files; each one audited transaction."""

from __future__ import annotations

import hashlib
import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from haven.audit.actions import record
from haven.lib.crypto import DecryptionError
from haven.lib.fuzzy_fields import set_fuzzy
from haven.records.access import can_write
from haven.records.actions import save_record
from haven.sources import filetypes
from haven.sources.models import EvidenceFile, Source
from haven.sources.vault import SealedUpload, read_plaintext, stored_path


@transaction.atomic
def add_source(*, team, by, published=None, **fields) -> Source:
    source = Source(team=team, **fields)
    set_fuzzy(source, "published", published)
    return save_record(source, by=by)


def attach_file(
    source: Source, upload: SealedUpload, *, by, role=EvidenceFile.Role.ORIGINAL
) -> EvidenceFile:
    """Keep an uploaded original: check its type, record it, move its ciphertext in.

    Raises ValidationError (and leaves nothing behind) for a refused file.
    """
    try:
        if not can_write(by, source):
            raise PermissionDenied
        content_type, problem = filetypes.check(upload.name or "", bytes(upload.sealer.head))
        if problem:
            raise ValidationError(problem)
        return _store(source, upload, by=by, role=role, content_type=content_type)
    except BaseException:
        upload.discard()
        # The move is the last step inside the transaction; if the commit still failed,
        # take the file back out so that no file exists without its record.
        file_id = upload.sealer.file_id
        if not EvidenceFile.objects.filter(uuid=file_id).exists():
            stored_path(file_id).unlink(missing_ok=True)
        raise


@transaction.atomic
def _store(source, upload, *, by, role, content_type) -> EvidenceFile:
    sealer = upload.sealer
    evidence = EvidenceFile(
        uuid=sealer.file_id,
        source=source,
        team=source.team,
        name=filetypes.safe_name(upload.name or "file"),
        content_type=content_type,
        size=sealer.size,
        sha256=upload.sha256,
        file_key=sealer.key.hex(),
        role=role,
        uploaded_by=by,
    )
    save_record(evidence, by=by, change="created")
    record(
        "evidence.uploaded",
        actor=by,
        target=evidence,
        summary=f"{content_type}, {sealer.size} bytes, on source {source.code}",
    )
    target = stored_path(sealer.file_id)
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.replace(sealer.tmp_path, target)
    return evidence


def custody(evidence: EvidenceFile, action: str, *, by, summary: str = "") -> None:
    record(f"evidence.{action}", actor=by, target=evidence, summary=summary)


def verify_file(evidence: EvidenceFile) -> str | None:
    """None when the stored file decrypts and hashes to its recorded SHA-256, else why not."""
    digest = hashlib.sha256()
    try:
        for chunk in read_plaintext(str(evidence.uuid), evidence.key):
            digest.update(chunk)
    except FileNotFoundError:
        return "the stored file is missing"
    except DecryptionError as exc:
        return str(exc)
    if digest.hexdigest() != evidence.sha256:
        return "its content no longer matches the SHA-256 taken at upload"
    return None
