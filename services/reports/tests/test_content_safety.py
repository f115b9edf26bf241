"""The optional content check of a tip-off's text: the real client against a local server speaking
WeChat's stable_token and msgSecCheck (v1) protocol. A check that cannot be made never blocks intake."""

import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from structlog.testing import capture_logs

from qingling.clock import FileClock
from reports.safety import NoContentCheck, Verdict, WechatContentCheck
from standins import serving
from standins.wechat import WECHAT_RISKY_SAMPLE, FakeWechat, Received

pytestmark = pytest.mark.asyncio

BENIGN = "城东路12号五金厂仓库堆放大量油漆桶，消防通道被堵死，灭火器已过期。"
STABLE_TOKEN = "/cgi-bin/stable_token"
MSG_SEC_CHECK = "/wxa/msg_sec_check"


@dataclass
class Setup:
    wechat: FakeWechat
    http: httpx.AsyncClient
    clock: FileClock

    def check(self, app_secret: str | None = None) -> WechatContentCheck:
        secret = app_secret or self.wechat.app_secret
        return WechatContentCheck(self.http, self.wechat.app_id, secret, self.clock)


@pytest.fixture
def clock(tmp_path) -> FileClock:
    clock = FileClock(tmp_path / "clock.json")
    clock.freeze(datetime(2024, 10, 1, 9, 0, tzinfo=UTC))
    return clock


@pytest.fixture
def wechat_server() -> Iterator[tuple[FakeWechat, str]]:
    fake = FakeWechat()
    with serving(fake.app()) as base_url:
        yield fake, base_url


@pytest.fixture
async def setup(wechat_server, clock) -> AsyncIterator[Setup]:
    fake, base_url = wechat_server
    async with httpx.AsyncClient(base_url=base_url, timeout=5) as http:
        yield Setup(fake, http, clock)


async def test_benign_text_passes_and_only_the_text_is_sent(setup):
    verdict = await setup.check().check(BENIGN)

    assert verdict == Verdict(flagged=False)
    token = setup.wechat.access_token
    assert setup.wechat.received == [
        Received(
            STABLE_TOKEN,
            {},
            {
                "grant_type": "client_credential",
                "appid": "wx-test-app",
                "secret": "wx-test-secret",
                "force_refresh": False,
            },
        ),
        Received(MSG_SEC_CHECK, {"access_token": token}, {"content": BENIGN}),  # version 1: no openid
    ]


async def test_risky_text_is_flagged(setup):
    check = setup.check()
    setup.wechat.risky_words.add("代开发票")

    assert await check.check(WECHAT_RISKY_SAMPLE) == Verdict(flagged=True, reason="risky")
    assert await check.check(f"举报：{BENIGN}另有人在厂门口代开发票。") == Verdict(flagged=True, reason="risky")
    assert len(setup.wechat.requests_to(STABLE_TOKEN)) == 1  # the token is cached


async def test_the_token_is_fetched_again_once_it_expires_by_the_clock(setup):
    check = setup.check()
    await check.check(BENIGN)
    setup.clock.advance(timedelta(seconds=7200 - 120))
    await check.check(BENIGN)
    assert len(setup.wechat.requests_to(STABLE_TOKEN)) == 1

    setup.clock.advance(timedelta(seconds=61))  # within the margin before expiry
    await check.check(BENIGN)

    assert len(setup.wechat.requests_to(STABLE_TOKEN)) == 2


async def test_an_expired_token_is_fetched_again_and_the_check_retried_once(setup):
    check = setup.check()
    await check.check(BENIGN)
    old_token = setup.wechat.access_token
    setup.wechat.expire_token()
    setup.wechat.received.clear()

    verdict = await check.check(WECHAT_RISKY_SAMPLE)

    assert verdict == Verdict(flagged=True, reason="risky")
    new_token = setup.wechat.access_token
    assert [
        (r.path, r.query.get("access_token"), (r.body or {}).get("force_refresh")) for r in setup.wechat.received
    ] == [
        (MSG_SEC_CHECK, old_token, None),  # 42001
        (STABLE_TOKEN, None, False),  # normal mode: other replicas' tokens stay valid
        (MSG_SEC_CHECK, new_token, None),
    ]


async def test_a_token_another_holder_replaced_is_fetched_again_without_forcing(setup):
    check = setup.check()
    await check.check(BENIGN)
    replaced = await setup.http.post(  # someone else forces a new token: ours now answers 40001
        STABLE_TOKEN,
        json={
            "grant_type": "client_credential",
            "appid": "wx-test-app",
            "secret": "wx-test-secret",
            "force_refresh": True,
        },
    )
    setup.wechat.received.clear()

    assert await check.check(BENIGN) == Verdict(flagged=False)

    assert [r.body["force_refresh"] for r in setup.wechat.requests_to(STABLE_TOKEN)] == [False]
    assert setup.wechat.requests_to(MSG_SEC_CHECK)[-1].query["access_token"] == replaced.json()["access_token"]


async def test_a_rejected_token_still_handed_out_is_force_refreshed(setup):
    check = setup.check()
    await check.check(BENIGN)
    setup.wechat.expire_token(still_handed_out=True)
    setup.wechat.received.clear()

    assert await check.check(BENIGN) == Verdict(flagged=False)

    assert [r.body["force_refresh"] for r in setup.wechat.requests_to(STABLE_TOKEN)] == [False, True]
    assert len(setup.wechat.requests_to(MSG_SEC_CHECK)) == 2  # the first try and one retry


async def test_unreachable_wechat_lets_the_text_through_unchecked(clock):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        check = WechatContentCheck(http, "wx-test-app", "wx-test-secret", clock)
        with capture_logs() as logs:
            verdict = await check.check(BENIGN)

    assert verdict == Verdict(flagged=False, reason="unchecked")
    assert [(entry["log_level"], entry["error"]) for entry in _skipped(logs)] == [
        ("warning", "WeChat unreachable: ConnectError")
    ]


async def test_a_wrong_app_secret_lets_the_text_through_unchecked(setup):
    with capture_logs() as logs:
        verdict = await setup.check(app_secret="not-the-secret").check(WECHAT_RISKY_SAMPLE)

    assert verdict == Verdict(flagged=False, reason="unchecked")
    assert [entry["error"] for entry in _skipped(logs)] == ["stable_token errcode 40125: invalid appsecret"]
    assert WECHAT_RISKY_SAMPLE not in str(logs)  # the tip-off's text is never logged
    assert setup.wechat.requests_to(MSG_SEC_CHECK) == []


def _skipped(logs: list[dict]) -> list[dict]:
    """The check's own lines: the session's other services log in the background meanwhile."""
    return [entry for entry in logs if entry["event"].startswith("content check skipped")]


async def test_without_an_app_id_every_text_passes():
    assert await NoContentCheck().check(WECHAT_RISKY_SAMPLE) == Verdict(flagged=False)
