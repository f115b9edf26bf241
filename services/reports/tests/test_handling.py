"""Handling beyond the straight path: a hotline operator enters a call, verification is extended
once with the level above's approval (the reporter told why), and a city department takes a
county's case directly."""

import uuid
from datetime import datetime

import pytest
from sqlalchemy import insert, select
from tipoff_flow import tip_off_id, to_reply

from qingling.clock import SHANGHAI
from reports.tipoffs import service
from reports.tipoffs.models import TipOff

pytestmark = pytest.mark.asyncio

TIP_OFFS = "/api/v1/reports/tip-offs"
CALL = {
    "channel": "hotline_12345",
    "call_reference": "12345-20240902-0187",
    "call_at": "2024-09-02T10:12:00+08:00",
    "category": "major_hazard",
    "facts": "来电反映：某钢结构公司车间内无证人员违规电焊，旁边堆放油漆桶",
    "enterprise_code": "91330521MA2B3C4D5Q",
    "region_code": "330521",
}


async def _entered(embedded) -> tuple[int, dict]:
    notice = (await embedded.client.get("/api/v1/reports/privacy-notice")).json()
    body = CALL | {"consent": {"notice_version": notice["version"], "agreed": True}}
    headers = {**await embedded.login("deqing-12345"), "Idempotency-Key": str(uuid.uuid4())}
    receipt = await embedded.client.post(f"{TIP_OFFS}/entered", json=body, headers=headers)
    assert receipt.status_code == 201, receipt.text
    return await tip_off_id(embedded, receipt.json(), await embedded.login("deqing-yjj")), receipt.json()


async def test_an_operator_enters_a_call_and_only_operators_may(embedded):
    embedded.clock.freeze(datetime(2024, 9, 2, 10, 20, tzinfo=SHANGHAI))
    number, receipt = await _entered(embedded)
    tip_off = (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=await embedded.login("deqing-yjj"))).json()

    assert (tip_off["channel"], tip_off["call_reference"]) == ("hotline_12345", "12345-20240902-0187")
    assert tip_off["entered_by"].startswith("account:") and receipt["routed_to"] == "德清县应急管理局"
    by_regulator = await embedded.client.post(
        f"{TIP_OFFS}/entered", json=CALL, headers={**await embedded.login("deqing-yjj"), "Idempotency-Key": "k"}
    )
    assert by_regulator.status_code == 403


async def test_verification_is_extended_once_by_the_level_above(embedded):
    embedded.clock.freeze(datetime(2024, 9, 2, 10, 20, tzinfo=SHANGHAI))
    number, receipt = await _entered(embedded)
    county = await embedded.login("deqing-yjj")
    for action in ("sign", "accept"):
        assert (await embedded.client.post(f"{TIP_OFFS}/{number}/{action}", headers=county)).status_code == 200
    request = {"days": 30, "reason": "需委托第三方检测机构出具检测报告"}
    asked = await embedded.client.post(f"{TIP_OFFS}/{number}/request_extension", json=request, headers=county)
    assert asked.status_code == 200, asked.text

    by_county = await embedded.client.post(
        f"{TIP_OFFS}/{number}/grant_extension", json={"reason": "同意"}, headers=county
    )
    granted = await embedded.client.post(
        f"{TIP_OFFS}/{number}/grant_extension", json={"reason": "同意延期"}, headers=await embedded.login("huzhou-yjj")
    )
    again = await embedded.client.post(f"{TIP_OFFS}/{number}/request_extension", json=request, headers=county)

    assert (by_county.status_code, by_county.json()["code"]) == (403, "not-the-authority")
    assert by_county.json()["authority"] == "level_above" and "德清县应急管理局" in by_county.json()["detail"]
    assert granted.status_code == 200, granted.text
    assert granted.json()["step_due_at"] == "2024-12-02T23:59:59+08:00"  # 60 + 30 日 from 2 Sep: 1 Dec is a Sunday
    assert (again.status_code, again.json()["code"]) == (409, "already-extended")
    seen = await embedded.client.get(
        "/api/v1/reports/receipts/tip-off", auth=(receipt["receipt_code"], receipt["secret"])
    )
    assert any("第三方检测" in m["text"] for m in seen.json()["messages"])  # told why


async def test_a_city_department_takes_a_county_case_directly(embedded):
    embedded.clock.freeze(datetime(2024, 9, 2, 10, 20, tzinfo=SHANGHAI))
    number, _ = await _entered(embedded)

    by_county = await embedded.client.post(
        f"{TIP_OFFS}/{number}/take_over", json={"reason": "提级"}, headers=await embedded.login("wuxing-yjj")
    )
    taken = await embedded.client.post(
        f"{TIP_OFFS}/{number}/take_over",
        json={"reason": "涉及多个区县，提级办理"},
        headers=await embedded.login("huzhou-yjj"),
    )

    assert by_county.status_code == 404  # 吴兴区 cannot see 德清县's tip-offs at all
    assert taken.status_code == 200, taken.text
    assert (taken.json()["state"], taken.json()["lead_department"]) == ("signed", "湖州市应急管理局")
    refused = await embedded.client.post(f"{TIP_OFFS}/{number}/accept", headers=await embedded.login("deqing-yjj"))
    assert (refused.status_code, refused.json()["code"]) == (403, "not-the-authority")
    assert "湖州市应急管理局" in refused.json()["detail"]  # the case is the city's now; the county still reads it
    assert (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=await embedded.login("deqing-yjj"))).json()[
        "handled_by"
    ][0]["department"] == "德清县应急管理局"


async def test_an_operator_enters_a_callers_objection_and_a_handler_may_not(embedded):
    embedded.clock.freeze(datetime(2024, 9, 2, 10, 20, tzinfo=SHANGHAI))
    number, _ = await _entered(embedded)
    handler = await embedded.login("deqing-yjj")
    await to_reply(embedded, handler, number)
    objection = {"reason": "来电人对答复不满意：现场仍在违规动火"}
    refused = await embedded.client.post(f"{TIP_OFFS}/{number}/object", json=objection, headers=handler)
    assert (refused.status_code, refused.json()["code"]) == (403, "role-not-allowed")  # the route admits operators only
    operator = await embedded.login("deqing-12345")
    entered = await embedded.client.post(f"{TIP_OFFS}/{number}/object", json=objection, headers=operator)
    assert entered.status_code == 200, entered.text
    assert entered.json()["state"] == "objected" and entered.json()["details"]["objection"]["entered_by"].startswith(
        "account:"
    )


async def test_a_receipt_code_already_issued_is_drawn_again(embedded):
    """Intake does not look a drawn code up first: the table's unique key refuses a repeat as the
    tip-off is written, and the intake's transaction is run again with a new code."""
    number, receipt = await _entered(embedded)
    runtime = embedded.dispatcher.apps["/api/v1/reports"].state.runtime
    table = TipOff.__table__
    draws = [receipt["receipt_code"], "ZZZZZZZZZZ"]  # the first draw repeats the issued code

    async def intake() -> int:
        async with runtime.unit_of_work() as session:
            row = dict((await session.execute(select(table).where(table.c.id == number))).mappings().one())
            row = {name: value for name, value in row.items() if name != "id"} | {"receipt_code": draws.pop(0)}
            return (await session.execute(insert(table).values(row).returning(table.c.id))).scalar_one()

    again = await service.issued_once(intake)

    assert draws == [] and again != number
    async with runtime.unit_of_work() as session:
        codes = (await session.execute(select(table.c.receipt_code).where(table.c.id.in_([number, again])))).scalars()
        assert sorted(codes) == sorted([receipt["receipt_code"], "ZZZZZZZZZZ"])
