"""The keyring: obtains the key-encryption key (KEK) and unwraps data keys with it.

The KEK never touches the database. It comes from a key file (``HAVEN_KEY_FILE``,
default ``var/master.key``, mode 0600) or from a passphrase (``HAVEN_PASSPHRASE``
or ``HAVEN_PASSPHRASE_FILE``) stretched with argon2id. The database holds only
data keys wrapped by the KEK and a check value that tells a wrong KEK at once.
"""

from __future__ import annotations

import base64
import binascii
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from haven.lib import crypto
from haven.lib.env import env_secret
from haven.lib.instance import write_secret_file

BLIND_INDEX_LABEL = "blind-index"
SIGNING_LABEL = "instance-signing"
# Keys that are never replaced by re-encryption: replacing them would change every
# blind-index token or invalidate every published signature.
PERMANENT_LABELS = (BLIND_INDEX_LABEL, SIGNING_LABEL)
SEALED_LABELS: set[str] = set()  # models with encrypted fields, filled as they load


class WrongKeyError(ImproperlyConfigured):
    """The configured key-encryption key is not the one this database was made with."""


def key_file_path() -> Path:
    return settings.HAVEN_KEY_FILE


def _read_key_file(path: Path) -> bytes:
    try:
        key = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise WrongKeyError(f"The key file {path} is not a base64-encoded key.") from None
    if len(key) != crypto.KEY_BYTES:
        raise WrongKeyError(f"The key file {path} does not hold a 256-bit key.")
    return key


def write_key_file(path: Path, key: bytes) -> bool:
    return write_secret_file(path, base64.b64encode(key).decode() + "\n")


def passphrase() -> str | None:
    return env_secret("HAVEN_PASSPHRASE")


def _wrap_ad(label: str) -> bytes:
    return f"haven data key|{label}".encode()


