"""不予受理 names its ground (domain.md §3), and a ground that does not fit the tip-off is refused:
a duplicate must point at an accepted matter, and only an employee reporting their own employer
without a real name and contact may be refused for that (应急〔2020〕69号)."""

import uuid

import pytest
from tipoff_flow import tip_off_id

pytestmark = pytest.mark.asyncio

TIP_OFFS = "/api/v1/reports/tip-offs"
ENTERPRISE = "91330521MA2B3C4D5Q"
REAL_NAME = {"name": "王建国", "phone": "13700001111"}


async def _received(embedded, handler: dict, **fields) -> tuple[int, dict]:
    notice = (await embedded.client.get("/api/v1/reports/privacy-notice")).json()
    body = {
        "channel": "h5",
        "category": "illegal_act",
        "facts": "公司要求工人在没有培训、没有防护的情况下进入有限空间作业",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": {"notice_version": notice["version"], "agreed": True},
    } | fields
    receipt = await embedded.client.post(TIP_OFFS, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert receipt.status_code == 201, receipt.text
    number = await tip_off_id(embedded, receipt.json(), handler)
    signed = await embedded.client.post(f"{TIP_OFFS}/{number}/sign", headers=handler)
    assert signed.status_code == 200, signed.text
    return number, receipt.json()


async def _refuse(embedded, handler: dict, number: int, ground: str, **fields):
    body = {"ground": ground, "explanation": "经审查，依规定不予受理"} | fields
    return await embedded.client.post(f"{TIP_OFFS}/{number}/refuse", json=body, headers=handler)


@pytest.fixture
async def handler(embedded) -> dict:
    return await embedded.login("deqing-yjj")


async def test_an_employee_reporting_their_employer_without_a_name_may_be_refused(embedded, handler):
    number, receipt = await _received(embedded, handler, employee=True)

    refused = await _refuse(embedded, handler, number, "employee_without_name")

    assert (refused.status_code, refused.json()["state"]) == (200, "refused")
    seen = await embedded.client.get(
        "/api/v1/reports/receipts/tip-off", auth=(receipt["receipt_code"], receipt["secret"])
    )
    assert any("未提供真实姓名" in m["text"] for m in seen.json()["messages"])  # the reporter is told why


@pytest.mark.parametrize(
    "fields", [{"employee": True, "reporter": REAL_NAME}, {"employee": False}], ids=["named-employee", "not-employee"]
)
async def test_the_employee_ground_does_not_fit_anyone_else(embedded, handler, fields):
    number, _ = await _received(embedded, handler, **fields)

    refused = await _refuse(embedded, handler, number, "employee_without_name")

    assert (refused.status_code, refused.json()["code"]) == (422, "refusal-ground-not-applicable")
    tip_off = (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    assert tip_off["state"] == "signed"  # nothing changed


async def test_a_duplicate_is_refused_only_against_an_accepted_matter_and_linked_to_it(embedded, handler):
    first, _ = await _received(embedded, handler)
    second, _ = await _received(embedded, handler)

    too_early = await _refuse(embedded, handler, second, "duplicate", duplicate_of=first)
    await embedded.client.post(f"{TIP_OFFS}/{first}/accept", headers=handler)
    refused = await _refuse(embedded, handler, second, "duplicate", duplicate_of=first)
    without_link = await _refuse(embedded, handler, (await _received(embedded, handler))[0], "duplicate")

    assert (too_early.status_code, too_early.json()["errors"][0]["field"]) == (422, "/duplicate_of")
    assert (refused.status_code, refused.json()["duplicate_of"]) == (200, first)
    assert without_link.status_code == 422


@pytest.mark.parametrize("ground", ["no_target_or_facts", "other_procedure"])
async def test_the_other_grounds_are_recorded_and_told(embedded, handler, ground):
    number, _ = await _received(embedded, handler)

    refused = await _refuse(embedded, handler, number, ground)

    assert refused.status_code == 200
    assert refused.json()["details"]["refusal"]["ground"] == ground
    history = (await embedded.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    assert history[-1]["action"] == "refuse" and history[-1]["reason"] == "经审查，依规定不予受理"


async def test_only_the_lead_department_decides(embedded, handler):
    number, _ = await _received(embedded, handler)

    by_other_department = await _refuse(embedded, await embedded.login("deqing-zjj"), number, "other_procedure")
    by_other_county = await _refuse(embedded, await embedded.login("wuxing-yjj"), number, "other_procedure")

    assert (by_other_department.status_code, by_other_department.json()["code"]) == (403, "not-the-authority")
    assert "德清县应急管理局" in by_other_department.json()["detail"]  # the lead, by name
    assert by_other_county.status_code == 404  # outside its jurisdiction: not even there
