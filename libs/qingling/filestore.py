"""Where uploaded bytes are kept: a store addressed by the content's SHA-256, so a file sent twice
(to one record or to several) is stored once, and what is read back can be checked against the
digest recorded with it. A service builds its store in its adapters (``Service.adapters``) with
``file_store`` and hands routes the ``FileStore`` protocol: files under a local directory
(``LocalFileStore``, one host) or objects in a bucket of an S3-compatible store (``S3FileStore``:
MinIO, Ceph, the clouds' object storage — replicas on any number of hosts see the same files),
chosen by the service's settings (``FileStoreSettings``).

``SealedFileStore`` keeps files encrypted at rest on either (the reports service's media:
photos, documents and videos from the public)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, Self

import aiohttp
import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ConfigDict, SecretStr, model_validator

from qingling.errors import ServiceUnavailable
from qingling.sealing import Sealer

log = structlog.get_logger(__name__)

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    async def put(self, key: str, content: bytes) -> None:
        """Keeps ``content`` under ``key`` (its SHA-256); a key already kept keeps the same content."""
        ...

    async def get(self, key: str) -> bytes:
        """The content kept under ``key``; ``KeyError`` when there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Removes what is kept under ``key``, if anything is."""
        ...


class LocalFileStore:
    """Files under one directory, ``<root>/<first two hex digits>/<sha256>``. Replicas on several
    hosts share it only through a shared volume."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a SHA-256 key: {key!r}")
        return self.root / key[:2] / key

    async def put(self, key: str, content: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), content)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread(self._path(key).read_bytes)
        except FileNotFoundError:
            raise KeyError(key) from None

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file, and two writers of the same
        # content both succeed.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class S3FileStore:
    """Objects in one bucket of an S3-compatible store, ``<prefix><first two hex digits>/<sha256>``
    (the local store's layout), through an aiobotocore client: every call is awaited on the event
    loop, none blocks it. A PUT replaces an object whole, so a reader never sees half of one, and
    the same content put twice leaves the same content. Each upload carries its MD5
    (``Content-MD5``), which every S3-compatible store checks: bytes damaged on the way are refused,
    not kept."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _object(self, key: str) -> str:
        if not _KEY.match(key):
            raise ValueError(f"not a SHA-256 key: {key!r}")
        return f"{self.prefix}{key[:2]}/{key}"

    async def put(self, key: str, content: bytes) -> None:
        digest = base64.b64encode(hashlib.md5(content, usedforsecurity=False).digest()).decode()
        try:
            await self.client.put_object(Bucket=self.bucket, Key=self._object(key), Body=content, ContentMD5=digest)
        except _FAILURES as error:
            raise self._unavailable("put", error) from error

    async def get(self, key: str) -> bytes:
        try:
            answer = await self.client.get_object(Bucket=self.bucket, Key=self._object(key))
            async with answer["Body"] as body:
                return await body.read()
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise KeyError(key) from None
            raise self._unavailable("get", error) from error
        except _FAILURES as error:
            raise self._unavailable("get", error) from error

    async def delete(self, key: str) -> None:
        try:
            await self.client.delete_object(Bucket=self.bucket, Key=self._object(key))  # none there: also 204
        except _FAILURES as error:
            raise self._unavailable("delete", error) from error

    def _unavailable(self, call: str, error: Exception) -> FileStoreUnavailable:
        log.error("object store call failed", call=call, bucket=self.bucket, error=str(error))
        return FileStoreUnavailable()


# The store unreachable, timing out, or refusing the call (no bucket, a key without the right).
_FAILURES = (BotoCoreError, ClientError, aiohttp.ClientError)


class FileStoreUnavailable(ServiceUnavailable):
    """The bucket could not be reached or refused the call: an upload is not kept (its request's
    transaction is rolled back with it), a download not served; at start the service does not start."""

    code, title = "file-store-unavailable", "文件存储暂时不可用，本次操作未生效，请稍后重试"
    headers: ClassVar[dict[str, str]] = {"Retry-After": "5"}


SEALED = b"QLSEALv1"  # starts every sealed file; no accepted media type starts so (an MP4's 5th-8th bytes are "ftyp")


class SealedFileStore:
    """Files kept sealed (AES-256-GCM under the service's sealing keys, ``Sealer.seal_bytes``) on
    another store: what is on disk cannot be read, nor changed unnoticed, without the key. The
    file's name is bound in, so a file copied under another name does not open. Each file names
    the key it was sealed with, so sealing keys rotate as they do for sealed fields.

    Names are keyed digests (``name``: HMAC-SHA256 of the content under a key of the service's
    own), not plain SHA-256: content is still kept once however often it is sent, but someone who
    holds a document cannot tell from the directory, or a backup, whether it was sent.

    A file from before sealing (it does not start with ``SEALED``) is read as it is."""

    def __init__(self, inner: FileStore, sealer: Sealer, name_key: bytes) -> None:
        self.inner, self.sealer, self._name_key = inner, sealer, name_key

    def name(self, content: bytes) -> str:
        return hmac.new(self._name_key, content, hashlib.sha256).hexdigest()

    async def put(self, key: str, content: bytes) -> None:
        sealed = await asyncio.to_thread(self.sealer.seal_bytes, content, key)
        await self.inner.put(key, SEALED + sealed)

    async def get(self, key: str) -> bytes:
        kept = await self.inner.get(key)
        if not kept.startswith(SEALED):
            return kept  # from before sealing
        return await asyncio.to_thread(self.sealer.unseal_bytes, kept[len(SEALED) :], key)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)


class FileStoreSettings(BaseModel):
    """Where a service that keeps files keeps them (mixed into its settings, so read from
    ``QL_<SERVICE>_FILE_STORE``, ``QL_<SERVICE>_S3_BUCKET`` …): ``local``, a directory under the data
    directory, or ``s3``, a bucket of an S3-compatible store, which every replica on every host shares."""

    model_config = ConfigDict(hide_input_in_errors=True)  # a refusal never prints the secret key with it

    # local: files under the data directory (one host, or replicas sharing one volume); s3: objects in
    # a bucket of an S3-compatible store, which replicas on any number of hosts share (s3_* below).
    file_store: Literal["local", "s3"] = "local"
    # The store's address, e.g. https://minio.internal:9000 or https://oss-cn-hangzhou.aliyuncs.com.
    s3_endpoint_url: str | None = None
    # The service's bucket, created by the operator.
    s3_bucket: str | None = None
    # The region requests are signed for (MinIO: us-east-1 unless configured otherwise).
    s3_region: str | None = None
    # A key allowed to read, write and delete objects in that bucket only.
    s3_access_key_id: str | None = None
    s3_secret_access_key: SecretStr | None = None
    # Put before every object's name, e.g. "evidence/" when services share a bucket.
    s3_prefix: str = ""
    # path: https://endpoint/bucket/object (MinIO, Ceph); virtual: https://bucket.endpoint/object
    # (stores that require it, such as Aliyun OSS).
    s3_addressing_style: Literal["path", "virtual"] = "path"

    @model_validator(mode="after")
    def _complete_s3(self) -> Self:
        if self.file_store == "s3":
            required = ("s3_endpoint_url", "s3_bucket", "s3_region", "s3_access_key_id", "s3_secret_access_key")
            missing = [name for name in required if not getattr(self, name)]
            if missing:
                prefix = self.model_config.get("env_prefix", "")
                names = "、".join(f"{prefix}{name.upper()}" for name in missing)
                raise ValueError(f"{prefix}FILE_STORE=s3（对象存储）还须设置：{names}")
        return self


@asynccontextmanager
async def file_store(settings: FileStoreSettings, local_root: Path) -> AsyncIterator[FileStore]:
    """The store the settings choose, open for the runtime's life: ``local_root`` or the bucket,
    checked once at start (a wrong endpoint, bucket or key stops the start with its reason, not the
    first upload)."""
    if settings.file_store == "local":
        yield LocalFileStore(local_root)
        return
    config = AioConfig(
        s3={"addressing_style": settings.s3_addressing_style},
        # Checksums only where S3 requires them: the CRC headers botocore adds by default are refused
        # by many S3-compatible stores; each upload carries Content-MD5 instead.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=5,
        read_timeout=60,
        retries={"mode": "standard", "max_attempts": 3},
    )
    client_context = get_session().create_client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key.get_secret_value(),
        config=config,
    )
    async with client_context as client:
        try:
            await client.head_bucket(Bucket=settings.s3_bucket)
        except _FAILURES as error:
            raise FileStoreUnavailable(
                f"对象存储桶 {settings.s3_bucket}（{settings.s3_endpoint_url}）不可用：{error}"
            ) from error
        yield S3FileStore(client, settings.s3_bucket, settings.s3_prefix)
