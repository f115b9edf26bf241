"""回头看 (issue 20): a closed 重大 hazard re-inspected by its lister or the level above, alone or
in a batch drawn from the 清单. A failure opens a new hazard linked to the old one — both trails
say so — and the figures count the recurrence and the failed re-inspection as of any moment; a
pass changes nothing but the record and the trail; a general or open hazard, another county's
staff, a body that is neither the lister nor above it are refused; a batch with one bad item
writes nothing and names it.

Each test keeps to towns of its own (雷甸镇, 乾元镇, 舞阳街道, 阜溪街道), so the counts are its own."""

import uuid

import pytest
from hazard_flow import H, HazardFlow, at

pytestmark = pytest.mark.asyncio

LEIDIAN, QIANYUAN, WUYANG, FUXI = "330521110", "330521101", "330521002", "330521003"
RECURRENCE = {
    "report": {
        "condition": "污水池清淤仍未检测即进入作业，检测仪已损坏未修复",
        "harm": "可能中毒窒息，须停止作业、修复检测仪并重新培训",
        "plan": "停止有限空间作业，购置检测仪，落实作业审批和监护",
    }
}


def failed(inspected_at: str, **extra) -> dict:
    return {
        "inspected_at": inspected_at,
        "inspectors": ["陈立", "吴芳"],
        "result": "failed",
        "findings": "回头看发现：有限空间作业仍未检测，原整改措施未落实",
        "recurrence": RECURRENCE,
    } | extra


def passed(inspected_at: str) -> dict:
    return {"inspected_at": inspected_at, "inspectors": ["陈立"], "result": "passed", "findings": "整改到位，未反弹"}


async def _closed_major(flow: HazardFlow, town: str, found: str = "2025-03-03") -> tuple[int, str]:
    """A 重大 hazard in ``town`` listed by 德清县应急管理局 and closed, and its enterprise's admin."""
    enterprise, admin = await flow.enterprise("deqing-yjj", town)
    year, month, day = (int(part) for part in found.split("-"))
    hazard = await flow.report("deqing-yjj", enterprise, at(year, month, day, 8))
    await flow.close_major(hazard, admin, "deqing-yjj", found)
    return hazard, admin


def _row(figures: dict, key: str) -> dict:
    return next(row for row in figures["rows"] if row["key"] == key)


