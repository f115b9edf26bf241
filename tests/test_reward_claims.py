"""Who may claim a reward, and who records its payout (issue 15): only the reporter claims — by
receipt, or as the signed-in mini-program user whose own tip-off it is — never staff on their
behalf; guesses at a real-name reporter's identity are counted, throttled and put on the trail
(without what was guessed); the paying department, and no other, records the payout."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from tipoff_flow import MONDAY, REWARDS, TIP_OFFS, as_reporter, reporter_post, reward_action, rewarded, submit
from tipoff_flow import tip_off_id as number_of
from wechat_system import WechatSystem, wechat_system

pytestmark = pytest.mark.asyncio

REPORTER = {"name": "周明亮", "phone": "13905720042", "id_number": "330521198503151234"}
GUESSES = [("周明", "330521198503151234"), ("周明亮", "330521198503151235"), ("周明良", "330521198503150000")]
PAYOUT = {
    "paid_on": "2024-09-02",
    "amount_yuan": 6_000,
    "method": "bank_transfer",
    "paid_by": "德清县应急管理局 沈会计",
}


async def _trail(system, handler: dict, receipt: dict) -> list[dict]:
    number = await number_of(system, receipt, handler)
    return (await system.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()


async def test_staff_cannot_claim_the_receipt_holder_does_and_only_the_paying_department_records_the_payout(system):
    system.clock.freeze(MONDAY)
    handler, leader = await system.login("deqing-yjj"), await system.login("deqing-yjj-leader")
    receipt = await submit(system, reporter=REPORTER)
    reward = await rewarded(system, handler, leader, receipt)
    assert (reward["state"], reward["amount_yuan"]) == ("notified", 6_000)
    claim_url = f"{REWARDS}/{reward['id']}/claim"

    # Staff of the paying department, knowing the identity, cannot claim on the reporter's behalf.
    for staff in (handler, leader):
        refused = await system.client.post(claim_url, json=REPORTER, headers=staff)
        assert (refused.status_code, refused.json()["code"]) == (403, "role-not-allowed")
    read = (await system.client.get(f"{REWARDS}/{reward['id']}", headers=handler)).json()
    assert (read["state"], read["allowed_actions"]) == ("notified", [])  # only the reporter claims
    assert (read["step"], read["step_due_at"]) == ("领取奖励", read["claim_due_at"])
    early = await system.client.post(f"{REWARDS}/{reward['id']}/pay", json=PAYOUT, headers=handler)
    assert (early.status_code, early.json()["code"]) == (409, "transition-not-allowed")  # not claimed yet

    claimed = await reporter_post(system, receipt, "/reward/claim", REPORTER)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["reward"]["state"] == "claimed"
    read = (await system.client.get(f"{REWARDS}/{reward['id']}", headers=handler)).json()
    assert (read["state"], read["claim_channel"], read["allowed_actions"]) == ("claimed", "receipt", ["pay"])

    # Another department of the same county cannot record the payout.
    housing = await system.login("deqing-zjj")
    other = await system.client.post(f"{REWARDS}/{reward['id']}/pay", json=PAYOUT, headers=housing)
    assert (other.status_code, other.json()["code"]) == (403, "not-the-authority")
    assert "德清县应急管理局" in other.json()["detail"]  # the paying department, by name
    # The amount decided, or less with a reason; never more; on a day between the claim and today.
    pay_url = f"{REWARDS}/{reward['id']}/pay"
    for change, field in (
        ({"amount_yuan": 5_000}, "/reason"),
        ({"amount_yuan": 7_000, "reason": "多发一些以示鼓励"}, "/amount_yuan"),
    ):
        bad = await system.client.post(pay_url, json=PAYOUT | change, headers=handler)
        assert (bad.status_code, bad.json()["code"], bad.json()["errors"][0]["field"]) == (
            422, "payout-amount-differs", field,
        )  # fmt: skip
    for day in ("2024-09-03", "2024-09-01"):  # tomorrow; before the claim
        bad = await system.client.post(pay_url, json=PAYOUT | {"paid_on": day}, headers=handler)
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "/paid_on")
    assert (await system.client.get(f"{REWARDS}/{reward['id']}", headers=handler)).json()["state"] == "claimed"

    paid = await reward_action(system, handler, reward["id"], "pay", PAYOUT)
    assert (paid["state"], paid["state_title"], paid["allowed_actions"]) == ("paid", "已发放", [])
    assert (paid["paid_on"], paid["paid_amount_yuan"], paid["payout_method"]) == ("2024-09-02", 6_000, "bank_transfer")
    assert paid["paid_by"] == PAYOUT["paid_by"] and paid["payout_recorded_by"].startswith("account:")
    view = await as_reporter(system, receipt)
    assert view["reward"]["state_title"] == "已发放"
    assert "6,000 元已于 2024年09月02日 以银行转账方式发放" in view["messages"][-1]["text"]
    trail = await _trail(system, handler, receipt)
    pay = next(e for e in trail if e["action"] == "reward_pay")
    assert {key: pay["payload"][key] for key in PAYOUT} == PAYOUT and pay["actor"].startswith("account:")
    assert (pay["payload"]["state"], pay["payload"]["acting_department"]) == ("paid", "德清县应急管理局")
    assert next(e for e in trail if e["action"] == "reward_claim")["payload"]["channel"] == "receipt"


async def test_identity_guesses_are_throttled_per_reward_and_each_mismatch_is_on_the_trail_without_the_guess(system):
    system.clock.freeze(MONDAY)
    handler, leader = await system.login("deqing-yjj"), await system.login("deqing-yjj-leader")
    receipt = await submit(system, reporter=REPORTER)
    reward = await rewarded(system, handler, leader, receipt)

    for name, id_number in GUESSES:
        guess = await reporter_post(system, receipt, "/reward/claim", REPORTER | {"name": name, "id_number": id_number})
        assert (guess.status_code, guess.json()["code"]) == (403, "claimant-identity-mismatch")
    # Past the limit even the right identity is refused, unchecked, until the window has passed.
    system.clock.advance(timedelta(hours=23))
    throttled = await reporter_post(system, receipt, "/reward/claim", REPORTER)
    assert (throttled.status_code, throttled.json()["code"]) == (429, "claim-attempts-throttled")
    assert 0 < int(throttled.headers["Retry-After"]) <= 3600
    handler = await system.login("deqing-yjj")
    trail = await _trail(system, handler, receipt)
    mismatches = [e for e in trail if e["action"] == "reward_claim_mismatch"]
    assert [(e["payload"]["channel"], e["payload"]["mismatches_in_window"]) for e in mismatches] == [
        ("receipt", 1), ("receipt", 2), ("receipt", 3),
    ]  # fmt: skip
    assert mismatches[-1]["payload"]["throttled"] is True and mismatches[0]["at"].startswith("2024-09-02")
    for name, id_number in GUESSES:
        assert name not in str(trail) and id_number not in str(trail)
    assert (await system.client.get(f"{REWARDS}/{reward['id']}", headers=handler)).json()["state"] == "notified"

    system.clock.advance(timedelta(hours=1, minutes=1))
    claimed = await reporter_post(system, receipt, "/reward/claim", REPORTER)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["reward"]["state"] == "claimed"


# -------------------------------------------------------------------- a real-name mini-program user


@pytest.fixture
async def with_wechat(tmp_path) -> AsyncIterator[WechatSystem]:
    async with wechat_system(tmp_path) as system:
        yield system


async def test_a_real_name_mini_program_reporter_claims_their_own_reward_and_nobody_else_can(with_wechat):
    system = with_wechat
    client = system.client
    system.clock.freeze(MONDAY)
    reporter, stranger = await system.signed_in("o-reporter-1"), await system.signed_in("o-other-2")
    receipt = await submit(system, headers=reporter, reporter=REPORTER)
    handler, leader = await system.login("deqing-yjj"), await system.login("deqing-yjj-leader")
    reward = await rewarded(system, handler, leader, receipt)

    [mine] = (await client.get(f"{TIP_OFFS}/mine", headers=reporter)).json()
    assert (mine["reward"]["yours"], mine["reward"]["reward_id"]) == (True, reward["id"])
    url = f"{REWARDS}/{reward['id']}/claim"
    theirs = await client.post(url, json=REPORTER, headers=stranger)  # signed in, but not their tip-off
    assert (theirs.status_code, theirs.json()["code"]) == (404, "reward-not-found")
    staff = await client.post(url, json=REPORTER, headers=handler)
    assert (staff.status_code, staff.json()["code"]) == (403, "role-not-allowed")
    wrong = await client.post(url, json=REPORTER | {"id_number": "330521198503150000"}, headers=reporter)
    assert (wrong.status_code, wrong.json()["code"]) == (403, "claimant-identity-mismatch")

    claimed = await client.post(url, json=REPORTER, headers=reporter)
    assert claimed.status_code == 200, claimed.text
    assert (claimed.json()["state"], claimed.json()["claim_channel"]) == ("claimed", "miniprogram")
    trail = await _trail(system, handler, receipt)
    channels = [(e["action"], e["payload"].get("channel")) for e in trail if e["action"].startswith("reward_claim")]
    assert channels == [("reward_claim_mismatch", "miniprogram"), ("reward_claim", "miniprogram")]
    assert "330521198503150000" not in str(trail) and not any(e["actor"].startswith("wechat:") for e in trail)


# ------------------------------------------------------------------------------------ reward rules


async def test_a_rule_in_force_before_a_reward_already_assessed_in_its_region_is_refused(embedded):
    embedded.clock.freeze(MONDAY)
    handler, leader = await embedded.login("deqing-yjj"), await embedded.login("deqing-yjj-leader")
    receipt = await submit(embedded, reporter=REPORTER)
    await rewarded(embedded, handler, leader, receipt)  # received 2 Sep 2024 in 德清县, assessed
    admin = await embedded.login("admin")  # 浙江省
    rule = {"key": "zhejiang-2024", "region_code": "330000", "title": "浙江省举报奖励办法（补充）",
            "valid_from": "2024-09-01", "claim_days": 90}  # fmt: skip
    refused = await embedded.client.post("/api/v1/reports/reward-rules", json=rule, headers=admin)
    assert (refused.status_code, refused.json()["code"]) == (422, "reward-rule-retroactive")
    assert refused.json()["errors"][0]["field"] == "/valid_from" and "2024年09月02日" in refused.json()["detail"]
    keys = [r["key"] for r in (await embedded.client.get("/api/v1/reports/reward-rules")).json()]
    assert "zhejiang-2024" not in keys
    # A region where nothing has been assessed may have a rule from a past day: it changes nothing.
    hangzhou = rule | {"key": "hangzhou-2020", "region_code": "330100", "valid_from": "2020-01-01"}
    created = await embedded.client.post("/api/v1/reports/reward-rules", json=hangzhou, headers=admin)
    assert created.status_code == 201, created.text
