"""A security key in software, for tests: it answers WebAuthn ceremonies as a real key does.

It signs with a P-256 key (COSE algorithm -7) and attests with the "none" format, which
is what the server asks for. Tests can make it answer for another origin or relying
party, or sign with a stale counter, to check what the server refuses.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django_otp import DEVICE_ID_SESSION_KEY

ORIGIN = "http://testserver"
RP_ID = "testserver"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class SoftKey:
    def __init__(self) -> None:
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps(
            {"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}
        ).encode()

    def register(self, options: dict, *, origin: str = ORIGIN) -> dict:
        """The answer to ``navigator.credentials.create()`` with the server's options."""
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(options["rp"]["id"].encode()).digest()
            + bytes([0x45])  # user present, user verified, attested credential data
            + self.sign_count.to_bytes(4, "big")
            + bytes(16)  # AAGUID: none
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self.cose_public_key()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["usb"],
            },
            "clientExtensionResults": {},
        }

    def sign(self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID) -> dict:
        """The answer to ``navigator.credentials.get()`` with the server's options."""
        self.sign_count += 1
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        auth_data = (
            hashlib.sha256(rp_id.encode()).digest()
            + bytes([0x05])  # user present, user verified
            + self.sign_count.to_bytes(4, "big")
        )
        signature = self.private_key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": b64url(self.credential_id),
            "rawId": b64url(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
            },
            "clientExtensionResults": {},
        }


def add_key(user, soft: SoftKey | None = None, name: str = "Blue key"):
    """A confirmed security key of ``user`` (holding ``soft``'s public key), as if enrolled."""
    from haven.accounts.models import SecurityKey

    soft = soft or SoftKey()
    key = SecurityKey(
        user=user,
        name=name,
        confirmed=True,
        credential_id=soft.credential_id,
        public_key=soft.cose_public_key(),
        aaguid="00000000-0000-0000-0000-000000000000",
    )
    key.save()
    return key


def sign_in_with_key(client, user, key=None) -> None:
    """Sign ``user`` in on ``client``, verified by a security key (as the key ceremony does)."""
    from haven.accounts.middleware import LOGIN_AT, SEEN_AT
    from haven.accounts.models import SecurityKey

    key = key or SecurityKey.objects.filter(user=user).first() or add_key(user)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = key.persistent_id
    session[LOGIN_AT] = session[SEEN_AT] = time.time()
    session.save()