class Keyring:
    def __init__(self, kek: bytes):
        self._kek = kek
        self._keys: dict[int, bytes] = {}
        self._ciphers: dict[int, AESGCM] = {}
        self._active: dict[str, int] = {}
        self._uncommitted: set[int] = set()  # keys this process made, not yet committed
        self._seal_keys: dict[int, bytes] = {}
        self._index_keys: dict[tuple[int, str], bytes] = {}
        self._lock = threading.Lock()
        self._steady = threading.local()  # per thread: label → (id, key) within steady()

    # --- opening -------------------------------------------------------------------
    @classmethod
    def load(cls) -> Keyring:
        """Load the KEK, creating it (and the state row) for a new instance."""
        from haven.keys.models import KeyringState

        state = KeyringState.objects.first()
        secret = passphrase()
        if secret is not None:
            salt = bytes(state.salt) if state and state.salt else os.urandom(16)
            kek = crypto.key_from_passphrase(secret, salt)
            source = "passphrase"
        else:
            path, salt, source = key_file_path(), b"", "file"
            pending = path.with_name(path.name + ".next")
            if not path.exists():
                if state is not None:
                    raise WrongKeyError(
                        f"The key file {path} is missing. Haven's data cannot be read "
                        "without it: restore it from your backup or set HAVEN_KEY_FILE."
                    )
                write_key_file(path, crypto.new_key())
            kek = _read_key_file(path)
            if state is not None and crypto.key_check(kek) != state.key_check and pending.exists():
                # A rotation was interrupted after the database switched keys but
                # before the new key file replaced the old one: finish it.
                candidate = _read_key_file(pending)
                if crypto.key_check(candidate) == state.key_check:
                    os.replace(pending, path)
                    kek = candidate
        if state is None:
            KeyringState.objects.create(source=source, salt=salt, key_check=crypto.key_check(kek))
        elif crypto.key_check(kek) != state.key_check:
            raise WrongKeyError(
                "The key-encryption key does not match this database, so Haven will not "
                f"start. This instance uses a key from a {state.source}: check "
                + (
                    "HAVEN_PASSPHRASE or HAVEN_PASSPHRASE_FILE."
                    if state.source == "passphrase"
                    else f"HAVEN_KEY_FILE (now {key_file_path()})."
                )
            )
        return cls(kek)

    # --- data keys ---------------------------------------------------------------------
    def wrap(self, label: str, key: bytes, kek: bytes | None = None) -> bytes:
        return crypto.seal(kek or self._kek, 0, key, _wrap_ad(label))

    def unwrap(self, label: str, wrapped: bytes, kek: bytes | None = None) -> bytes:
        try:
            return crypto.open_sealed(lambda _id: kek or self._kek, bytes(wrapped), _wrap_ad(label))
        except crypto.DecryptionError:
            raise WrongKeyError(
                f"A data key for {label} cannot be unwrapped with this KEK."
            ) from None

    def key(self, key_id: int) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            from haven.keys.models import DataKey

            row = DataKey.objects.filter(pk=key_id).first()
            if row is None:
                raise crypto.DecryptionError(f"data key {key_id} does not exist")
            key = self._keys[key_id] = self.unwrap(row.label, row.wrapped)
        return key

    def active_key(self, label: str) -> tuple[int, bytes]:
        """The key that seals new values of ``label``, created on first use."""
        steady = getattr(self._steady, "keys", None)
        if steady is not None:
            found = steady.get(label)
            if found is None:
                found = steady[label] = self._active_key(label)
            return found
        return self._active_key(label)

    @contextmanager
    def steady(self) -> Iterator[None]:
        """Within the block, each label's active key is looked up once: for sealing many
        values in one transaction (a bulk insert), where the per-value check that the
        transaction already checked the key costs more than sealing.

        Use it inside one transaction only: the key found is the one that
        ``active_key`` would give for the rest of that transaction anyway (see
        ``_still_active``).
        """
        outer = getattr(self._steady, "keys", None)
        self._steady.keys = {} if outer is None else outer
        try:
            yield
        finally:
            self._steady.keys = outer

    def _active_key(self, label: str) -> tuple[int, bytes]:
        key_id = self._active.get(label)
        if key_id is not None and self._still_active(label, key_id):
            return key_id, self._keys[key_id]
        from haven.keys.models import DataKey

        with self._lock:
            row = (
                DataKey.objects.filter(label=label, retired_at__isnull=True)
                .order_by("-created_at")
                .first()
            )
            if row is None:
                key = crypto.new_key()
                row = DataKey.objects.create(label=label, wrapped=self.wrap(label, key))
                self._keys[row.id] = key
                self._uncommitted.add(row.id)
                # Remember it only once committed: a key made in a transaction that
                # rolls back must never seal anything after that.
                transaction.on_commit(lambda: self._committed(label, row.id))
            else:
                key = self.key(row.id)
                if row.id not in self._uncommitted:
                    self._active[label] = row.id
                    checked = _checked_in_this_transaction()
                    if checked is not None:  # just read as active: no need to ask again
                        checked.add(label)
        return row.id, key

    def _still_active(self, label: str, key_id: int) -> bool:
        """Whether the key this process seals ``label`` with was not retired since.

        A re-encryption (``haven keys rotate --reencrypt``, another process) retires the
        keys in use, re-seals every value and then drops the old keys: a server that went
        on sealing with the key it cached would write values that no longer open once it
        restarts. So the cached key is looked up again once per transaction and label.
        Within the transaction this is safe: on SQLite the write lock is held from its
        start, so the retirement waits; on PostgreSQL the rotation's second pass re-seals
        what was written while the first ran.
        """
        if label in PERMANENT_LABELS:
            return True
        from haven.keys.models import DataKey

        checked = _checked_in_this_transaction()
        if checked is not None and label in checked:
            return True
        if not DataKey.objects.filter(pk=key_id, retired_at__isnull=True).exists():
            self._active.pop(label, None)
            return False
        if checked is not None:
            checked.add(label)
        return True

    def _committed(self, label: str, key_id: int) -> None:
        self._uncommitted.discard(key_id)
        self._active[label] = key_id

    def forget_active(self) -> None:
        self._active.clear()

    # --- operations --------------------------------------------------------------------
    def cipher(self, key_id: int) -> AESGCM:
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            cipher = self._ciphers[key_id] = AESGCM(self.key(key_id))
        return cipher

    def steady_keys(self) -> dict[str, int]:
        """Within ``steady()``: the id of the key each label was sealed (or indexed) with
        so far in the block, for a batch written elsewhere to check that they are still
        the active ones (``haven.records.bulk.write_prepared``)."""
        keys = getattr(self._steady, "keys", None) or {}
        return {label: key_id for label, (key_id, _key) in keys.items()}

    def seal(self, label: str, plaintext: bytes, associated: bytes) -> bytes:
        key_id, _key = self.active_key(label)
        return crypto.seal(self.cipher(key_id), key_id, plaintext, associated)

    def open(self, sealed: bytes, associated: bytes) -> bytes:
        return crypto.open_sealed(self.cipher, sealed, associated)

    def index_key(self, scope: str) -> bytes:
        """The blind-index key of one scope (``people.person.phone``), derived per field."""
        key_id, root = self.active_key(BLIND_INDEX_LABEL)
        # Derived once per scope and process: a batch of records asks for it per value.
        key = self._index_keys.get((key_id, scope))
        if key is None:
            key = self._index_keys[key_id, scope] = crypto.derive_key(root, f"blind index|{scope}")
        return key

    def audit_seal_key(self) -> bytes:
        """The key that seals audit entries, derived from the signing key (which never
        rotates, as the signed checkpoints outside the database depend on it)."""
        key_id, root = self.active_key(SIGNING_LABEL)
        if key_id not in self._seal_keys:
            self._seal_keys[key_id] = crypto.derive_key(root, "audit chain seal")
        return self._seal_keys[key_id]

    def signing_key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.active_key(SIGNING_LABEL)[1])

    def rewrap_all(self, new_kek: bytes) -> int:
        """Re-wrap every data key under ``new_kek`` (call inside a transaction)."""
        from haven.keys.models import DataKey, KeyringState

        count = 0
        for row in DataKey.objects.select_for_update().order_by("pk"):
            key = self.unwrap(row.label, row.wrapped)
            self._keys[row.pk] = key  # still usable (to seal the rotation's audit entry)
            row.wrapped = self.wrap(row.label, key, kek=new_kek)
            row.save(update_fields=["wrapped"])
            count += 1
        state = KeyringState.objects.select_for_update().get()
        state.key_check = crypto.key_check(new_kek)
        from django.utils import timezone

        state.rotated_at = timezone.now()
        state.save(update_fields=["key_check", "rotated_at", "salt", "source"])
        return count


