"""The working-day calendar: the national-level administrator loads a year's arrangement, the service's
deadlines for that year stop being provisional, and the reports and notify services get a copy.

2027 is used because ``chinese_calendar`` has no data for it and no test elsewhere touches it."""

import asyncio

import pytest
from sqlalchemy import delete

from hazards.calendar.models import HolidayArrangement
from notify.calendar import HolidayArrangement as NotifyCopy
from reports.calendar import HolidayArrangement as ReportsCopy

pytestmark = pytest.mark.asyncio

YEARS = "/api/v1/hazards/calendar/years"
DEADLINE = "/api/v1/hazards/calendar/deadline"

TABLES = {"hazards": HolidayArrangement, "reports": ReportsCopy, "notify": NotifyCopy}

# A MADE-UP TEST FIXTURE, not the real 2027 notice (unpublished when this was written): 元旦
# Fri 01-01 to Sun 01-03 off, and an invented make-up Saturday 01-09, so that both kinds of day
# are exercised. The same fixture as libs/tests/test_calendar.py.
FIXTURE_2027 = {
    "holidays": ["2027-01-01", "2027-01-02", "2027-01-03"],
    "makeup_workdays": ["2027-01-09"],
    "source": "测试用数据（非真实通知）",
}
# Fri 2026-12-25: 5 工作日 are 12-28..31 and then 2027-01-01 — a holiday in the fixture.
INTO_2027 = {"start": "2026-12-25T10:00:00+08:00", "amount": 5, "unit": "working_days"}


async def _coverage_of(system, year: int, headers) -> dict:
    response = await system.client.get(YEARS, headers=headers)
    assert response.status_code == 200, response.text
    [entry] = [entry for entry in response.json()["years"] if entry["year"] == year]
    return entry


async def test_a_loaded_year_turns_its_provisional_deadlines_final(system):
    clerk = await system.login("deqing-yjj")
    guess = await system.client.get(DEADLINE, params=INTO_2027, headers=clerk)
    assert guess.status_code == 200, guess.text
    assert guess.json() == {
        "last_day": "2027-01-01",
        "due_at": "2027-01-01T23:59:59+08:00",
        "provisional": True,
        "unknown_years": [2027],
    }
    assert await _coverage_of(system, 2027, clerk) == {"year": 2027, "known": False, "basis": "none"}
    assert await _coverage_of(system, 2026, clerk) == {"year": 2026, "known": True, "basis": "library"}

    loaded = await system.client.put(f"{YEARS}/2027", json=FIXTURE_2027, headers=await system.login("nation-admin"))

    assert loaded.status_code == 200, loaded.text
    assert {key: loaded.json()[key] for key in FIXTURE_2027} == FIXTURE_2027
    assert loaded.json()["year"] == 2027 and loaded.json()["loaded_at"].endswith("+08:00")
    final = await system.client.get(DEADLINE, params=INTO_2027, headers=clerk)
    assert final.json() == {
        "last_day": "2027-01-04",
        "due_at": "2027-01-04T23:59:59+08:00",
        "provisional": False,
        "unknown_years": [],
    }
    assert await _coverage_of(system, 2027, clerk) == {"year": 2027, "known": True, "basis": "loaded"}
    years = (await system.client.get(YEARS, headers=clerk)).json()
    assert [entry["source"] for entry in years["loaded"] if entry["year"] == 2027] == [FIXTURE_2027["source"]]


async def test_a_calendar_day_limit_is_counted_too(system):
    response = await system.client.get(
        DEADLINE,
        params={"start": "2024-09-21T10:00:00", "amount": 10, "unit": "calendar_days"},  # no offset: Beijing time
        headers=await system.login("deqing-yjj"),
    )

    # 10 日 end on 2024-10-01, in 国庆 (国办发明电〔2023〕7号): the limit rolls on to 10-08.
    assert response.json() == {
        "last_day": "2024-10-08",
        "due_at": "2024-10-08T23:59:59+08:00",
        "provisional": False,
        "unknown_years": [],
    }


