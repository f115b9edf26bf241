"""Least privilege for systems acting by themselves: each of our services holds only the scopes
its calls need and a token for one service at a time; an enterprise system holds only what its
admin granted. Found by an attacker: any service token could read any reporter's inbox and put
a forged "reward" message in it, and a read-only enterprise client could file hazards."""

from datetime import UTC, datetime

import pytest

from identity.demo import DEMO_ENTERPRISE
from qingling.tipoff_events import ReporterNotified

pytestmark = pytest.mark.asyncio

TOKEN = "/api/v1/identity/oauth/token"
RECEIPT_INBOX = "/api/v1/notify/inbox"


async def test_only_the_reports_service_reads_a_receipt_holders_inbox(system):
    as_hazards = await system.as_service("hazards", to="notify")
    as_reports = await system.as_service("reports", to="notify")

    refused = await system.client.get(RECEIPT_INBOX, params={"recipient": "receipt:QL2024ABCD"}, headers=as_hazards)
    allowed = await system.client.get(RECEIPT_INBOX, params={"recipient": "receipt:QL2024ABCD"}, headers=as_reports)

    assert (refused.status_code, refused.json()["code"]) == (403, "insufficient-scope")
    assert allowed.status_code == 200, allowed.text


async def test_a_service_cannot_deliver_another_services_events(system):
    """The forged 【奖励领取】 message: hazards may deliver hazard events, not a reporter's messages."""
    forged = ReporterNotified(
        tip_off_id=1,
        message_id=987654,
        receipt_code="QL2024ABCD",
        kind="reward",
        text="【奖励领取】请添加微信提供银行卡号",
        at=datetime.now(UTC),
    )
    envelope = forged.envelope(subject="tip_off/1", source="hazards", occurred_at=datetime.now(UTC))

    response = await system.client.post(
        "/api/v1/notify/events",
        json=envelope.model_dump(mode="json"),
        headers=await system.as_service("hazards", "notify"),
    )

    assert (response.status_code, response.json()["code"]) == (403, "foreign-event-source")
    inbox = await system.client.get(
        RECEIPT_INBOX, params={"recipient": "receipt:QL2024ABCD"}, headers=await system.as_service("reports", "notify")
    )
    assert all("银行卡" not in item["text"] for item in inbox.json()["items"])


async def test_a_service_token_is_for_the_one_service_it_names(system):
    no_audience = await system.client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": "service:reports",
            "client_secret": system.service_secret("reports"),
        },
    )
    for_notify = await system.as_service("reports", to="notify")
    at_hazards = await system.client.get("/api/v1/hazards/whoami", headers=for_notify)

    assert (no_audience.status_code, no_audience.json()["code"]) == (400, "audience-required")
    assert (at_hazards.status_code, at_hazards.json()["code"]) == (401, "invalid-token")
    assert (await system.client.get("/api/v1/notify/whoami", headers=for_notify)).status_code == 200


async def _enterprise_system(system, scopes: list[str]) -> dict[str, str]:
    created = await system.client.post(
        "/api/v1/identity/clients",
        json={"name": "示范企业只读看板", "enterprise_code": DEMO_ENTERPRISE, "scopes": scopes},
        headers=await system.login("demo-enterprise"),
    )
    assert created.status_code == 201, created.text
    credentials = created.json()
    token = await system.client.post(
        TOKEN,
        data={
            "grant_type": "client_credentials",
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        },
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_a_read_only_enterprise_system_reads_its_hazards_and_can_write_nothing(system):
    reader = await _enterprise_system(system, ["hazards:read"])

    listed = await system.client.get("/api/v1/hazards/hazards", headers=reader)
    assert listed.status_code == 200, listed.text
    assert all(item["enterprise_code"] == DEMO_ENTERPRISE for item in listed.json()["items"])
    assert (await system.client.get("/api/v1/notify/deadlines", headers=reader)).status_code == 200

    writes = [
        ("/api/v1/hazards/hazards", {"title": "二楼配电箱门缺失", "grade": "general"}),
        ("/api/v1/hazards/hazards/batch", {"items": []}),
        ("/api/v1/hazards/hazards/1/submit_plan", {}),
        ("/api/v1/hazards/hazards/1/evidence", None),
        ("/api/v1/notify/webhooks", {"url": "https://ehs.example.com/hook", "events": ["hazard.changed"]}),
    ]
    for path, body in writes:
        response = await system.client.post(path, json=body, headers=reader)
        assert (response.status_code, response.json()["code"]) == (403, "insufficient-scope"), path
    # Nor is its token good at the services its scopes do not open.
    assert (await system.client.get("/api/v1/reports/whoami", headers=reader)).status_code == 401
    assert (await system.client.get("/api/v1/identity/accounts", headers=reader)).status_code == 401


async def test_an_enterprise_system_cannot_act_as_a_person(system):
    """Routes for people (a regulator's list of tip-offs, account administration) refuse every
    client, whatever its scopes."""
    writer = await _enterprise_system(system, ["hazards:read", "hazards:write", "webhooks"])

    response = await system.client.get("/api/v1/hazards/self-checks/missing", headers=writer)

    assert response.status_code == 403