class _CheckedLabels(set):
    """The labels whose cached key was found active in the current transaction; it is
    its own on-commit callback, so that its presence in the connection's list of
    callbacks tells that the transaction it was made in is still the one running."""

    def __call__(self) -> None:
        self.clear()

    __hash__ = object.__hash__


def _checked_in_this_transaction() -> set[str] | None:
    """The current transaction's set of checked labels; None outside a transaction."""
    from django.db import connection

    if not connection.in_atomic_block:
        return None
    checked = getattr(connection, "haven_checked_keys", None)
    if checked is None or not any(call is checked for _ids, call, _r in connection.run_on_commit):
        checked = _CheckedLabels()
        connection.haven_checked_keys = checked
        transaction.on_commit(checked)
    return checked


_keyring: Keyring | None = None
_open_lock = threading.Lock()


def get_keyring() -> Keyring:
    global _keyring
    if _keyring is None:
        with _open_lock:
            if _keyring is None:
                _keyring = Keyring.load()
    return _keyring


def reset_keyring() -> None:
    """Forget the loaded keys (after a rotation, or between tests)."""
    global _keyring
    _keyring = None


def ensure_data_keys(**kwargs) -> None:
    """After migrate: every data key exists, so no request has to create one."""
    reset_keyring()
    keyring = get_keyring()
    for label in (*PERMANENT_LABELS, *sorted(SEALED_LABELS)):
        keyring.active_key(label)
