"""Where evidence bytes are kept: the shared content-addressed store (``qingling.filestore``) under
the service's data directory, one of the hazards service's adapters (``hazards.adapters``); routes
reach it through ``Store``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from qingling.filestore import FileStore
from qingling.runtime import CurrentRuntime


async def _store(runtime: CurrentRuntime) -> FileStore:
    return runtime.adapters.evidence


Store = Annotated[FileStore, Depends(_store)]
