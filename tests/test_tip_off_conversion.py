"""A tip-off concluded true becomes a hazard only if the hazards service would take it: the
conclusion's hazard part is judged by the same grading rule (``qingling.standards``) on the
conclusion's date, so a hazard the hazards service would refuse is refused to the handler, at
once, with the hazards service's own message — never answered 200 and then stuck in delivery."""

from datetime import datetime

import pytest
from tipoff_flow import ENTERPRISE, FINDING, TIP_OFFS, act, submit, tip_off_id, until

from qingling.clock import SHANGHAI
from qingling.credit_code import check_character

pytestmark = pytest.mark.asyncio

# GB 35181-2017 was replaced by GB 35181-2025 on 2025-11-01 (domain.md scenario 13).
AFTER_THE_SWITCH = datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI)  # a Monday
FIRE = {"basis_standard": "FIRE2017", "basis_clause": "第五条(一)", "title": "疏散通道被占用"}


def citing(**hazard) -> dict:
    return FINDING | {"hazard": FINDING["hazard"] | hazard}


async def accepted_tip_off(system) -> tuple[dict, int]:
    receipt = await submit(system)
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    await act(system, handler, number, "sign")
    await act(system, handler, number, "accept")
    return handler, number


async def test_a_conclusion_citing_a_standard_no_longer_in_force_is_refused_and_nothing_changes(system):
    system.clock.freeze(AFTER_THE_SWITCH)
    handler, number = await accepted_tip_off(system)
    before = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()

    refused = await system.client.post(f"{TIP_OFFS}/{number}/conclude", json=citing(**FIRE), headers=handler)

    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    errors = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert list(errors) == ["/hazard/basis_standard"]
    # the hazards service's own words: which edition is in force on that day
    assert errors["/hazard/basis_standard"] == (
        "FIRE2017（GB 35181-2017）在 2025-11-03 不在有效期内，2025-11-03 适用 FIRE2025（GB 35181-2025）"
    )
    after = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    assert after["state"] == "verifying"
    assert after == before

    # corrected to the edition in force, the same tip-off concludes and becomes its hazard
    concluded = await act(system, handler, number, "conclude", citing(**FIRE | {"basis_standard": "FIRE2025"}))
    assert concluded["state"] == "concluded"

    async def linked():
        tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off["hazard_id"]

    hazard_id = await until(linked)
    hazard = (await system.client.get(f"/api/v1/hazards/hazards/{hazard_id}", headers=handler)).json()
    assert (hazard["source_ref"], hazard["grade"]) == (f"tip_off:{number}", "major")
    assert (hazard["basis_standard"], hazard["basis_clause"]) == ("FIRE2025", "第五条(一)")
    assert hazard["details"]["report"] == FINDING["hazard"]["report"]
    # the refused conclusion emitted nothing: no event about this tip-off was refused by the hazards service
    admin = await system.login("nation-admin")
    parked = (await system.client.get("/api/v1/reports/outbox/parked", headers=admin)).json()
    assert [event for event in parked if event["subject"] == f"tip_off/{number}"] == []


async def test_a_major_hazard_without_its_clause_and_report_is_refused_field_by_field(system):
    system.clock.freeze(AFTER_THE_SWITCH)
    handler, number = await accepted_tip_off(system)

    refused = await system.client.post(
        f"{TIP_OFFS}/{number}/conclude",
        json=citing(basis_standard="FIRE2025", basis_clause=None, report=None),
        headers=handler,
    )

    assert refused.status_code == 422, refused.text
    errors = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert errors == {
        "/hazard/basis_clause": "重大隐患须注明判定条款",
        "/hazard/report": "重大隐患须报告现状与原因、危害程度、治理方案",
    }
    tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    assert (tip_off["state"], tip_off["hazard_id"]) == ("verifying", None)


async def test_the_standard_is_judged_on_the_day_of_the_conclusion(system):
    """FIRE2017 was in force until 2025-10-31: a conclusion on that day may cite it."""
    system.clock.freeze(datetime(2025, 10, 31, 16, 0, tzinfo=SHANGHAI))
    handler, number = await accepted_tip_off(system)

    concluded = await act(system, handler, number, "conclude", citing(**FIRE))

    assert concluded["state"] == "concluded"


async def test_a_conversion_the_hazards_service_refuses_is_shown_to_the_handler_corrected_and_resent(system):
    """The tip-off names an enterprise the register does not know: the conclusion is valid, the
    hazards service refuses the hazard for good, and the event is parked — not retried forever,
    not lost. The handler sees why on the tip-off, corrects the hazard part, and the hazard exists."""
    system.clock.freeze(AFTER_THE_SWITCH)
    handler, number = await accepted_tip_off(system)
    unregistered = "91330521MA2B3C4D9" + check_character("91330521MA2B3C4D9")
    await act(system, handler, number, "conclude", citing(enterprise_code=unregistered))

    async def conversion():
        tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off["conversion"] if tip_off["conversion"]["state"] != "pending" else None

    refused = await until(conversion)
    assert refused["state"] == "parked"
    assert f"{unregistered} 的企业未登记" in refused["problem"]
    assert refused["attempts"] == 1  # refused for good at once: a 422 is never retried
    shown = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    assert "correct_conversion" in shown["allowed_actions"]
    listed = (await system.client.get(TIP_OFFS, params={"state": "concluded"}, headers=handler)).json()
    assert next(t for t in listed["items"] if t["id"] == number)["conversion"] == refused
    other_department = await system.login("deqing-zjj")
    correction = FINDING["hazard"] | {"enterprise_code": ENTERPRISE}
    answer = await system.client.post(
        f"{TIP_OFFS}/{number}/correct_conversion", json=correction, headers=other_department
    )
    assert answer.status_code in (403, 404), answer.text  # only the lead department corrects it

    corrected = await act(system, handler, number, "correct_conversion", correction)

    assert corrected["state"] == "concluded"  # the case goes on where it was
    assert corrected["conversion"]["state"] == "pending"
    assert "correct_conversion" not in corrected["allowed_actions"]  # offered only while one is refused
    assert corrected["enterprise_code"] == ENTERPRISE

    async def linked():
        tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off if tip_off["hazard_id"] else None

    tip_off = await until(linked)
    assert tip_off["conversion"] == {"state": "converted", "problem": None, "attempts": 0, "since": None}
    hazard = (await system.client.get(f"/api/v1/hazards/hazards/{tip_off['hazard_id']}", headers=handler)).json()
    assert (hazard["enterprise_code"], hazard["source_ref"]) == (ENTERPRISE, f"tip_off:{number}")
    # the refused event is void, so no person is asked to resend it; the trail says what was corrected
    admin = await system.login("nation-admin")
    parked = (await system.client.get("/api/v1/reports/outbox/parked", headers=admin)).json()
    assert [event for event in parked if event["subject"] == f"tip_off/{number}"] == []
    trail = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    step = next(entry for entry in trail if entry["action"] == "correct_conversion")
    assert "未登记" in step["payload"]["refused_because"], step

    again = await system.client.post(f"{TIP_OFFS}/{number}/correct_conversion", json=correction, headers=handler)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "conversion-not-parked"
