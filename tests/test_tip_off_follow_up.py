"""After a tip-off is taken in (issue 9): the same matter reported twice is flagged and merged,
the handler and the reporter talk, a reporter objects to the reply, and the reward goes to the
first reporter who qualifies under the rules of the place."""

import asyncio
import io
from datetime import datetime

import pytest
from PIL import Image
from tipoff_flow import (
    FINDING,
    FINE_40000,
    MONDAY,
    RECEIPT,
    TIP_OFFS,
    act,
    as_reporter,
    entered,
    finding_on,
    linked,
    reporter_post,
    reward_action,
    rewarded,
    submit,
    tip_off_id,
    to_reply,
    until,
)

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

CALLER = {"name": "王建国", "phone": "13905721234", "id_number": "330521198001011234"}
APP_USER = {"name": "李秀英", "phone": "13757290001"}


async def _another_enterprise(system, handler: dict) -> str:
    """A registered 工贸 enterprise of 德清县 no other test reports on."""
    params = {"region_prefix": "330521", "industry": "industry_trade", "name": "纺织", "limit": 1}
    page = (await system.client.get("/api/v1/hazards/enterprises", params=params, headers=handler)).json()
    return page["items"][0]["credit_code"]


async def test_a_hotline_call_and_a_mini_program_report_of_one_matter_are_merged_and_the_first_isrewarded(system):
    system.clock.freeze(MONDAY)
    handler, operator = await system.login("deqing-yjj"), await system.login("deqing-12345")
    enterprise = await _another_enterprise(system, handler)
    call = await entered(system, operator, enterprise_code=enterprise, reporter=CALLER)
    system.clock.freeze(MONDAY.replace(hour=15))
    report = await submit(system, enterprise_code=enterprise, reporter=APP_USER)
    handler = await system.login("deqing-yjj")  # tokens live an hour; the clock moved on
    first, second = await tip_off_id(system, call, handler), await tip_off_id(system, report, handler)

    # Flagged both ways, and shown side by side.
    for one, other in ((first, second), (second, first)):
        read = (await system.client.get(f"{TIP_OFFS}/{one}", headers=handler)).json()
        assert other in read["possible_duplicates"]
    compared = (await system.client.get(f"{TIP_OFFS}/{second}/duplicates", headers=handler)).json()
    candidate = next(c for c in compared["candidates"] if c["id"] == first)
    assert candidate["same_enterprise"] is True and candidate["channel"] == "hotline_12345"

    # The mini-program report joins the call's matter; its reporter is told and keeps the receipt.
    await act(system, handler, first, "sign")
    merged = await act(
        system, handler, second, "merge", {"into": first, "reason": "与 12345 来电反映的是同一处违规动火"}
    )
    assert merged["state"] == "merged" and merged["duplicate_of"] == first
    assert (await system.client.post(f"{TIP_OFFS}/{second}/accept", headers=handler)).status_code == 409
    compared = (await system.client.get(f"{TIP_OFFS}/{first}/duplicates", headers=handler)).json()
    assert [m["id"] for m in compared["merged"]] == [second]

    await act(system, handler, first, "accept")
    system.clock.freeze(MONDAY.replace(day=20))
    handler = await system.login("deqing-yjj")
    await act(system, handler, first, "conclude", finding_on(enterprise))
    await act(system, handler, first, "reply", {"message": "经核查，反映的违规动火属实，已责令停止作业并限期整改。"})

    caller_view, app_view = await as_reporter(system, call), await as_reporter(system, report)
    for view in (caller_view, app_view):
        assert view["outcome"] == "属实"
        assert any(m["kind"] == "reply" and "违规动火属实" in m["text"] for m in view["messages"])
    assert app_view["merged"] is True and app_view["state_title"] == "已并案办理：已答复"
    assert any("合并办理" in m["text"] for m in app_view["messages"])
    await until(lambda: linked(system, call))  # the hazard the matter became, for both reporters
    assert (await as_reporter(system, report))["hazard_state"] is not None

    # The reward: 15% of the ¥40,000 fine, to the caller, who reported first.
    assessed = await system.client.post(f"{TIP_OFFS}/{first}/reward", json=FINE_40000, headers=handler)
    assert assessed.status_code == 201, assessed.text
    reward = assessed.json()
    assert (reward["state"], reward["amount_yuan"], reward["reporter_tip_off_id"]) == ("eligible", 6_000, first)
    assert reward["paying_department"] == "德清县应急管理局" and reward["terms"]["rules"] == ["national-2018"]
    assert "40,000 元 × 15% = 6,000 元" in reward["computation"]
    leader = await system.login("deqing-yjj-leader")
    assert (
        await system.client.post(f"/api/v1/reports/rewards/{reward['id']}/decide", json={}, headers=handler)
    ).status_code == 403
    await reward_action(system, leader, reward["id"], "decide", {"note": "同意按办法奖励"})
    told = await reward_action(system, handler, reward["id"], "notify")
    assert told["claim_due_at"].startswith("2024-11-19")  # 60 日 from 20 Sep

    caller_view, app_view = await as_reporter(system, call), await as_reporter(system, report)
    assert (caller_view["reward"]["yours"], caller_view["reward"]["amount_yuan"]) == (True, 6_000)
    assert (app_view["reward"]["yours"], app_view["reward"]["amount_yuan"]) == (False, None)
    assert "claim_reward" in caller_view["allowed_actions"] and "claim_reward" not in app_view["allowed_actions"]
    assert app_view["reward"]["reason"] == "同一事项的奖励只发给第一位符合条件的举报人"
    refused = await reporter_post(system, report, "/reward/claim", APP_USER | {"id_number": "330521199002021234"})
    assert (refused.status_code, refused.json()["code"]) == (403, "not-the-rewarded-reporter")

    wrong = await reporter_post(system, call, "/reward/claim", CALLER | {"name": "王建华"})
    assert (wrong.status_code, wrong.json()["code"]) == (403, "claimant-identity-mismatch")
    claimed = await reporter_post(system, call, "/reward/claim", CALLER)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["reward"]["state"] == "claimed" and "claim_reward" not in claimed.json()["allowed_actions"]
    trail = (await system.client.get(f"{TIP_OFFS}/{first}/history", headers=handler)).json()
    assert [e["action"] for e in trail if e["action"].startswith("reward_")] == [
        "reward_assess", "reward_decide", "reward_notify", "reward_claim_mismatch", "reward_claim",
    ]  # fmt: skip
    assert CALLER["id_number"] not in str(trail) and CALLER["name"] not in str(trail) and "王建华" not in str(trail)