async def test_only_the_national_admin_loads_a_year_the_calendar_being_national(system):
    url = f"{YEARS}/2027"
    clerk = await system.login("deqing-yjj")
    before = (await system.client.get(YEARS, headers=clerk)).json()

    province_admin = await system.client.put(url, json=FIXTURE_2027, headers=await system.login("admin"))
    city_admin = await system.client.put(url, json=FIXTURE_2027, headers=await system.login("huzhou-admin"))
    regulator = await system.client.put(url, json=FIXTURE_2027, headers=await system.login("deqing-yjj"))
    anonymous = await system.client.put(url, json=FIXTURE_2027)

    for refused in (province_admin, city_admin):
        assert (refused.status_code, refused.json()["code"]) == (403, "calendar-load-not-allowed")
        assert "国家级" in refused.json()["title"] and "国家级" in refused.json()["detail"]
    assert (regulator.status_code, regulator.json()["code"]) == (403, "role-not-allowed")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "not-signed-in")
    assert (await system.client.get(YEARS, headers=clerk)).json() == before  # nothing was loaded


@pytest.mark.parametrize(
    ("year", "changes", "location", "field", "message"),
    [
        pytest.param(
            2027, {"makeup_workdays": ["2027-01-08"]}, "body", "/makeup_workdays/0", "周六或周日", id="weekday"
        ),
        pytest.param(
            2027, {"holidays": ["2027-01-01", "2026-10-01"]}, "body", "/holidays/1", "其他年份", id="other year"
        ),
        pytest.param(2027, {"makeup_workdays": ["2027-01-02"]}, "body", "/makeup_workdays/0", "既是", id="both"),
        pytest.param(2027, {"source": "  "}, "body", "/source", "来源", id="empty source"),
        pytest.param(2027, {"holidays": ["2027-02-30"]}, "body", "/holidays/0", "日期", id="no such date"),
        pytest.param(1999, {}, "path", "/year", "2000", id="year out of range"),
    ],
)
async def test_an_invalid_arrangement_is_refused_naming_the_field(system, year, changes, location, field, message):
    response = await system.client.put(
        f"{YEARS}/{year}", json=FIXTURE_2027 | changes, headers=await system.login("nation-admin")
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert (error["location"], error["field"]) == (location, field)
    assert message in error["message"]


async def test_bad_deadline_questions_are_refused(system):
    clerk = await system.login("deqing-yjj")
    changes = [{"amount": 0}, {"unit": "weeks"}, {"start": "2999-01-01T00:00:00Z"}]

    answers = [await system.client.get(DEADLINE, params=INTO_2027 | change, headers=clerk) for change in changes]

    assert [(a.status_code, a.json()["errors"][0]["field"]) for a in answers] == [
        (422, "/amount"),
        (422, "/unit"),
        (422, "/start"),
    ]


async def _copy_of_2027(embedded, service: str) -> dict | None:
    runtime = embedded.dispatcher.apps[f"/api/v1/{service}"].state.runtime
    model = TABLES[service]
    async with runtime.unit_of_work() as session:
        row = await session.get(model, 2027)
        return None if row is None else {key: getattr(row, key) for key in FIXTURE_2027}


async def _forget_2027(embedded) -> None:
    """Leaves the embedded system without 2027, as the first test of this module expects."""
    for service in ("hazards", "reports", "notify"):
        runtime = embedded.dispatcher.apps[f"/api/v1/{service}"].state.runtime
        model = TABLES[service]
        async with runtime.unit_of_work() as session:
            await session.execute(delete(model).where(model.year == 2027))


async def test_a_loaded_year_reaches_reports_and_notify(embedded):
    # The process stack's databases are not reachable from a test, hence embedded mode only.
    admin = await embedded.login("nation-admin")
    corrected = FIXTURE_2027 | {"source": "测试用数据（非真实通知），更正"}
    try:
        for body in (FIXTURE_2027, corrected):  # a correction right after the first load: the last one wins
            response = await embedded.client.put(f"{YEARS}/2027", json=body, headers=admin)
            assert response.status_code == 200, response.text

        copies: dict[str, dict | None] = {}
        for _ in range(50):  # the relay runs every 0.2 s
            copies = {service: await _copy_of_2027(embedded, service) for service in ("reports", "notify")}
            if all(copy == corrected for copy in copies.values()):
                break
            await asyncio.sleep(0.2)
        assert copies == {"reports": corrected, "notify": corrected}
    finally:
        await _forget_2027(embedded)
