"""The hazards service's transactions side by side on PostgreSQL (the process stack): those that
change several hazards lock them in one order — by id, hazards before returns — so none waits for
another that waits for it; and one that loses such a conflict all the same answers a 503 to retry,
having changed nothing. Another transaction of the test's own holds a hazard to line them up."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from itertools import count

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from qingling.clock import SHANGHAI
from qingling.supervision_events import SupervisedItem, SupervisionRecorded

pytestmark = [pytest.mark.stack, pytest.mark.asyncio]

HAZARDS = "/api/v1/hazards/hazards"
EVENTS = "/api/v1/hazards/events/batch"
YEARS = "/api/v1/hazards/calendar/years"
LOCK = text("SELECT id FROM hazard WHERE id = :id FOR UPDATE")
WAITING = text(
    "SELECT count(*) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE NOT granted AND datname = current_database()"
)
ACTS = count(1_000_001)  # notify's act numbers, which the hazards service takes as they come


async def _hazard(system) -> int:
    """A general hazard of the demo enterprise, to be rectified within 30 days from now."""
    body = {"title": "配电室门口堆放杂物", "description": "配电室门口堆放纸箱，影响应急通行", "grade": "general",
            "found_at": "2025-11-03T08:30:00+08:00"}  # fmt: skip
    reported = await system.client.post(HAZARDS, json=body, headers=await system.login("demo-enterprise"))
    assert reported.status_code == 201, reported.text
    order = {"measures": "限期清理", "responsible_person": "王强", "funds": "无需资金", "acceptor": "李安"}
    url = f"{HAZARDS}/{reported.json()['id']}/accept_general"
    accepted = await system.client.post(url, json=order, headers=await system.login("deqing-yjj"))
    assert accepted.status_code == 200, accepted.text
    return reported.json()["id"]


def _urged(hazard_id: int, moment: datetime) -> dict:
    """notify's event of a 催办 naming one hazard, as its outbox delivers it."""
    act = next(ACTS)
    event = SupervisionRecorded(
        act_id=act, act_seq=1, action="issue", kind="urge", kind_title="催办", number=None,
        issuer_name="湖州市安委办", actor="service:notify", summary="湖州市安委办发出催办：隐患整改逾期",
        items=[SupervisedItem(item_type="hazard", item_id=hazard_id)],
    )  # fmt: skip
    return event.envelope(subject=f"supervision/{act}", source="notify", occurred_at=moment).model_dump(mode="json")


async def _deliver(system, batch: dict) -> asyncio.Task:
    """notify's outbox delivering a batch of events, under way."""
    headers = await system.as_service("notify", "hazards")
    return asyncio.create_task(system.client.post(EVENTS, json=batch, headers=headers))


def _urging(system, hazards: list[int]) -> dict:
    """A batch of 催办 events, one for each of ``hazards``, in this order."""
    return {"events": [_urged(hazard, system.clock.now()) for hazard in hazards]}


@asynccontextmanager
async def _database(system) -> AsyncIterator[tuple[AsyncConnection, AsyncConnection]]:
    """A transaction in the hazards service's database, and a connection that watches it."""
    engine = create_async_engine(system.processes.env["hazards"]["QL_HAZARDS_DATABASE_URL"])
    try:
        async with engine.connect() as other, engine.connect() as watcher:
            await watcher.execution_options(isolation_level="AUTOCOMMIT")
            yield other, watcher
    finally:
        await engine.dispose()


async def _until_waiting(watcher: AsyncConnection, transactions: int) -> None:
    """Until that many of the database's transactions wait for a row lock."""
    async with asyncio.timeout(20):
        while (await watcher.execute(WAITING)).scalar_one() < transactions:  # noqa: ASYNC110 - other processes
            await asyncio.sleep(0.05)


async def _actions(system, hazard: int) -> list[str]:
    history = await system.client.get(f"{HAZARDS}/{hazard}/history", headers=await system.login("deqing-yjj"))
    assert history.status_code == 200, history.text
    return [entry["action"] for entry in history.json()]


async def test_a_year_is_withdrawn_while_supervision_events_about_its_hazards_are_taken(stack):
    """Withdrawing a year counts again every open time limit reaching into it, locking each hazard
    by id; a batch of 督办 events from notify names hazards in the order the acts were issued. It
    took them in that order, crosswise to the recount — PostgreSQL ended the withdrawal in a
    deadlock, a 500 (once in CI, leaving the year loaded). A batch now locks what it names in the
    recount's order before it takes any event."""
    stack.clock.freeze(datetime(2027, 3, 1, 10, 0, tzinfo=SHANGHAI))  # the hazards' limits run into 2027
    try:
        first, second, third = [await _hazard(stack) for _ in range(3)]
        admin = await stack.login("nation-admin")
        years = (await stack.client.get(YEARS, headers=admin)).json()["years"]
        statutory = [day["day"] for year in years if year["year"] == 2027 for day in year["statutory_holidays"]]
        arrangement = {"holidays": statutory, "makeup_workdays": [], "source": "测试用放假安排（非真实通知）"}
        loaded = await stack.client.put(f"{YEARS}/2027", json=arrangement, headers=admin)
        assert loaded.status_code == 200, loaded.text
        async with _database(stack) as (other, watcher):
            await other.execute(LOCK, {"id": third})  # held a moment longer by another transaction
            delivery = await _deliver(stack, _urging(stack, [second, third, first]))
            await _until_waiting(watcher, 1)  # the batch, for the third
            withdrawal = asyncio.create_task(stack.client.delete(f"{YEARS}/2027", headers=admin))
            await _until_waiting(watcher, 2)  # and the recount, for the first (was: for the second)
            await other.commit()
            delivered, withdrawn = await delivery, await withdrawal
    finally:
        stack.clock.reset()

    assert withdrawn.status_code == 204, withdrawn.text
    assert delivered.status_code == 200, delivered.text
    assert [result["status"] for result in delivered.json()["results"]] == ["processed"] * 3
    for hazard in (first, second, third):
        actions = await _actions(stack, hazard)
        assert {"supervision.urge.issue", "recount_deadline"} <= set(actions), actions


async def test_a_request_that_loses_a_deadlock_changes_nothing_and_is_answered_503_to_retry(stack):
    first, second = await _hazard(stack), await _hazard(stack)
    batch = _urging(stack, [first, second])
    async with _database(stack) as (other, watcher):
        await other.execute(LOCK, {"id": second})
        delivery = await _deliver(stack, batch)  # holds the first, waits for the second
        await _until_waiting(watcher, 1)
        await other.execute(LOCK, {"id": first})  # each waits for the other: PostgreSQL ends the batch
        await other.commit()
        lost = await delivery

    assert lost.status_code == 503, lost.text
    assert lost.headers["content-type"] == "application/problem+json"
    assert lost.json()["code"] == "database-conflict" and lost.headers["retry-after"] == "1"
    assert "supervision.urge.issue" not in await _actions(stack, first)
    retried = await (await _deliver(stack, batch))  # as the outbox does: none of its events was taken
    assert [result["status"] for result in retried.json()["results"]] == ["processed"] * 2
    assert "supervision.urge.issue" in await _actions(stack, first)
