"""Finding hazards: by state, grade, source, deadline window, overdue, department and the level
of the authority that listed them — always within the caller's scope."""

from datetime import datetime

import pytest

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

REPORT = {
    "title": "有限空间作业未检测",
    "description": "污水池清淤作业前未进行气体检测",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第四条(一)",
    "tags": ["confined_space"],
    "found_at": "2024-09-02T08:30:00+08:00",
    "report": {"condition": "未检测即进入", "harm": "可能中毒窒息，需停工整改", "plan": "先检测后作业，配备监护"},
}


async def _post(system, url: str, username: str, body: dict | None = None) -> dict:
    response = await system.client.post(url, json=body, headers=await system.login(username))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _find(system, username: str, **params) -> set[int]:
    """Every hazard the filter finds, following the pages."""
    headers, found, after = await system.login(username), set(), None
    while True:
        query = {"limit": 500, **params} | ({"after": after} if after else {})
        response = await system.client.get("/api/v1/hazards/hazards", params=query, headers=headers)
        assert response.status_code == 200, response.text
        found |= {hazard["id"] for hazard in response.json()["items"]}
        if not (after := response.json()["next_after"]):
            return found


async def _department(system, region: str) -> int:
    listed = await system.client.get(
        "/api/v1/hazards/departments",
        params={"region_prefix": region, "kind": "emergency"},
        headers=await system.login("admin"),
    )
    return next(d["id"] for d in listed.json()["items"] if d["region_code"] == region)


async def _listed(system, lister: str, region: str, notice_no: str, deadline: str) -> dict:
    hazard = await _post(system, "/api/v1/hazards/hazards", "demo-enterprise", REPORT)
    url = f"/api/v1/hazards/hazards/{hazard['id']}"
    await _post(system, f"{url}/confirm_major", "deqing-yjj", {"order_no": "德应急责改〔2024〕30号"})
    listing = {
        "notice_no": notice_no, "listed_on": "2024-09-02", "deadline": deadline, "measures": "限期整改",
        "responsible_unit": "示范企业", "responsible_person": "王强",
        "supervising_department_id": await _department(system, region),
    }  # fmt: skip
    return await _post(system, f"{url}/list", lister, listing)


async def test_filters(embedded):
    embedded.clock.freeze(datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI))
    by_county = await _listed(embedded, "deqing-yjj", "330521", "〔2024〕51号", "2024-09-10")
    by_city = await _listed(embedded, "huzhou-yjj", "330500", "〔2024〕52号", "2024-11-30")
    reported = await _post(embedded, "/api/v1/hazards/hazards", "demo-enterprise", REPORT)
    ours = {by_county["id"], by_city["id"], reported["id"]}

    assert await _find(embedded, "deqing-yjj", state="listed") >= {by_county["id"], by_city["id"]}
    assert reported["id"] in await _find(embedded, "deqing-yjj", state="reported", source="self_report")
    assert await _find(embedded, "deqing-yjj", lister_level="county") & ours == {by_county["id"]}
    assert await _find(embedded, "deqing-yjj", lister_level="city") & ours == {by_city["id"]}
    city_department = by_city["supervising_department_id"]
    assert await _find(embedded, "huzhou-yjj", department_id=city_department) & ours == {by_city["id"]}
    window = {"deadline_after": "2024-09-01T00:00:00+08:00", "deadline_before": "2024-10-01T00:00:00+08:00"}
    assert await _find(embedded, "deqing-yjj", **window) & ours == {by_county["id"]}

    embedded.clock.freeze(datetime(2024, 9, 12, 9, 0, tzinfo=SHANGHAI))  # two days past the county's deadline
    assert await _find(embedded, "deqing-yjj", overdue="true") & ours == {by_county["id"]}
    assert await _find(embedded, "wuxing-yjj") & ours == set()  # another county sees none of them
    late = await embedded.client.get(
        f"/api/v1/hazards/hazards/{by_county['id']}", headers=await embedded.login("deqing-yjj")
    )
    assert (late.json()["overdue"], late.json()["days_overdue"]) == (True, 2)


async def test_operators_see_overdue_hazards_and_missing_holiday_notices_in_metrics(embedded):
    embedded.clock.freeze(datetime(2024, 9, 12, 9, 0, tzinfo=SHANGHAI))

    assert (await embedded.client.get("/api/v1/hazards/metrics")).status_code == 401  # not for the public
    metrics = (await embedded.client.get("/api/v1/hazards/metrics", headers=embedded.scraper)).text

    readings = {
        line.split()[0]: float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith(("qingling_overdue_hazards", "qingling_calendar_next_year_unknown"))
    }
    assert readings["qingling_calendar_next_year_unknown"] == 0.0  # 2025 is in the library
    overdue_in_the_province = await _find(embedded, "admin", overdue="true")
    assert readings["qingling_overdue_hazards"] == len(overdue_in_the_province)
    embedded.clock.freeze(datetime(2028, 6, 1, tzinfo=SHANGHAI))
    later = (await embedded.client.get("/api/v1/hazards/metrics", headers=embedded.scraper)).text
    assert "qingling_calendar_next_year_unknown 1.0" in later  # nobody has loaded 2029
