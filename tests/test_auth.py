"""Signing in at the identity service and being recognised by every other service — and every
kind of bad token refused with a 401 problem, in both deployment modes."""

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from jose import jwk
from jose import jwt as jose_jwt

from qingling.auth import jwt
from qlstack.services import SERVICE_NAMES

pytestmark = pytest.mark.asyncio


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {
        "sub": "account:999",
        "roles": ["admin"],
        "region": "330000",
        "iss": "urn:qingling:identity",
        "aud": ["urn:qingling:hazards"],
        "iat": now,
        "exp": now + 600,
    }
    return claims | overrides


async def _identity_key(system) -> tuple[str, str]:
    """The private key identity signs with (embedded mode: read from its own database)."""
    from identity.keys import service as keys

    identity = system.dispatcher.apps["/api/v1/identity"].state.runtime
    async with identity.unit_of_work() as session:
        return await keys.current(session, identity.adapters.key_cipher)


async def _whoami(system, token: str):
    return await system.client.get("/api/v1/hazards/whoami", headers={"Authorization": f"Bearer {token}"})


def _assert_refused(response, code="invalid-token"):
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == code


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_a_county_regulator_signs_in_once_and_every_service_knows_them(system, service):
    headers = await system.login("deqing-yjj")

    response = await system.client.get(f"/api/v1/{service}/whoami", headers=headers)

    assert response.status_code == 200, response.text
    me = response.json()
    assert me["roles"] == ["regulator"]
    assert (me["region_code"], me["department"], me["name"]) == ("330521", "emergency", "德清县应急管理局")


async def test_no_token_and_a_malformed_token(system):
    _assert_refused(await system.client.get("/api/v1/hazards/whoami"), code="not-signed-in")
    _assert_refused(await _whoami(system, "not.a.jwt"))


async def test_a_token_signed_by_an_unknown_key(system):
    stranger = jwt.generate_key_pair()

    _assert_refused(await _whoami(system, jwt.sign(_claims(), stranger.private_pem, stranger.kid)))


async def test_an_expired_token(system):
    headers = await system.login("deqing-yjj")
    assert (await system.client.get("/api/v1/hazards/whoami", headers=headers)).status_code == 200

    system.clock.advance(timedelta(minutes=31))  # tokens live 30 minutes (plus 30 s leeway)

    response = await system.client.get("/api/v1/hazards/whoami", headers=headers)
    _assert_refused(response)
    assert response.json()["detail"] == "登录已过期，请重新登录"


async def test_a_token_for_another_service(system):
    token = (await system.token("deqing-yjj", audience="urn:qingling:identity"))["access_token"]

    assert (await system.client.get("/api/v1/identity/whoami", headers={"Authorization": f"Bearer {token}"})).is_success
    response = await _whoami(system, token)
    _assert_refused(response)
    assert "aud" in response.json()["detail"]


async def test_alg_none_is_refused(system):
    header = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": "any"}).encode())
    payload = _b64(json.dumps(_claims()).encode())

    response = await _whoami(system, f"{header}.{payload}.")

    _assert_refused(response)
    assert "none" in response.json()["detail"]


async def test_hs256_signed_with_the_public_key_is_refused(system):
    jwks = (await system.client.get("/api/v1/identity/jwks.json")).json()["keys"]
    public = jwks[-1]
    public_pem = jwk.construct(public, "ES256").to_pem()
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": public["kid"]}).encode())
    payload = _b64(json.dumps(_claims()).encode())
    signature = _b64(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())

    _assert_refused(await _whoami(system, f"{header}.{payload}.{signature}"))


async def test_a_token_from_another_issuer_signed_with_our_key(embedded):
    kid, private_pem = await _identity_key(embedded)
    genuine = jwt.sign(_claims(), private_pem, kid)
    assert (await _whoami(embedded, genuine)).status_code == 200  # the forgery below differs only in iss

    response = await _whoami(embedded, jwt.sign(_claims(iss="https://evil.example"), private_pem, kid))

    _assert_refused(response)
    assert "iss" in response.json()["detail"]


async def test_key_rotation_keeps_old_tokens_until_they_expire(system):
    before = await system.login("deqing-yjj")
    old_kid = jose_jwt.get_unverified_header(before["Authorization"].split()[1])["kid"]
    assert (await system.client.get("/api/v1/hazards/whoami", headers=before)).status_code == 200

    rotated = await system.client.post("/api/v1/identity/keys/rotate", headers=await system.login("admin"))
    assert rotated.status_code == 201, rotated.text
    after = await system.login("deqing-yjj")
    new_kid = jose_jwt.get_unverified_header(after["Authorization"].split()[1])["kid"]

    assert new_kid == rotated.json()["kid"] != old_kid
    for service in SERVICE_NAMES:  # no restart: each service fetches the new key when it first meets it
        assert (await system.client.get(f"/api/v1/{service}/whoami", headers=after)).status_code == 200
        assert (await system.client.get(f"/api/v1/{service}/whoami", headers=before)).status_code == 200
    published = {key["kid"] for key in (await system.client.get("/api/v1/identity/jwks.json")).json()["keys"]}
    assert {old_kid, new_kid} <= published

    system.clock.advance(timedelta(minutes=32))
    published = {key["kid"] for key in (await system.client.get("/api/v1/identity/jwks.json")).json()["keys"]}
    assert old_kid not in published
    _assert_refused(await system.client.get("/api/v1/hazards/whoami", headers=before))


async def test_only_a_province_admin_rotates_keys(system):
    response = await system.client.post("/api/v1/identity/keys/rotate", headers=await system.login("huzhou-admin"))

    assert (response.status_code, response.json()["code"]) == (403, "key-rotation-not-allowed")


async def test_every_route_of_every_service_declares_who_may_call_it(system):
    from qingling.auth.access import routes_without_rule
    from qlstack.services import service_module

    for name in SERVICE_NAMES:
        assert routes_without_rule(service_module(name).create_app()) == [], name
    spec = (await system.client.get("/api/v1/identity/openapi.json")).json()
    rotate = spec["paths"]["/api/v1/identity/keys/rotate"]["post"]
    assert rotate["x-access"] == "系统管理员"
    assert "**访问权限**：系统管理员" in rotate["description"]
