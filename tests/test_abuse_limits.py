"""The limits meant to protect reporters cannot be turned against them, and nobody floods intake:
an owner with the right receipt secret or password gets in during someone else's guessing burst;
a limit counts the client's own address — behind nginx the real one, and a forged
X-Forwarded-For from anyone but the configured proxy changes nothing; unknown and known user names
are answered alike; the 11th anonymous intake and the upload beyond the limit from one address
within the window get 429 with Retry-After.

Every client here connects from an address of its own (127.0.0.x: in the stack through nginx,
which itself reaches the services from 127.0.0.1, their one trusted proxy)."""

from __future__ import annotations

import io
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from PIL import Image
from tipoff_flow import ENTERPRISE, RECEIPT, TIP_OFFS, consent, submit

from qingling.clock import SHANGHAI
from reports.config import Settings as ReportsSettings

pytestmark = pytest.mark.asyncio

WEDNESDAY = datetime(2024, 9, 4, 10, 0, tzinfo=SHANGHAI)
TOKEN = "/api/v1/identity/oauth/token"
MEDIA = "/api/v1/reports/media"
DEMO_PASSWORD = "Qingling@2026"


@asynccontextmanager
async def client_at(system, address: str, base_url: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from ``address``: to the gateway (stack) or to the
    embedded process, or — with ``base_url`` — straight to one service process."""
    if system.dispatcher is not None:
        transport = httpx.ASGITransport(app=system.dispatcher, client=(address, 40000))
        base = "http://qingling.test"
    else:
        transport = httpx.AsyncHTTPTransport(local_address=address)
        base = base_url or system.processes.gateway_url
    async with httpx.AsyncClient(transport=transport, base_url=base, timeout=30) as client:
        yield client


def _wrong(receipt_code: str) -> tuple[str, str]:
    return receipt_code, "0000-0000-0000-0000"


async def test_the_owner_of_a_receipt_gets_in_during_a_guessing_burst_from_elsewhere(system):
    system.clock.freeze(WEDNESDAY)
    receipt = await submit(system)
    code = receipt["receipt_code"]

    for attacker in ("127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"):
        async with client_at(system, attacker) as guesser:
            answers = [(await guesser.get(RECEIPT, auth=_wrong(code))).status_code for _ in range(6)]
        assert answers == [401] * 5 + [429]  # five failures per code and address, then that address waits
    async with client_at(system, "127.0.0.35") as guesser:
        answers = [(await guesser.get(RECEIPT, auth=_wrong(code))).status_code for _ in range(2)]
        assert answers == [401, 429]  # past 20 on the code, an address waits once it has failed on it
        refused = await guesser.get(RECEIPT, auth=(code, receipt["secret"]))
        assert (refused.status_code, refused.json()["code"]) == (429, "receipt-lookups-throttled")
        assert int(refused.headers["Retry-After"]) > 0

    async with client_at(system, "127.0.0.40") as owner:
        seen = await owner.get(RECEIPT, auth=(code, receipt["secret"]))
        assert seen.status_code == 200, seen.text


async def test_a_forged_x_forwarded_for_resets_no_limit_and_the_proxy_s_is_honoured(system):
    system.clock.freeze(WEDNESDAY + timedelta(hours=2))
    async with client_at(system, "127.0.0.50") as guesser:
        for n in range(10):  # ten wrong look-ups on codes that do not exist, each "from" another address
            forged = {"X-Forwarded-For": f"10.0.{n}.1"}
            answer = await guesser.get(RECEIPT, auth=_wrong(f"NOSUCH{n:04d}"), headers=forged)
            assert answer.status_code == 401
        throttled = await guesser.get(RECEIPT, auth=_wrong("NOSUCH9999"), headers={"X-Forwarded-For": "10.0.99.1"})
        assert (throttled.status_code, throttled.json()["code"]) == (429, "receipt-lookups-throttled")
        assert int(throttled.headers["Retry-After"]) == 60

    async with client_at(system, "127.0.0.51") as neighbour:  # another real address has its own count
        assert (await neighbour.get(RECEIPT, auth=_wrong("NOSUCH0000"))).status_code == 401

    if system.processes is None:
        return  # embedded: no proxy is configured, so there is nothing whose header to honour
    reports = f"http://{system.processes.upstreams['reports'][0]}"
    async with client_at(system, "127.0.0.50", reports) as direct:  # past nginx: not a trusted proxy
        forged = await direct.get(RECEIPT, auth=_wrong("NOSUCH0001"), headers={"X-Forwarded-For": "10.0.200.1"})
        assert forged.status_code == 429
    async with client_at(system, "127.0.0.1", reports) as proxy:  # nginx's own address: its header counts
        named = await proxy.get(RECEIPT, auth=_wrong("NOSUCH0002"), headers={"X-Forwarded-For": "127.0.0.50"})
        assert named.status_code == 429
        fresh = await proxy.get(RECEIPT, auth=_wrong("NOSUCH0003"), headers={"X-Forwarded-For": "127.0.0.52"})
        assert fresh.status_code == 401


async def _sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post(TOKEN, data={"grant_type": "password", "username": username, "password": password})


async def test_the_owner_of_an_account_signs_in_during_a_guessing_burst_from_elsewhere(system):
    system.clock.freeze(WEDNESDAY + timedelta(hours=4))
    for attacker in ("127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"):
        async with client_at(system, attacker) as guesser:
            answers = [(await _sign_in(guesser, "huzhou-ajb", f"Wrong#{n}x")).status_code for n in range(5)]
        assert answers == [401, 401, 401, 401, 429]  # the fifth failure from an address makes it wait
    async with client_at(system, "127.0.0.65") as guesser:
        assert (await _sign_in(guesser, "huzhou-ajb", "Wrong#5x")).status_code == 429  # past 20: after one
        assert (await _sign_in(guesser, "huzhou-ajb", DEMO_PASSWORD)).status_code == 429

    async with client_at(system, "127.0.0.66") as owner:
        assert (await _sign_in(owner, "huzhou-ajb", DEMO_PASSWORD)).status_code == 200


async def test_unknown_and_known_user_names_are_answered_alike(system):
    system.clock.freeze(WEDNESDAY + timedelta(hours=6))
    answers = {}
    for username, address in ((f"nobody-{secrets.token_hex(3)}", "127.0.0.67"), ("xinshi-town", "127.0.0.68")):
        async with client_at(system, address) as client:
            replies = [await _sign_in(client, username, "Wrong#password1") for _ in range(6)]
        answers[username.split("-")[0]] = [
            (reply.status_code, reply.json()["code"], reply.headers.get("retry-after")) for reply in replies
        ]
    assert answers["nobody"] == answers["xinshi"]
    assert [status for status, _, _ in answers["nobody"]] == [401, 401, 401, 401, 429, 429]


@pytest.fixture
def default_intake_limits(system) -> Iterator[None]:
    """The reports service with its default intake and upload limits (the shared systems allow
    the other tests many more): in embedded mode set on the running app, in the stack by
    restarting the reports processes with them."""
    names = ("intakes_per_address", "uploads_per_address")
    defaults = {name: ReportsSettings.model_fields[name].default for name in names}
    if system.dispatcher is not None:
        settings = system.dispatcher.apps["/api/v1/reports"].state.runtime.settings
        before = {name: getattr(settings, name) for name in names}
        for name, value in defaults.items():
            setattr(settings, name, value)
        yield
        for name, value in before.items():
            setattr(settings, name, value)
        return
    stack = system.processes
    before = dict(stack.env["reports"])
    stack.env["reports"] |= {f"QL_REPORTS_{name.upper()}": str(value) for name, value in defaults.items()}
    stack.stop("reports")
    stack.start("reports")
    try:
        yield
    finally:
        stack.env["reports"] = before
        stack.stop("reports")
        stack.start("reports")


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_the_11th_intake_and_the_31st_upload_from_one_address_wait(system, default_intake_limits):
    system.clock.freeze(WEDNESDAY + timedelta(hours=8))
    async with client_at(system, "127.0.0.70") as reporter:
        for _ in range(10):
            await submit(SimpleNamespace(client=reporter))
        body = {
            "channel": "miniprogram",
            "category": "major_hazard",
            "facts": "仓库消防通道被货物堵死，灭火器过期",
            "enterprise_code": ENTERPRISE,
            "region_code": "330521",
            "consent": await consent(system),
        }
        eleventh = await reporter.post(TIP_OFFS, json=body, headers={"Idempotency-Key": secrets.token_hex(8)})
        assert (eleventh.status_code, eleventh.json()["code"]) == (429, "intake-throttled")
        assert eleventh.headers["content-type"].startswith("application/problem+json")
        assert 0 < int(eleventh.headers["Retry-After"]) <= 3600

        photo = _photo()
        uploads = [(await reporter.post(MEDIA, files={"file": ("p.jpg", photo, "image/jpeg")})) for _ in range(31)]
        assert [u.status_code for u in uploads] == [201] * 30 + [429]
        assert uploads[-1].json()["code"] == "uploads-throttled" and int(uploads[-1].headers["Retry-After"]) > 0

    async with client_at(system, "127.0.0.71") as other:  # another address is not held up
        await submit(SimpleNamespace(client=other))

    system.clock.advance(timedelta(hours=1, seconds=1))  # the window has passed
    async with client_at(system, "127.0.0.70") as reporter:
        await submit(SimpleNamespace(client=reporter))


async def test_refused_intakes_count_and_a_retry_answered_from_its_receipt_does_not(system, default_intake_limits):
    """Refused tip-offs count against the address like taken ones (else refusals would be a free
    way to probe); a retry with the key of a tip-off already taken is answered with its receipt
    and is not another intake — a reporter whose network dropped at the tenth gets it back."""
    system.clock.freeze(WEDNESDAY + timedelta(hours=10))
    body = {
        "channel": "miniprogram",
        "category": "major_hazard",
        "facts": "危化品仓库的可燃气体报警器被拆除，夜间仍在装卸",
        "region_code": "330521",
        "consent": await consent(system),
    }
    async with client_at(system, "127.0.0.72") as reporter:
        stale = body | {"consent": {"notice_version": "1999-01", "agreed": True}}  # a notice not shown
        for _ in range(5):
            refused = await reporter.post(TIP_OFFS, json=stale, headers={"Idempotency-Key": secrets.token_hex(8)})
            assert refused.status_code == 422, refused.text
        taken = []
        for _ in range(5):
            key = {"Idempotency-Key": secrets.token_hex(8)}
            response = await reporter.post(TIP_OFFS, json=body, headers=key)
            assert response.status_code == 201, response.text
            taken.append((key, response.json()))
        key, tenth = taken[-1]
        again = await reporter.post(TIP_OFFS, json=body, headers=key)
        assert (again.status_code, again.json()) == (201, tenth)
        eleventh = await reporter.post(TIP_OFFS, json=body, headers={"Idempotency-Key": secrets.token_hex(8)})
        assert (eleventh.status_code, eleventh.json()["code"]) == (429, "intake-throttled")
