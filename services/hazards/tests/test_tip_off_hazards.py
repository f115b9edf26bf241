"""A verified tip-off becomes exactly one hazard, however often the reports service's outbox
delivers it; only the reports service may ask for it."""

from datetime import UTC, datetime

import pytest

from identity.config import DEMO_SERVICE_SECRET
from qingling.tipoff_events import TipOffVerified

pytestmark = pytest.mark.asyncio

DEMO_SECRET = DEMO_SERVICE_SECRET.get_secret_value()
EVENTS = "/api/v1/hazards/events"
BODY = {
    "enterprise_code": "91330521MA2B3C4D5Q",
    "title": "违规电气焊作业",
    "description": "核查确认：车间内违规进行电气焊作业，未办理动火审批",
    "grade": "major",
    "basis_standard": "GM2023",
    "basis_clause": "第三条(二)",
    "tags": ["welding"],
    "found_at": "2024-09-20T10:00:00+08:00",
    "verified_by": "德清县应急管理局",
    "report": {"condition": "现场违规动火作业", "harm": "可能引发火灾，需停产整改", "plan": "停止动火，建立审批制度"},
}


def _envelope(tip_off_id: int, **changes) -> dict:
    event = TipOffVerified.model_validate(BODY | {"tip_off_id": tip_off_id} | changes)
    return event.envelope(subject=f"tip_off/{tip_off_id}", source="reports", occurred_at=datetime.now(UTC)).model_dump(
        mode="json"
    )


async def _service_headers(embedded) -> dict[str, str]:
    """Signed in as the reports service (embedded mode runs with the demo service secret)."""
    form = {
        "grant_type": "client_credentials",
        "client_id": "service:reports",
        "client_secret": DEMO_SECRET,
        "audience": "urn:qingling:hazards",
    }
    token = (await embedded.client.post("/api/v1/identity/oauth/token", data=form)).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def test_the_same_tip_off_gives_the_same_hazard(embedded):
    headers = await _service_headers(embedded)
    envelope = _envelope(123)
    redelivered = _envelope(123)  # even a second event for the tip-off (not just the same one twice)

    first = await embedded.client.post(EVENTS, json=envelope, headers=headers)
    again = await embedded.client.post(EVENTS, json=envelope, headers=headers)
    other = await embedded.client.post(EVENTS, json=redelivered, headers=headers)

    assert [r.json()["status"] for r in (first, again, other)] == ["processed", "duplicate", "processed"]
    listed = await embedded.client.get(
        "/api/v1/hazards/hazards", params={"source": "tip_off"}, headers=await embedded.login("deqing-yjj")
    )
    from_it = [h for h in listed.json()["items"] if h["source_ref"] == "tip_off:123"]
    assert len(from_it) == 1
    assert (from_it[0]["grade"], from_it[0]["enterprise_code"]) == ("major", "91330521MA2B3C4D5Q")


async def test_people_cannot_ask_for_it_and_unknown_enterprises_are_refused(embedded):
    by_regulator = await embedded.client.post(EVENTS, json=_envelope(124), headers=await embedded.login("deqing-yjj"))
    unknown = await embedded.client.post(
        EVENTS,
        json=_envelope(124, enterprise_code="91330521727199845L"),
        headers=await _service_headers(embedded),
    )

    assert by_regulator.status_code == 403
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "/enterprise_code")


async def test_a_tip_off_hazard_without_a_supervising_department_is_refused_for_the_outbox_to_park(
    embedded, new_credit_code
):
    """莒县 and above have no 市场监管 department in the demo register: a verified 特种设备 tip-off there
    would make a hazard nobody supervises, so the delivery is refused (422) and nothing is created."""
    body = {
        "credit_code": new_credit_code("371122"), "name": "莒县测试电梯工程有限公司",
        "address": "莒县城阳街道测试路 2 号",
        "region_code": "371122", "industry": "special_equipment", "tags": [], "latitude": 35.58, "longitude": 118.83,
        "risk_class": "C", "people": {"principal": {"name": "王强", "phone": "13800001111"}},
    }  # fmt: skip
    headers = await embedded.login("juxian-yjj")
    created = await embedded.client.post("/api/v1/hazards/enterprises", json=body, headers=headers)
    assert created.status_code == 201, created.text

    response = await embedded.client.post(
        EVENTS, json=_envelope(125, enterprise_code=body["credit_code"]), headers=await _service_headers(embedded)
    )

    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "/enterprise_code" and "督办部门" in error["message"]
    listed = await embedded.client.get("/api/v1/hazards/hazards", params={"source": "tip_off"}, headers=headers)
    assert not [h for h in listed.json()["items"] if h["source_ref"] == "tip_off:125"]
