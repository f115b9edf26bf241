"""What the reports service uses of the outside world and its own secrets, built once per runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import httpx
import structlog
from fastapi import Depends

from qingling.filestore import SealedFileStore, file_store
from qingling.limits import Limiter
from qingling.reporter_contact import contact_sealer
from qingling.runtime import CurrentRuntime, Runtime
from qingling.sealing import Sealer, derive_key
from reports.config import Settings
from reports.limits import LimitCounter
from reports.safety import ContentCheck, NoContentCheck, WechatContentCheck
from reports.tipoffs.routing import RegisterMemo

log = structlog.get_logger(__name__)


@dataclass
class Adapters:
    sealer: Sealer  # reporter identities and original words, at rest
    contact_sealer: Sealer  # a reporter's phone as it goes to notify (qingling.reporter_contact)
    hash_key: bytes  # receipt secrets and reporter subjects are kept as HMACs under it
    media: SealedFileStore  # uploads, without metadata, sealed under the sealing keys
    content_check: ContentCheck
    limiter: Limiter  # receipt guessing, intake, uploads, reward claims (reports.limits)
    register: RegisterMemo  # the register's fresh answers for routing, in memory


@asynccontextmanager
async def reports_adapters(runtime: Runtime) -> AsyncIterator[Adapters]:
    settings: Settings = runtime.settings
    keys = {key_id: derive_key(secret.get_secret_value(), "seal") for key_id, secret in settings.sealing_keys.items()}
    async with (
        httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=httpx.Timeout(5.0)) as wechat_http,
        file_store(settings, settings.data_dir / "media") as media_store,
    ):
        if settings.wechat_app_id and settings.wechat_app_secret:
            content_check: ContentCheck = WechatContentCheck(
                wechat_http, settings.wechat_app_id, settings.wechat_app_secret.get_secret_value(), runtime.clock
            )
        else:
            log.info("content-safety check off: no WeChat app id configured")
            content_check = NoContentCheck()
        sealer = Sealer(keys, settings.sealing_key_id)
        yield Adapters(
            sealer=sealer,
            contact_sealer=contact_sealer(settings.reporter_contact_keys, settings.reporter_contact_key_id),
            hash_key=derive_key(settings.receipt_hash_key.get_secret_value(), "receipt"),
            media=SealedFileStore(
                media_store,
                sealer,
                derive_key(settings.receipt_hash_key.get_secret_value(), "media-name"),
            ),
            content_check=content_check,
            limiter=Limiter(LimitCounter, derive_key(settings.receipt_hash_key.get_secret_value(), "limits")),
            register=RegisterMemo(),
        )


async def _adapters(runtime: CurrentRuntime) -> Adapters:
    return runtime.adapters


ReportsAdapters = Annotated[Adapters, Depends(_adapters)]
