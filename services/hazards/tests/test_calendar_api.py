"""The working-day calendar: the national-level administrator loads a year's arrangement, the service's
deadlines for that year stop being provisional, and the reports and notify services get a copy.

2027 is used because ``chinese_calendar`` has no data for it and no test elsewhere touches it."""

import asyncio
from datetime import datetime

import pytest
from sqlalchemy import delete

from hazards.calendar.models import HolidayArrangement
from notify.calendar import HolidayArrangement as NotifyCopy
from qingling.clock import SHANGHAI
from qingling.holidays import CalendarYearLoaded, CalendarYearRemoved, working_calendar
from reports.calendar import HolidayArrangement as ReportsCopy

pytestmark = pytest.mark.asyncio

YEARS = "/api/v1/hazards/calendar/years"
DEADLINE = "/api/v1/hazards/calendar/deadline"

TABLES = {"hazards": HolidayArrangement, "reports": ReportsCopy, "notify": NotifyCopy}

# 2027's statutory holidays by the 2024 revision of 《全国年节及纪念日放假办法》, worked out by hand:
# 元旦 Fri 01-01; 春节 除夕 Fri 02-05 to 初三 Mon 02-08; 清明 Mon 04-05; 劳动节 Sat 05-01, Sun 05-02;
# 端午 Wed 06-09; 中秋 Wed 09-15; 国庆 Fri 10-01 to Sun 10-03.
STATUTORY_2027 = [
    "2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
    "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03",
]  # fmt: skip
# A MADE-UP TEST FIXTURE, not the real 2027 notice (unpublished when this was written): the
# statutory days, 元旦 Fri 01-01 to Mon 01-04 off, and an invented make-up Saturday 01-09, so that
# both kinds of day are exercised.
FIXTURE_2027 = {
    "holidays": sorted({*STATUTORY_2027, "2027-01-02", "2027-01-03", "2027-01-04"}),
    "makeup_workdays": ["2027-01-09"],
    "source": "测试用数据（非真实通知）",
}
# Fri 2026-12-25: 5 工作日 are 12-28..31 and then the first working day of 2027 — Mon 01-04 by
# the law's days alone (元旦 Fri, then the weekend), Tue 01-05 with the fixture's 01-04 off.
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
        "last_day": "2027-01-04",  # was 2027-01-01 (元旦), counted Monday–Friday
        "due_at": "2027-01-04T23:59:59+08:00",
        "provisional": True,
        "unknown_years": [2027],
    }
    coverage = await _coverage_of(system, 2027, clerk)
    assert (coverage["known"], coverage["basis"]) == (False, "statutory")
    assert [d["day"] for d in coverage["statutory_holidays"]] == STATUTORY_2027
    assert {d["name"] for d in coverage["statutory_holidays"] if d["day"].startswith("2027-02")} == {"春节"}
    assert (await _coverage_of(system, 2026, clerk))["basis"] == "library"

    loaded = await system.client.put(f"{YEARS}/2027", json=FIXTURE_2027, headers=await system.login("nation-admin"))

    assert loaded.status_code == 200, loaded.text
    assert {key: loaded.json()[key] for key in FIXTURE_2027} == FIXTURE_2027
    assert loaded.json()["year"] == 2027 and loaded.json()["loaded_at"].endswith("+08:00")
    final = await system.client.get(DEADLINE, params=INTO_2027, headers=clerk)
    assert final.json() == {
        "last_day": "2027-01-05",
        "due_at": "2027-01-05T23:59:59+08:00",
        "provisional": False,
        "unknown_years": [],
    }
    assert (await _coverage_of(system, 2027, clerk))["basis"] == "loaded"
    years = (await system.client.get(YEARS, headers=clerk)).json()
    assert [entry["source"] for entry in years["loaded"] if entry["year"] == 2027] == [FIXTURE_2027["source"]]

    # Undone by the national admin: 2027 is counted with the law's days again, and the trail shows both.
    removed = await system.client.delete(f"{YEARS}/2027", headers=await system.login("nation-admin"))
    assert removed.status_code == 204, removed.text
    again = await system.client.get(DEADLINE, params=INTO_2027, headers=clerk)
    assert (again.json()["last_day"], again.json()["provisional"]) == ("2027-01-04", True)
    trail = [c for c in (await system.client.get(YEARS, headers=clerk)).json()["changes"] if c["year"] == 2027]
    assert [(c["action"], c["actor_name"]) for c in trail[-2:]] == [
        ("load", "国家级系统管理员"),
        ("remove", "国家级系统管理员"),
    ]
    assert trail[-2]["before"] is None and trail[-2]["after"]["source"] == FIXTURE_2027["source"]
    assert trail[-1]["before"]["holidays"] == FIXTURE_2027["holidays"] and trail[-1]["after"] is None


