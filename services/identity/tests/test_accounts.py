"""Account administration stays inside the administrator's jurisdiction."""

import pytest

pytestmark = pytest.mark.asyncio


class TestCreateAccount:
    async def test_county_admin_creates_county_staff(self, identity, account_body):
        response = await identity.client.post(
            "/api/v1/identity/accounts", json=account_body(), headers=await identity.login("deqing-admin")
        )

        assert response.status_code == 201, response.text
        created = response.json()
        assert (created["region_code"], created["roles"], created["must_change_password"]) == (
            "330521",
            ["regulator"],
            True,
        )
        assert "password" not in created and "password_hash" not in created

    async def test_county_admin_cannot_create_city_staff(self, identity, account_body):
        response = await identity.client.post(
            "/api/v1/identity/accounts",
            json=account_body(region="330500"),
            headers=await identity.login("deqing-admin"),
        )

        assert (response.status_code, response.json()["code"]) == (403, "outside-jurisdiction")

    async def test_county_admin_cannot_grant_custodian_even_in_its_county(self, identity, account_body):
        response = await identity.client.post(
            "/api/v1/identity/accounts",
            json=account_body(roles=["custodian"], department=None),
            headers=await identity.login("deqing-admin"),
        )

        assert (response.status_code, response.json()["code"]) == (403, "role-not-grantable")
        assert "上级管理员" in response.json()["detail"]

    async def test_city_admin_grants_custodian_to_a_county(self, identity, account_body):
        response = await identity.client.post(
            "/api/v1/identity/accounts",
            json=account_body(roles=["custodian"], department=None),
            headers=await identity.login("huzhou-admin"),
        )

        assert response.status_code == 201, response.text

    async def test_a_regulator_cannot_administer_accounts(self, identity, account_body):
        response = await identity.client.post(
            "/api/v1/identity/accounts", json=account_body(), headers=await identity.login("deqing-yjj")
        )

        assert (response.status_code, response.json()["code"]) == (403, "role-not-allowed")

    async def test_enterprise_admin_creates_users_of_its_own_enterprise_only(self, identity, account_body):
        headers = await identity.login("demo-enterprise")
        own = account_body(roles=["enterprise_user"], department=None, enterprise_code="91330521MA2B3C4D5Q")
        other = account_body(roles=["enterprise_user"], department=None, enterprise_code="91330502MA2D7E8F90")

        assert (await identity.client.post("/api/v1/identity/accounts", json=own, headers=headers)).status_code == 201
        refused = await identity.client.post("/api/v1/identity/accounts", json=other, headers=headers)
        assert (refused.status_code, refused.json()["code"]) == (403, "outside-jurisdiction")

    async def test_bad_input_names_each_field_and_creates_nothing(self, identity, account_body):
        headers = await identity.login("deqing-admin")
        body = account_body(region="990000", roles=["sheriff"]) | {"password": "short"}

        response = await identity.client.post("/api/v1/identity/accounts", json=body, headers=headers)

        assert response.status_code == 422
        fields = {error["field"] for error in response.json()["errors"]}
        assert {"/region_code", "/roles/0"} <= fields
        listed = (await identity.client.get("/api/v1/identity/accounts?limit=500", headers=headers)).json()["items"]
        assert body["username"] not in {account["username"] for account in listed}

    async def test_weak_password_and_taken_username(self, identity, account_body):
        headers = await identity.login("deqing-admin")

        weak = await identity.client.post(
            "/api/v1/identity/accounts", json=account_body() | {"password": "abcdefghij"}, headers=headers
        )
        taken = await identity.client.post(
            "/api/v1/identity/accounts", json=account_body() | {"username": "deqing-yjj"}, headers=headers
        )

        assert weak.status_code == 422
        assert weak.json()["errors"][0]["field"] == "/password"
        assert (taken.status_code, taken.json()["code"]) == (409, "username-taken")


class TestReadAccounts:
    async def test_county_admin_sees_its_county_only(self, identity, account_body):
        headers = await identity.login("deqing-admin")

        listed = (await identity.client.get("/api/v1/identity/accounts?limit=500", headers=headers)).json()["items"]

        assert listed and all(account["region_code"].startswith("330521") for account in listed)
        city_staff = await self._id_of(identity, "huzhou-yjj")
        hidden = await identity.client.get(f"/api/v1/identity/accounts/{city_staff}", headers=headers)
        assert (hidden.status_code, hidden.json()["code"]) == (404, "account-not-found")

    async def test_city_admin_sees_both_counties(self, identity, account_body):
        headers = await identity.login("huzhou-admin")

        listed = (await identity.client.get("/api/v1/identity/accounts?limit=500", headers=headers)).json()["items"]

        regions = {account["region_code"] for account in listed}
        assert {"330500", "330521", "330502"} <= regions
        assert "330000" not in regions

    async def test_pages_follow_each_other(self, identity, account_body):
        headers = await identity.login("admin")
        first = (await identity.client.get("/api/v1/identity/accounts?limit=3", headers=headers)).json()
        second = (
            await identity.client.get(f"/api/v1/identity/accounts?limit=3&after={first['next_after']}", headers=headers)
        ).json()

        ids = [account["id"] for account in first["items"] + second["items"]]
        assert ids == sorted(ids) and len(set(ids)) == 6

    @staticmethod
    async def _id_of(identity, username: str) -> int:
        headers = await identity.login("admin")
        listed = (await identity.client.get("/api/v1/identity/accounts?limit=500", headers=headers)).json()["items"]
        return next(account["id"] for account in listed if account["username"] == username)


class TestPasswords:
    async def test_a_new_account_must_change_its_password_before_signing_in(self, identity, account_body):
        body = account_body()
        await identity.client.post("/api/v1/identity/accounts", json=body, headers=await identity.login("deqing-admin"))

        first = await identity.token(grant_type="password", username=body["username"], password="Anquan#2024x")
        assert (first.status_code, first.json()["code"]) == (403, "password-change-required")
        changed = await identity.client.post(
            "/api/v1/identity/password",
            json={"username": body["username"], "current_password": "Anquan#2024x", "new_password": "Zhenggai#2024"},
        )
        assert changed.status_code == 204, changed.text

        assert (await identity.login(body["username"], "Zhenggai#2024"))["Authorization"].startswith("Bearer ")

    async def test_reset_gives_a_one_time_password_that_must_be_changed(self, identity, account_body):
        body = account_body()
        admin = await identity.login("deqing-admin")
        created = (await identity.client.post("/api/v1/identity/accounts", json=body, headers=admin)).json()

        reset = await identity.client.post(f"/api/v1/identity/accounts/{created['id']}/password-reset", headers=admin)

        temporary = reset.json()["temporary_password"]
        response = await identity.token(grant_type="password", username=body["username"], password=temporary)
        assert response.json()["code"] == "password-change-required"


async def test_a_disabled_account_cannot_sign_in(identity, ready_account):
    account = await ready_account()
    admin = await identity.login("deqing-admin")

    disabled = await identity.client.patch(
        f"/api/v1/identity/accounts/{account['id']}", json={"disabled": True}, headers=admin
    )
    response = await identity.token(grant_type="password", username=account["username"], password="Qingling#Own1")

    assert disabled.json()["disabled"] is True
    assert (response.status_code, response.json()["code"]) == (403, "account-disabled")
