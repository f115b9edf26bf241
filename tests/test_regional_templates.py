"""A region's wording reaches that region's messages only (issue 15): deqing-admin's version of
the 预警 text is what a 德清县 enterprise's hazard warning says, while a hazard in 吴兴区 (the same
city) and one in 莒县 (Shandong) are still warned in the national default's words."""

from datetime import datetime

import pytest
from tipoff_flow import until

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

HAZARDS = "/api/v1/hazards"
NOTIFY = "/api/v1/notify"
DEQING_WORDING = {
    "region_code": "330521",
    "title": "隐患整改期限预警",
    "body": "【德清县安委办提醒】$title 的整改期限为 $deadline，还剩 $days 天，逾期将按德清县规定通报。",
}


async def _general_hazard(system, regulator: str, county: str) -> int:
    """A general hazard an inspector of ``county`` found at one of its enterprises, due 20 Sep."""
    headers = await system.login(regulator)
    enterprises = await system.client.get(
        f"{HAZARDS}/enterprises", params={"region_prefix": county, "limit": 1}, headers=headers
    )
    [enterprise] = enterprises.json()["items"]
    report = {
        "enterprise_id": enterprise["id"],
        "title": f"{county} 配电箱未上锁",
        "description": "二号车间配电箱门未关闭、未上锁",
        "grade": "general",
        "found_at": "2024-09-02T08:00:00+08:00",
    }
    hazard = await system.client.post(f"{HAZARDS}/hazards", json=report, headers=headers)
    assert hazard.status_code == 201, hazard.text
    order = {"measures": "配电箱加锁", "responsible_person": "王强", "funds": "自筹 200 元", "acceptor": "李安",
             "deadline": "2024-09-20"}  # fmt: skip
    accepted = await system.client.post(
        f"{HAZARDS}/hazards/{hazard.json()['id']}/accept_general", json=order, headers=headers
    )
    assert accepted.status_code == 200, accepted.text
    return hazard.json()["id"]


async def _warnings(system, regulator: str, hazard: int) -> list[dict] | None:
    """The hazard's sent 3-day warnings in the delivery log, once the sweep has sent them."""
    params = {"item_type": "hazard", "item_id": hazard}
    log = await system.client.get(f"{NOTIFY}/deliveries", params=params, headers=await system.login(regulator))
    if log.status_code != 200:
        return None  # notify has not heard of the hazard yet
    warnings = [entry for entry in log.json() if entry["step"] == "warn_3" and entry["channel"] == "inbox"]
    return warnings or None


async def test_a_county_admins_wording_reaches_its_county_and_no_other_region(system):
    system.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    added = await system.client.post(
        f"{NOTIFY}/templates/hazard.warning/versions", json=DEQING_WORDING, headers=await system.login("deqing-admin")
    )
    assert added.status_code == 201, added.text
    assert added.json()["region_code"] == "330521"
    hazards = {
        "deqing-yjj": await _general_hazard(system, "deqing-yjj", "330521"),
        "wuxing-yjj": await _general_hazard(system, "wuxing-yjj", "330502"),
        "juxian-yjj": await _general_hazard(system, "juxian-yjj", "371122"),
    }

    async def planned():
        for regulator, hazard in hazards.items():
            params = {"item_type": "hazard", "item_id": hazard}
            response = await system.client.get(
                f"{NOTIFY}/reminders", params=params, headers=await system.login(regulator)
            )
            if response.status_code != 200 or "warn_3" not in {r["step"] for r in response.json()}:
                return None
        return True

    await until(planned)
    system.clock.freeze(datetime(2024, 9, 17, 10, 0, tzinfo=SHANGHAI))  # warn_3 fell due at 09:00

    async def sent():
        found = {regulator: await _warnings(system, regulator, hazard) for regulator, hazard in hazards.items()}
        return found if all(found.values()) else None

    warnings = await until(sent)

    deqing = warnings.pop("deqing-yjj")
    assert all(w["text"].startswith("【德清县安委办提醒】") and "还剩 3 天" in w["text"] for w in deqing)
    assert {(w["template"], w["template_version"]) for w in deqing} == {("hazard.warning", added.json()["version"])}
    templates = await system.client.get(f"{NOTIFY}/templates", headers=await system.login("juxian-yjj"))
    default = max(t["version"] for t in templates.json() if t["key"] == "hazard.warning" and t["region_code"] == "")
    for regulator, elsewhere in warnings.items():  # 吴兴区 and 莒县
        assert all("德清" not in w["text"] and w["text"].endswith("请抓紧整改并按时申请销号。") for w in elsewhere)
        assert {w["template_version"] for w in elsewhere} == {default}, regulator
