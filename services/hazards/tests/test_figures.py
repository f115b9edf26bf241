"""Hazard figures through the API, on the test clock: a month's figures across two counties and
three departments checked against hand counts; a city sees both counties, a county only its own;
and scenario 12 — the third quarter's figures pulled on 10 October equal those of 30 September
23:59, though a hazard was closed, another extended and a third regraded in between.

Each test keeps to towns no other test uses (禹越镇, 东林镇, 新安镇), so the shared systems'
other hazards do not touch the counts."""

import secrets
from datetime import datetime

import pytest

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

YUYUE, DONGLIN, XINAN = "330521113", "330502105", "330521114"  # 德清县禹越镇, 吴兴区东林镇, 德清县新安镇
MAJOR_CONSTRUCTION = {
    "grade": "major", "basis_standard": "CS2022", "basis_clause": "第四条",
    "report": {"condition": "高支模未验收即浇筑", "harm": "可能坍塌，需停工整改", "plan": "停工验收后再施工"},
}  # fmt: skip
MAJOR_TRADE = {
    "grade": "major", "basis_standard": "GM2023", "basis_clause": "第四条(一)",
    "report": {"condition": "有限空间未检测", "harm": "可能中毒窒息，需停工整改", "plan": "先检测后作业"},
}  # fmt: skip
ORDER = {"measures": "限期整改", "responsible_person": "王强", "funds": "自筹 2 万元", "acceptor": "李安"}
COMPLETION = {"summary": "已整改完毕", "evaluated_by": "in_house_experts", "evaluation": "隐患已消除"}


def at(month: int, day: int, hour: int = 9, year: int = 2025) -> datetime:
    return datetime(year, month, day, hour, tzinfo=SHANGHAI)


