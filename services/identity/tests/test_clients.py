"""Enterprise systems sign in with client credentials; secrets rotate without downtime."""

import base64

import pytest

pytestmark = pytest.mark.asyncio

ENTERPRISE = "91330521MA2B3C4D5Q"


async def _new_client(identity, **overrides) -> dict:
    body = {"name": "示范企业 EHS 系统", "enterprise_code": ENTERPRISE, "region_code": "330521"} | overrides
    response = await identity.client.post(
        "/api/v1/identity/clients", json=body, headers=await identity.login("demo-enterprise")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _client_token(identity, client_id: str, secret: str, **form: str):
    return await identity.token(grant_type="client_credentials", client_id=client_id, client_secret=secret, **form)


async def test_an_enterprise_system_signs_in_as_its_enterprise(identity):
    client = await _new_client(identity)

    token = await _client_token(
        identity, client["client_id"], client["client_secret"], audience="urn:qingling:identity"
    )

    assert token.status_code == 200, token.text
    me = (
        await identity.client.get(
            "/api/v1/identity/whoami", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
        )
    ).json()
    assert me["roles"] == ["enterprise_client"]
    assert (me["enterprise_code"], me["region_code"]) == (ENTERPRISE, "330521001")  # where it is registered
    assert set(me["scopes"]) == {"hazards:read", "hazards:write", "webhooks"}


async def test_the_secret_is_shown_once_and_never_again(identity):
    client = await _new_client(identity)

    shown = await identity.client.get(
        f"/api/v1/identity/clients/{client['id']}", headers=await identity.login("demo-enterprise")
    )

    assert "client_secret" not in shown.json()
    assert client["client_secret"].startswith("qlcs_")


async def test_basic_authentication_and_narrowed_scopes(identity):
    client = await _new_client(identity)
    basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()

    token = await identity.client.post(
        "/api/v1/identity/oauth/token",
        data={"grant_type": "client_credentials", "scope": "hazards:read"},
        headers={"Authorization": f"Basic {basic}"},
    )
    too_wide = await _new_client(identity, scopes=["hazards:read"])
    refused = await _client_token(identity, too_wide["client_id"], too_wide["client_secret"], scope="webhooks")

    assert token.json()["scope"] == "hazards:read"
    assert (refused.status_code, refused.json()["code"], refused.json()["error"]) == (
        400,
        "invalid-scope",
        "invalid_scope",
    )


async def test_rotation_keeps_the_old_secret_alive_for_the_overlap(identity):
    client = await _new_client(identity)
    admin = await identity.login("demo-enterprise")

    rotated = (await identity.client.post(f"/api/v1/identity/clients/{client['id']}/secret", headers=admin)).json()

    assert rotated["client_secret"] != client["client_secret"]
    assert rotated["previous_secret_expires_at"] is not None
    assert (await _client_token(identity, client["client_id"], client["client_secret"])).status_code == 200
    assert (await _client_token(identity, client["client_id"], rotated["client_secret"])).status_code == 200

    cut = (
        await identity.client.post(f"/api/v1/identity/clients/{client['id']}/secret?overlap_hours=0", headers=admin)
    ).json()
    old = await _client_token(identity, client["client_id"], rotated["client_secret"])
    assert (old.status_code, old.json()["code"], old.json()["error"]) == (401, "invalid-client", "invalid_client")
    assert (await _client_token(identity, client["client_id"], cut["client_secret"])).status_code == 200


async def test_a_disabled_client_gets_no_token(identity):
    client = await _new_client(identity)

    await identity.client.patch(
        f"/api/v1/identity/clients/{client['id']}",
        json={"disabled": True},
        headers=await identity.login("deqing-admin"),
    )

    assert (await _client_token(identity, client["client_id"], client["client_secret"])).status_code == 401


async def test_who_may_see_an_enterprise_client(identity):
    client = await _new_client(identity)

    response = await identity.client.get(
        f"/api/v1/identity/clients/{client['id']}", headers=await identity.login("wuxing-yjj")
    )

    assert response.status_code == 403  # a regulator is no client administrator at all
    county_admin_elsewhere = await identity.client.get(
        f"/api/v1/identity/clients/{client['id']}", headers=await identity.login("huzhou-admin")
    )
    assert county_admin_elsewhere.status_code == 200  # the city covers 德清县
