"""An embedded Qingling whose mini-program sign-in and content check go to a WeChat stand-in
speaking WeChat's API over real HTTP — for tests of what a signed-in mini-program user does."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from systems import embedded_for_test

from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qlstack.embedded import EmbeddedDispatcher
from standins import serving
from standins.wechat import FakeWechat

WECHAT_GRANT = "urn:qingling:params:oauth:grant-type:wechat-code"


@dataclass
class WechatSystem:
    client: httpx.AsyncClient
    clock: FileClock
    dispatcher: EmbeddedDispatcher
    wechat: FakeWechat
    data_dir: Path
    responses: list[tuple[str, str]] = field(default_factory=list)  # (request, all the client saw), if kept

    async def login(self, username: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
        token = (await self.client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}

    async def signed_in(self, openid: str) -> dict[str, str]:
        """Authorization of the mini-program user ``openid``, signed in with a code from WeChat."""
        form = {"grant_type": WECHAT_GRANT, "code": self.wechat.issue_code(openid)}
        token = await self.client.post("/api/v1/identity/oauth/token", data=form)
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}


@asynccontextmanager
async def wechat_system(root: Path, *, keep_responses: bool = False) -> AsyncIterator[WechatSystem]:
    """A system of its own under ``root`` (its data and clock), torn down on leaving; with
    ``keep_responses`` every answer its client got is kept, headers and body, for scanning."""
    wechat = FakeWechat()
    seen: list[tuple[str, str]] = []

    async def keep(response: httpx.Response) -> None:
        body = (await response.aread()).decode("utf-8", "replace")
        with contextlib.suppress(ValueError):  # \u-escaped JSON would hide a name from a scan
            body = json.dumps(json.loads(body), ensure_ascii=False)
        headers = "\n".join(f"{k}: {v}" for k, v in response.headers.items())
        seen.append((f"{response.request.method} {response.request.url.path}", f"{headers}\n\n{body}"))

    with serving(wechat.app()) as wechat_url:
        dispatcher, clock = embedded_for_test(
            root,
            wechat_api_base=wechat_url,
            wechat_app_id=wechat.app_id,
            wechat_app_secret=wechat.app_secret,
        )
        async with dispatcher.lifespan():
            transport = httpx.ASGITransport(app=dispatcher)
            hooks = {"response": [keep] if keep_responses else []}
            base_url = "http://qingling.test"
            async with httpx.AsyncClient(transport=transport, base_url=base_url, event_hooks=hooks) as client:
                yield WechatSystem(client, clock, dispatcher, wechat, root / "data", seen)
