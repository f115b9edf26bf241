"""Tip-off and reward figures (issue 19): seven tip-offs across 德清 and 吴兴 over 2023's third
quarter, driven through acceptance, refusal, conclusion, reply, objection, re-examination and a
reward, then the figures checked against values worked out by hand — for the city, which sees
both counties, for each county, which sees only its own, by month, category and channel, as of
a moment in the past, and for the hazards service fetching a region's figures for its return.

2023's third quarter is used because no other test places a tip-off before 2024: the figures as of
any moment in 2023 count these seven only."""

from datetime import datetime

import pytest
from tipoff_flow import (
    FINDING,
    FINE_40000,
    REPLY,
    TIP_OFFS,
    act,
    entered,
    linked,
    reporter_post,
    reward_action,
    submit,
    until,
)

from hazards.demo import demo_enterprises
from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

FIGURES = "/api/v1/reports/figures"
REPORTER = {"name": "钱卫东", "phone": "13905720077", "id_number": "330521198001011234"}
UNTRUE = {"outcome": "untrue", "findings": "现场核查：未发现举报所述的违法行为，相关作业已有审批手续"}
UNVERIFIABLE = {"outcome": "unverifiable", "findings": "现场核查：举报所述的作业已经结束，无法核实当时的情况"}
WUXING = next(e for e in demo_enterprises() if e["region_code"].startswith("330502"))["credit_code"]


def day(month: int, number: int, hour: int = 9) -> datetime:
    return datetime(2023, month, number, hour, 0, tzinfo=SHANGHAI)


async def number_of(system, receipt: dict, headers: dict) -> int:
    found = await system.client.get(TIP_OFFS, params={"receipt_code": receipt["receipt_code"]}, headers=headers)
    assert found.status_code == 200, found.text
    return found.json()["items"][0]["id"]


