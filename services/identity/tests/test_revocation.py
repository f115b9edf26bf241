"""A password reset, a disable or a change of roles or department ends the account's sign-ins at
once: its refresh tokens stop working, and its access tokens are listed as revoked for every
service's token verifier."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from jose import jwt as jose_jwt

from identity.config import DEMO_SERVICE_SECRET

pytestmark = pytest.mark.asyncio

ACCOUNTS = "/api/v1/identity/accounts"


async def _signed_in(identity, ready_account) -> tuple[dict, dict]:
    identity.clock.freeze(datetime.now(UTC).replace(microsecond=300_000))  # not_before: the next second
    account = await ready_account()
    tokens = await identity.token(grant_type="password", username=account["username"], password="Qingling#Own1")
    assert tokens.status_code == 200, tokens.text
    return account, tokens.json()


async def _revocations(identity) -> dict[str, int]:
    token = await identity.token(
        grant_type="client_credentials",
        client_id="service:notify",
        client_secret=DEMO_SERVICE_SECRET.get_secret_value(),
        audience="urn:qingling:identity",
    )
    assert token.status_code == 200, token.text
    response = await identity.client.get(
        "/api/v1/identity/revocations", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["as_of"]
    return {entry["subject"]: entry["not_before"] for entry in response.json()["revocations"]}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/password-reset", None),
        ("patch", "", {"disabled": True}),
        ("patch", "", {"roles": ["operator"], "department": None}),
        ("patch", "", {"department": "housing"}),
    ],
    ids=["reset", "disable", "demotion", "department"],
)
async def test_the_old_refresh_token_is_refused_and_the_account_listed(identity, ready_account, method, path, body):
    account, tokens = await _signed_in(identity, ready_account)

    changed = await identity.client.request(
        method, f"{ACCOUNTS}/{account['id']}{path}", json=body, headers=await identity.login("deqing-admin")
    )
    assert changed.status_code == 200, changed.text

    refreshed = await identity.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert (refreshed.status_code, refreshed.json()["code"]) == (401, "invalid-refresh-token")
    listed = await _revocations(identity)
    assert listed[f"account:{account['id']}"] == math.ceil(identity.clock.now().timestamp())
    assert listed[f"account:{account['id']}"] > tokens_issued_at(tokens)


async def test_a_new_phone_number_ends_nothing(identity, ready_account):
    account, tokens = await _signed_in(identity, ready_account)

    await identity.client.patch(
        f"{ACCOUNTS}/{account['id']}", json={"phone": "13900000000"}, headers=await identity.login("deqing-admin")
    )

    refreshed = await identity.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.text
    assert f"account:{account['id']}" not in await _revocations(identity)


async def test_entries_leave_the_list_once_no_token_they_concern_can_be_alive(identity, ready_account):
    account, _ = await _signed_in(identity, ready_account)
    await identity.client.post(
        f"{ACCOUNTS}/{account['id']}/password-reset", headers=await identity.login("deqing-admin")
    )
    subject = f"account:{account['id']}"

    identity.clock.advance(timedelta(minutes=34))  # access tokens live 30 minutes; the list keeps 35
    assert subject in await _revocations(identity)
    identity.clock.advance(timedelta(minutes=2))
    assert subject not in await _revocations(identity)


async def test_only_services_read_the_list(identity):
    response = await identity.client.get("/api/v1/identity/revocations", headers=await identity.login("admin"))

    assert (response.status_code, response.json()["code"]) == (403, "role-not-allowed")


def tokens_issued_at(tokens: dict) -> int:
    return jose_jwt.get_unverified_claims(tokens["access_token"])["iat"]
