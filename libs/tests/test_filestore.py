"""The content-addressed file store: bytes kept once under their SHA-256, read back as kept, in a
local directory or in a bucket of an S3-compatible store (moto's server, over HTTP); the sealed
store on top of either, which keeps nothing readable without the sealing key; the settings that
choose the store, an incomplete S3 configuration refused by name."""

import hashlib

import pytest
from pydantic import ValidationError

from hazards.config import Settings as HazardsSettings
from qingling.filestore import SEALED, FileStoreUnavailable, LocalFileStore, S3FileStore, SealedFileStore, file_store
from qingling.sealing import SealBroken, Sealer, derive_key
from reports.config import Settings as ReportsSettings
from standins.s3 import moto_s3


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


@pytest.fixture(scope="module")
def object_store():
    with moto_s3() as running:
        yield running


def _s3_settings(object_store, bucket: str, prefix: str = "") -> HazardsSettings:
    values = {**object_store.settings(), "S3_BUCKET": bucket, "S3_PREFIX": prefix}
    return HazardsSettings(**{name.lower(): value for name, value in values.items()})


async def test_a_bucket_keeps_content_under_its_digest_reads_it_back_and_deletes_it(object_store, tmp_path):
    bucket = object_store.create_bucket("evidence-kept")
    content = b"%PDF-1.4 report kept in the bucket"
    key = hashlib.sha256(content).hexdigest()

    async with file_store(_s3_settings(object_store, bucket, "evidence/"), tmp_path) as store:
        assert isinstance(store, S3FileStore)
        await store.put(key, content)
        await store.put(key, content)  # sent again: the same object

        assert object_store.objects(bucket) == {f"evidence/{key[:2]}/{key}": content}
        assert await store.get(key) == content
        await store.delete(key)
        await store.delete(key)  # already gone: nothing to do
        with pytest.raises(KeyError):
            await store.get(key)
        with pytest.raises(ValueError):
            await store.put("../escape", b"x")
    assert object_store.objects(bucket) == {}
    assert list(tmp_path.iterdir()) == []  # nothing on the local disk


async def test_a_sealed_store_on_a_bucket_keeps_only_sealed_objects_and_reads_across_a_key_rotation(object_store):
    bucket = object_store.create_bucket("media-sealed")
    content = b"%PDF-1.7 the hazard report of LiXiuying"
    async with file_store(_s3_settings(object_store, bucket), None) as inner:
        before = SealedFileStore(inner, _sealer("2025"), b"n" * 32)
        key = before.name(content)
        await before.put(key, content)
        [(name, stored)] = object_store.objects(bucket).items()

        assert name == f"{key[:2]}/{key}" and key != hashlib.sha256(content).hexdigest()
        assert stored.startswith(SEALED) and b"LiXiuying" not in stored and content not in stored
        after = SealedFileStore(inner, _sealer("2026"), b"n" * 32)
        assert await after.get(key) == content
        object_store.client.put_object(Bucket=bucket, Key=name, Body=stored[:-1] + bytes([stored[-1] ^ 1]))
        with pytest.raises(SealBroken):  # changed in the bucket: refused, not served
            await after.get(key)


async def test_a_bucket_that_cannot_be_used_stops_the_start_with_its_name(object_store):
    with pytest.raises(FileStoreUnavailable, match="no-such-bucket"):
        async with file_store(_s3_settings(object_store, "no-such-bucket"), None):
            pass


def test_the_local_store_is_the_default_and_an_incomplete_s3_configuration_is_refused_by_name(monkeypatch):
    assert HazardsSettings().file_store == "local"
    monkeypatch.setenv("QL_REPORTS_FILE_STORE", "s3")
    monkeypatch.setenv("QL_REPORTS_S3_BUCKET", "media")
    monkeypatch.setenv("QL_REPORTS_S3_SECRET_ACCESS_KEY", "a-real-secret")

    with pytest.raises(ValidationError) as refused:
        ReportsSettings()

    message = str(refused.value)
    assert "QL_REPORTS_S3_ENDPOINT_URL、QL_REPORTS_S3_REGION、QL_REPORTS_S3_ACCESS_KEY_ID" in message
    assert "QL_REPORTS_S3_BUCKET" not in message and "a-real-secret" not in message
