"""A password reset ends the account's sign-ins everywhere: its old access token, still within
its half hour, is refused by the hazards service within a minute (the services' revocation
list is at most 30 s stale); a fresh sign-in with the new password works."""

import secrets
from datetime import timedelta

import pytest

pytestmark = pytest.mark.asyncio


async def test_a_reset_accounts_old_access_token_is_refused_at_hazards_within_a_minute(system):
    admin = await system.login("deqing-admin")
    username = f"yjj-{secrets.token_hex(3)}"
    created = await system.client.post(
        "/api/v1/identity/accounts",
        json={
            "username": username,
            "password": "Anquan#2024x",
            "display_name": "德清县应急管理局科员",
            "roles": ["regulator"],
            "region_code": "330521",
            "department": "emergency",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    await _change_password(system, username, "Anquan#2024x", "Zhenggai#2024")
    old = await system.login(username, "Zhenggai#2024")
    assert (await system.client.get("/api/v1/hazards/whoami", headers=old)).status_code == 200

    reset = await system.client.post(f"/api/v1/identity/accounts/{created.json()['id']}/password-reset", headers=admin)
    assert reset.status_code == 200, reset.text
    system.clock.advance(timedelta(seconds=60))

    refused = await system.client.get("/api/v1/hazards/whoami", headers=old)
    assert (refused.status_code, refused.json()["code"]) == (401, "sign-in-revoked")
    await _change_password(system, username, reset.json()["temporary_password"], "Zhenggai#2025")
    fresh = await system.login(username, "Zhenggai#2025")
    assert (await system.client.get("/api/v1/hazards/whoami", headers=fresh)).status_code == 200


async def _change_password(system, username: str, current: str, new: str) -> None:
    response = await system.client.post(
        "/api/v1/identity/password", json={"username": username, "current_password": current, "new_password": new}
    )
    assert response.status_code == 204, response.text
