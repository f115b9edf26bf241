"""Enterprise accounts and API clients are issued only for enterprises in the hazards service's
register, inside the caller's jurisdiction, at the place the enterprise is registered."""

import secrets

import pytest

from hazards.demo import demo_enterprises, shandong_enterprises
from qingling.credit_code import check_character

pytestmark = pytest.mark.asyncio

ACCOUNTS, CLIENTS = "/api/v1/identity/accounts", "/api/v1/identity/clients"
JUXIAN = shandong_enterprises()[0]  # 莒县 (山东省日照市)
WUXING = next(e for e in demo_enterprises() if e["region_code"].startswith("330502"))  # 湖州市吴兴区
# a 德清县 enterprise in a town, not the demo enterprise admin's own
DEQING = next(e for e in demo_enterprises() if e["region_code"].startswith("330521") and e["region_code"][6:] != "001")


def _enterprise_admin(code: str, region: str | None = None) -> dict:
    body = {
        "username": f"ent-{secrets.token_hex(4)}",
        "password": "Anquan#2024x",
        "display_name": "企业安全管理员",
        "roles": ["enterprise_admin"],
        "enterprise_code": code,
    }
    return body | ({"region_code": region} if region else {})


def _client(code: str, region: str | None = None) -> dict:
    return {"name": "企业 EHS 系统", "enterprise_code": code} | ({"region_code": region} if region else {})


async def _exists(identity, username: str) -> bool:
    """Whether an account of that name exists: a new one must first change its password."""
    response = await identity.token(grant_type="password", username=username, password="Anquan#2024x")
    return response.json()["code"] == "password-change-required"


@pytest.mark.parametrize(
    ("admin", "enterprise"),
    [("deqing-admin", JUXIAN), ("admin", JUXIAN), ("deqing-admin", WUXING)],
    ids=["county-for-shandong", "province-for-shandong", "county-for-neighbouring-county"],
)
async def test_no_enterprise_credentials_outside_the_jurisdiction(identity, admin, enterprise):
    headers = await identity.login(admin)
    body = _enterprise_admin(enterprise["credit_code"], region="330521")  # the caller's own place, typed

    account = await identity.client.post(ACCOUNTS, json=body, headers=headers)
    client = await identity.client.post(CLIENTS, json=_client(enterprise["credit_code"], "330521"), headers=headers)

    assert (account.status_code, account.json()["code"]) == (403, "outside-jurisdiction")
    assert (client.status_code, client.json()["code"]) == (403, "outside-jurisdiction")
    assert not await _exists(identity, body["username"])
    listed = (await identity.client.get(f"{CLIENTS}?limit=500", headers=await identity.login("admin"))).json()
    assert enterprise["credit_code"] not in {item["enterprise_code"] for item in listed["items"]}


async def test_a_code_failing_its_check_character_is_named(identity):
    good = DEQING["credit_code"]
    bad = good[:17] + next(c for c in "0123456789ABCDEFGH" if c != good[17])
    headers = await identity.login("deqing-admin")

    account = await identity.client.post(ACCOUNTS, json=_enterprise_admin(bad), headers=headers)
    client = await identity.client.post(CLIENTS, json=_client(bad), headers=headers)

    for response in (account, client):
        assert response.status_code == 422
        assert [error["field"] for error in response.json()["errors"]] == ["/enterprise_code"]
        assert "校验位" in response.json()["errors"][0]["message"]


async def test_an_unregistered_code_is_refused(identity):
    body = f"91330521MA{secrets.randbelow(10**7):07d}"
    unregistered = body + check_character(body)  # well-formed, but no enterprise of the register
    headers = await identity.login("deqing-admin")

    account = await identity.client.post(ACCOUNTS, json=_enterprise_admin(unregistered), headers=headers)
    client = await identity.client.post(CLIENTS, json=_client(unregistered), headers=headers)

    for response in (account, client):
        assert response.status_code == 422
        [error] = response.json()["errors"]
        assert error["field"] == "/enterprise_code"
        assert "未在企业名录中登记" in error["message"]


async def test_credentials_are_placed_where_the_enterprise_is_registered(identity):
    headers = await identity.login("deqing-admin")

    account = await identity.client.post(
        ACCOUNTS, json=_enterprise_admin(DEQING["credit_code"], region="330521"), headers=headers
    )
    client = await identity.client.post(CLIENTS, json=_client(DEQING["credit_code"], "330521"), headers=headers)

    assert account.status_code == 201, account.text
    assert client.status_code == 201, client.text
    assert account.json()["region_code"] == client.json()["region_code"] == DEQING["region_code"]


async def test_an_enterprise_admin_issues_clients_for_its_own_enterprise_only(identity):
    headers = await identity.login("demo-enterprise")

    refused = await identity.client.post(CLIENTS, json=_client(DEQING["credit_code"]), headers=headers)

    assert (refused.status_code, refused.json()["code"]) == (403, "outside-jurisdiction")


async def test_without_the_register_nothing_is_issued(identity_without_register):
    identity = identity_without_register
    headers = await identity.login("deqing-admin")
    body = _enterprise_admin(DEQING["credit_code"])

    account = await identity.client.post(ACCOUNTS, json=body, headers=headers)
    client = await identity.client.post(CLIENTS, json=_client(DEQING["credit_code"]), headers=headers)

    for response in (account, client):
        assert (response.status_code, response.json()["code"]) == (503, "enterprise-register-unavailable")
    assert not await _exists(identity, body["username"])
    listed = (await identity.client.get(f"{CLIENTS}?limit=500", headers=headers)).json()["items"]
    assert listed == []


async def test_a_staff_account_belongs_to_no_enterprise(identity, account_body):
    body = account_body(enterprise_code=WUXING["credit_code"])  # a regulator "of" an enterprise elsewhere

    response = await identity.client.post(ACCOUNTS, json=body, headers=await identity.login("deqing-admin"))

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["/enterprise_code"]
