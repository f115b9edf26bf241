"""The content-addressed file store: bytes kept once under their SHA-256, read back as kept; the
sealed store on top of it, which keeps nothing readable without the sealing key."""

import hashlib

import pytest

from qingling.filestore import SEALED, LocalFileStore, SealedFileStore
from qingling.sealing import SealBroken, Sealer, derive_key


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


def _sealer(current: str = "2025") -> Sealer:
    keys = {"2025": derive_key("old secret", "seal"), "2026": derive_key("new secret", "seal")}
    return Sealer(keys, current)


async def test_a_sealed_store_keeps_nothing_readable_and_reads_across_a_key_rotation(tmp_path):
    content = b"%PDF-1.7 the hazard report of LiXiuying"
    before = SealedFileStore(LocalFileStore(tmp_path), _sealer("2025"), b"n" * 32)
    key = before.name(content)
    await before.put(key, content)
    [path] = [path for path in tmp_path.rglob("*") if path.is_file()]

    assert key != hashlib.sha256(content).hexdigest()  # the name does not tell who holds the file
    assert path.read_bytes().startswith(SEALED) and b"LiXiuying" not in path.read_bytes()
    after = SealedFileStore(LocalFileStore(tmp_path), _sealer("2026"), b"n" * 32)  # the key rotated
    assert await after.get(key) == content
    await after.delete(key)
    with pytest.raises(KeyError):
        await after.get(key)


async def test_a_sealed_file_changed_or_moved_does_not_open_and_one_from_before_sealing_reads(tmp_path):
    store = SealedFileStore(LocalFileStore(tmp_path), _sealer(), b"n" * 32)
    content = b"\x00\x00\x00\x18ftypmp42 a video"
    key = store.name(content)
    await store.put(key, content)
    sealed = (tmp_path / key[:2] / key).read_bytes()
    other = "f" * 64
    (tmp_path / "ff").mkdir()
    (tmp_path / "ff" / other).write_bytes(sealed)  # copied under another name
    with pytest.raises(SealBroken):
        await store.get(other)
    (tmp_path / key[:2] / key).write_bytes(sealed[:-1] + bytes([sealed[-1] ^ 1]))
    with pytest.raises(SealBroken):
        await store.get(key)

    plain = b"\xff\xd8\xff a photo kept before sealing"
    legacy = hashlib.sha256(plain).hexdigest()
    await LocalFileStore(tmp_path).put(legacy, plain)
    assert await store.get(legacy) == plain
