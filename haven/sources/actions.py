"""Verb functions for sources and their evidence files; each one audited transaction.

Capturing a web page has a module of its own, ``haven.sources.capture``.
"""

from __future__ import annotations

import hashlib
import os
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from haven.accounts.models import Role
from haven.audit.actions import record
from haven.audit.context import Channel, audit_context, current_context
from haven.lib.crypto import DecryptionError
from haven.lib.fuzzy_fields import set_fuzzy
from haven.records.access import can_write
from haven.records.actions import save_record
from haven.sources import bundle, filetypes
from haven.sources.models import EvidenceFile, Reliability, Source
from haven.sources.vault import (
    SealedUpload,
    private_dir,
    quarantine_orphans,
    read_plaintext,
    remove_stale_parts,
    stored_path,
)

# The roles whose work puts evidence before a court or an international body.
BUNDLE_ROLES = frozenset({Role.COORDINATOR, Role.LAWYER, Role.DOCUMENTER})


@transaction.atomic
def add_source(
    *,
    team,
    by,
    kind: str,
    title: str,
    author: str = "",
    url: str = "",
    language: str = "",
    published=None,
    reliability: str = Reliability.F,
    text: str = "",
    notes: str = "",
    check: bool = True,
) -> Source:
    """``check=False`` only for the public request page, where nobody is signed in."""
    source = Source(
        team=team,
        kind=kind,
        title=title,
        author=author,
        url=url,
        language=language,
        reliability=reliability,
        text=text,
        notes=notes,
    )
    set_fuzzy(source, "published", published)
    return save_record(source, by=by, check=check)


def attach_file(
    source: Source,
    upload: SealedUpload,
    *,
    by,
    role=EvidenceFile.Role.ORIGINAL,
    check: bool = True,
) -> EvidenceFile:
    """Keep an uploaded original: check its type, record it, move its ciphertext in.

    Raises ValidationError (and leaves nothing behind) for a refused file. ``check=False``
    only for the public request page, where nobody is signed in.
    """
    try:
        if check and not can_write(by, source):
            raise PermissionDenied
        content_type, problem = filetypes.check(upload.name or "", bytes(upload.sealer.head))
        if problem:
            raise ValidationError(problem)
        return _store(source, upload, by=by, role=role, content_type=content_type, check=check)
    except BaseException:
        upload.discard()
        # The move is the last step inside the transaction; if the commit still failed,
        # take the file back out so that no file exists without its record.
        file_id = upload.sealer.file_id
        if not EvidenceFile.objects.filter(uuid=file_id).exists():
            stored_path(file_id).unlink(missing_ok=True)
        raise


@transaction.atomic
def _store(source, upload, *, by, role, content_type, check=True) -> EvidenceFile:
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
    save_record(evidence, by=by, change="created", check=check)
    record(
        "evidence.uploaded",
        actor=by,
        target=evidence,
        summary=f"{content_type}, {sealer.size} bytes, on source {source.code}",
    )
    target = stored_path(sealer.file_id)
    private_dir(target.parent)
    os.replace(sealer.tmp_path, target)
    return evidence


def custody(evidence: EvidenceFile, action: str, *, by, summary: str = "") -> None:
    record(f"evidence.{action}", actor=by, target=evidence, summary=summary)


def verify_file(evidence: EvidenceFile) -> str | None:
    """None when the stored file decrypts and hashes to its recorded SHA-256, else why
    not, in the active language."""
    digest = hashlib.sha256()
    try:
        for chunk in read_plaintext(str(evidence.uuid), evidence.key):
            digest.update(chunk)
    except FileNotFoundError:
        return _("the stored file is missing")
    except DecryptionError as exc:
        return _("the stored file does not decrypt: %(reason)s") % {"reason": exc}
    if digest.hexdigest() != evidence.sha256:
        return _("its content no longer matches the SHA-256 taken at upload")
    return None


def check_before_sending(evidence: EvidenceFile, *, by) -> str | None:
    """Authenticate the whole stored file before any of it is sent; None when it is
    whole, else why not (and an ``evidence.damaged`` entry)."""
    problem = verify_file(evidence)
    if problem:
        custody(evidence, "damaged", by=by, summary="refused: the stored file is damaged")
    return problem