async def test_a_failed_reinspection_by_the_level_above_opens_a_linked_hazard_counted_as_a_recurrence(system):
    flow = HazardFlow(system)
    system.clock.freeze(at(2025, 3, 3))
    old, _ = await _closed_major(flow, LEIDIAN)

    system.clock.freeze(at(2025, 6, 10, 15))
    url = f"{H}/hazards/{old}/reinspections"
    record = await flow.ok("POST", url, "huzhou-yjj", failed("2025-06-10T09:00:00+08:00"))
    assert (record["hazard_id"], record["result"], record["capacity"]) == (old, "failed", "above")
    assert record["body"] == {"region_code": "330500", "kind": "emergency", "name": "湖州市应急管理局"}
    assert record["inspectors"] == ["陈立", "吴芳"] and record["inspected_at"] == "2025-06-10T09:00:00+08:00"

    new = await flow.ok("GET", f"{H}/hazards/{record['new_hazard_id']}", "deqing-yjj")
    before = await flow.ok("GET", f"{H}/hazards/{old}", "deqing-yjj")
    assert new["recurrence_of_id"] == old and before["recurrence_of_id"] is None
    assert (new["state"], new["source"], new["grade"]) == ("reported", "inspection", "major")
    assert (new["enterprise_id"], new["region_code"], new["industry"]) == (
        before["enterprise_id"], LEIDIAN, before["industry"]
    )  # fmt: skip
    assert (new["basis_standard"], new["basis_clause"]) == ("GM2023", "第四条(一)")  # the old one's basis
    assert new["title"] == f"回头看复发：{before['title']}"
    assert new["description"] == "回头看发现：有限空间作业仍未检测，原整改措施未落实"
    assert new["found_at"] == "2025-06-10T09:00:00+08:00"
    assert new["supervising_department"]["name"] == "德清县应急管理局"  # from the register, like any report
    assert "confirm_major" in new["allowed_actions"]  # before the department for 认定 and its order
    assert before["state"] == "closed"  # the old one stays closed

    old_trail = await flow.ok("GET", f"{H}/hazards/{old}/history", "huzhou-yjj")
    assert old_trail[-1]["action"] == "reinspect"
    assert old_trail[-1]["payload"] | {"reinspection_id": None} == {
        "reinspection_id": None, "result": "failed", "inspected_at": "2025-06-10T09:00:00+08:00",
        "inspectors": ["陈立", "吴芳"], "findings": "回头看发现：有限空间作业仍未检测，原整改措施未落实",
        "capacity": "above", "by": "湖州市应急管理局", "new_hazard_id": new["id"], "hazard_title": before["title"],
    }  # fmt: skip
    new_trail = await flow.ok("GET", f"{H}/hazards/{new['id']}/history", "deqing-yjj")
    assert [entry["action"] for entry in new_trail] == ["report_recurrence"]
    assert new_trail[0]["payload"]["recurrence_of_id"] == old
    assert new_trail[0]["payload"]["reinspection_id"] == record["id"]
    for hazard in (old, new["id"]):
        verdict = await flow.ok("GET", f"{H}/hazards/{hazard}/verify", "deqing-yjj")
        assert verdict["intact"] is True

    assert [r["id"] for r in await flow.ok("GET", url, "deqing-yjj")] == [record["id"]]
    assert await flow.ok("GET", f"{H}/reinspections/{record['id']}", "huzhou-ajb") == record
    listed = await flow.ok("GET", f"{H}/reinspections", "huzhou-ajb", params={"region_prefix": LEIDIAN})
    assert ([r["id"] for r in listed["items"]], listed["total"]) == ([record["id"]], 1)
    passed_only = {"region_prefix": LEIDIAN, "result": "passed"}
    assert (await flow.ok("GET", f"{H}/reinspections", "huzhou-ajb", params=passed_only))["total"] == 0

    # The figures of June count one recurrence and one failed 回头看 in 雷甸镇 — as of now, and
    # not as of the morning, before it was recorded.
    june = {"month": "2025-06", "region_prefix": "330521"}
    row = _row(await flow.ok("GET", f"{H}/figures", "huzhou-ajb", params=june), LEIDIAN)
    counted = {k: row[k] for k in ("found", "found_major", "recurred", "reinspected", "reinspection_failed")}
    assert counted == {"found": 1, "found_major": 1, "recurred": 1, "reinspected": 1, "reinspection_failed": 1}
    morning = june | {"as_of": "2025-06-10T12:00:00+08:00"}
    row = _row(await flow.ok("GET", f"{H}/figures", "huzhou-ajb", params=morning), LEIDIAN)
    assert (row["found"], row["recurred"], row["reinspected"]) == (0, 0, 0)
    zeroing = await flow.ok("GET", f"{H}/figures/zeroing", "huzhou-ajb", params={"region_prefix": "330521"})
    assert _row(zeroing, LEIDIAN)["recurred_major"] == 1
    ranking = await flow.ok("GET", f"{H}/rankings", "huzhou-ajb", params=june)
    assert (_row(ranking, LEIDIAN)["recurred"], _row(ranking, LEIDIAN)["reinspection_failed"]) == (1, 1)