def _photo() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 90, 20)).save(buffer, "JPEG")
    return buffer.getvalue()


async def test_the_handler_asks_and_the_reporter_answers_with_a_photo(embedded):
    embedded.clock.freeze(MONDAY)
    handler = await embedded.login("deqing-yjj")
    receipt = await submit(embedded, reporter=APP_USER)
    number = await tip_off_id(embedded, receipt, handler)
    await act(embedded, handler, number, "sign")
    asked = await embedded.client.post(
        f"{TIP_OFFS}/{number}/messages",
        json={"text": "请问动火作业一般在什么时段？能否拍一张现场照片？"},
        headers=handler,
    )
    assert asked.status_code == 201, asked.text
    assert asked.json()["open_questions"] == 1
    other = await embedded.client.post(
        f"{TIP_OFFS}/{number}/messages", json={"text": "请补充"}, headers=await embedded.login("deqing-zjj")
    )
    assert (other.status_code, other.json()["code"]) == (403, "lead-department-only")

    question = next(m for m in (await as_reporter(embedded, receipt))["messages"] if m["kind"] == "question")
    photo = await embedded.client.post("/api/v1/reports/media", files={"file": ("site.jpg", _photo(), "image/jpeg")})
    answer = {
        "text": f"一般在晚上七点以后，我是{APP_USER['name']}，电话 {APP_USER['phone']}，照片附上",
        "in_reply_to": question["id"],
        "media": [photo.json()["token"]],
    }
    answered = await reporter_post(embedded, receipt, "/supplements", answer)
    assert answered.status_code == 201, answered.text
    told = answered.json()
    assert told["messages"][-1] | {"at": None} == {
        "id": told["messages"][-1]["id"], "side": "reporter", "kind": "answer", "text": told["messages"][-1]["text"],
        "in_reply_to": question["id"], "media": 1, "at": None,
    }  # fmt: skip
    assert told["allowed_actions"] == ["supplement"]  # still open: more can be added
    bogus = await reporter_post(
        embedded, receipt, "/supplements", answer | {"in_reply_to": question["id"] + 10_000, "media": []}
    )
    assert (bogus.status_code, bogus.json()["code"]) == (422, "not-a-question")

    talk = (await embedded.client.get(f"{TIP_OFFS}/{number}/messages", headers=handler)).json()
    reply = next(e for e in talk["entries"] if e["kind"] == "answer")
    assert talk["open_questions"] == 0 and reply["in_reply_to"] == question["id"] and len(reply["media"]) == 1
    assert "晚上七点以后" in reply["text"]
    assert APP_USER["name"] not in reply["text"] and APP_USER["phone"] not in reply["text"] and reply["author"] is None
    actions = [e["action"] for e in (await embedded.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()]
    assert actions[-2:] == ["ask", "answer"]


async def test_an_objection_on_day_8_is_re_examined_by_the_level_above_and_one_on_day_11_is_refused(embedded):
    replied_on = MONDAY.replace(day=10, hour=10)  # Tue 10 Sep: the 10 日 run to Fri 20 Sep 23:59:59
    embedded.clock.freeze(replied_on)
    handler = await embedded.login("deqing-yjj")
    late, in_time = await submit(embedded), await submit(embedded)
    for receipt in (late, in_time):
        await to_reply(embedded, handler, await tip_off_id(embedded, receipt, handler))
        await until(lambda r=receipt: linked(embedded, r))  # listed as a hazard before the clock moves on
    view = await as_reporter(embedded, in_time)
    assert view["objection_due_at"] == "2024-09-20T23:59:59+08:00"
    assert view["allowed_actions"] == ["supplement", "object"]

    embedded.clock.freeze(replied_on.replace(day=18))  # day 8
    objected = await reporter_post(
        embedded, in_time, "/objection", {"reason": "现场至今仍在违规动火，核查结论与事实不符"}
    )
    assert objected.status_code == 200, objected.text
    view = objected.json()
    assert view["state"] == "objected" and view["step"] == "复查" and view["step_due_at"] == "2024-10-18T23:59:59+08:00"
    assert "30 日内复查" in view["messages"][-1]["text"] and "object" not in view["allowed_actions"]
    again = await reporter_post(embedded, in_time, "/objection", {"reason": "再次提出异议"})
    assert again.status_code == 409

    embedded.clock.freeze(replied_on.replace(day=21, hour=9))  # day 11
    assert "object" not in (await as_reporter(embedded, late))["allowed_actions"]  # the window has closed
    refused = await reporter_post(embedded, late, "/objection", {"reason": "核查结论与事实不符"})
    assert (refused.status_code, refused.json()["code"]) == (409, "objection-period-over")
    assert (await as_reporter(embedded, late))["state"] == "replied"

    # The city re-examines within 30 日; missed, it shows overdue to the handler and the reporter.
    number = await tip_off_id(embedded, in_time, await embedded.login("deqing-yjj"))
    embedded.clock.freeze(datetime(2024, 10, 18, 23, 59, tzinfo=SHANGHAI))
    city = await embedded.login("huzhou-yjj")
    assert (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=city)).json()["step_overdue"] is False
    embedded.clock.freeze(datetime(2024, 10, 19, 8, 30, tzinfo=SHANGHAI))
    city, county = await embedded.login("huzhou-yjj"), await embedded.login("deqing-yjj")
    assert (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=city)).json()["step_overdue"] is True
    assert (await as_reporter(embedded, in_time))["step_overdue"] is True
    overdue = await embedded.client.get(TIP_OFFS, params={"step_overdue": "true", "limit": 500}, headers=city)
    assert number in [t["id"] for t in overdue.json()["items"]]

    decision = {"decision": "upheld", "explanation": "复查认为原核查属实，整改已在督促中"}
    itself = await embedded.client.post(f"{TIP_OFFS}/{number}/re_examine", json=decision, headers=county)
    assert (itself.status_code, itself.json()["code"]) == (403, "not-the-authority")
    await act(embedded, city, number, "re_examine", decision)
    told = await as_reporter(embedded, in_time)
    assert told["state"] == "re_examined" and told["step"] is None
    assert told["messages"][-1]["text"].startswith("复查结论：维持原核查结论。")
    closed = await act(embedded, county, number, "close")
    assert closed["state"] == "closed"

    async def re_examination_in_the_inbox():
        inbox = await _inbox(embedded, in_time)
        return [item for item in inbox["items"] if item["text"].startswith("复查结论：")]

    assert [item["title"] for item in await until(re_examination_in_the_inbox)] == ["答复"]


