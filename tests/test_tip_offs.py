"""A tip-off from the public, through every service over HTTP: received and routed to the right
department, signed for, accepted, verified as true, turned into exactly one hazard — while the
reporter, holding only a receipt code and a secret, sees each step."""

import uuid
from datetime import datetime, timedelta

import pytest
from tipoff_flow import (
    ENTERPRISE,
    FINDING,
    MONDAY,
    TIP_OFFS,
    act,
    as_reporter,
    consent,
    submit,
    tip_off_id,
    tip_offs,
    until,
)

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio


async def test_an_anonymous_tip_off_becomes_a_hazard_and_the_reporter_sees_every_step(system):
    system.clock.freeze(MONDAY)
    receipt = await submit(system)

    assert receipt["routed_to"] == "德清县应急管理局"
    assert receipt["decision_due_at"] == "2024-09-09T23:59:59+08:00"  # 5 工作日: Tue–Fri and Monday
    seen = await as_reporter(system, receipt)
    assert (seen["state"], seen["step"]) == ("received", "作出受理或不予受理决定")

    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    await act(system, handler, number, "sign")
    accepted = await act(system, handler, number, "accept")
    assert accepted["step_due_at"] == "2024-11-01T23:59:59+08:00"  # 60 日 from 2 Sep
    concluded = await act(system, handler, number, "conclude", FINDING)
    assert concluded["state"] == "concluded"

    async def linked():
        tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off if tip_off["hazard_id"] else None

    hazard_id = (await until(linked))["hazard_id"]
    hazard = (await system.client.get(f"/api/v1/hazards/hazards/{hazard_id}", headers=handler)).json()
    assert (hazard["source"], hazard["source_ref"]) == ("tip_off", f"tip_off:{number}")
    assert (hazard["enterprise_code"], hazard["grade"], hazard["basis_clause"]) == (ENTERPRISE, "major", "第三条(二)")

    reply = {"message": "经核查举报属实，已责令企业停止动火并列为重大事故隐患督促整改。"}
    await act(system, handler, number, "reply", reply)
    await act(system, handler, number, "close")

    seen = await as_reporter(system, receipt)
    assert (seen["state"], seen["outcome"], seen["hazard_state"]) == ("closed", "属实", "已上报")
    told = [message["text"] for message in seen["messages"]]
    for step in ("已收到", "已受理", "已核查完毕", "列入隐患清单", "经核查举报属实", "已办结"):
        assert any(step in text for text in told), (step, told)


async def test_a_tip_off_not_decided_within_five_working_days_shows_overdue_on_the_sixth(system):
    system.clock.freeze(MONDAY)
    receipt = await submit(system)
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)

    system.clock.freeze(datetime(2024, 9, 9, 23, 59, 0, tzinfo=SHANGHAI))  # the fifth working day
    handler = await system.login("deqing-yjj")
    on_time = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    system.clock.freeze(datetime(2024, 9, 10, 8, 30, tzinfo=SHANGHAI))  # the sixth
    handler = await system.login("deqing-yjj")
    late = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()

    assert (on_time["step_overdue"], late["step_overdue"]) == (False, True)
    assert (await as_reporter(system, receipt))["step_overdue"] is True
    overdue = (await system.client.get(TIP_OFFS, params={"step_overdue": "true", "limit": 500}, headers=handler)).json()
    assert number in [item["id"] for item in overdue["items"]]


async def test_the_same_request_sent_twice_gives_one_tip_off_and_the_same_receipt(system):
    system.clock.freeze(MONDAY + timedelta(days=1))
    body = {
        "channel": "h5",
        "category": "general_hazard",
        "facts": "仓库安全出口被货物堵塞，消防通道无法通行",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": await consent(system),
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    first = await system.client.post(TIP_OFFS, json=body, headers=headers)
    again = await system.client.post(TIP_OFFS, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json()
    assert (await as_reporter(system, first.json()))["state"] == "received"


async def test_a_tip_off_without_an_idempotency_key_is_refused_and_nothing_is_stored(system):
    handler = await system.login("deqing-yjj")
    before = await tip_offs(system, handler)
    body = {
        "channel": "h5",
        "category": "general_hazard",
        "facts": "仓库安全出口被货物堵塞，消防通道无法通行",
        "region_code": "330521",
        "consent": await consent(system),
    }

    response = await system.client.post(TIP_OFFS, json=body)

    assert (response.status_code, response.json()["code"]) == (400, "idempotency-key-missing")
    after = await tip_offs(system, handler)
    assert after == before


async def test_bad_input_is_named_field_by_field_and_nothing_is_stored(system):
    handler = await system.login("deqing-yjj")
    before = await tip_offs(system, handler)
    body = {
        "channel": "h5",
        "category": "major_hazard",
        "facts": "太短",
        "enterprise_code": "91330521MA2B3C4D5X",  # wrong check character
        "region_code": "33052",
        "latitude": 30.5,
        "consent": {"notice_version": "2020-01", "agreed": False},
    }
    headers = {"Idempotency-Key": str(uuid.uuid4())}

    malformed = await system.client.post(TIP_OFFS, json=body, headers=headers)
    unknown_place = await system.client.post(
        TIP_OFFS,
        json={**body, "facts": "车间内有人违规电气焊作业", "enterprise_code": None, "latitude": None,
              "region_code": "330599", "consent": await consent(system)},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )  # fmt: skip
    executable = await system.client.post(
        "/api/v1/reports/media", files={"file": ("photo.jpg", b"MZ\x90\x00" + bytes(4096), "image/jpeg")}
    )

    assert malformed.status_code == 422
    assert malformed.headers["content-type"] == "application/problem+json"
    named = {error["field"] for error in malformed.json()["errors"]}
    assert {"/facts", "/enterprise_code", "/region_code", "/consent/agreed"} <= named
    assert (unknown_place.status_code, unknown_place.json()["errors"][0]["field"]) == (422, "/region_code")
    assert (executable.status_code, executable.json()["code"]) == (415, "unsupported-media-type")
    after = await tip_offs(system, handler)
    assert after == before
