"""Helpers for tests that drive tip-offs through the running system over HTTP."""

import asyncio
import uuid
from datetime import datetime

from qingling.clock import SHANGHAI

MONDAY = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
ENTERPRISE = "91330521MA2B3C4D5Q"  # a registered 工贸 enterprise in 德清县
TIP_OFFS = "/api/v1/reports/tip-offs"


async def consent(system) -> dict:
    notice = (await system.client.get("/api/v1/reports/privacy-notice")).json()
    return {"notice_version": notice["version"], "agreed": True}


async def submit(system, headers=None, **fields) -> dict:
    body = {
        "channel": "miniprogram",
        "category": "major_hazard",
        "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": await consent(system),
    } | fields
    response = await system.client.post(
        TIP_OFFS, json=body, headers={"Idempotency-Key": str(uuid.uuid4()), **(headers or {})}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def as_reporter(system, receipt: dict) -> dict:
    response = await system.client.get(
        "/api/v1/reports/receipts/tip-off", auth=(receipt["receipt_code"], receipt["secret"])
    )
    assert response.status_code == 200, response.text
    return response.json()


async def tip_offs(system, headers: dict) -> list[dict]:
    """Every tip-off the caller can see, following the pages."""
    items, after = [], None
    while True:
        params = {"limit": 500} | ({"after": after} if after else {})
        page = (await system.client.get(TIP_OFFS, params=params, headers=headers)).json()
        items += page["items"]
        if not (after := page["next_after"]):
            return items


async def tip_off_id(system, receipt: dict, headers: dict) -> int:
    return next(t["id"] for t in await tip_offs(system, headers) if t["receipt_code"] == receipt["receipt_code"])


async def act(system, headers: dict, tip_off: int, action: str, body: dict | None = None) -> dict:
    response = await system.client.post(f"{TIP_OFFS}/{tip_off}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def until(condition):
    """Polls until the outbox relay has delivered (every 0.2 s embedded, every 1 s in the stack)."""
    async with asyncio.timeout(20):
        while not (result := await condition()):  # noqa: ASYNC110 - polling another service
            await asyncio.sleep(0.2)
    return result


FINDING = {
    "outcome": "true",
    "findings": "现场核查：二号车间确有未经审批的电气焊作业，周边堆放易燃物",
    "hazard": {
        "title": "易燃物旁违规动火作业",
        "description": "二号车间在易燃物旁进行电气焊作业，未办理动火审批，无人监护",
        "grade": "major",
        "basis_standard": "GM2023",
        "basis_clause": "第三条(二)",
        "tags": ["welding"],
        "report": {
            "condition": "车间违规动火，易燃物未清理",
            "harm": "可能引发火灾爆炸，须停止动火作业",
            "plan": "停止动火，清理易燃物，建立动火审批制度",
        },
    },
}

RECEIPT = "/api/v1/reports/receipts/tip-off"
REPLY = {"message": "经核查，您反映的违规动火问题属实，已责令停止作业、清理易燃物并限期整改。"}


async def entered(system, operator: dict, **fields) -> dict:
    """A hotline call entered by an operator; answers the receipt read out to the caller."""
    body = {
        "channel": "hotline_12345",
        "call_reference": f"12345-{uuid.uuid4().hex[:8]}",
        "category": "major_hazard",
        "facts": "来电反映：车间内有人在油漆桶旁违规电焊，没有动火审批",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": await consent(system),
    } | fields
    response = await system.client.post(
        f"{TIP_OFFS}/entered", json=body, headers={**operator, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert response.status_code == 201, response.text
    return response.json()


async def to_reply(system, handler: dict, tip_off: int, finding: dict = FINDING, *, start: int = 0) -> dict:
    """Signs, accepts, concludes with ``finding`` and replies — from step ``start`` on: the straight
    path of a true tip-off."""
    steps = [("sign", None), ("accept", None), ("conclude", finding), ("reply", REPLY)]
    for action, body in steps[start:]:
        answer = await act(system, handler, tip_off, action, body)
    return answer


async def reporter_post(system, receipt: dict, path: str, body: dict):
    return await system.client.post(f"{RECEIPT}{path}", json=body, auth=(receipt["receipt_code"], receipt["secret"]))


# ---------------------------------------------------------------------------------------- rewards

REWARDS = "/api/v1/reports/rewards"
FINE_40000 = {"basis": "fine", "fine_yuan": 40_000, "penalty_ref": "（德）应急罚〔2024〕17号",
              "known_before": False, "reporter_is_staff": False}  # fmt: skip


def finding_on(enterprise: str) -> dict:
    return FINDING | {"hazard": FINDING["hazard"] | {"enterprise_code": enterprise}}


async def linked(system, receipt: dict) -> bool:
    return (await as_reporter(system, receipt))["hazard_state"] is not None


async def reward_action(system, headers: dict, reward: int, action: str, body: dict | None = None) -> dict:
    response = await system.client.post(f"{REWARDS}/{reward}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def rewarded(system, handler: dict, leader: dict, receipt: dict, enterprise: str = ENTERPRISE) -> dict:
    """A true tip-off answered, assessed on a ¥40,000 fine, decided and told."""
    number = await tip_off_id(system, receipt, handler)
    await to_reply(system, handler, number, finding_on(enterprise))
    await until(lambda: linked(system, receipt))  # listed as a hazard before the clock moves on
    assessed = await system.client.post(f"{TIP_OFFS}/{number}/reward", json=FINE_40000, headers=handler)
    assert assessed.status_code == 201, assessed.text
    reward = assessed.json()
    if reward["state"] == "eligible":
        await reward_action(system, leader, reward["id"], "decide", {})
        reward = await reward_action(system, handler, reward["id"], "notify")
    return reward
