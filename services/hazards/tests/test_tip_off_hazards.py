"""A verified tip-off becomes exactly one hazard, however often the reports service's outbox
delivers it; only services may call this."""

import pytest

from identity.config import DEMO_SERVICE_SECRET

pytestmark = pytest.mark.asyncio

DEMO_SECRET = DEMO_SERVICE_SECRET.get_secret_value()
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


async def _service_headers(embedded) -> dict[str, str]:
    """Signed in as the reports service (embedded mode runs with the demo service secret)."""
    form = {"grant_type": "client_credentials", "client_id": "service:reports", "client_secret": DEMO_SECRET}
    token = (await embedded.client.post("/api/v1/identity/oauth/token", data=form)).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


async def test_the_same_tip_off_gives_the_same_hazard(embedded):
    headers = await _service_headers(embedded)
    url = "/api/v1/hazards/hazards/tip-offs/JB-2024-000123"

    first = await embedded.client.put(url, json=BODY, headers=headers)
    again = await embedded.client.put(url, json=BODY, headers=headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert (first.json()["source"], first.json()["source_ref"]) == ("tip_off", "tip_off:JB-2024-000123")
    listed = await embedded.client.get(
        "/api/v1/hazards/hazards", params={"source": "tip_off"}, headers=await embedded.login("deqing-yjj")
    )
    assert [h["id"] for h in listed.json()["items"]].count(first.json()["id"]) == 1


async def test_people_cannot_call_it_and_unknown_enterprises_are_refused(embedded):
    url = "/api/v1/hazards/hazards/tip-offs/JB-2024-000124"

    by_regulator = await embedded.client.put(url, json=BODY, headers=await embedded.login("deqing-yjj"))
    unknown = await embedded.client.put(
        url, json=BODY | {"enterprise_code": "91330521727199845L"}, headers=await _service_headers(embedded)
    )

    assert by_regulator.status_code == 403
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "/enterprise_code")
