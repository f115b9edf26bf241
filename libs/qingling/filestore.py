"""Where uploaded bytes are kept: a store addressed by the content's SHA-256, so a file sent twice
(to one record or to several) is stored once, and what is read back can be checked against the
digest recorded with it. A service builds its store in its adapters (``Service.adapters``) and
hands routes the ``FileStore`` protocol, so a store on another backend can take the local one's place.

``SealedFileStore`` keeps files encrypted at rest on any such store (the reports service's media:
photos, documents and videos from the public)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from qingling.sealing import Sealer

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    async def put(self, key: str, content: bytes) -> None:
        """Keeps ``content`` under ``key`` (its SHA-256); a key already kept is left as it is."""
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