async def test_a_load_without_the_statutory_holidays_cannot_replace_a_real_year(system):
    """Issue 17: PUT /calendar/years/2024 with no holidays replaced the State Council's real 2024
    arrangement. Now it is 422 naming each statutory day missing, and 2024 still counts as before."""
    admin, clerk = await system.login("nation-admin"), await system.login("deqing-yjj")
    empty = {"holidays": [], "makeup_workdays": [], "source": "国办发明电〔2023〕7号"}
    before = await system.client.get(
        DEADLINE, params={**INTO_2027, "start": "2024-09-30T10:00:00+08:00"}, headers=clerk
    )

    response = await system.client.put(f"{YEARS}/2024", json=empty, headers=admin)

    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert {e["field"] for e in errors} == {"/holidays"}
    named = " ".join(e["message"] for e in errors)
    for day, festival in [("2024-01-01", "元旦"), ("2024-02-12", "春节"), ("2024-04-04", "清明节"),
                          ("2024-05-01", "劳动节"), ("2024-06-10", "端午节"), ("2024-09-17", "中秋节"),
                          ("2024-10-01", "国庆节")]:  # fmt: skip
        assert f"{day}（{festival}" in named
    assert "2024-02-10" not in named  # 初一 was a Saturday: a rest day anyway
    after = await system.client.get(DEADLINE, params={**INTO_2027, "start": "2024-09-30T10:00:00+08:00"}, headers=clerk)
    assert after.json() == before.json() and after.json()["last_day"] == "2024-10-12"  # 国庆 still off
    assert (await _coverage_of(system, 2024, clerk))["basis"] == "library"

    labour_day_worked = {  # a statutory day (a Saturday) made a make-up working day
        "holidays": [day for day in FIXTURE_2027["holidays"] if day != "2027-05-01"],
        "makeup_workdays": ["2027-05-01"],
        "source": FIXTURE_2027["source"],
    }
    worked = await system.client.put(f"{YEARS}/2027", json=labour_day_worked, headers=admin)
    assert worked.status_code == 422 and "2027-05-01（劳动节" in worked.json()["errors"][0]["message"]


async def test_only_the_national_admin_removes_a_load_and_only_a_load(system):
    province = await system.client.delete(f"{YEARS}/2027", headers=await system.login("admin"))
    nothing = await system.client.delete(f"{YEARS}/2031", headers=await system.login("nation-admin"))

    assert (province.status_code, province.json()["code"]) == (403, "calendar-load-not-allowed")
    assert (nothing.status_code, nothing.json()["code"]) == (404, "calendar-year-not-loaded")


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
        pytest.param(2100, {}, "path", "/year", "2099", id="year beyond the law's computed days"),
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


LEFT = "/api/v1/hazards/calendar/working-days-left"


