"""The upload digest keys every cache: equal for equal bytes, different for any change, chunked above a size."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dvtools.ui import state


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> int:
    """Chunks of 1 KiB, so that the chunked (two-thread) path runs on small test data."""
    monkeypatch.setattr(state, "DIGEST_CHUNK", 1024)
    return 1024


def test_small_uploads_are_plain_sha256() -> None:
    data = b"a,b\n1,2\n" * 100
    assert state.digest_bytes(data) == hashlib.sha256(data).hexdigest()[:32]


def test_chunked_digest_is_the_documented_hash_tree(small_chunks: int) -> None:
    data = bytes(range(256)) * 50  # 12,800 bytes: 13 chunks of 1 KiB, the last one short
    parts = [hashlib.sha256(data[i:i + small_chunks]).digest() for i in range(0, len(data), small_chunks)]
    tree = hashlib.sha256(b"dvtools-sha256-tree\0" + len(data).to_bytes(8, "little") + b"".join(parts))
    assert state.digest_bytes(data) == tree.hexdigest()[:32]
    assert state.digest_bytes(data) != hashlib.sha256(data).hexdigest()[:32]


@settings(max_examples=60, deadline=None)
@given(data=st.binary(min_size=2049, max_size=6000), at=st.integers(min_value=0), flip=st.integers(1, 255))
def test_any_changed_byte_changes_the_digest(data: bytes, at: int, flip: int) -> None:
    old = state.DIGEST_CHUNK
    state.DIGEST_CHUNK = 1024  # hypothesis runs the test many times: no function-scoped fixture
    try:
        i = at % len(data)
        changed = data[:i] + bytes([data[i] ^ flip]) + data[i + 1:]
        assert state.digest_bytes(data) == state.digest_bytes(bytes(data))  # deterministic
        assert state.digest_bytes(changed) != state.digest_bytes(data)
        assert state.digest_bytes(data + b"\0") != state.digest_bytes(data)  # the length counts
    finally:
        state.DIGEST_CHUNK = old
