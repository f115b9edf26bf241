"""Webhook deliveries at scale on PostgreSQL (issue 10): two worker processes share 10,000 due
messages through row locks, one is killed with SIGKILL mid-run, and nothing is lost — the rows
it had claimed come back when their lease runs out. Delivery is at least once: the receiver
drops duplicates by ``webhook-id``; at most the killed worker's batch in flight arrives twice."""

import asyncio
from datetime import timedelta

import pytest
from due_webhooks import insert_due_messages

from standins import serving
from standins.webhooks import Receiver

MESSAGES = 10_000
BATCH = 200  # the workers' claim size (QL_NOTIFY_WEBHOOK_BATCH_SIZE default)
# A batch's lease: long enough for every message of it to time out at its receiver, 8 at a time.
LEASE = timedelta(seconds=-(-BATCH // 8) * 10 + 30)


def _batches(log_file) -> int:
    return sum('"webhook batch sent"' in line for line in log_file.read_text().splitlines())


@pytest.mark.stack
@pytest.mark.asyncio
async def test_two_workers_share_ten_thousand_deliveries_and_a_sigkilled_one_loses_none(stack):
    receiver = Receiver()
    with serving(receiver.app()) as url:
        admin = await stack.login("demo-enterprise")
        created = await stack.client.post(
            "/api/v1/notify/webhooks", json={"url": f"{url}/hooks", "event_types": ["hazard.changed"]}, headers=admin
        )
        assert created.status_code == 201, created.text
        endpoint = created.json()
        receiver.secrets = [endpoint["secret"]]
        processes = stack.processes
        second = processes.add_worker("notify")
        await asyncio.sleep(3)  # both workers polling

        # The endpoint's enterprise is the demo one: other tests' hazard changes may reach it too,
        # so only these messages are counted.
        ours = await insert_due_messages(processes.env["notify"]["QL_NOTIFY_DATABASE_URL"], endpoint["id"], MESSAGES)

        def accepted() -> int:
            return len(ours.intersection(receiver.accepted))

        async with asyncio.timeout(120):
            while accepted() < MESSAGES // 4:  # noqa: ASYNC110 - a receiver in another thread
                await asyncio.sleep(0.05)
        processes.kill(second)  # mid-run, with whatever it had claimed in flight
        killed_at = accepted()
        stack.clock.advance(LEASE + timedelta(minutes=1))  # past the lease of the rows it held

        async with asyncio.timeout(180):
            while accepted() < MESSAGES:  # noqa: ASYNC110 - a receiver in another thread
                await asyncio.sleep(0.1)
        await asyncio.sleep(2)  # anything still on its way

        logs = processes.root / "logs"
        survivor, killed = _batches(logs / "notify-worker.log"), _batches(logs / "notify-worker-2.log")
        arrivals = [arrival for arrival in receiver.arrivals if arrival.msg_id in ours]
        duplicates = len(arrivals) - accepted()
        print(f"\n{MESSAGES} messages: accepted {accepted()}, arrivals {len(arrivals)}, "
              f"duplicates {duplicates}; batches: surviving worker {survivor}, killed worker {killed} "
              f"(killed after {killed_at} accepted)")  # fmt: skip
        await stack.client.post(f"/api/v1/notify/webhooks/{endpoint['id']}/disable", headers=admin)
        stack.clock.reset()

    assert accepted() == MESSAGES  # every id reached the receiver
    assert all(arrival.verified for arrival in arrivals)
    assert survivor > 0 and killed > 0  # the two workers shared the work
    assert duplicates <= BATCH  # no more than the killed worker's batch in flight
