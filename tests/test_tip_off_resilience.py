"""The process stack (PostgreSQL, nginx, each service its own process): a tip-off verified while
the hazards service is down still becomes exactly one hazard once it is back, and receipt guessing
is throttled by counters every reports process shares."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest
from tipoff_flow import FINDING, TIP_OFFS, act, submit, tip_off_id, until

from qingling.clock import SHANGHAI
from qlstack.stack import free_port

pytestmark = [pytest.mark.asyncio, pytest.mark.stack]

TUESDAY = datetime(2024, 9, 3, 9, 0, tzinfo=SHANGHAI)


async def test_a_tip_off_verified_while_hazards_is_down_becomes_one_hazard(stack):
    stack.clock.freeze(TUESDAY)
    receipt = await submit(stack)
    handler = await stack.login("deqing-yjj")
    number = await tip_off_id(stack, receipt, handler)
    await act(stack, handler, number, "sign")
    await act(stack, handler, number, "accept")

    stack.processes.stop("hazards")
    try:
        down = await stack.client.get("/api/v1/hazards/readyz")
        assert (down.status_code, down.json()["code"]) == (503, "service-unavailable")
        concluded = await act(stack, handler, number, "conclude", FINDING)  # reports does not wait for hazards
        assert (concluded["state"], concluded["hazard_id"]) == ("concluded", None)
        await asyncio.sleep(3)  # the relay tries, is answered 503, and schedules a retry
    finally:
        stack.processes.start("hazards")
    stack.clock.advance(timedelta(minutes=20))  # past the longest backoff; the retry comes due
    handler = await stack.login("deqing-yjj")

    async def linked():
        tip_off = (await stack.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off["hazard_id"]

    hazard_id = await until(linked)
    await asyncio.sleep(2)  # any further delivery would have landed by now
    hazards = (
        await stack.client.get("/api/v1/hazards/hazards", params={"source": "tip_off", "limit": 500}, headers=handler)
    ).json()
    from_it = [h["id"] for h in hazards["items"] if h["source_ref"] == f"tip_off:{number}"]
    assert from_it == [hazard_id]


@pytest.fixture
def second_reports_process(stack) -> Iterator[str]:
    """Another reports process on the stack's database, as a second replica would be."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "qlstack.cli", "serve", "reports", "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, **stack.processes.env["reports"]},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/reports/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the second reports process did not start"
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_receipt_guessing_is_throttled_across_two_reports_processes(stack, second_reports_process):
    stack.clock.freeze(TUESDAY)
    receipt = await submit(stack)
    processes = [f"http://{stack.processes.upstreams['reports'][0]}", second_reports_process]
    follow = "/api/v1/reports/receipts/tip-off"
    async with httpx.AsyncClient(timeout=10) as client:
        wrong = (receipt["receipt_code"], "0000-0000-0000-0000")
        answers = [(await client.get(f"{processes[i % 2]}{follow}", auth=wrong)).status_code for i in range(6)]
        # Five failures per receipt code in all, wherever they land: three went to each process.
        assert answers == [401, 401, 401, 401, 401, 429]
        right = await client.get(f"{processes[1]}{follow}", auth=(receipt["receipt_code"], receipt["secret"]))
        assert (right.status_code, right.json()["code"]) == (429, "receipt-lookups-throttled")
        assert int(right.headers["Retry-After"]) > 0
        other = await submit(stack)  # another receipt from the same address: that address is under its limit
        ok = await client.get(f"{processes[0]}{follow}", auth=(other["receipt_code"], other["secret"]))
        assert ok.status_code == 200
    stack.clock.advance(timedelta(minutes=16))  # the window passes
    seen = await stack.client.get(follow, auth=(receipt["receipt_code"], receipt["secret"]))
    assert seen.status_code == 200
