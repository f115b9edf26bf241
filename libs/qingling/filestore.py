"""Where uploaded bytes are kept: a store addressed by the content's SHA-256, so a file sent twice
(to one record or to several) is stored once, and what is read back can be checked against the
digest recorded with it. A service builds its store in its adapters (``Service.adapters``) and
hands routes the ``FileStore`` protocol, so a store on another backend can take the local one's place."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_KEY = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    async def put(self, key: str, content: bytes) -> None:
        """Keeps ``content`` under ``key`` (its SHA-256); a key already kept is left as it is."""
        ...

    async def get(self, key: str) -> bytes:
        """The content kept under ``key``; ``KeyError`` when there is none."""
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
