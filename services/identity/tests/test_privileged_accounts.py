"""A custodian's or an admin's account is changed only by an admin of a strictly higher level
whose jurisdiction contains it: a peer cannot reset, unlock, disable or re-role it."""

import pytest

pytestmark = pytest.mark.asyncio

ACCOUNTS = "/api/v1/identity/accounts"


@pytest.fixture
def privileged(identity, account_body):
    """A 德清县 account holding ``role``, granted by the city admin (湖州市)."""

    async def create(role: str) -> dict:
        body = account_body(region="330521", roles=[role], department=None)
        response = await identity.client.post(ACCOUNTS, json=body, headers=await identity.login("huzhou-admin"))
        assert response.status_code == 201, response.text
        return response.json()

    return create


def _changes(account_id: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", f"{ACCOUNTS}/{account_id}/password-reset", None),
        ("post", f"{ACCOUNTS}/{account_id}/unlock", None),
        ("patch", f"{ACCOUNTS}/{account_id}", {"disabled": True}),
        ("patch", f"{ACCOUNTS}/{account_id}", {"roles": ["regulator"], "department": "emergency"}),
    ]


@pytest.mark.parametrize("role", ["custodian", "admin"])
async def test_a_county_admin_cannot_touch_a_privileged_account_of_its_county(identity, privileged, role):
    account = await privileged(role)
    county = await identity.login("deqing-admin")

    for method, url, body in _changes(account["id"]):
        response = await identity.client.request(method, url, json=body, headers=county)
        assert (response.status_code, response.json()["code"]) == (403, "higher-admin-required"), url

    still = (await identity.client.get(f"{ACCOUNTS}/{account['id']}", headers=county)).json()
    assert (still["roles"], still["disabled"]) == ([role], False)  # and readable, as before


async def test_the_city_admin_above_resets_and_disables_it(identity, privileged):
    account = await privileged("custodian")
    city = await identity.login("huzhou-admin")

    reset = await identity.client.post(f"{ACCOUNTS}/{account['id']}/password-reset", headers=city)
    disabled = await identity.client.patch(f"{ACCOUNTS}/{account['id']}", json={"disabled": True}, headers=city)

    assert reset.status_code == 200, reset.text
    assert disabled.json()["disabled"] is True


async def test_peer_city_admins_cannot_touch_each_other(identity, account_body):
    province = await identity.login("admin")
    peer = await identity.client.post(
        ACCOUNTS, json=account_body(region="330500", roles=["admin"], department=None), headers=province
    )
    assert peer.status_code == 201, peer.text

    response = await identity.client.post(
        f"{ACCOUNTS}/{peer.json()['id']}/password-reset", headers=await identity.login("huzhou-admin")
    )

    assert (response.status_code, response.json()["code"]) == (403, "higher-admin-required")
    assert (await identity.client.post(f"{ACCOUNTS}/{peer.json()['id']}/password-reset", headers=province)).is_success


async def test_a_county_admin_still_manages_ordinary_staff(identity, ready_account):
    account = await ready_account()

    response = await identity.client.post(
        f"{ACCOUNTS}/{account['id']}/password-reset", headers=await identity.login("deqing-admin")
    )

    assert response.status_code == 200, response.text
