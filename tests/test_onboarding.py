"""Registering an enterprise and onboarding it: the hazards service asks the identity service
(service to service, client credentials) for the enterprise's first admin account and API
client; the enterprise then signs in and sees exactly itself."""

import secrets

import pytest

from qingling.credit_code import check_character

pytestmark = pytest.mark.asyncio


async def _register(system) -> dict:
    body_code = f"91330521MA{secrets.randbelow(10**7):07d}"
    enterprise = {
        "credit_code": body_code + check_character(body_code),
        "name": "开通测试化工有限公司",
        "address": "德清县洛舍镇化工路 3 号",
        "region_code": "330521103",
        "industry": "hazardous_chemicals",
        "risk_class": "A",
        "people": {"principal": {"name": "周平", "phone": "13600000000"}},
    }
    response = await system.client.post(
        "/api/v1/hazards/enterprises", json=enterprise, headers=await system.login("deqing-yjj")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_onboarded_enterprise_signs_in_and_sees_itself(system):
    enterprise = await _register(system)
    username = f"ent-{secrets.token_hex(3)}"

    onboarded = await system.client.post(
        f"/api/v1/hazards/enterprises/{enterprise['id']}/onboarding",
        json={"admin_username": username, "admin_display_name": "周平"},
        headers=await system.login("deqing-yjj"),
    )

    assert onboarded.status_code == 201, onboarded.text
    credentials = onboarded.json()
    first = await system.client.post(
        "/api/v1/identity/oauth/token",
        data={"grant_type": "password", "username": username, "password": credentials["temporary_password"]},
    )
    assert first.json()["code"] == "password-change-required"
    await system.client.post(
        "/api/v1/identity/password",
        json={
            "username": username,
            "current_password": credentials["temporary_password"],
            "new_password": "Huagong#2024",
        },
    )
    admin = await system.login(username, "Huagong#2024")
    me = (await system.client.get("/api/v1/hazards/whoami", headers=admin)).json()
    assert (me["roles"], me["enterprise_code"]) == (["enterprise_admin"], enterprise["credit_code"])

    token = await system.client.post(
        "/api/v1/identity/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": credentials["client_id"],
            "client_secret": credentials["client_secret"],
        },
    )
    system_headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    seen = (await system.client.get("/api/v1/hazards/enterprises", headers=system_headers)).json()["items"]
    assert [e["credit_code"] for e in seen] == [enterprise["credit_code"]]


async def test_onboarding_twice_with_one_username_is_a_conflict(system):
    enterprise = await _register(system)
    request = {"admin_username": f"ent-{secrets.token_hex(3)}", "admin_display_name": "周平"}
    headers = await system.login("deqing-yjj")
    url = f"/api/v1/hazards/enterprises/{enterprise['id']}/onboarding"

    assert (await system.client.post(url, json=request, headers=headers)).status_code == 201
    again = await system.client.post(url, json=request, headers=headers)

    assert (again.status_code, again.json()["code"]) == (409, "onboarding-conflict")


async def test_no_onboarding_of_an_enterprise_outside_the_jurisdiction(system):
    enterprise = await _register(system)

    response = await system.client.post(
        f"/api/v1/hazards/enterprises/{enterprise['id']}/onboarding",
        json={"admin_username": f"ent-{secrets.token_hex(3)}", "admin_display_name": "周平"},
        headers=await system.login("wuxing-yjj"),
    )

    assert response.status_code == 404
