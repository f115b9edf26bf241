"""A reporter is not found through a stray digit or their own words: a phone number written in
Chinese numerals, full-width digits or in groups, and an ID number with spaces, are masked in
every view staff have of the tip-off — while dates, quantities and region codes stay as written —
and a finding that would carry to the enterprise what the reporter said of themselves (where they
live, a relative's name, their shift) is refused to the handler, naming those words, until the
handler confirms it; the confirmation is on the tip-off's trail."""

import json
import re

import pytest
from tipoff_flow import ENTERPRISE, FINDING, TIP_OFFS, act, submit, tip_off_id, until

from qingling.credit_code import check_character

pytestmark = pytest.mark.asyncio

SPOKEN_PHONE = "一三九幺二三四五六七八"  # 13912345678, read out as a reporter would type it
FACTS = (
    f"二号车间夜里违规电焊。我是二号车间夜班焊工李秀英，电话{SPOKEN_PHONE}，"
    "备用１３８ ００１３ ８０００，也可打139．1234．5678或壹叁柒壹贰叁肆伍陆柒捌；"
    "身份证330521 19900101 123X。我丈夫张建军在仓库上班，我住在阳光花园小区3栋2单元502室。"
    "2026年11月起储罐区存放三十吨液氨，统计区划代码330521001000。"
)
# Each identifying form, as it could reappear in a view however it was transformed.
DIGITS = ("13912345678", "13800138000", "13712345678", "33052119900101123X")
SPOKEN = (SPOKEN_PHONE, "１３８ ００１３ ８０００", "139．1234．5678", "壹叁柒壹贰叁肆伍陆柒捌", "330521 19900101 123X")
SPOKEN += ("李秀英",)  # the name the reporter gave themselves in the facts


def _exposed(text: str) -> list[str]:
    squeezed = re.sub(r"[\s\-．.·]", "", text)
    return [d for d in DIGITS if d in squeezed] + [s for s in SPOKEN if s in text]


async def _accepted(system) -> tuple[dict, int, dict]:
    receipt = await submit(system, facts=FACTS)
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    await act(system, handler, number, "sign")
    await act(system, handler, number, "accept")
    return handler, number, receipt


async def test_phones_and_ids_however_written_are_masked_in_every_staff_view(system):
    handler, number, receipt = await _accepted(system)
    supplement = {"text": "补充：白天打 一 三 九 - 一 二 三 四 - 五 六 七 八 也行"}
    follow = {"auth": (receipt["receipt_code"], receipt["secret"])}
    added = await system.client.post("/api/v1/reports/receipts/tip-off/supplements", json=supplement, **follow)
    assert added.status_code == 201, added.text

    views = {}
    for path in ("", "/history", "/messages"):
        views[path or "/"] = await system.client.get(f"{TIP_OFFS}/{number}{path}", headers=handler)
    views["list"] = await system.client.get(TIP_OFFS, params={"receipt_code": receipt["receipt_code"]}, headers=handler)
    views["board"] = await system.client.get("/api/v1/notify/deadlines", headers=handler)
    for name, response in views.items():
        assert response.status_code == 200, (name, response.text)
        assert _exposed(json.dumps(response.json(), ensure_ascii=False)) == [], name

    facts = views["/"].json()["facts"]
    # what is not a person stays as the reporter wrote it
    assert "2026年11月起储罐区存放三十吨液氨，统计区划代码330521001000。" in facts
    assert "我是二号车间夜班焊工＊＊＊，电话＊＊＊，备用＊＊＊" in facts
    assert "身份证＊＊＊。" in facts
    # relatives and places stay for the handler, who may need them to verify
    assert "我丈夫张建军在仓库上班，我住在阳光花园小区3栋2单元502室" in facts
    entries = views["/messages"].json()["entries"]
    assert any("白天打 ＊＊＊ 也行" in entry["text"] for entry in entries), entries


