"""Where evidence bytes are kept: the shared content-addressed store (``qingling.filestore``) under
the service's data directory, built per runtime as the hazards service's adapters; routes reach it
through ``Store``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends

from qingling.filestore import FileStore, LocalFileStore
from qingling.runtime import CurrentRuntime, Runtime


@asynccontextmanager
async def evidence_store(runtime: Runtime) -> AsyncIterator[FileStore]:
    """The hazards service's adapters: its evidence store."""
    # An S3-compatible store (for replicas on several hosts) would be chosen here from the settings.
    yield LocalFileStore(runtime.settings.data_dir / "evidence")


def _store(runtime: CurrentRuntime) -> FileStore:
    return runtime.adapters


Store = Annotated[FileStore, Depends(_store)]
