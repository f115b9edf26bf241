"""Every account, role, client and key change is on the identity trail — who, what, to whom,
why and when — hash-chained and verifiable, readable by admins within their scope, and without
a password or secret in it."""

import json
import sqlite3

import pytest

pytestmark = pytest.mark.asyncio

ACCOUNTS, AUDIT = "/api/v1/identity/accounts", "/api/v1/identity/audit"


async def _trail(identity, headers, target: str) -> list[dict]:
    entries, after = [], None
    while True:
        query = f"{AUDIT}?target={target}&limit=2" + (f"&after={after}" if after else "")
        page = (await identity.client.get(query, headers=headers)).json()
        entries += page["items"]
        if (after := page["next_after"]) is None:
            return entries


async def _subject(identity, username: str) -> str:
    me = (await identity.client.get("/api/v1/identity/whoami", headers=await identity.login(username))).json()
    return me["subject"]


async def test_the_trail_shows_who_created_reset_disabled_and_re_roled_an_account(identity, account_body):
    county, city = await identity.login("deqing-admin"), await identity.login("huzhou-admin")
    body = account_body() | {"reason": "新入职"}
    created = (await identity.client.post(ACCOUNTS, json=body, headers=county)).json()
    url = f"{ACCOUNTS}/{created['id']}"
    reset = (await identity.client.post(f"{url}/password-reset", json={"reason": "忘记密码"}, headers=county)).json()
    await identity.client.patch(url, json={"roles": ["operator"], "department": None}, headers=city)
    await identity.client.patch(url, json={"disabled": True, "reason": "调离"}, headers=county)

    entries = await _trail(identity, county, f"account:{created['id']}")

    deqing, huzhou = await _subject(identity, "deqing-admin"), await _subject(identity, "huzhou-admin")
    assert [(e["action"], e["actor"], e["reason"]) for e in entries] == [
        ("account.created", deqing, "新入职"),
        ("account.password_reset", deqing, "忘记密码"),
        ("account.updated", huzhou, None),
        ("account.updated", deqing, "调离"),
    ]
    assert entries[0]["payload"]["change"]["roles"] == ["regulator"]
    assert entries[2]["payload"]["change"]["fields"] == {
        "roles": {"before": ["regulator"], "after": ["operator"]},
        "department": {"before": "emergency", "after": None},
    }
    assert entries[3]["payload"]["change"]["fields"] == {"disabled": {"before": False, "after": True}}
    assert entries[1]["payload"]["change"]["revoked"]["subject"] == f"account:{created['id']}"
    text = str(entries)
    assert body["password"] not in text and reset["temporary_password"] not in text
    verification = (await identity.client.get(f"{AUDIT}/verification", headers=county)).json()
    assert verification["intact"] is True and verification["entries"] >= 4


async def test_client_changes_are_on_the_trail_without_their_secrets(identity):
    headers = await identity.login("demo-enterprise")
    client = (
        await identity.client.post(
            "/api/v1/identity/clients", json={"name": "EHS", "enterprise_code": "91330521MA2B3C4D5Q"}, headers=headers
        )
    ).json()
    rotated = (await identity.client.post(f"/api/v1/identity/clients/{client['id']}/secret", headers=headers)).json()
    await identity.client.patch(
        f"/api/v1/identity/clients/{client['id']}", json={"disabled": True, "reason": "系统下线"}, headers=headers
    )

    entries = await _trail(identity, headers, f"client:{client['client_id']}")

    assert [e["action"] for e in entries] == ["client.created", "client.secret_rotated", "client.updated"]
    assert entries[2]["reason"] == "系统下线"
    text = str(entries)
    assert client["client_secret"] not in text and rotated["client_secret"] not in text


async def test_admins_read_the_trail_of_their_scope_only(identity, account_body):
    wuxing = (
        await identity.client.post(
            ACCOUNTS, json=account_body(region="330502"), headers=await identity.login("huzhou-admin")
        )
    ).json()
    target = f"account:{wuxing['id']}"

    assert await _trail(identity, await identity.login("deqing-admin"), target) == []
    assert [e["action"] for e in await _trail(identity, await identity.login("huzhou-admin"), target)] == [
        "account.created"
    ]
    refused = await identity.client.get(AUDIT, headers=await identity.login("deqing-yjj"))
    assert refused.status_code == 403


async def test_a_key_rotation_is_on_the_trail(identity):
    headers = await identity.login("admin")

    key = (
        await identity.client.post("/api/v1/identity/keys/rotate", json={"reason": "年度轮换"}, headers=headers)
    ).json()

    [entry] = await _trail(identity, headers, f"key:{key['kid']}")
    assert (entry["action"], entry["reason"]) == ("key.rotated", "年度轮换")
    assert "private" not in str(entry).lower()


async def test_an_edited_entry_breaks_the_verification(identity_without_register, account_body):
    identity = identity_without_register  # a database of its own to tamper with
    headers = await identity.login("deqing-admin")
    created = (await identity.client.post(ACCOUNTS, json=account_body(), headers=headers)).json()
    await identity.client.post(f"{ACCOUNTS}/{created['id']}/password-reset", headers=headers)
    [entry, *_] = await _trail(identity, headers, f"account:{created['id']}")

    with sqlite3.connect(identity.data_dir / "identity.db") as db:  # someone rewrites who was granted what
        [stored] = db.execute("SELECT payload FROM identity_audit WHERE seq = ?", (entry["seq"],)).fetchone()
        payload = json.loads(stored)
        payload["change"]["roles"] = ["custodian"]
        db.execute("UPDATE identity_audit SET payload = ? WHERE seq = ?", (json.dumps(payload), entry["seq"]))

    verification = (await identity.client.get(f"{AUDIT}/verification", headers=headers)).json()
    assert (verification["intact"], verification["first_broken_seq"]) == (False, entry["seq"])