SHANDONG_ENTERPRISE = "91371122MA3000001T"  # 莒县, 日照市, 山东省: anonymous claims allowed
SHANDONG = {"enterprise_code": SHANDONG_ENTERPRISE, "region_code": "371122"}


async def test_an_anonymous_reward_is_claimed_by_receipt_where_allowed_and_lapses_unclaimed(system):
    system.clock.freeze(MONDAY)
    juxian, leader = await system.login("juxian-yjj"), await system.login("juxian-yjj-leader")
    claimed_one, lapsing_one = await submit(system, **SHANDONG), await submit(system, **SHANDONG)
    receipt = await as_reporter(system, claimed_one)
    assert receipt["messages"][0]["text"].startswith("您的举报已收到")

    reward = await rewarded(system, juxian, leader, claimed_one, SHANDONG_ENTERPRISE)
    assert reward["terms"]["rules"] == ["national-2018", "shandong", "rizhao"]
    assert (reward["state"], reward["amount_yuan"]) == ("notified", 20_000)  # 50% in 山东省
    assert reward["paying_department"] == "莒县应急管理局"
    claimant = {"name": "赵立新", "id_number": "371122198805051234", "phone": "13806330001"}
    claimed = await reporter_post(system, claimed_one, "/reward/claim", claimant)
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["reward"] | {"claim_due_at": None} == {
        "reward_id": reward["id"], "yours": True, "state": "claimed", "state_title": "已领取（待发放）",
        "amount_yuan": 20_000, "reason": None, "paying_department": "莒县应急管理局", "claim_due_at": None,
    }  # fmt: skip
    record = (await system.client.get(f"/api/v1/reports/rewards/{reward['id']}", headers=juxian)).text
    assert claimant["name"] not in record and claimant["id_number"] not in record

    lapsing = await rewarded(system, juxian, leader, lapsing_one, SHANDONG_ENTERPRISE)
    assert lapsing["claim_due_at"] == "2024-11-01T23:59:59+08:00"  # 60 日 from 2 Sep
    system.clock.freeze(datetime(2024, 11, 2, 0, 30, tzinfo=SHANGHAI))
    juxian = await system.login("juxian-yjj")

    async def lapsed():
        read = await system.client.get(f"/api/v1/reports/rewards/{lapsing['id']}", headers=juxian)
        return read.json()["state"] == "lapsed"

    await until(lapsed)  # the sweep follows the clock
    too_late = await reporter_post(system, lapsing_one, "/reward/claim", claimant)
    assert too_late.status_code == 409

    async def reward_notices():
        inbox = await _inbox(system, lapsing_one)
        notices = [item["text"] for item in inbox["items"] if item["title"] == "举报奖励"]
        return notices if len(notices) == 2 else None

    notices = await until(reward_notices)  # the reporter's inbox, in notify, in the order they arrived
    assert any("20,000 元" in text for text in notices) and any("视为放弃" in text for text in notices)
    told = await as_reporter(system, lapsing_one)
    assert told["reward"]["state"] == "lapsed" and "视为放弃" in told["messages"][-1]["text"]  # the latest


