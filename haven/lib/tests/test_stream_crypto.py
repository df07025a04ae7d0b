"""Chunked file encryption: round trips, and every kind of tampering is caught."""

import io
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from haven.lib.crypto import DecryptionError
from haven.lib.stream_crypto import CHUNK, MAGIC, PREFIX, TAG, SealingWriter, open_stream

KEY = bytes(range(32))


def seal(data: bytes, file_id="file-1") -> bytes:
    out = io.BytesIO()
    writer = SealingWriter(out, KEY, file_id)
    for start in range(0, len(data), 7000):
        writer.write(data[start : start + 7000])
    writer.close()
    return out.getvalue()


def unseal(blob: bytes, file_id="file-1") -> bytes:
    return b"".join(open_stream(io.BytesIO(blob), KEY, file_id))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_round_trip_at_chunk_edges(size):
    data = os.urandom(size)
    assert unseal(seal(data)) == data


@settings(max_examples=25, deadline=None)
@given(st.binary(min_size=0, max_size=3 * CHUNK))
def test_round_trip(data):
    assert unseal(seal(data)) == data


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10**9), st.integers(0, 7))
def test_a_flipped_bit_is_caught(position, bit):
    blob = bytearray(seal(os.urandom(2 * CHUNK + 100)))
    blob[position % len(blob)] ^= 1 << bit
    with pytest.raises(DecryptionError):
        unseal(bytes(blob))


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=2 * CHUNK + 200))
def test_truncation_anywhere_is_caught(cut):
    blob = seal(os.urandom(2 * CHUNK + 100))
    with pytest.raises(DecryptionError):
        unseal(blob[: len(blob) - cut])


def test_truncation_at_a_chunk_boundary_is_caught():
    blob = seal(os.urandom(3 * CHUNK))
    header = len(MAGIC) + PREFIX
    with pytest.raises(DecryptionError):
        unseal(blob[: header + 2 * (CHUNK + TAG)])


def test_reordered_chunks_are_caught():
    blob = seal(os.urandom(3 * CHUNK + 10))
    header = len(MAGIC) + PREFIX
    block = CHUNK + TAG
    first, second = blob[header : header + block], blob[header + block : header + 2 * block]
    swapped = blob[:header] + second + first + blob[header + 2 * block :]
    with pytest.raises(DecryptionError):
        unseal(swapped)


def test_a_file_under_another_name_is_caught():
    with pytest.raises(DecryptionError):
        unseal(seal(b"testimony"), file_id="file-2")