async def figures(system, headers: dict, **params) -> dict:
    response = await system.client.get(FIGURES, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def counts(measures: dict) -> dict:
    """The tip-off measures as plain numbers: each rate as (numerator, denominator)."""
    flat = {}
    for name, value in measures.items():
        if isinstance(value, dict) and "denominator" in value:
            flat[name] = (value["numerator"], value["denominator"])
        elif name == "refused_by_ground":
            flat[name] = {item["ground"]: item["count"] for item in value if item["count"]}
        else:
            flat[name] = value
    return flat


def money(rewards: dict) -> dict:
    return {name: (v["count"], v["amount_yuan"]) if isinstance(v, dict) else v for name, v in rewards.items()}


async def seed(system) -> dict[str, int]:
    """The quarter, day by day (working days July–September 2023 have no holidays)."""
    clock = system.clock
    clock.freeze(day(7, 3))  # Monday
    receipts = {
        "D1": await submit(system, reporter=REPORTER),  # 德清, major hazard, mini-program, real name
        "D2": await entered(system, await system.login("deqing-12345"), category="general_hazard"),
        "W1": await submit(system, category="illegal_act", enterprise_code=None, region_code="330502"),
    }
    deqing, wuxing = await system.login("deqing-yjj"), await system.login("wuxing-yjj")
    ids = {
        name: await number_of(system, receipt, wuxing if name[0] == "W" else deqing)
        for name, receipt in receipts.items()
    }

    async def step(moment: datetime, who: str, name: str, *actions) -> None:
        clock.freeze(moment)
        headers = await system.login(who)
        for action in actions:
            action, body = action if isinstance(action, tuple) else (action, None)
            await act(system, headers, ids[name], action, body)

    await step(day(7, 4), "wuxing-yjj", "W1", "sign", "accept")
    await step(day(7, 5), "deqing-yjj", "D1", "sign", "accept")
    refusal = {"ground": "no_target_or_facts", "explanation": "来电未能说明具体单位和地点"}
    await step(day(7, 12), "deqing-yjj", "D2", "sign", ("refuse", refusal))  # the 7th working day: late
    await step(day(7, 20), "deqing-yjj", "D1", ("conclude", FINDING))
    await until(lambda: linked(system, receipts["D1"]))  # listed as a hazard: converted
    await step(day(7, 25), "deqing-yjj", "D1", ("reply", REPLY))

    clock.freeze(day(7, 26))  # the reward: 15% of a ¥40,000 fine, decided and told
    assessed = await system.client.post(
        f"{TIP_OFFS}/{ids['D1']}/reward", json=FINE_40000, headers=await system.login("deqing-yjj")
    )
    assert assessed.status_code == 201, assessed.text
    reward = assessed.json()["id"]
    await reward_action(system, await system.login("deqing-yjj-leader"), reward, "decide", {})
    await reward_action(system, await system.login("deqing-yjj"), reward, "notify")

    await step(day(8, 1), "wuxing-yjj", "W1", ("conclude", UNTRUE))
    receipts["D3"] = await submit(system)
    ids["D3"] = await number_of(system, receipts["D3"], await system.login("deqing-yjj"))
    await step(day(8, 2), "deqing-yjj", "D3", "sign", "accept")
    clock.freeze(day(8, 3))
    claimed = await reporter_post(system, receipts["D1"], "/reward/claim", REPORTER)
    assert claimed.status_code == 200, claimed.text
    clock.freeze(day(8, 7))
    receipts["W2"] = await submit(
        system, category="general_hazard", channel="h5", enterprise_code=None, region_code="330502100"
    )
    ids["W2"] = await number_of(system, receipts["W2"], await system.login("wuxing-yjj"))  # never decided
    await step(day(8, 10), "deqing-yjj", "D3", ("conclude", UNVERIFIABLE))
    payout = {
        "paid_on": "2023-08-10",
        "amount_yuan": 6_000,
        "method": "bank_transfer",
        "paid_by": "德清县应急管理局 沈会计",
    }
    await reward_action(system, await system.login("deqing-yjj"), reward, "pay", payout)
    await step(day(8, 11), "deqing-yjj", "D3", ("reply", REPLY))
    clock.freeze(day(8, 15))
    objection = await reporter_post(
        system, receipts["D3"], "/objection", {"reason": "现场至今仍在违规动火，核查结论与事实不符"}
    )
    assert objection.status_code == 200, objection.text
    await step(day(8, 20), "wuxing-yjj", "W1", ("reply", REPLY))  # 19 days after the finding: late

    clock.freeze(day(9, 4))
    receipts["D4"] = await submit(system, category="illegal_act")
    ids["D4"] = await number_of(system, receipts["D4"], await system.login("deqing-yjj"))
    await step(day(9, 5), "deqing-yjj", "D4", "sign", "accept")
    clock.freeze(day(9, 11))
    receipts["W3"] = await submit(system, enterprise_code=WUXING)
    ids["W3"] = await number_of(system, receipts["W3"], await system.login("wuxing-yjj"))
    duplicate = {"ground": "duplicate", "duplicate_of": ids["W1"], "explanation": "同一事项已经受理并答复"}
    await step(day(9, 12), "wuxing-yjj", "W3", "sign", ("refuse", duplicate))
    # After the quarter: the city re-examines D3 and revises its finding.
    revised = {"decision": "revised", "outcome": "partly_true", "explanation": "复查认定举报部分属实"}
    await step(day(10, 9), "huzhou-yjj", "D3", ("re_examine", revised))
    return ids


# The quarter by hand. Decision limits: 5 working days from receipt; replies: 10 days from the finding.
QUARTER = {
    "received": 7,
    "decided": 6,  # all but W2
    "decided_within_limit": (5, 6),  # D2 refused on the 7th working day
    "accepted": 4,  # D1, W1, D3, D4
    "refused": 2,
    "refused_by_ground": {"no_target_or_facts": 1, "duplicate": 1},
    "handed_over": 0,
    "merged": 0,
    "concluded": 3,
    "by_outcome": {"true": 1, "partly_true": 1, "untrue": 1, "unverifiable": 0},  # D3 as re-examined
    "found_true": (2, 3),
    "converted": 1,  # D1
    "replied": 3,
    "replied_within_limit": (2, 3),  # W1 replied 19 days after its finding
    "objections": 1,
    "open": 5,  # D1 and W1 replied, D3 re-examined, W2 received, D4 verifying
    "overdue": 1,  # W2, never decided
}
DEQING = QUARTER | {
    "received": 4,
    "decided": 4,
    "decided_within_limit": (3, 4),
    "accepted": 3,
    "refused": 1,
    "refused_by_ground": {"no_target_or_facts": 1},
    "concluded": 2,
    "by_outcome": {"true": 1, "partly_true": 1, "untrue": 0, "unverifiable": 0},
    "found_true": (2, 2),
    "replied": 2,
    "replied_within_limit": (2, 2),
    "open": 3,
    "overdue": 0,
}
WUXING_Q3 = QUARTER | {
    "received": 3,
    "decided": 2,
    "decided_within_limit": (2, 2),
    "accepted": 1,
    "refused": 1,
    "refused_by_ground": {"duplicate": 1},
    "concluded": 1,
    "by_outcome": {"true": 0, "partly_true": 0, "untrue": 1, "unverifiable": 0},
    "found_true": (0, 1),
    "converted": 0,
    "replied": 1,
    "replied_within_limit": (0, 1),
    "objections": 0,
    "open": 2,
    "overdue": 1,
}
REWARDED = {
    "decided": (1, 6_000),
    "declined": 0,
    "claimed": (1, 6_000),
    "paid": (1, 6_000),
    "lapsed": (0, 0),
    "awaiting_claim": (0, 0),
}
NO_REWARD = {name: (0, 0) if isinstance(value, tuple) else 0 for name, value in REWARDED.items()}


async def test_figures_of_a_quarter_equal_the_hand_counted_values_city_sees_both_counties_county_its_own(system):
    await seed(system)
    system.clock.freeze(datetime(2023, 10, 10, 10, 0, tzinfo=SHANGHAI))  # pulled on 10 October …
    NOW = "2023-10-10T10:00:00+08:00"  # … as things stand then (a period's default is its end: see below)
    city, deqing, wuxing = [await system.login(name) for name in ("huzhou-ajb", "deqing-yjj", "wuxing-yjj")]

    quarter = await figures(system, city, as_of=NOW, quarter="2023-Q3")
    assert (quarter["region_code"], quarter["period"]["title"]) == ("330500", "2023年第三季度")
    assert quarter["period"]["ends_at"] == "2023-10-01T00:00:00+08:00"
    assert counts(quarter["total"]["tip_offs"]) == QUARTER
    assert money(quarter["total"]["rewards"]) == REWARDED
    by_county = {group["key"]: group for group in quarter["groups"]}
    assert list(by_county) == ["330502", "330521"]
    assert (by_county["330502"]["title"], by_county["330521"]["title"]) == ("吴兴区", "德清县")
    assert counts(by_county["330521"]["tip_offs"]) == DEQING
    assert counts(by_county["330502"]["tip_offs"]) == WUXING_Q3
    assert money(by_county["330521"]["rewards"]) == REWARDED
    assert money(by_county["330502"]["rewards"]) == NO_REWARD

    # A county sees its own only, grouped by its towns; the city drills down to the same figures.
    own = await figures(system, deqing, as_of=NOW, quarter="2023-Q3")
    assert own["region_code"] == "330521"
    assert counts(own["total"]["tip_offs"]) == DEQING
    assert [(g["key"], g["title"]) for g in own["groups"]] == [("330521001", "武康街道")]
    drilled = await figures(system, city, as_of=NOW, quarter="2023-Q3", region_code="330521")
    assert drilled["total"] == own["total"]
    assert counts((await figures(system, wuxing, as_of=NOW, quarter="2023-Q3"))["total"]["tip_offs"]) == WUXING_Q3
    outside = await system.client.get(FIGURES, params={"quarter": "2023-Q3", "region_code": "330502"}, headers=deqing)
    assert (outside.status_code, outside.json()["code"]) == (403, "outside-jurisdiction")

    # Month by month: each event in the month it happened.
    july = counts((await figures(system, city, as_of=NOW, month="2023-07"))["total"]["tip_offs"])
    august = counts((await figures(system, city, as_of=NOW, month="2023-08"))["total"]["tip_offs"])
    september = counts((await figures(system, city, as_of=NOW, month="2023-09"))["total"]["tip_offs"])
    assert [m["received"] for m in (july, august, september)] == [3, 2, 2]
    assert [m["decided_within_limit"] for m in (july, august, september)] == [(2, 3), (1, 1), (2, 2)]
    assert [m["concluded"] for m in (july, august, september)] == [1, 2, 0]
    assert [m["replied_within_limit"] for m in (july, august, september)] == [(1, 1), (1, 2), (0, 0)]
    assert [m["objections"] for m in (july, august, september)] == [0, 1, 0]
    rewards = [money((await figures(system, city, as_of=NOW, month=f"2023-0{m}"))["total"]["rewards"]) for m in (7, 8)]
    assert (rewards[0]["decided"], rewards[0]["paid"], rewards[1]["claimed"], rewards[1]["paid"]) == (
        (1, 6_000), (0, 0), (1, 6_000), (1, 6_000),
    )  # fmt: skip

    # By category and by channel.
    by_category = await figures(system, city, as_of=NOW, quarter="2023-Q3", group_by="category")
    assert {g["key"]: (g["title"], g["tip_offs"]["received"]) for g in by_category["groups"]} == {
        "general_hazard": ("一般事故隐患", 2),
        "illegal_act": ("安全生产违法行为", 2),
        "major_hazard": ("重大事故隐患", 3),
    }
    by_channel = await figures(system, city, as_of=NOW, quarter="2023-Q3", group_by="channel")
    assert {g["key"]: g["tip_offs"]["received"] for g in by_channel["groups"]} == {
        "h5": 1, "hotline_12345": 1, "miniprogram": 5,
    }  # fmt: skip
    by_department = await figures(system, city, as_of=NOW, quarter="2023-Q3", group_by="lead_department")
    assert {g["title"]: g["tip_offs"]["received"] for g in by_department["groups"]} == {
        "德清县应急管理局": 4, "吴兴区应急管理局": 3,
    }  # fmt: skip

    # As of the quarter's end (scenario 12), from the versions: D3 was objected to, its finding still
    # 无法核实 and its re-examination overdue (due 14 September); pulled on 10 October it shows the
    # city's revision of the 9th and nothing overdue but W2.
    at_end = await figures(system, city, quarter="2023-Q3", as_of="2023-09-30T23:59:59+08:00")
    assert counts(at_end["total"]["tip_offs"]) == QUARTER | {
        "by_outcome": {"true": 1, "partly_true": 0, "untrue": 1, "unverifiable": 1},
        "found_true": (1, 3),
        "overdue": 2,
    }
    assert at_end["as_of"] == "2023-09-30T23:59:59+08:00"
    by_default = await figures(system, city, quarter="2023-Q3")  # a past period is counted at its end
    assert by_default["total"] == at_end["total"] and by_default["as_of"] == "2023-10-01T00:00:00+08:00"

    # As of a moment: on 4 September at 18:00 D4 was received and not yet decided (accepted on the 5th).
    before = counts(
        (await figures(system, city, quarter="2023-Q3", as_of="2023-09-04T18:00:00+08:00"))["total"]["tip_offs"]
    )
    assert (before["received"], before["decided"], before["accepted"]) == (6, 4, 3)
    assert before["open"] == 5  # all received by then but D2 (refused): D4 among them, waiting for a decision


async def test_the_hazards_service_reads_a_regions_figures_others_cannot(system):
    system.clock.freeze(datetime(2023, 10, 10, 10, 0, tzinfo=SHANGHAI))
    as_hazards = await system.as_service("hazards", to="reports")
    params = {"quarter": "2023-Q3", "region_code": "330521"}
    served = await system.client.get(FIGURES, params=params, headers=as_hazards)
    assert served.status_code == 200, served.text
    staff = await figures(system, await system.login("deqing-yjj"), **params)
    assert served.json()["total"] == staff["total"]

    unnamed = await system.client.get(FIGURES, params={"quarter": "2023-Q3"}, headers=as_hazards)
    assert (unnamed.status_code, unnamed.json()["errors"][0]["field"]) == (422, "/region_code")
    as_notify = await system.client.get(FIGURES, params=params, headers=await system.as_service("notify", to="reports"))
    assert (as_notify.status_code, as_notify.json()["code"]) == (403, "insufficient-scope")
    enterprise = await system.client.get(FIGURES, params=params, headers=await system.login("demo-enterprise"))
    assert (enterprise.status_code, enterprise.json()["code"]) == (403, "role-not-allowed")


async def test_a_bad_period_or_a_future_moment_is_a_422_naming_the_parameter(system):
    city = await system.login("huzhou-ajb")
    for params, field in (
        ({"quarter": "2023-Q5"}, "/quarter"),
        ({"month": "2023-07", "year": "2023"}, "/year"),
        ({"from": "2023-07-02", "to": "2023-07-01"}, "/to"),
        ({"as_of": "2199-01-01T00:00:00+08:00"}, "/as_of"),
        ({"group_by": "weather"}, "/group_by"),
    ):
        response = await system.client.get(FIGURES, params=params, headers=city)
        assert response.status_code == 422, (params, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"][0]["field"] == field, response.json()