async def test_an_anonymous_reporter_cannot_claim_under_the_national_rule(system):
    system.clock.freeze(MONDAY)
    handler, leader = await system.login("deqing-yjj"), await system.login("deqing-yjj-leader")
    anonymous = await submit(system)
    reward = await rewarded(system, handler, leader, anonymous, "91330521MA2B3C4D5Q")
    assert (reward["state"], reward["ineligible_reason"], reward["amount_yuan"]) == ("ineligible", "anonymous", 0)
    view = await as_reporter(system, anonymous)
    assert view["reward"]["state"] == "ineligible" and "只奖励实名举报" in view["reward"]["reason"]
    refused = await reporter_post(
        system,
        anonymous,
        "/reward/claim",
        {"name": "赵立新", "id_number": "330521198805051234", "phone": "13806330001"},
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "anonymous-claim-not-allowed")


async def _inbox(system, receipt: dict, **params) -> dict:
    response = await system.client.get(
        f"{RECEIPT}/inbox", params=params, auth=(receipt["receipt_code"], receipt["secret"])
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_anonymous_reporters_inbox_reached_by_receipt_shows_the_outcome_and_the_questions(system):
    system.clock.freeze(MONDAY)
    handler = await system.login("deqing-yjj")
    receipt, stranger = await submit(system), await submit(system)
    number = await tip_off_id(system, receipt, handler)
    await act(system, handler, number, "sign")
    asked = await system.client.post(
        f"{TIP_OFFS}/{number}/messages", json={"text": "请问作业一般在几点？"}, headers=handler
    )
    assert asked.status_code == 201, asked.text
    await to_reply(system, handler, number, FINDING, start=1)

    seen: list[list[int]] = []

    async def everything_arrived():
        """The reply is there and nothing more came in since the last look: the outbox delivers
        a tip-off's messages in batches, not necessarily in the order they were written."""
        inbox = await _inbox(system, receipt)
        seen.append([item["id"] for item in inbox["items"]])
        replied = any(item["kind"] == "reply" for item in inbox["items"])
        settled = len(seen) > 1 and seen[-1] == seen[-2]
        if replied and not settled:
            await asyncio.sleep(1.2)  # longer than a relay pass in either mode
        return inbox if replied and settled else None

    inbox = await until(everything_arrived)  # through the outbox to notify
    titles = [(item["title"], item["text"]) for item in inbox["items"]]
    assert ("办理人员询问", "请问作业一般在几点？") in titles
    assert any(title == "办理进展" and "核查结论：属实" in text for title, text in titles)
    assert any(title == "答复" and "违规动火问题属实" in text for title, text in titles)
    assert inbox["unread"] == len(inbox["items"]) >= 5

    first = inbox["items"][0]["id"]
    marked = await reporter_post(system, receipt, "/inbox/read", {"ids": [first]})
    assert marked.json() == {"unread": inbox["unread"] - 1}
    unread = await _inbox(system, receipt, unread_only="true")
    assert first not in [item["id"] for item in unread["items"]] and unread["unread"] == inbox["unread"] - 1
    read = next(item for item in (await _inbox(system, receipt))["items"] if item["id"] == first)
    assert read["read_at"] is not None  # the read receipt

    # Another receipt's inbox holds nothing of this tip-off; staff cannot open a receipt's inbox.
    theirs = await _inbox(system, stranger)
    assert {item["id"] for item in theirs["items"]}.isdisjoint(item["id"] for item in inbox["items"])
    peek = await system.client.get(
        "/api/v1/notify/inbox", params={"recipient": f"receipt:{receipt['receipt_code']}"}, headers=handler
    )
    assert (peek.status_code, peek.json()["code"]) == (403, "own-inbox-only")
    wrong = await system.client.get(f"{RECEIPT}/inbox", auth=(receipt["receipt_code"], "WRONG-SECRET-0000"))
    assert wrong.status_code == 401


async def test_bad_follow_up_input_is_named_and_changes_nothing(embedded):
    embedded.clock.freeze(MONDAY)
    handler = await embedded.login("deqing-yjj")
    receipt = await submit(embedded)
    number = await tip_off_id(embedded, receipt, handler)
    await act(embedded, handler, number, "sign")

    for into in (number, 10**9):  # itself, and no such tip-off
        merged = await embedded.client.post(
            f"{TIP_OFFS}/{number}/merge", json={"into": into, "reason": "同一事项"}, headers=handler
        )
        assert (merged.status_code, merged.json()["code"]) == (422, "cannot-merge")
        assert merged.json()["errors"][0]["field"] == "/into"
    assert (await embedded.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()["state"] == "signed"

    await to_reply(embedded, handler, number, start=1)
    url = f"{TIP_OFFS}/{number}/reward"
    no_fine = await embedded.client.post(url, json=FINE_40000 | {"fine_yuan": None}, headers=handler)
    assert no_fine.status_code == 422 and no_fine.json()["code"] == "validation-failed"
    wrong_basis = {"basis": "accident", "accident_grade": "larger", "deaths": 2, "known_before": False,
                   "reporter_is_staff": False}  # fmt: skip
    mismatch = await embedded.client.post(url, json=wrong_basis, headers=handler)
    assert (mismatch.status_code, mismatch.json()["code"]) == (422, "reward-basis-mismatch")
    assert mismatch.json()["errors"][0]["field"] == "/basis"
    rewards = (await embedded.client.get("/api/v1/reports/rewards", params={"limit": 500}, headers=handler)).json()
    assert number not in [r["tip_off_id"] for r in rewards["items"]]  # nothing was assessed
    assert (await embedded.client.post(url, json=FINE_40000, headers=handler)).status_code == 201


async def test_a_much_reported_enterprise_flags_each_tip_off_with_at_most_fifty_others(system):
    """Fifty-two calls about one enterprise: each new one is flagged with the latest fifty before
    it, and each earlier one shows the latest fifty that came after it — a pair is one row, so a
    much-reported site makes no intake lock or rewrite the tip-offs before it."""
    system.clock.freeze(MONDAY)
    handler, operator = await system.login("deqing-yjj"), await system.login("deqing-12345")
    params = {"region_prefix": "330521", "name": "食品", "limit": 1}  # no other test reports on it
    page = (await system.client.get("/api/v1/hazards/enterprises", params=params, headers=handler)).json()
    enterprise = page["items"][0]["credit_code"]
    receipts = [await entered(system, operator, enterprise_code=enterprise) for _ in range(52)]
    handler = await system.login("deqing-yjj")
    first, last = await tip_off_id(system, receipts[0], handler), await tip_off_id(system, receipts[-1], handler)

    flags = {
        number: (await system.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()["possible_duplicates"]
        for number in (first, last)
    }
    assert len(flags[first]) == 50 and first not in flags[first]  # the next fifty, then no more
    assert len(flags[last]) == 50 and first not in flags[last]  # the latest fifty before it


async def test_calls_about_one_place_are_flagged_by_distance_and_category_not_by_place_alone(system):
    """No enterprise named: a call of the same category within the radius (300 m) is flagged both
    ways; one of another category at the same spot, and one of the same category a kilometre
    away, are not."""
    system.clock.freeze(MONDAY)
    handler, operator = await system.login("deqing-yjj"), await system.login("deqing-12345")
    spot = {"enterprise_code": None, "latitude": 30.6171, "longitude": 119.8313}  # no other test reports here
    first = await entered(system, operator, **spot)
    near = await entered(system, operator, **spot | {"latitude": 30.6171 + 0.0018})  # ~200 m north
    other_kind = await entered(system, operator, **spot | {"category": "illegal_act"})
    far = await entered(system, operator, **spot | {"latitude": 30.6171 + 0.009})  # ~1 km north
    handler = await system.login("deqing-yjj")
    ids = [await tip_off_id(system, receipt, handler) for receipt in (first, near, other_kind, far)]

    def flags(number: int):
        return system.client.get(f"{TIP_OFFS}/{number}", headers=handler)

    assert (await flags(ids[0])).json()["possible_duplicates"] == [ids[1]]
    assert (await flags(ids[1])).json()["possible_duplicates"] == [ids[0]]
    assert (await flags(ids[2])).json()["possible_duplicates"] == []
    assert (await flags(ids[3])).json()["possible_duplicates"] == []
