"""Reward arithmetic under the rule data (domain.md §3, scenario 2): the national rule everywhere,
a local rule's terms only inside its region and from its first day."""

from datetime import date

import pytest

from reports.rewards import rules
from reports.rewards.rules import AccidentGrade
from reports.rewards.service import NATIONAL_RULE

TERMS = "/api/v1/reports/reward-rules/terms"
FAR = date.today().year + 3  # a rule in force in a few years: no assessed reward can be affected


class Rule:
    def __init__(self, **terms):
        self.__dict__.update({name: None for name in rules.TERM_NAMES} | terms)


NATIONAL = rules.overlay([Rule(**NATIONAL_RULE)])


@pytest.mark.parametrize(
    ("fine", "reward"),
    [(10_000, 3_000), (20_000, 3_000), (40_000, 6_000), (1_000_000, 150_000), (3_000_000, 300_000)],
)
def test_a_fine_earns_fifteen_percent_between_the_national_floor_and_cap(fine, reward):
    assert rules.for_fine(NATIONAL, fine).yuan == reward


def test_concealed_deaths_earn_the_amount_of_their_grade_up_to_the_cap():
    assert rules.for_accident(NATIONAL, AccidentGrade.LARGER, 2).yuan == 80_000
    assert rules.for_accident(NATIONAL, AccidentGrade.GENERAL, 1).yuan == 30_000
    capped = rules.for_accident(NATIONAL, AccidentGrade.ESPECIALLY_MAJOR, 6)
    assert capped.yuan == 300_000 and "超过最高奖励额" in capped.computation


def test_the_computation_is_spelled_out():
    assert (
        rules.for_fine(NATIONAL, 10_000).computation == "罚款 10,000 元 × 15% = 1,500 元；低于最低奖励额，按 3,000 元"
    )


def test_a_local_rule_states_only_what_it_changes():
    local = rules.overlay([Rule(**NATIONAL_RULE), Rule(key="local", fine_percent=50, fine_min=5_000, fine_max=500_000)])
    assert (local.fine_percent, local.fine_min, local.death_cap, local.claim_days) == (50, 5_000, 300_000, 60)
    assert local.rules == ("national-2018", "local")
    with pytest.raises(ValueError, match="leave"):
        rules.overlay([Rule(key="local", fine_percent=50)])  # nothing national under it


async def _terms(system, region_code: str, on: str) -> rules.Terms:
    response = await system.client.get(TERMS, params={"region_code": region_code, "on": on})
    assert response.status_code == 200, response.text
    body = response.json()
    return rules.Terms(**{name: body[name] for name in rules.TERM_NAMES}, rules=tuple(body["rules"]))


async def test_shandong_bounds_apply_in_shandong_only(embedded):
    juxian, jinan, deqing = [await _terms(embedded, code, "2024-09-02") for code in ("371122", "370102", "330521")]
    assert deqing.rules == ("national-2018",) and deqing.anonymous_claims is False
    assert jinan.rules == ("national-2018", "shandong") and jinan.anonymous_claims is True
    assert juxian.rules == ("national-2018", "shandong", "rizhao")

    assert [rules.for_fine(t, 10_000).yuan for t in (deqing, jinan)] == [3_000, 5_000]
    assert [rules.for_fine(t, 2_000_000).yuan for t in (deqing, jinan)] == [300_000, 500_000]
    assert rules.for_fine(jinan, 40_000).yuan == 20_000
    # 日照市 adds 20% for an employee of the reported unit; 济南 does not.
    assert rules.for_fine(juxian, 40_000, employee=True).yuan == 24_000
    assert rules.for_fine(jinan, 40_000, employee=True).yuan == 20_000
    # Before the Shandong rule took effect, the national terms held there too.
    before = await _terms(embedded, "370102", "2024-06-30")
    assert before.rules == ("national-2018",) and rules.for_fine(before, 10_000).yuan == 3_000


