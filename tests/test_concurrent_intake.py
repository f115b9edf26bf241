"""Many reporters at once on a cold stack (PostgreSQL, nginx, nothing cached yet): every intake
routes through the same register answer, and the first ones race to cache it. Each gets its 201
and its own receipt; none gets a 5xx, and the connections stay usable."""

import asyncio
import os
import uuid

import httpx
import pytest
from tipoff_flow import ENTERPRISE, TIP_OFFS

from qlstack.postgres import MissingTool
from qlstack.stack import Stack

pytestmark = [pytest.mark.stack, pytest.mark.asyncio]

INTAKES = 32


@pytest.fixture(scope="module")
def cold_stack():
    """A stack of its own: the session's stack has long since cached the register's answers."""
    try:
        running = Stack().__enter__()
    except MissingTool as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must run every test: {exc}")
        pytest.skip(str(exc))
    yield running
    running.down()
    running.remove()


async def test_32_concurrent_intakes_on_a_cold_stack_all_get_their_receipt(cold_stack):
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)  # as the load test
    async with httpx.AsyncClient(base_url=cold_stack.gateway_url, timeout=60, limits=limits) as client:
        notice = (await client.get("/api/v1/reports/privacy-notice")).json()
        body = {
            "channel": "miniprogram",
            "category": "major_hazard",
            "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
            "enterprise_code": ENTERPRISE,
            "region_code": "330521",
            "consent": {"notice_version": notice["version"], "agreed": True},
        }

        async def intake() -> httpx.Response:
            return await client.post(TIP_OFFS, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})

        answers = await asyncio.gather(*(intake() for _ in range(INTAKES)))

    statuses = [answer.status_code for answer in answers]
    assert statuses == [201] * INTAKES, [(a.status_code, a.text[:200]) for a in answers if a.status_code != 201]
    receipts = {answer.json()["receipt_code"] for answer in answers}
    assert len(receipts) == INTAKES  # one receipt each
    assert {answer.json()["routed_to"] for answer in answers} == {"德清县应急管理局"}
