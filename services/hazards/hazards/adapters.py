"""What the hazards service uses of the outside world and its own secrets, built once per runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from hazards.config import Settings
from hazards.enterprises import posters
from hazards.limits import LimitCounter
from qingling.filestore import FileStore, file_store
from qingling.limits import Limiter
from qingling.runtime import Runtime
from qingling.sealing import derive_key


@dataclass
class Adapters:
    evidence: FileStore  # evidence bytes (hazards.evidence)
    limiter: Limiter  # the public enterprise look-up (hazards.limits)
    poster_key: bytes  # signs the report posters' tokens (hazards.enterprises.posters)


@asynccontextmanager
async def hazards_adapters(runtime: Runtime) -> AsyncIterator[Adapters]:
    settings: Settings = runtime.settings
    secret = settings.secret_key.get_secret_value()
    async with file_store(settings, settings.data_dir / "evidence") as evidence:
        yield Adapters(
            evidence=evidence,
            limiter=Limiter(LimitCounter, derive_key(secret, "limits")),
            poster_key=posters.signing_key(secret),
        )
