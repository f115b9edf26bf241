"""Wrong passwords make the address that sends them wait, longer and longer — never the owner
signing in from elsewhere; an unknown user name is answered, after the same password hashing, as
a known one; an admin lifts every wait on an account, and the trail says what was lifted."""

from datetime import timedelta

import pytest
from pwdlib.hashers.argon2 import Argon2Hasher

from identity.accounts.passwords import Passwords

pytestmark = pytest.mark.asyncio

OWN_PASSWORD = "Qingling#Own1"
WRONG = "Wrong#password1"
TOKEN = "/api/v1/identity/oauth/token"


async def _attempt(client, username: str, password: str):
    return await client.post(TOKEN, data={"grant_type": "password", "username": username, "password": password})


async def test_five_wrong_passwords_make_that_address_wait_for_a_growing_time(identity, ready_account):
    account = await ready_account()
    username = account["username"]

    async with identity.client_at("198.51.100.10") as guesser:
        for _ in range(4):
            wrong = await _attempt(guesser, username, WRONG)
            assert (wrong.status_code, wrong.json()["code"], wrong.json()["error"]) == (
                401,
                "invalid-credentials",
                "invalid_grant",
            )
        locked = await _attempt(guesser, username, WRONG)
        assert (locked.status_code, locked.json()["code"]) == (429, "account-locked")
        assert locked.headers["retry-after"] == "60"

        still_locked = await _attempt(guesser, username, OWN_PASSWORD)  # from there even the right one waits
        assert still_locked.status_code == 429

        identity.clock.advance(timedelta(seconds=61))
        again = await _attempt(guesser, username, WRONG)  # the sixth failure doubles the wait
        assert (again.status_code, again.headers["retry-after"]) == (429, "120")

        identity.clock.advance(timedelta(seconds=121))
        assert (await _attempt(guesser, username, OWN_PASSWORD)).status_code == 200  # success forgives
        assert (await _attempt(guesser, username, WRONG)).json()["code"] == "invalid-credentials"


async def test_the_owner_signs_in_from_elsewhere_during_a_guessing_burst(identity, ready_account):
    account = await ready_account()
    username = account["username"]
    identity.clock.freeze(identity.clock.now())

    for attacker in ("198.51.100.20", "198.51.100.21", "198.51.100.22", "198.51.100.23"):
        async with identity.client_at(attacker) as guesser:
            answers = [(await _attempt(guesser, username, f"{WRONG}{n}")).status_code for n in range(5)]
            assert answers == [401, 401, 401, 401, 429]  # each address waits after its own five
    async with identity.client_at("198.51.100.24") as guesser:
        # Past 20 failures on the account, an address waits as soon as it has failed on it once.
        slowed = await _attempt(guesser, username, WRONG)
        assert (slowed.status_code, slowed.json()["code"]) == (429, "account-locked")

    async with identity.client_at("203.0.113.30") as owner:
        assert (await _attempt(owner, username, OWN_PASSWORD)).status_code == 200
    async with identity.client_at("198.51.100.20") as guesser:  # a guesser that has failed still waits
        assert (await _attempt(guesser, username, OWN_PASSWORD)).status_code == 429


async def test_rotating_x_forwarded_for_resets_nothing_without_a_trusted_proxy(identity, ready_account):
    account = await ready_account()
    async with identity.client_at("198.51.100.40") as guesser:
        for n in range(5):
            forged = {"X-Forwarded-For": f"10.9.8.{n}"}
            answer = await guesser.post(
                TOKEN,
                data={"grant_type": "password", "username": account["username"], "password": WRONG},
                headers=forged,
            )
        assert answer.status_code == 429  # all five counted against the peer's own address
        rotated = await guesser.post(
            TOKEN,
            data={"grant_type": "password", "username": account["username"], "password": OWN_PASSWORD},
            headers={"X-Forwarded-For": "10.9.8.200"},
        )
        assert rotated.status_code == 429


async def test_an_address_guessing_across_many_names_waits(identity):
    async with identity.client_at("198.51.100.50") as guesser:
        answers = [(await _attempt(guesser, f"nobody-{n}", WRONG)).status_code for n in range(21)]
        assert answers[:19] == [401] * 19 and answers[19:] == [429, 429]  # 20 per address, then a wait
        assert (await _attempt(guesser, "deqing-zjj", "Qingling@2026")).status_code == 429


class CountingHasher(Argon2Hasher):
    """The real argon2 hasher, counting how often a password is verified."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, password, hash):
        self.verified += 1
        return super().verify(password, hash)


@pytest.fixture
def counting_hasher(identity):
    adapters = identity.runtime.adapters
    real, hasher = adapters.passwords, CountingHasher()
    adapters.passwords = Passwords(hasher=hasher)
    yield hasher
    adapters.passwords = real


async def test_unknown_and_known_user_names_get_the_same_answers_after_the_same_hashing(identity, counting_hasher):
    answers = {}
    for username, address in (("nobody-at-all", "198.51.100.60"), ("deqing-zjj", "198.51.100.61")):
        async with identity.client_at(address) as client:
            before = counting_hasher.verified
            replies = [await _attempt(client, username, WRONG) for _ in range(6)]
            answers[username] = [(r.status_code, r.json()["code"], r.headers.get("retry-after")) for r in replies]
            assert counting_hasher.verified - before == 5  # hashed on every try but the one refused unchecked
    expected = [*[(401, "invalid-credentials", None)] * 4, (429, "account-locked", "60"), (429, "account-locked", "60")]
    assert answers["nobody-at-all"] == answers["deqing-zjj"] == expected


async def test_an_admin_lifts_every_wait_on_an_account_and_the_trail_says_what(identity, ready_account):
    account = await ready_account()
    identity.clock.freeze(identity.clock.now())
    async with identity.client_at("198.51.100.70") as guesser:
        for _ in range(5):
            await _attempt(guesser, account["username"], WRONG)
        assert (await _attempt(guesser, account["username"], OWN_PASSWORD)).status_code == 429
        admin = await identity.login("deqing-admin")
        path = f"/api/v1/identity/accounts/{account['id']}"
        assert (await identity.client.get(path, headers=admin)).json()["locked_until"] is not None

        unlocked = await identity.client.post(f"{path}/unlock", json={"reason": "本人来电确认"}, headers=admin)

        assert unlocked.json()["locked_until"] is None
        assert (await _attempt(guesser, account["username"], OWN_PASSWORD)).status_code == 200
    query = {"target": f"account:{account['id']}", "limit": 100}
    trail = (await identity.client.get("/api/v1/identity/audit", params=query, headers=admin)).json()["items"]
    lifted = next(e for e in trail if e["action"] == "account.unlocked")
    assert (lifted["reason"], lifted["payload"]["change"]["failed_logins"]) == ("本人来电确认", 5)
    assert lifted["payload"]["change"]["locked_until"] is not None