def send_file(evidence: EvidenceFile, *, by):
    """Yield the file's bytes; its custody entry is written only once the last byte went.

    Should the stored file change between the check and the sending, decryption fails
    and the stream stops short of its Content-Length: the client sees a broken download,
    not a whole file, and no custody entry claims it was downloaded.
    """
    context = current_context()
    yield from read_plaintext(str(evidence.uuid), evidence.key)
    with audit_context(
        context.channel if context else Channel.WEB,
        actor=by,
        address=context.address if context else None,
    ):
        custody(evidence, "downloaded", by=by)


def tidy_vault(*, at_start: bool = False) -> tuple[int, int]:
    """Remove unfinished upload parts and set aside stored files no record names.

    At the server's start no upload is in flight, so every part goes; otherwise only
    those older than an hour. Returns (parts removed, orphans set aside).
    """
    parts = remove_stale_parts(0 if at_start else 3600)
    known = {str(uuid) for uuid in EvidenceFile.objects.values_list("uuid", flat=True)}
    return parts, quarantine_orphans(known, 0 if at_start else 3600)


def may_export_bundles(user) -> bool:
    return getattr(user, "role", None) in BUNDLE_ROLES


def export_bundle(sources, *, by) -> bytes:
    """The signed evidence bundle (zip bytes) of ``sources``, given as records or UUIDs.

    Refuses with ``PermissionDenied`` a role that does not export bundles; with
    ``Http404`` (after an ``access.denied`` entry) when any source is unknown, deleted
    or not visible to ``by`` — nothing tells which; with a ``ValidationError`` when a
    person a source concerns refused legal use, or the bundle would be too large.
    Every file gets its custody entry, and the export one entry listing every source
    and file it read.
    """
    if not may_export_bundles(by):
        raise PermissionDenied
    wanted = {_as_uuid(item.uuid if isinstance(item, Source) else item) for item in sources}
    chosen = list(Source.objects.visible_to(by).filter(uuid__in=wanted - {None}))
    if not chosen or len(chosen) != len(wanted):
        record("access.denied", actor=by, summary="bundle of unknown or hidden sources")
        raise Http404
    for source in chosen:
        refused = consent_problem(source)
        if refused:
            raise ValidationError(refused)
    for source in chosen:
        for evidence in source.files.live():
            problem = check_before_sending(evidence, by=by)
            if problem:
                raise ValidationError(
                    _("%(file)s of %(code)s is damaged (%(problem)s); no bundle was made.")
                    % {"file": evidence.name, "code": source.code, "problem": problem}
                )
    try:
        data = bundle.build(chosen, by=by)
    except bundle.BundleTooLarge as exc:
        raise ValidationError(str(exc)) from None
    files = [evidence for source in chosen for evidence in source.files.live()]
    with transaction.atomic():
        # Each file's own custody entry: a file's chain of custody is read by its id (on
        # the source's page, in the manifest of a later bundle), and a bundle holds few.
        for evidence in files:
            custody(evidence, "exported", by=by, summary="evidence bundle")
        record(
            "sources.bundle.exported",
            actor=by,
            summary=", ".join(source.code for source in chosen)[:300],
            records=[*chosen, *files],
        )
    return data


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def consent_problem(source: Source) -> str | None:
    """Why a bundle may not include ``source``: a person it concerns refused legal use."""
    # Cases and incidents build on sources, not the other way round: imported here, at
    # the one place where a bundle needs their consent records and victims.
    from haven.cases.actions import consent_for
    from haven.incidents.models import Act

    victims = {
        act.victim
        for act in Act.objects.live()
        .filter(incident__information__source=source)
        .select_related("victim")
    }
    for person in sorted(victims, key=lambda p: p.code):
        consent = consent_for(person, "legal_action")
        if consent is not None and not consent.allows():
            return _(
                "%(code)s has not consented to legal use of their records, so %(source)s "
                "cannot go into a bundle."
            ) % {"code": person.code, "source": source.code}
    return None