async def test_a_passing_reinspection_changes_nothing_but_its_record_and_the_trail(system):
    flow = HazardFlow(system)
    system.clock.freeze(at(2025, 3, 4))
    hazard, _ = await _closed_major(flow, QIANYUAN, "2025-03-04")
    system.clock.freeze(at(2025, 7, 1, 15))
    before = await flow.ok("GET", f"{H}/hazards/{hazard}", "deqing-yjj")
    hazards_before = await flow.ok("GET", f"{H}/hazards", "deqing-yjj", params={"region_prefix": QIANYUAN})

    url = f"{H}/hazards/{hazard}/reinspections"
    by_lister = await flow.ok("POST", url, "deqing-yjj", passed("2025-07-01"))
    assert (by_lister["capacity"], by_lister["body"]["name"], by_lister["new_hazard_id"]) == (
        "lister", "德清县应急管理局", None
    )  # fmt: skip
    by_city_committee = await flow.ok("POST", url, "huzhou-ajb", passed("2025-07-01T10:00"))
    assert by_city_committee["body"] == {"region_code": "330500", "kind": "committee", "name": "湖州市安委办"}
    assert by_city_committee["capacity"] == "above"

    assert await flow.ok("GET", f"{H}/hazards/{hazard}", "deqing-yjj") == before  # same state, times, everything
    after = await flow.ok("GET", f"{H}/hazards", "deqing-yjj", params={"region_prefix": QIANYUAN})
    assert after["total"] == hazards_before["total"]
    trail = await flow.ok("GET", f"{H}/hazards/{hazard}/history", "deqing-yjj")
    assert [(e["action"], e["payload"]["result"]) for e in trail[-2:]] == [("reinspect", "passed")] * 2
    july = {"month": "2025-07", "region_prefix": "330521"}
    row = _row(await flow.ok("GET", f"{H}/figures", "deqing-yjj", params=july), QIANYUAN)
    assert (row["found"], row["recurred"], row["reinspected"], row["reinspection_failed"]) == (0, 0, 2, 0)


async def test_only_a_closed_major_hazard_by_its_lister_or_the_level_above(system):
    flow = HazardFlow(system)
    system.clock.freeze(at(2025, 3, 5))
    hazard, admin = await _closed_major(flow, WUYANG, "2025-03-05")
    enterprise = (await flow.ok("GET", f"{H}/hazards/{hazard}", "deqing-yjj"))["enterprise_id"]
    general = await flow.report("deqing-yjj", enterprise, at(2025, 3, 5, 8), grade="general")
    await flow.close_general(general, admin, "deqing-yjj")
    still_open = await flow.report("deqing-yjj", enterprise, at(2025, 3, 5, 8))
    system.clock.freeze(at(2025, 8, 1, 15))

    async def refused(hazard_id: int, username: str, body: dict) -> tuple[int, str, str]:
        response = await flow.call("POST", f"{H}/hazards/{hazard_id}/reinspections", username, body)
        problem = response.json()
        return response.status_code, problem["code"], problem.get("detail") or ""

    assert (await refused(general, "deqing-yjj", passed("2025-08-01")))[:2] == (409, "reinspection-hazard-not-major")
    assert (await refused(still_open, "deqing-yjj", passed("2025-08-01")))[:2] == (
        409, "reinspection-hazard-not-closed"
    )  # fmt: skip
    assert (await refused(hazard, "wuxing-yjj", passed("2025-08-01")))[:2] == (404, "hazard-not-found")
    assert (await refused(hazard, "xinshi-town", passed("2025-08-01")))[:2] == (404, "hazard-not-found")
    assert (await refused(hazard, admin, passed("2025-08-01")))[0] == 403  # an enterprise: not its role
    status, code, detail = await refused(hazard, "deqing-zjj", passed("2025-08-01"))
    assert (status, code) == (403, "not-the-authority")
    assert "德清县应急管理局、湖州市应急管理局、湖州市安委办" in detail
    assert (await refused(hazard, "deqing-ajb", passed("2025-08-01")))[:2] == (403, "not-the-authority")

    status, code, _ = await refused(hazard, "deqing-yjj", failed("2025-08-01") | {"recurrence": None})
    assert (status, code) == (422, "validation-failed")
    response = await flow.call("POST", f"{H}/hazards/{hazard}/reinspections", "deqing-yjj", failed("2025-03-01"))
    assert [e["field"] for e in response.json()["errors"]] == ["/inspected_at"]  # before it was closed
    with_recurrence = passed("2025-08-01") | {"recurrence": RECURRENCE}
    response = await flow.call("POST", f"{H}/hazards/{hazard}/reinspections", "deqing-yjj", with_recurrence)
    assert [e["field"] for e in response.json()["errors"]] == ["/recurrence"]
    assert await flow.ok("GET", f"{H}/hazards/{hazard}/reinspections", "deqing-yjj") == []


