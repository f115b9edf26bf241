"""The content-addressed file store: bytes kept once under their SHA-256, read back as kept."""

import hashlib

import pytest

from qingling.filestore import LocalFileStore


async def test_content_is_kept_once_under_its_digest_and_read_back(tmp_path):
    store = LocalFileStore(tmp_path)
    content = b"%PDF-1.4 report"
    key = hashlib.sha256(content).hexdigest()

    await store.put(key, content)
    await store.put(key, content)  # sent again: left as it is

    assert await store.get(key) == content
    assert [path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*") if path.is_file()] == [
        f"{key[:2]}/{key}"
    ]


async def test_an_unknown_key_is_a_key_error_and_a_non_digest_is_refused(tmp_path):
    store = LocalFileStore(tmp_path)

    with pytest.raises(KeyError):
        await store.get("0" * 64)
    with pytest.raises(ValueError):
        await store.put("../escape", b"x")
