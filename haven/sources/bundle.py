"""Evidence bundles: originals, a manifest with their custody, and a signature that
anyone can check offline with ``sha256sum`` and ``openssl``."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from haven.audit.models import AuditEntry
from haven.keys.keyring import get_keyring
from haven.sources.filetypes import safe_name
from haven.sources.vault import read_plaintext

FORMAT = "haven-evidence-bundle-1"
README = """Haven evidence bundle
=====================

This archive holds original files exactly as they were uploaded, a manifest
(manifest.json) describing them and every access to them (their chain of custody),
and a signed list of their SHA-256 checksums.

To check it, unpack it and, in the unpacked folder:

1. Check every file against its checksum (Linux; on macOS use `shasum -a 256 -c`):

       sha256sum -c SHA256SUMS

   Every line must say OK.

2. Check that the checksum list was signed by the organisation's Haven instance
   (OpenSSL 3 or newer):

       openssl pkeyutl -verify -pubin -inkey haven-public-key.pem -rawin \\
           -in SHA256SUMS -sigfile SHA256SUMS.sig

   It must print "Signature Verified Successfully".

3. Make sure haven-public-key.pem is the key the organisation published (for
   example by comparing it with the output of `haven keys public-key` given to you
   through another channel). A bundle signed with another key proves nothing.

The SHA-256 of each original was taken from the upload stream before Haven did
anything else with the file; the stored original is never modified.
"""


class BundleTooLarge(ValueError):
    pass


def _custody(evidence) -> list[dict]:
    entries = AuditEntry.objects.filter(
        object_type="sources.evidencefile", object_id=str(evidence.uuid)
    ).order_by("seq")
    return [
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "action": e.action,
            "by": e.actor_label,
            "from": e.ip,
            "entry_hash": e.hash,
        }
        for e in entries
    ]


def build(sources, *, by) -> bytes:
    """The bundle as zip bytes. Raises BundleTooLarge past HAVEN_BUNDLE_MAX_BYTES."""
    limit = settings.HAVEN_EVIDENCE_MAX_BYTES * 5
    buffer = io.BytesIO()
    sums: list[str] = []
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "created_by": by.email,
        "sources": [],
    }
    total = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for source in sources:
            entry = {
                "code": source.code,
                "kind": source.kind,
                "title": source.title,
                "author": source.author,
                "url": source.url,
                "language": source.language,
                "published": source.published.machine() if source.published else None,
                "reliability": source.reliability,
                "files": [],
            }
            for evidence in source.files.live():
                path = f"files/{source.code}/{evidence.uuid}-{safe_name(evidence.name)}"
                total += evidence.size
                if total > limit:
                    raise BundleTooLarge(_("The chosen sources are too large for one bundle."))
                digest = hashlib.sha256()
                with archive.open(path, "w", force_zip64=True) as out:
                    for chunk in read_plaintext(str(evidence.uuid), evidence.key):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != evidence.sha256:
                    raise ValueError(f"{path} does not match its recorded SHA-256")
                sums.append(f"{evidence.sha256}  {path}")
                entry["files"].append(
                    {
                        "path": path,
                        "name": evidence.name,
                        "sha256": evidence.sha256,
                        "size": evidence.size,
                        "type": evidence.content_type,
                        "role": evidence.role,
                        "uploaded_at": evidence.created_at.isoformat(),
                        "custody": _custody(evidence),
                    }
                )
            manifest["sources"].append(entry)
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
        archive.writestr("manifest.json", manifest_bytes)
        sums.append(f"{hashlib.sha256(manifest_bytes).hexdigest()}  manifest.json")
        sums_bytes = ("\n".join(sums) + "\n").encode()
        signing = get_keyring().signing_key()
        archive.writestr("SHA256SUMS", sums_bytes)
        archive.writestr("SHA256SUMS.sig", signing.sign(sums_bytes))
        archive.writestr("haven-public-key.pem", public_key_pem())
        archive.writestr("README.txt", README)
    return buffer.getvalue()


def public_key_pem() -> bytes:
    return (
        get_keyring()
        .signing_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def verify(data: bytes, public_pem: bytes | None = None) -> list[str]:
    """Problems found in a bundle (empty when it verifies). Checks every checksum and the
    signature, against ``public_pem`` or else the key inside the bundle."""
    problems = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        sums_bytes = archive.read("SHA256SUMS")
        signature = archive.read("SHA256SUMS.sig")
        embedded = archive.read("haven-public-key.pem")
    except (zipfile.BadZipFile, KeyError) as exc:
        return [f"not a Haven evidence bundle ({exc})"]
    key = serialization.load_pem_public_key(public_pem or embedded)
    if not isinstance(key, Ed25519PublicKey):
        return ["the public key is not an Ed25519 key"]
    try:
        key.verify(signature, sums_bytes)
    except InvalidSignature:
        problems.append("the signature over SHA256SUMS does not verify")
    listed = set()
    for line in sums_bytes.decode().splitlines():
        digest, _sep, path = line.partition("  ")
        listed.add(path)
        if path not in names:
            problems.append(f"{path} is listed but missing")
            continue
        actual = hashlib.sha256()
        with archive.open(path) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                actual.update(chunk)
        if actual.hexdigest() != digest:
            problems.append(f"{path} does not match its checksum")
    extra = {n for n in names if n.startswith("files/")} - listed
    problems += [f"{path} is not listed in SHA256SUMS" for path in sorted(extra)]
    return problems
