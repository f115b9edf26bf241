"""The identity service (embedded, SQLite) with its demo accounts, a steerable clock, WeChat's
login endpoint played by a local stand-in server, and the hazards service beside it: the
enterprise register it asks before issuing an enterprise's credentials (its workers off)."""

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from hazards import main as hazards_main
from identity import main
from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qingling.settings import Environment
from qlstack.embedded import EmbeddedDispatcher
from standins import serving
from standins.wechat import FakeWechat


@dataclass
class Identity:
    client: httpx.AsyncClient
    clock: FileClock
    wechat: FakeWechat
    data_dir: Path  # the SQLite files (embedded): for tests that tamper with what is stored
    dispatcher: EmbeddedDispatcher

    @property
    def runtime(self):
        return self.dispatcher.apps["/api/v1/identity"].state.runtime

    def client_at(self, address: str) -> httpx.AsyncClient:
        """A client connecting from ``address`` (as the peer of the connection)."""
        transport = httpx.ASGITransport(app=self.dispatcher, client=(address, 40000))
        return httpx.AsyncClient(transport=transport, base_url="http://test")

    async def token(self, **form: str) -> httpx.Response:
        return await self.client.post("/api/v1/identity/oauth/token", data=form)

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        response = await self.token(grant_type="password", username=username, password=password)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture(scope="session")
def wechat() -> Iterator[tuple[FakeWechat, str]]:
    fake = FakeWechat()
    with serving(fake.app()) as base_url:
        yield fake, base_url


async def _running(root, wechat, *, with_register: bool) -> AsyncIterator[Identity]:
    fake, base_url = wechat
    clock = FileClock(root / "clock.json")
    dispatcher = EmbeddedDispatcher()
    transport = httpx.ASGITransport(app=dispatcher)
    settings = main.service.settings_class(
        environment=Environment.TEST,
        data_dir=root,
        clock_file=clock.path,
        load_demo_data=True,
        wechat_api_base=base_url,
        wechat_app_id=fake.app_id,
        wechat_app_secret=fake.app_secret,
    )
    dispatcher.add(main.create_app(settings, peer_transport=transport))
    if with_register:
        register = hazards_main.service.settings_class(
            environment=Environment.TEST, data_dir=root, clock_file=clock.path, load_demo_data=True, run_workers=False
        )
        dispatcher.add(hazards_main.create_app(register, peer_transport=transport))
    async with dispatcher.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield Identity(client, clock, fake, root, dispatcher)


@pytest.fixture(scope="session")
async def identity_system(tmp_path_factory, wechat) -> AsyncIterator[Identity]:
    async for running in _running(tmp_path_factory.mktemp("identity"), wechat, with_register=True):
        yield running


@pytest.fixture
async def identity_without_register(tmp_path_factory, wechat) -> AsyncIterator[Identity]:
    """The identity service alone: the hazards service (and its register) unreachable."""
    async for running in _running(tmp_path_factory.mktemp("alone"), wechat, with_register=False):
        yield running


@pytest.fixture
def identity(identity_system: Identity) -> Iterator[Identity]:
    yield identity_system
    identity_system.clock.reset()


INITIAL_PASSWORD = "Anquan#2024x"
OWN_PASSWORD = "Qingling#Own1"


@pytest.fixture
def account_body() -> Callable[..., dict]:
    """The body of a new account: a 德清县 应急管理局 regulator unless told otherwise."""

    def body(region: str = "330521", roles=("regulator",), department: str | None = "emergency", **extra) -> dict:
        return {
            "username": f"u-{secrets.token_hex(4)}",
            "password": INITIAL_PASSWORD,
            "display_name": "测试人员",
            "roles": list(roles),
            "region_code": region,
            "department": department,
            **extra,
        }

    return body


@pytest.fixture
def ready_account(identity, account_body) -> Callable[[], Awaitable[dict]]:
    """Creates an account and sets its own password (``OWN_PASSWORD``), ready to sign in."""

    async def create() -> dict:
        body = account_body()
        admin = await identity.login("deqing-admin")
        created = (await identity.client.post("/api/v1/identity/accounts", json=body, headers=admin)).json()
        changed = await identity.client.post(
            "/api/v1/identity/password",
            json={"username": body["username"], "current_password": INITIAL_PASSWORD, "new_password": OWN_PASSWORD},
        )
        assert changed.status_code == 204, changed.text
        return created

    return create
