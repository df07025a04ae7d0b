"""Key rotation: re-wrap the data keys under a new KEK, or re-encrypt every value."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from haven.audit.actions import record
from haven.keys.fields import EncryptedField, Sealed
from haven.keys.keyring import (
    PERMANENT_LABELS,
    SEALED_LABELS,
    get_keyring,
    key_file_path,
    reset_keyring,
    write_key_file,
)
from haven.keys.models import DataKey, KeyringState
from haven.lib import crypto

Progress = Callable[[str, int, int], None]


def rotate_kek(*, new_passphrase: str | None = None, to_key_file: bool = False) -> str:
    """Wrap every data key under a new key-encryption key; return where it now lives.

    With a key file, the new key is first written beside the old one
    (``master.key.next``), then the database switches in one transaction, then
    the file replaces the old one. Interrupted between the last two steps, the
    next start finds ``.next`` and finishes the swap.
    """
    keyring = get_keyring()
    state = KeyringState.objects.get()
    use_file = new_passphrase is None and (state.source == "file" or to_key_file)
    if new_passphrase is None and not use_file:
        raise ValueError("this instance uses a passphrase: give the new one")
    if use_file:
        new_kek = crypto.new_key()
        path = key_file_path()
        pending = path.with_name(path.name + ".next")
        pending.unlink(missing_ok=True)
        write_key_file(pending, new_kek)
        salt, source = b"", "file"
    else:
        salt = os.urandom(16)
        new_kek = crypto.key_from_passphrase(new_passphrase, salt)
        source = "passphrase"
    with transaction.atomic():
        state = KeyringState.objects.select_for_update().get()
        state.salt, state.source = salt, source
        state.save(update_fields=["salt", "source"])
        count = keyring.rewrap_all(new_kek)
        record("keys.rotated", summary=f"{count} data keys re-wrapped; KEK from {source}")
    if use_file:
        os.replace(pending, path)
    reset_keyring()
    return str(path) if use_file else "passphrase"


def _sealed_models():
    return [apps.get_model(label) for label in sorted(SEALED_LABELS)]


def _encrypted_fields(model) -> list[EncryptedField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedField)]


def _reseal_pass(keyring, progress: Progress | None, batch: int) -> int:
    """Seal again every value whose key is not its label's active key; returns how many."""
    total = 0
    for model in _sealed_models():
        label = model._meta.label_lower
        active_id, _key = keyring.active_key(label)
        fields = _encrypted_fields(model)
        rows = model._base_manager.order_by("pk")
        count, done, last_pk = rows.count(), 0, None
        while True:
            chunk = rows.filter(pk__gt=last_pk) if last_pk is not None else rows
            with transaction.atomic():
                items = list(chunk.select_for_update()[:batch])
                for item in items:
                    stale = [
                        f
                        for f in fields
                        if isinstance(item.__dict__.get(f.attname), Sealed)
                        and crypto.sealed_key_id(item.__dict__[f.attname].blob) != active_id
                    ]
                    if stale:
                        for field in stale:
                            getattr(item, field.attname)  # open with the old key
                        item.save(update_fields=[f.name for f in stale])
                        total += 1
            if not items:
                break
            last_pk = items[-1].pk
            done += len(items)
            if progress:
                progress(label, done, count)
        if progress and count == 0:
            progress(label, 0, 0)
    return total


def reencrypt_all(progress: Progress | None = None, batch: int = 500) -> int:
    """Seal every value again under fresh data keys, then drop the old keys.

    Each batch is one transaction; an interrupted run resumes where it stopped,
    because rows already sealed with the newest key are skipped. A running server may
    go on writing: it looks its sealing key up again in each transaction
    (``Keyring._still_active``), so it stops using a retired key as soon as this
    retirement commits.
    """
    keyring = get_keyring()
    now = timezone.now()
    labels = sorted(SEALED_LABELS)
    with transaction.atomic():
        for label in labels:
            live = DataKey.objects.filter(label=label, retired_at__isnull=True)
            if not DataKey.objects.filter(label=label, retired_at__isnull=False).exists():
                live.update(retired_at=now)  # a new run: retire, a new key follows
    keyring.forget_active()
    total = _reseal_pass(keyring, progress, batch)
    # A second pass catches values sealed with an old key by a transaction that began
    # before the retirement and committed while the first pass ran (on PostgreSQL; on
    # SQLite it held the write lock and the retirement waited). Old keys go only after.
    total += _reseal_pass(keyring, None, batch)
    with transaction.atomic():
        retired = DataKey.objects.filter(retired_at__isnull=False).exclude(
            label__in=PERMANENT_LABELS
        )
        dropped = retired.count()
        retired.delete()
        record("keys.reencrypted", summary=f"{total} records re-sealed; {dropped} old keys dropped")
    reset_keyring()
    return total
