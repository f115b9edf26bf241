"""Where evidence bytes are kept: a store addressed by the content's SHA-256, so a file sent
twice (to one hazard or to several) is stored once. Built per runtime as the hazards service's
adapters; routes reach it through ``Store``."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import Depends

from qingling.runtime import CurrentRuntime, Runtime

_KEY = re.compile(r"^[0-9a-f]{64}$")


class EvidenceStore(Protocol):
    async def put(self, key: str, content: bytes) -> None:
        """Keeps ``content`` under ``key`` (its SHA-256); a key already kept is left as it is."""
        ...

    async def get(self, key: str) -> bytes:
        """The content kept under ``key``; ``KeyError`` when there is none."""
        ...


class LocalEvidenceStore:
    """Files under one directory, ``<root>/<first two hex digits>/<sha256>``."""

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


@asynccontextmanager
async def evidence_store(runtime: Runtime) -> AsyncIterator[EvidenceStore]:
    """The hazards service's adapters: its evidence store."""
    # An S3-compatible store (for replicas on several hosts) would be chosen here from the settings.
    yield LocalEvidenceStore(runtime.settings.data_dir / "evidence")


def _store(runtime: CurrentRuntime) -> EvidenceStore:
    return runtime.adapters


Store = Annotated[EvidenceStore, Depends(_store)]