async def test_a_batch_from_the_ledger_is_all_or_nothing_and_names_each_bad_item(system):
    flow = HazardFlow(system)
    system.clock.freeze(at(2025, 3, 6))
    first, admin = await _closed_major(flow, FUXI, "2025-03-06")
    enterprise = (await flow.ok("GET", f"{H}/hazards/{first}", "deqing-yjj"))["enterprise_id"]
    second = await flow.report("deqing-yjj", enterprise, at(2025, 3, 6, 8))
    await flow.close_major(second, admin, "deqing-yjj", "2025-03-06")
    still_open = await flow.report("deqing-yjj", enterprise, at(2025, 3, 6, 8))
    system.clock.freeze(at(2025, 9, 2, 15))

    drawn = {"region_prefix": FUXI, "closed_from": "2025-03-01", "closed_to": "2025-03-31", "reinspected": "false"}
    candidates = await flow.ok("GET", f"{H}/reinspections/candidates", "huzhou-ajb", params=drawn)
    assert [h["id"] for h in candidates["items"]] == [first, second]  # the open one is no candidate
    assert (await flow.ok("GET", f"{H}/reinspections/candidates", "deqing-zjj", params=drawn))["total"] == 0

    async def batch(username: str, items: list[dict], key: str | None = None) -> object:
        headers = {"Idempotency-Key": key or str(uuid.uuid4())}
        return await flow.call("POST", f"{H}/reinspections", username, {"items": items}, headers=headers)

    good = [{"hazard_id": first} | passed("2025-09-02"), {"hazard_id": second} | failed("2025-09-02")]
    bad = await batch("huzhou-ajb", [*good, {"hazard_id": still_open} | passed("2025-09-02"),
                                     {"hazard_id": 987654321} | passed("2025-09-02")])  # fmt: skip
    assert (bad.status_code, bad.json()["code"]) == (422, "reinspection-batch-rejected")
    named = [(e["field"], e["message"]) for e in bad.json()["errors"]]
    assert named == [
        ("/items/2/hazard_id", f"隐患 {still_open} 尚未销号，不能回头看"),
        ("/items/3/hazard_id", "隐患 987654321 不存在或不在您的管辖范围内"),
    ]
    not_ours = await batch("deqing-zjj", good)
    assert (not_ours.status_code, not_ours.json()["code"]) == (403, "not-the-authority")
    assert [e["field"] for e in not_ours.json()["errors"]] == ["/items/0/hazard_id", "/items/1/hazard_id"]
    for hazard in (first, second):  # nothing written
        assert await flow.ok("GET", f"{H}/hazards/{hazard}/reinspections", "deqing-yjj") == []
    assert (await flow.ok("GET", f"{H}/hazards", "deqing-yjj", params={"region_prefix": FUXI}))["total"] == 3

    key = str(uuid.uuid4())
    made = await batch("huzhou-ajb", good, key)
    assert made.status_code == 201, made.text
    result = made.json()
    assert (result["created"], result["failed"]) == (2, 1)
    assert [r["hazard_id"] for r in result["reinspections"]] == [first, second]
    recurrence = result["reinspections"][1]["new_hazard_id"]
    assert (await flow.ok("GET", f"{H}/hazards/{recurrence}", "deqing-yjj"))["recurrence_of_id"] == second
    again = await batch("huzhou-ajb", good, key)  # a retry: the first answer, nothing recorded twice
    assert (again.status_code, again.json()) == (201, result)
    assert (await flow.ok("GET", f"{H}/hazards", "deqing-yjj", params={"region_prefix": FUXI}))["total"] == 4
    done = await flow.ok("GET", f"{H}/reinspections/candidates", "huzhou-ajb", params=drawn)
    assert done["total"] == 0  # both re-inspected now