RULES = "/api/v1/reports/reward-rules"
# What deqing-admin added (issue 15): 100% of the fine, ¥200k–¥5M, from a day already past.
COUNTY_RULE = {
    "key": "deqing-generous",
    "region_code": "330521",
    "title": "德清县举报奖励办法",
    "valid_from": "2024-01-01",
    "fine_percent": 100,
    "fine_min": 200_000,
    "fine_max": 5_000_000,
}


async def test_only_a_province_admin_or_above_adds_a_reward_rule(embedded):
    for county_or_city in ("deqing-admin", "huzhou-admin"):
        admin = await embedded.login(county_or_city)
        for rule in (
            COUNTY_RULE,
            COUNTY_RULE | {"key": "deqing-modest", "fine_percent": 10, "valid_from": f"{FAR}-01-01"},
        ):
            refused = await embedded.client.post(RULES, json=rule, headers=admin)
            assert (refused.status_code, refused.json()["code"]) == (403, "reward-rule-province-level-only")
    keys = [r["key"] for r in (await embedded.client.get(RULES)).json()]
    assert "deqing-generous" not in keys and "deqing-modest" not in keys


async def test_a_province_rule_within_the_national_bounds_needs_no_document_one_beyond_them_does(embedded):
    admin = await embedded.login("admin")  # 浙江省
    rule = {
        "key": f"zhejiang-{FAR}",
        "region_code": "330000",
        "title": "浙江省举报奖励办法（测试用，远期施行）",
        "valid_from": f"{FAR}-01-01",
        "fine_percent": 12,
        "fine_max": 300_000,
        "death_amounts": {"major": 50_000},
    }
    created = await embedded.client.post(RULES, json=rule, headers=admin)
    assert created.status_code == 201, created.text
    again = await embedded.client.post(RULES, json=rule, headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "reward-rule-exists")
    elsewhere = await embedded.client.post(
        RULES, json=rule | {"key": f"sd-{FAR}", "region_code": "370000"}, headers=admin
    )
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (403, "reward-rule-outside-jurisdiction")
    bad = await embedded.client.post(
        RULES, json=rule | {"key": "zj-bad", "fine_min": 9_000, "fine_max": 1_000}, headers=admin
    )
    assert bad.status_code == 422

    # Beyond the national rule: every term that exceeds it is named, and a document is asked for.
    generous = COUNTY_RULE | {"key": "zhejiang-generous", "region_code": "330000", "valid_from": f"{FAR}-02-01",
                              "death_amounts": {"major": 80_000, "general": 30_000}}  # fmt: skip
    beyond = await embedded.client.post(RULES, json=generous, headers=admin)
    assert (beyond.status_code, beyond.json()["code"]) == (422, "reward-rule-beyond-national")
    fields = [error["field"] for error in beyond.json()["errors"]]
    assert fields == ["/fine_percent", "/fine_min", "/fine_max", "/death_amounts/major", "/basis_document"]
    assert "15%" in beyond.json()["errors"][0]["message"] and "basis_document" in beyond.json()["detail"]
    cited = generous | {"basis_document": f"浙江省安全生产举报奖励办法（浙应急〔{FAR}〕1号）"}
    created = await embedded.client.post(RULES, json=cited, headers=admin)
    assert created.status_code == 201, created.text
    assert created.json()["basis_document"] == cited["basis_document"]

    listed = {r["key"]: r for r in (await embedded.client.get(RULES)).json()}
    assert "zj-bad" not in listed and "zhejiang-generous" in listed
    # The seeded local patterns go beyond the national rule, and cite their documents.
    assert listed["shandong"]["basis_document"] and listed["rizhao"]["basis_document"]

    assert (await _terms(embedded, "330521", f"{FAR}-01-02")).fine_percent == 12
    assert (await _terms(embedded, "330521", f"{FAR - 1}-12-31")).fine_percent == 15
    assert (await _terms(embedded, "370102", f"{FAR}-01-02")).fine_percent == 50
