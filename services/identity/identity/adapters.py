"""What the identity service uses of the outside world, built once per runtime."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated

import httpx
from cryptography.fernet import Fernet
from fastapi import Depends

from identity.accounts.passwords import Passwords
from identity.config import Settings
from identity.limits import LimitCounter
from identity.register import EnterpriseRegister
from identity.wechat.client import WechatClient
from qingling.limits import Limiter
from qingling.runtime import CurrentRuntime, Runtime
from qingling.sealing import derive_key
from qingling.settings import Environment


@dataclass
class Adapters:
    passwords: Passwords
    key_cipher: Fernet  # signing keys are stored encrypted
    wechat: WechatClient | None  # None until a mini-program app id is configured
    register: EnterpriseRegister  # the hazards service's enterprise register
    limiter: Limiter  # password guessing (identity.limits)


@asynccontextmanager
async def identity_adapters(runtime: Runtime) -> AsyncIterator[Adapters]:
    settings: Settings = runtime.settings
    async with httpx.AsyncClient(base_url=settings.wechat_api_base, timeout=httpx.Timeout(10.0)) as wechat_http:
        wechat = None
        if settings.wechat_app_id and settings.wechat_app_secret:
            wechat = WechatClient(wechat_http, settings.wechat_app_id, settings.wechat_app_secret.get_secret_value())
        yield Adapters(
            passwords=Passwords(fast=settings.environment is Environment.TEST),
            key_cipher=Fernet(settings.key_encryption_key.get_secret_value()),
            wechat=wechat,
            register=EnterpriseRegister(runtime.http, settings.peer_url, runtime.service_auth),
            # user names and addresses are counted as HMACs under a key that is not in the database
            limiter=Limiter(LimitCounter, derive_key(settings.key_encryption_key.get_secret_value(), "limits")),
        )


async def _adapters(runtime: CurrentRuntime) -> Adapters:
    return runtime.adapters


IdentityAdapters = Annotated[Adapters, Depends(_adapters)]
