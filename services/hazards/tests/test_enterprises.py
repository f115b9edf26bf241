"""Enterprises: registered by regulators in their jurisdiction, seen by regulators in
jurisdiction and by the enterprise itself — never by anyone else."""

import pytest

pytestmark = pytest.mark.asyncio

DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"  # in 德清县; its admin is the demo account demo-enterprise


async def _find(system, username: str, **params) -> list[dict]:
    response = await system.client.get(
        "/api/v1/hazards/enterprises", params={"limit": 500, **params}, headers=await system.login(username)
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


class TestVisibility:
    async def test_a_county_regulator_sees_only_its_county(self, system):
        deqing = await _find(system, "deqing-yjj")
        wuxing = await _find(system, "wuxing-yjj")

        assert deqing and all(e["region_code"].startswith("330521") for e in deqing)
        assert wuxing and all(e["region_code"].startswith("330502") for e in wuxing)
        other = wuxing[0]["id"]
        hidden = await system.client.get(
            f"/api/v1/hazards/enterprises/{other}", headers=await system.login("deqing-yjj")
        )
        assert (hidden.status_code, hidden.json()["code"]) == (404, "enterprise-not-found")

    async def test_a_city_regulator_sees_both_counties(self, system):
        regions = {e["region_code"][:6] for e in await _find(system, "huzhou-yjj")}

        assert {"330521", "330502"} <= regions

    async def test_an_enterprise_sees_only_itself(self, system):
        own = await _find(system, "demo-enterprise")

        assert [e["credit_code"] for e in own] == [DEMO_ENTERPRISE]
        assert own[0]["people"]["principal"]["phone"]  # its own contacts are shown to it

    async def test_a_town_regulator_sees_its_town(self, system):
        town = await _find(system, "xinshi-town")

        assert town and {e["region_code"] for e in town} == {"330521102"}

    async def test_mini_program_users_see_no_enterprise_records(self, system):
        response = await system.client.get("/api/v1/hazards/enterprises")

        assert response.status_code == 401  # not signed in: enterprise data is never public


class TestSearch:
    async def test_by_name_fragment_and_by_credit_code(self, system):
        by_name = await _find(system, "huzhou-yjj", name="陶瓷")
        by_code = await _find(system, "huzhou-yjj", credit_code=DEMO_ENTERPRISE.lower())

        assert by_name and all("陶瓷" in e["name"] for e in by_name)
        assert [e["credit_code"] for e in by_code] == [DEMO_ENTERPRISE]

    async def test_pages_do_not_overlap(self, system):
        headers = await system.login("huzhou-yjj")
        first = (await system.client.get("/api/v1/hazards/enterprises?limit=20", headers=headers)).json()
        second = (
            await system.client.get(
                f"/api/v1/hazards/enterprises?limit=20&after={first['next_after']}", headers=headers
            )
        ).json()

        assert len(first["items"]) == 20
        assert not {e["id"] for e in first["items"]} & {e["id"] for e in second["items"]}


class TestRegister:
    async def test_a_county_regulator_registers_an_enterprise_in_its_county(self, system, enterprise_body):
        body = enterprise_body()

        response = await system.client.post(
            "/api/v1/hazards/enterprises", json=body, headers=await system.login("deqing-yjj")
        )

        assert response.status_code == 201, response.text
        assert response.json()["credit_code"] == body["credit_code"]
        again = await system.client.post(
            "/api/v1/hazards/enterprises", json=body, headers=await system.login("deqing-yjj")
        )
        assert (again.status_code, again.json()["code"]) == (409, "enterprise-exists")

    async def test_not_in_another_county(self, system, enterprise_body):
        response = await system.client.post(
            "/api/v1/hazards/enterprises",
            json=enterprise_body(region_code="330502100"),
            headers=await system.login("deqing-yjj"),
        )

        assert (response.status_code, response.json()["code"]) == (403, "outside-jurisdiction")

    async def test_every_bad_field_is_named(self, system, enterprise_body):
        body = enterprise_body(credit_code="91330521MA2B3C4D5X", industry="aviation", risk_class="E")
        body["people"]["principal"]["phone"] = "call me"

        response = await system.client.post(
            "/api/v1/hazards/enterprises", json=body, headers=await system.login("deqing-yjj")
        )

        assert response.status_code == 422
        messages = {e["field"]: e["message"] for e in response.json()["errors"]}
        assert set(messages) == {"/credit_code", "/industry", "/risk_class", "/people/principal/phone"}
        assert "校验位" in messages["/credit_code"]

    async def test_an_unknown_region_is_refused_on_its_field(self, system, enterprise_body):
        response = await system.client.post(
            "/api/v1/hazards/enterprises",
            json=enterprise_body(region_code="330521999"),
            headers=await system.login("deqing-yjj"),
        )

        assert response.status_code == 422
        assert response.json()["errors"] == [
            {"location": "body", "field": "/region_code", "message": "行政区划代码 330521999 不存在"}
        ]

    async def test_an_operator_cannot_register_enterprises(self, system, enterprise_body):
        response = await system.client.post(
            "/api/v1/hazards/enterprises", json=enterprise_body(), headers=await system.login("deqing-12345")
        )

        assert response.status_code == 403


class TestEdit:
    async def test_a_regulator_edits_within_its_jurisdiction_only(self, system, enterprise_body):
        headers = await system.login("deqing-yjj")
        created = (
            await system.client.post("/api/v1/hazards/enterprises", json=enterprise_body(), headers=headers)
        ).json()
        url = f"/api/v1/hazards/enterprises/{created['id']}"

        raised = await system.client.patch(url, json={"risk_class": "A", "tags": ["welding"]}, headers=headers)
        moved_away = await system.client.patch(url, json={"region_code": "330502100"}, headers=headers)
        by_neighbour = await system.client.patch(
            url, json={"risk_class": "D"}, headers=await system.login("wuxing-yjj")
        )

        assert (raised.json()["risk_class"], raised.json()["tags"]) == ("A", ["welding"])
        assert raised.json()["name"] == created["name"]  # untouched fields stay
        assert (moved_away.status_code, moved_away.json()["code"]) == (403, "outside-jurisdiction")
        assert by_neighbour.status_code == 404
        assert (await system.client.get(url, headers=headers)).json()["risk_class"] == "A"