async def test_a_finding_repeating_what_the_reporter_said_of_themselves_needs_the_handlers_confirmation(system):
    handler, number, _ = await _accepted(system)
    careless = FINDING | {
        "hazard": FINDING["hazard"]
        | {
            "description": "据举报人反映，夜班焊工李秀英（电话一三九一二三四五六七八）在二号车间违规动火",
            "report": FINDING["hazard"]["report"] | {"condition": "阳光花园小区3栋旁的仓库由张建军看管，易燃物未清理"},
        }
    }
    refused = await system.client.post(f"{TIP_OFFS}/{number}/conclude", json=careless, headers=handler)

    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "may-identify-reporter"
    found = {(i["field"], i["kind"], i["text"]) for i in problem["identifiers"]}
    assert found == {
        ("/hazard/description", "reporter", "举报人"),
        ("/hazard/description", "role", "夜班焊工"),
        ("/hazard/description", "masked", "＊＊＊"),  # the name and the phone, masked: the sentence still points
        ("/hazard/report/condition", "residence", "阳光花园小区3栋"),
        ("/hazard/report/condition", "relative", "张建军"),
    }
    assert {e["field"] for e in problem["errors"]} == {"/hazard/description", "/hazard/report/condition"}
    assert any("“张建军”" in e["message"] for e in problem["errors"])
    assert _exposed(refused.text) == []  # the warning itself repeats nothing sealed
    unchanged = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
    assert unchanged["state"] == "verifying"

    # Rewritten without them, it goes at once; confirmed as it was, it goes and the trail says so.
    confirmed = careless | {"hazard": careless["hazard"] | {"confirm_identifiers": True}}
    concluded = await act(system, handler, number, "conclude", confirmed)
    assert concluded["state"] == "concluded"
    history = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    conclusion = next(entry for entry in history if entry["action"] == "conclude")
    assert {(c["field"], c["kind"]) for c in conclusion["payload"]["identifiers_confirmed"]} == {
        ("/hazard/description", "reporter"),
        ("/hazard/description", "role"),
        ("/hazard/description", "masked"),
        ("/hazard/report/condition", "residence"),
        ("/hazard/report/condition", "relative"),
    }
    assert conclusion["actor"].startswith("account:")

    async def linked():
        return (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()["hazard_id"]

    hazard_id = await until(linked)
    enterprise = await system.login("demo-enterprise")
    hazard = await system.client.get(f"/api/v1/hazards/hazards/{hazard_id}", headers=enterprise)
    assert hazard.status_code == 200
    assert _exposed(hazard.text) == []  # the sealed name and the phone never leave, confirmed or not
    assert "夜班焊工＊＊＊（电话＊＊＊）" in hazard.json()["description"]


async def test_a_finding_in_its_own_words_goes_without_a_question(system):
    handler, number, _ = await _accepted(system)
    concluded = await act(system, handler, number, "conclude", FINDING)
    assert concluded["state"] == "concluded"
    history = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    assert "identifiers_confirmed" not in next(e for e in history if e["action"] == "conclude")["payload"]


async def test_a_corrected_conversion_is_checked_the_same_way(system):
    """The hazard part resent after the hazards service refused it goes to the enterprise too."""
    handler, number, _ = await _accepted(system)
    unregistered = "91330521MA2B3C4D9" + check_character("91330521MA2B3C4D9")
    await act(
        system, handler, number, "conclude", FINDING | {"hazard": FINDING["hazard"] | {"enterprise_code": unregistered}}
    )

    async def parked():
        tip_off = (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()
        return tip_off["conversion"]["state"] == "parked"

    await until(parked)
    correction = FINDING["hazard"] | {"enterprise_code": ENTERPRISE, "description": "阳光花园小区3栋的仓库违规存放油漆"}
    refused = await system.client.post(f"{TIP_OFFS}/{number}/correct_conversion", json=correction, headers=handler)
    assert refused.status_code == 422, refused.text
    assert [(i["field"], i["kind"]) for i in refused.json()["identifiers"]] == [("/description", "residence")]

    corrected = await act(system, handler, number, "correct_conversion", correction | {"confirm_identifiers": True})
    assert corrected["conversion"]["state"] == "pending"
    trail = (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    step = next(entry for entry in trail if entry["action"] == "correct_conversion")
    assert step["payload"]["identifiers_confirmed"] == [{"field": "/description", "kind": "residence"}]
