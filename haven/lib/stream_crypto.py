"""Files encrypted in authenticated chunks, so that a cut or reshuffled file is detected.

The construction follows the STREAM design that the age file format uses: the
plaintext is cut into 64 KiB chunks, each sealed with AES-256-GCM under the file's
own key, with a nonce made of a random per-file prefix, the chunk's counter and a
"last chunk" flag. Swapping, dropping or repeating chunks changes a counter;
cutting the file loses the chunk that carries the last flag. The file's identity
is associated data, so a file copied under another record's name fails too.

Layout: MAGIC (8) | nonce prefix (7) | chunk 0 | chunk 1 | … | last chunk
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from haven.lib.crypto import DecryptionError

MAGIC = b"HAVENEV1"
CHUNK = 64 * 1024
TAG = 16
PREFIX = 7


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter >= 2**32:
        raise ValueError("file too large for one stream")
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class SealingWriter:
    """Write plaintext in; encrypted chunks go out to ``target``. Call ``close()``."""

    def __init__(self, target: BinaryIO, key: bytes, file_id: str):
        self._target = target
        self._cipher = AESGCM(key)
        self._ad = MAGIC + file_id.encode()
        self._prefix = os.urandom(PREFIX)
        self._buffer = bytearray()
        self._counter = 0
        self._closed = False
        target.write(MAGIC + self._prefix)

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back for the last chunk
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> None:
        if not self._closed:
            self._emit(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True

    def _emit(self, chunk: bytes, last: bool) -> None:
        nonce = _nonce(self._prefix, self._counter, last)
        self._target.write(self._cipher.encrypt(nonce, chunk, self._ad))
        self._counter += 1


def open_stream(source: BinaryIO, key: bytes, file_id: str) -> Iterator[bytes]:
    """Yield the plaintext chunk by chunk; raise DecryptionError at the first bad one."""
    head = source.read(len(MAGIC) + PREFIX)
    if len(head) < len(MAGIC) + PREFIX or not head.startswith(MAGIC):
        raise DecryptionError("not an encrypted evidence file, or its header is damaged")
    prefix = head[len(MAGIC) :]
    cipher = AESGCM(key)
    ad = MAGIC + file_id.encode()
    counter = 0
    block = source.read(CHUNK + TAG)
    while True:
        following = source.read(CHUNK + TAG)
        last = not following
        if len(block) < TAG:
            raise DecryptionError("the file is truncated")
        try:
            yield cipher.decrypt(_nonce(prefix, counter, last), block, ad)
        except InvalidTag:
            raise DecryptionError(
                f"chunk {counter} does not authenticate: the file was altered, cut or reordered"
            ) from None
        if last:
            return
        block, counter = following, counter + 1
