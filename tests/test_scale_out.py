"""Scale-out (issue 24, acceptances 1 and 2) on a stack of its own: two API replicas of every
service and two worker processes per service, behind nginx, on PostgreSQL.

1. The cross-service flows pass on it: a tip-off taken in and concluded true becomes a hazard
   (reports → hazards), its reminder ladder is planned and a warning sent when the clock reaches
   it (hazards → notify), and the enterprise's own system receives both as signed webhooks.
2. Chaos: one hazards API replica and one reports worker SIGKILLed at moments drawn from each of
   five seeds while a client drives flows, retrying each request with its Idempotency-Key — every
   request applied once, every outbox event delivered once, every audit chain intact
   (tests/support/chaos_harness.py; twenty seeds in bench/chaos.py).
"""

import json
from datetime import datetime

import pytest
from chaos_harness import chaos
from hazard_flow import HazardFlow
from systems import LOCAL_RECEIVERS, stack_system
from tipoff_flow import FINDING, MONDAY, submit, tip_off_id, to_reply, until

from qingling.clock import SHANGHAI
from qlstack.services import SERVICE_NAMES
from standins import serving
from standins.webhooks import Receiver

pytestmark = [pytest.mark.stack, pytest.mark.asyncio]

REPLICAS, WORKERS = 2, 2
CHAOS_SEEDS = [1, 2, 3, 4, 5]
HAZARDS = "/api/v1/hazards/hazards"
NOTIFY = "/api/v1/notify"


@pytest.fixture(scope="module")
async def scaled(request: pytest.FixtureRequest):
    stack = {"replicas": dict.fromkeys(SERVICE_NAMES, REPLICAS), "workers": WORKERS, "settings": LOCAL_RECEIVERS}
    async with stack_system(request, **stack) as system:
        yield system


async def test_a_tip_off_becomes_a_hazard_whose_reminders_and_webhooks_go_out_on_two_replicas_and_two_workers(
    scaled, summary
):
    processes = scaled.processes
    assert sorted(label for label, _ in processes.processes) == sorted(
        [f"{name}-api-{n}" for name in SERVICE_NAMES for n in range(REPLICAS)]
        + [f"{name}-worker" for name in SERVICE_NAMES] + [f"{name}-worker-2" for name in SERVICE_NAMES]
    )  # fmt: skip
    scaled.clock.freeze(MONDAY)
    receiver = Receiver()
    with serving(receiver.app()) as url:
        receiver.url = f"{url}/hooks"
        enterprise = await scaled.login("demo-enterprise")
        subscription = {"url": receiver.url, "event_types": ["hazard.changed", "reminder.sent"]}
        endpoint = await scaled.client.post(f"{NOTIFY}/webhooks", json=subscription, headers=enterprise)
        assert endpoint.status_code == 201, endpoint.text
        receiver.secrets = [endpoint.json()["secret"]]

        # Tip-off → hazard: concluded true in reports, made a hazard by hazards from the event.
        receipt = await submit(scaled)
        handler = await scaled.login("deqing-yjj")
        number = await tip_off_id(scaled, receipt, handler)
        await to_reply(scaled, handler, number, FINDING)

        async def converted():
            return (await scaled.client.get(f"/api/v1/reports/tip-offs/{number}", headers=handler)).json()["hazard_id"]

        hazard = await until(converted)
        flow = HazardFlow(scaled)
        assert (await flow.ok("GET", f"{HAZARDS}/{hazard}", "deqing-yjj"))["source_ref"] == f"tip_off:{number}"

        # Hazard → reminders: confirmed and listed to 20 September, its ladder planned by notify.
        await flow.act(hazard, "confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕58号"})
        await flow.act(hazard, "list", "deqing-yjj", {
            "notice_no": "〔2024〕58号", "listed_on": "2024-09-02", "deadline": "2024-09-20",
            "measures": "停止动火，清理易燃物", "responsible_unit": "德清示范企业", "responsible_person": "王强",
            "supervising_department_id": await flow.department("330521"),
        })  # fmt: skip

        async def reminders():
            params = {"item_type": "hazard", "item_id": hazard}
            answer = await scaled.client.get(f"{NOTIFY}/reminders", params=params, headers=handler)
            return answer.json() if answer.status_code == 200 and len(answer.json()) == 6 else None

        assert {r["step"]: r["due_at"] for r in await until(reminders)}["warn_15"] == "2024-09-05T09:00:00+08:00"
        scaled.clock.freeze(datetime(2024, 9, 5, 10, 0, tzinfo=SHANGHAI))  # the first warning falls due
        handler = await scaled.login("deqing-yjj")  # three days on: signed in again

        async def warned():
            return next((r for r in await reminders() or [] if r["step"] == "warn_15" and r["state"] == "sent"), None)

        await until(warned)

        # … and the enterprise's system is told of both, each once, signed.
        def told(kind: str, **data) -> list[dict]:
            bodies = [json.loads(body) for body in receiver.accepted.values()]
            return [b for b in bodies if b["type"] == kind and data.items() <= b["data"].items()]

        async def webhooks():
            return told("reminder.sent", item_id=hazard, step="warn_15") and told("hazard.changed", hazard_id=hazard)

        await until(webhooks)
        assert len(told("reminder.sent", item_id=hazard, step="warn_15")) == 1
        assert all(arrival.verified for arrival in receiver.arrivals)
    scaled.clock.reset()

    summary(
        f"scale-out: {len(SERVICE_NAMES)} services × {REPLICAS} API replicas × {WORKERS} workers behind nginx "
        "on PostgreSQL: tip-off → hazard → reminders → webhook passed"
    )


async def test_a_hazards_replica_and_a_reports_worker_killed_mid_flow_lose_nothing_and_apply_nothing_twice(
    scaled, summary
):
    outcome = await chaos(scaled.processes, CHAOS_SEEDS)
    summary(outcome.line())
    assert outcome.seeds == CHAOS_SEEDS
    assert len(outcome.tally.kills) == 2 * len(CHAOS_SEEDS)
