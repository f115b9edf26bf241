"""Opening a reporter's sealed identity takes a category and a real reason (issue 15): anything
less is refused, nothing is unsealed and nothing is logged as an access; both are on the trail."""

import pytest
from tipoff_flow import MONDAY, TIP_OFFS, submit, tip_off_id

pytestmark = pytest.mark.asyncio

REPORTER = {"name": "钱丽华", "phone": "13905720077", "id_number": "330521199105051234"}


async def test_the_custodian_states_a_category_and_at_least_ten_characters_of_reason(embedded):
    embedded.clock.freeze(MONDAY)
    handler, custodian = await embedded.login("deqing-yjj"), await embedded.login("huzhou-custodian")
    number = await tip_off_id(embedded, await submit(embedded, reporter=REPORTER), handler)
    url = f"{TIP_OFFS}/{number}/reporter"

    for body in (
        {"category": "verification", "reason": ".."},
        {"category": "verification", "reason": "核实举报人身份信息"},  # 9 characters
        {"category": "verification", "reason": "   核实举报人身份信息   "},  # still 9 once stripped
        {"reason": "举报人申请领取奖励，须核实身份"},  # no category
        {"category": "curiosity", "reason": "举报人申请领取奖励，须核实身份"},
    ):
        refused = await embedded.client.post(url, json=body, headers=custodian)
        assert refused.status_code == 422, body
        assert REPORTER["name"] not in refused.text
    history = (await embedded.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    assert "reveal_reporter" not in [entry["action"] for entry in history]

    body = {"category": "reward_payout", "reason": "举报人申请领取奖励，须核实身份"}
    revealed = await embedded.client.post(url, json=body, headers=custodian)
    assert revealed.status_code == 200, revealed.text
    assert revealed.json()["name"] == REPORTER["name"]
    entry = (await embedded.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()[-1]
    assert (entry["action"], entry["reason"]) == ("reveal_reporter", body["reason"])
    assert (entry["payload"]["category"], entry["payload"]["category_title"]) == ("reward_payout", "奖励兑付")