async def _ok(system, method: str, url: str, username: str, body: dict | None = None, **params) -> dict:
    headers = await system.login(username)
    response = await system.client.request(method, url, json=body, params=params or None, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _enterprise(system, regulator: str, town: str, industry: str) -> tuple[int, str]:
    """A registered enterprise in ``town`` and the user name of its onboarded admin (signed in)."""
    from qingling.credit_code import check_character

    body = f"91{town[:6]}MA{secrets.randbelow(10**7):07d}"
    registered = await _ok(system, "POST", "/api/v1/hazards/enterprises", regulator, {
        "credit_code": body + check_character(body), "name": f"统计测试{industry}有限公司{body[-4:]}",
        "address": "测试路 1 号", "region_code": town, "industry": industry, "risk_class": "B",
        "people": {"principal": {"name": "周平", "phone": "13600000000"}},
    })  # fmt: skip
    username = f"fig-{secrets.token_hex(4)}"
    onboarding = {"admin_username": username, "admin_display_name": "周平"}
    url = f"/api/v1/hazards/enterprises/{registered['id']}/onboarding"
    temporary = (await _ok(system, "POST", url, regulator, onboarding))["temporary_password"]
    change = {"username": username, "current_password": temporary, "new_password": "Tongji#2025"}
    assert (await system.client.post("/api/v1/identity/password", json=change)).status_code in (200, 204)
    return registered["id"], username


async def _remember(system, username: str) -> None:
    """Signs in ``username`` (an onboarded enterprise admin) with the password it set."""
    system.login_passwords = getattr(system, "login_passwords", {}) | {username: "Tongji#2025"}


async def _report(system, username: str, enterprise_id: int | None, found: datetime, **grading) -> int:
    body = {"title": "统计测试隐患", "description": "部位与现状", "grade": "general",
            "found_at": found.isoformat(), **grading}  # fmt: skip
    if enterprise_id is not None:
        body["enterprise_id"] = enterprise_id
    return (await _post_as(system, username, "/api/v1/hazards/hazards", body))["id"]


async def _post_as(system, username: str, url: str, body: dict | None = None) -> dict:
    password = getattr(system, "login_passwords", {}).get(username)
    headers = await (system.login(username, password) if password else system.login(username))
    response = await system.client.post(url, json=body, headers=headers)
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _act(system, hazard_id: int, action: str, username: str, body: dict | None = None) -> dict:
    return await _post_as(system, username, f"/api/v1/hazards/hazards/{hazard_id}/{action}", body)


async def _close(system, hazard_id: int, enterprise: str, department: str) -> None:
    await _act(system, hazard_id, "apply_completion", enterprise, COMPLETION)
    await _act(system, hazard_id, "start_review", department)
    await _act(system, hazard_id, "pass_review", department, {"findings": "复核合格"})
    await _act(system, hazard_id, "check_close_out", department, {"findings": "整改到位"})
    await _act(system, hazard_id, "close", department, {"opinion": "同意销号"})


async def _figures(system, username: str, **params) -> dict:
    return await _ok(system, "GET", "/api/v1/hazards/figures", username, **params)


def _row(figures: dict, key: str) -> dict:
    return next(row for row in figures["rows"] if row["key"] == key)


def _measures(figures: dict) -> dict:
    return {name: value for name, value in figures.items() if name not in ("key", "title")}


def _rate(numerator: int, denominator: int) -> dict:
    return {"numerator": numerator, "denominator": denominator,
            "rate": round(numerator / denominator, 4) if denominator else None}  # fmt: skip


def _days(*spans: tuple[datetime, datetime]) -> dict:
    days = sorted((closed - found).total_seconds() / 86400 for found, closed in spans)
    return {"count": len(days), "average": round(sum(days) / len(days), 1), "p90": round(days[-1], 1)}


async def test_monthly_figures_against_hand_counts_and_each_sees_its_own(system):
    system.clock.freeze(at(7, 1))
    trade_dq, ent_dq = await _enterprise(system, "deqing-yjj", YUYUE, "industry_trade")  # 德清县应急管理局
    building_dq, _ = await _enterprise(system, "deqing-zjj", YUYUE, "construction")  # 德清县住建局
    trade_wx, ent_wx = await _enterprise(system, "wuxing-yjj", DONGLIN, "industry_trade")  # 吴兴区应急管理局
    await _remember(system, ent_dq)
    await _remember(system, ent_wx)

    # 德清 禹越镇: h1 found in July, closed on time in August; h2 self-reported in August, closed
    # late; h3 due 31 August, still open; h4 major, reported, open.
    system.clock.freeze(at(7, 10))
    h1 = await _report(system, "deqing-yjj", trade_dq, at(7, 10, 8))
    await _act(system, h1, "accept_general", "deqing-yjj", ORDER | {"deadline": "2025-08-10"})
    system.clock.freeze(at(8, 3))
    h2 = await _report(system, ent_dq, None, at(8, 3, 8))
    await _act(system, h2, "accept_general", "deqing-yjj", ORDER | {"deadline": "2025-08-20"})
    system.clock.freeze(at(8, 5, 10))
    await _close(system, h1, ent_dq, "deqing-yjj")
    system.clock.freeze(at(8, 12))
    h3 = await _report(system, "deqing-zjj", building_dq, at(8, 12, 8))
    await _act(system, h3, "accept_general", "deqing-zjj", ORDER | {"deadline": "2025-08-31"})
    system.clock.freeze(at(8, 15))
    await _report(system, "deqing-zjj", building_dq, at(8, 15, 8), **MAJOR_CONSTRUCTION)
    system.clock.freeze(at(8, 25, 10))
    await _close(system, h2, ent_dq, "deqing-yjj")

    # 吴兴 东林镇: h6 pre-2024 stock, due and closed on time in August; h5 open, due in September;
    # h8 not a hazard at all (rejected): counted nowhere.
    system.clock.freeze(at(7, 2))
    h6 = await _report(system, "wuxing-yjj", trade_wx, at(11, 1, 8, year=2023))
    await _act(system, h6, "accept_general", "wuxing-yjj", ORDER | {"deadline": "2025-08-15"})
    system.clock.freeze(at(8, 14, 10))
    await _close(system, h6, ent_wx, "wuxing-yjj")
    system.clock.freeze(at(8, 20))
    h5 = await _report(system, "wuxing-yjj", trade_wx, at(8, 20, 8))
    await _act(system, h5, "accept_general", "wuxing-yjj", ORDER | {"deadline": "2025-09-30"})
    system.clock.freeze(at(8, 22))
    h8 = await _report(system, "wuxing-yjj", trade_wx, at(8, 22, 8))
    await _act(system, h8, "reject", "wuxing-yjj", {"reason": "经核实不构成事故隐患"})

    system.clock.freeze(at(9, 5, 12))
    august = {"month": "2025-08"}
    yuyue = {
        "found": 3, "found_major": 1, "closed": 2, "rectification_rate": _rate(1, 3),
        "recurred": 0, "reinspected": 0, "reinspection_failed": 0,
        "due": 3, "on_time": 1, "closed_late": 1, "open_overdue": 1,
        "on_time_rate": _rate(1, 3), "overdue_rate": _rate(2, 3),
        "open": 2, "open_major": 1, "overdue": 1, "open_stock": 0, "open_new": 2,
        "days_to_close": _days((at(7, 10, 8), at(8, 5, 10)), (at(8, 3, 8), at(8, 25, 10))),
    }  # fmt: skip
    donglin = {
        "found": 1, "found_major": 0, "closed": 1, "rectification_rate": _rate(0, 1),
        "recurred": 0, "reinspected": 0, "reinspection_failed": 0,
        "due": 1, "on_time": 1, "closed_late": 0, "open_overdue": 0,
        "on_time_rate": _rate(1, 1), "overdue_rate": _rate(0, 1),
        "open": 1, "open_major": 0, "overdue": 0, "open_stock": 0, "open_new": 1,
        "days_to_close": _days((at(11, 1, 8, year=2023), at(8, 14, 10))),
    }  # fmt: skip

    # The city drills from its counties to their towns, and sees both.
    city = await _figures(system, "huzhou-yjj", **august)
    assert city["region_prefix"] == "3305" and city["region_title"] == "湖州市"
    assert {row["key"] for row in city["rows"]} >= {"330521", "330502"}
    anji = next(row for row in city["rows"] if row["key"] == "330523")  # no hazard there: listed, with zeros
    assert (anji["title"], anji["found"], anji["closed"], anji["on_time_rate"]["rate"]) == ("安吉县", 0, 0, None)
    assert sum(row["found"] for row in city["rows"]) == city["total"]["found"]
    deqing = await _figures(system, "huzhou-yjj", region_prefix="330521", **august)
    assert _measures(_row(deqing, YUYUE)) == yuyue and _row(deqing, YUYUE)["title"] == "禹越镇"
    wuxing = await _figures(system, "huzhou-yjj", region_prefix="330502", **august)
    assert _measures(_row(wuxing, DONGLIN)) == donglin

    # A county sees its own towns the same, and nothing of the other county.
    own = await _figures(system, "deqing-yjj", **august)
    assert own["region_prefix"] == "330521" and _row(own, YUYUE) == _row(deqing, YUYUE)
    assert all(row["key"].startswith("330521") for row in own["rows"])
    other = await system.client.get(
        "/api/v1/hazards/figures", params={"region_prefix": "330502"}, headers=await system.login("deqing-yjj")
    )
    assert (other.status_code, other.json()["code"]) == (403, "outside-jurisdiction")
    assert all(row["key"].startswith("330502") for row in (await _figures(system, "wuxing-yjj", **august))["rows"])

    # By department and by source, within one town: the groups add up to the town.
    town = await _figures(system, "huzhou-yjj", region_prefix=YUYUE, group_by="department", **august)
    assert _measures(town["total"]) == yuyue
    by_title = {row["title"]: row for row in town["rows"]}
    assert set(by_title) == {"德清县应急管理局", "德清县住房和城乡建设局"}
    assert (by_title["德清县应急管理局"]["closed"], by_title["德清县应急管理局"]["on_time"]) == (2, 1)
    assert (by_title["德清县住房和城乡建设局"]["found"], by_title["德清县住房和城乡建设局"]["open_major"]) == (2, 1)
    sources = await _figures(system, "deqing-yjj", region_prefix=YUYUE, group_by="source", **august)
    assert {row["key"]: row["found"] for row in sources["rows"]} == {"inspection": 2, "self_report": 1}
    stock = await _figures(system, "wuxing-yjj", region_prefix=DONGLIN, month="2025-07")
    # found in 2023 and closed in August: July's figures are those at its end, when it was still open
    assert (stock["total"]["found"], stock["total"]["open_stock"]) == (0, 1)

    # The list finds what the figures count: closed in August, and due in August.
    def listed(**window) -> dict:
        return _ok(system, "GET", "/api/v1/hazards/hazards", "deqing-yjj", region_prefix=YUYUE, **window)

    closed = await listed(closed_after="2025-08-01T00:00:00+08:00", closed_before="2025-09-01T00:00:00+08:00")
    assert ({h["id"] for h in closed["items"]}, closed["total"]) == ({h1, h2}, yuyue["closed"])
    due = await listed(deadline_after="2025-08-01T00:00:00+08:00", deadline_before="2025-09-01T00:00:00+08:00")
    assert ({h["id"] for h in due["items"]}, due["total"]) == ({h1, h2, h3}, yuyue["due"])
    assert (await listed(closed_before="2025-08-25T00:00:00+08:00"))["total"] == 1
    assert (await listed(listed_from="2025-01-01"))["total"] == 0  # none of them is listed

    # A later moment or one in the future: the future is refused, naming the parameter.
    future = await system.client.get(
        "/api/v1/hazards/figures",
        params={"as_of": "2025-09-06T00:00:00+08:00"},
        headers=await system.login("deqing-yjj"),
    )
    assert (future.status_code, future.json()["code"]) == (422, "as-of-in-future")


async def test_third_quarter_figures_pulled_on_10_october_are_those_of_30_september(system):
    """Scenario 12 (acceptance 2)."""
    system.clock.freeze(at(9, 1))
    trade, enterprise = await _enterprise(system, "deqing-yjj", XINAN, "industry_trade")
    await _remember(system, enterprise)
    closed_later = await _report(system, "deqing-yjj", trade, at(9, 1, 8))
    await _act(system, closed_later, "accept_general", "deqing-yjj", ORDER | {"deadline": "2025-09-20"})
    system.clock.freeze(at(9, 2))
    extended_later = await _report(system, "deqing-yjj", trade, at(9, 2, 8))
    await _act(system, extended_later, "accept_general", "deqing-yjj", ORDER | {"deadline": "2025-09-25"})
    system.clock.freeze(at(9, 5))
    regraded_later = await _report(system, "deqing-yjj", trade, at(9, 5, 8), **MAJOR_TRADE)
    system.clock.freeze(at(9, 10))
    extension = {"requested_deadline": "2025-10-31", "reason": "设备到货延迟"}
    await _act(system, extended_later, "request_extension", enterprise, extension)

    t = datetime(2025, 9, 30, 23, 59, 59, tzinfo=SHANGHAI)
    q3 = {"quarter": "2025-Q3", "region_prefix": XINAN}
    system.clock.freeze(t)
    on_the_day = await _figures(system, "deqing-yjj", **q3)
    assert (on_the_day["total"]["found"], on_the_day["total"]["found_major"]) == (3, 1)
    assert (on_the_day["total"]["due"], on_the_day["total"]["open_overdue"], on_the_day["total"]["overdue"]) == (
        2,
        2,
        2,
    )
    assert (on_the_day["total"]["open"], on_the_day["total"]["open_major"]) == (3, 1)

    # After T: one closed, one extended, one regraded.
    system.clock.freeze(at(10, 8, 10))
    await _act(system, extended_later, "grant_extension", "deqing-yjj", {"reason": "理由充分"})
    await _act(system, regraded_later, "regrade", "deqing-yjj", {"grade": "general", "reason": "复核为一般隐患"})
    await _close(system, closed_later, enterprise, "deqing-yjj")

    system.clock.freeze(at(10, 10))
    pulled = await _figures(system, "deqing-yjj", as_of=t.isoformat(), **q3)
    assert pulled == on_the_day
    city = await _figures(system, "huzhou-ajb", as_of=t.isoformat(), **q3)  # the 安委办 of the city, the same
    assert city["total"] == on_the_day["total"]

    by_default = await _figures(system, "deqing-yjj", **q3)  # a past period is counted at its end
    assert (by_default["total"], by_default["as_of"]) == (on_the_day["total"], "2025-10-01T00:00:00+08:00")
    now = (await _figures(system, "deqing-yjj", as_of=at(10, 10).isoformat(), **q3))["total"]
    assert (now["found"], now["found_major"], now["closed"]) == (3, 0, 0)  # closed in October, not in Q3
    assert (now["due"], now["closed_late"], now["open_overdue"]) == (1, 1, 0)  # the extended one is due 31 Oct
    assert now["overdue_rate"] == _rate(1, 1)
    assert (now["open"], now["open_major"], now["overdue"]) == (2, 0, 0)

    zeroing = await _ok(system, "GET", "/api/v1/hazards/figures/zeroing", "deqing-yjj", region_prefix=XINAN)
    at_t = await _ok(
        system, "GET", "/api/v1/hazards/figures/zeroing", "deqing-yjj", region_prefix=XINAN, as_of=t.isoformat()
    )
    q3_major = next(q for q in at_t["total"]["new_major_by_quarter"] if q["quarter"] == "2025-Q3")
    assert q3_major["count"] == 1 and at_t["total"]["open_major_by_month"][-1] == {
        "month": "2025-09", "at": "2025-09-30T23:59:59+08:00", "count": 1,
    }  # fmt: skip
    september, october = zeroing["total"]["open_major_by_month"][-2:]
    assert (september["count"], october["count"]) == (1, 0)  # major until regraded on 8 October
    assert zeroing["total"]["stock"] == 0