async def test_working_days_left_skip_the_national_day_week_and_count_its_make_up_saturday(system):
    # Wed 2026-09-30, 15:00. 国庆 2026-10-01..07 off, Sat 10-10 a make-up working day; 中秋 Fri 09-25 off.
    system.clock.freeze(datetime(2026, 9, 30, 15, 0, tzinfo=SHANGHAI))
    until = [
        "2026-10-12T23:59:59+08:00",  # 10-08, 10-09, 10-10 (调休上班), 10-12
        "2026-10-08T23:59:59+08:00",  # the first working day after the holiday
        "2026-10-07T12:00:00",  # no offset: Beijing time; all of 10-01..07 off
        "2026-09-30T23:59:59+08:00",  # today's end: the last day, not late
        "2026-09-30T09:00:00+08:00",  # earlier today: late, on its last day
        "2026-09-24T23:59:59+08:00",  # past: 09-28, 09-29 and today were working days after it (09-25 中秋)
    ]

    response = await system.client.get(LEFT, params={"until": until}, headers=await system.login("deqing-yjj"))

    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["now"], answer["today"]) == ("2026-09-30T15:00:00+08:00", "2026-09-30")
    assert [(i["last_day"], i["working_days_left"], i["overdue"]) for i in answer["items"]] == [
        ("2026-10-12", 4, False),
        ("2026-10-08", 1, False),
        ("2026-10-07", 0, False),
        ("2026-09-30", 0, False),
        ("2026-09-30", 0, True),
        ("2026-09-24", -3, True),
    ]
    assert answer["items"][2]["until"] == "2026-10-07T12:00:00+08:00"
    assert not any(item["provisional"] or item["unknown_years"] for item in answer["items"])


async def test_working_days_left_into_a_year_without_its_notice_are_provisional(system):
    system.clock.freeze(datetime(2026, 12, 30, 10, 0, tzinfo=SHANGHAI))
    clerk = await system.login("deqing-yjj")

    response = await system.client.get(
        LEFT, params={"until": ["2026-12-31T23:59:59+08:00", "2027-01-05T23:59:59+08:00"]}, headers=clerk
    )

    # 12-31, then 2027 by the law's days alone: 元旦 Fri 01-01, the weekend, Mon 01-04, Tue 01-05.
    assert [(i["working_days_left"], i["provisional"], i["unknown_years"]) for i in response.json()["items"]] == [
        (1, False, []),
        (3, True, [2027]),
    ]


@pytest.mark.parametrize(
    ("until", "field", "message"),
    [
        pytest.param([], "/until", "", id="none"),
        pytest.param(["2026-10-08T23:59:59+08:00"] * 201, "/until", "200", id="more than 200"),
        pytest.param(["2026-10-08T23:59:59+08:00", "明天"], "/until/1", "", id="not a time"),
        pytest.param(["2999-01-01T00:00:00Z"], "/until/0", "2099", id="beyond the calendar"),
    ],
)
async def test_bad_working_days_left_questions_are_refused_naming_the_value(system, until, field, message):
    response = await system.client.get(LEFT, params={"until": until}, headers=await system.login("deqing-yjj"))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == field and message in error["message"]
    assert any("\u4e00" <= char <= "\u9fff" for char in error["message"])  # in words a clerk reads


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


async def test_a_withdrawal_delivered_before_its_load_leaves_the_year_withdrawn_in_the_copies(embedded):
    """Replicas and retries deliver events in any order. A 2027 load (change 1) undone at once
    (change 2), both at the same moment, reach reports and notify withdrawal first: the late load
    must not bring 2027 back. It did, and the copies counted deadlines by a withdrawn notice."""
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    loaded = CalendarYearLoaded(year=2027, holidays=FIXTURE_2027["holidays"], makeup_workdays=["2027-01-09"],
                                source=FIXTURE_2027["source"], version=1_000_001)  # fmt: skip
    withdrawn = CalendarYearRemoved(year=2027, version=1_000_002)
    try:
        for service in ("reports", "notify"):
            headers = await embedded.as_service("hazards", to=service)
            for change in (withdrawn, loaded):
                envelope = change.envelope(subject="calendar/2027", source="hazards", occurred_at=moment)
                posted = await embedded.client.post(
                    f"/api/v1/{service}/events", json=envelope.model_dump(mode="json"), headers=headers
                )
                assert posted.status_code == 200, posted.text

        for service in ("reports", "notify"):
            runtime = embedded.dispatcher.apps[f"/api/v1/{service}"].state.runtime
            async with runtime.unit_of_work() as session:
                calendar = await working_calendar(session, TABLES[service])
                row = await session.get(TABLES[service], 2027)
            assert not calendar.is_known(2027), service  # counted by the law's days, provisionally
            assert (row.withdrawn, row.version) == (True, 1_000_002), service
    finally:
        await _forget_2027(embedded)
