"""Repeated wrong passwords lock an account, with a lock that grows; an admin can lift it."""

from datetime import timedelta

import pytest

pytestmark = pytest.mark.asyncio

OWN_PASSWORD = "Qingling#Own1"
WRONG = "Wrong#password1"


async def _attempt(identity, username: str, password: str):
    return await identity.token(grant_type="password", username=username, password=password)


async def test_five_wrong_passwords_lock_the_account_for_a_growing_time(identity, ready_account):
    account = await ready_account()
    username = account["username"]

    for _ in range(4):
        wrong = await _attempt(identity, username, WRONG)
        assert (wrong.status_code, wrong.json()["code"], wrong.json()["error"]) == (
            401,
            "invalid-credentials",
            "invalid_grant",
        )
    locked = await _attempt(identity, username, WRONG)
    assert (locked.status_code, locked.json()["code"]) == (429, "account-locked")
    assert locked.headers["retry-after"] == "60"

    still_locked = await _attempt(identity, username, OWN_PASSWORD)  # even the right password waits
    assert still_locked.status_code == 429

    identity.clock.advance(timedelta(seconds=61))
    again = await _attempt(identity, username, WRONG)  # the sixth failure doubles the lock
    assert (again.status_code, again.headers["retry-after"]) == (429, "120")

    identity.clock.advance(timedelta(seconds=121))
    assert (await _attempt(identity, username, OWN_PASSWORD)).status_code == 200  # and success resets the count
    assert (await _attempt(identity, username, WRONG)).json()["code"] == "invalid-credentials"


async def test_an_admin_lifts_a_lock(identity, ready_account):
    account = await ready_account()
    for _ in range(5):
        await _attempt(identity, account["username"], WRONG)
    assert (await _attempt(identity, account["username"], OWN_PASSWORD)).status_code == 429

    unlocked = await identity.client.post(
        f"/api/v1/identity/accounts/{account['id']}/unlock", headers=await identity.login("deqing-admin")
    )

    assert unlocked.json()["locked_until"] is None
    assert (await _attempt(identity, account["username"], OWN_PASSWORD)).status_code == 200


async def test_unknown_users_and_wrong_passwords_look_the_same(identity):
    unknown = await _attempt(identity, "nobody-at-all", WRONG)
    wrong = await _attempt(identity, "deqing-zjj", WRONG)

    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["title"] == wrong.json()["title"] == "用户名或密码错误"
