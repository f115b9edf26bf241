"""The region register: GB/T 2260 hierarchy with towns, readable by anyone (a reporter picks a place)."""

import pytest

pytestmark = pytest.mark.asyncio


async def test_children_walk_down_the_hierarchy(system):
    provinces = (await system.client.get("/api/v1/hazards/regions")).json()
    counties = (await system.client.get("/api/v1/hazards/regions?parent=330500")).json()
    towns = (await system.client.get("/api/v1/hazards/regions?parent=330521")).json()

    assert len(provinces) >= 31 and {"110000", "330000", "810000"} <= {p["code"] for p in provinces}
    assert {("330502", "吴兴区"), ("330521", "德清县")} <= {(c["code"], c["name"]) for c in counties}
    assert all(county["level"] == "county" for county in counties)
    assert {("330521102", "新市镇"), ("330521001", "武康街道")} <= {(t["code"], t["name"]) for t in towns}


async def test_a_town_knows_its_ancestors(system):
    town = (await system.client.get("/api/v1/hazards/regions/330521102")).json()

    assert [a["code"] for a in town["ancestors"]] == ["330000", "330500", "330521"]
    assert town["full_name"] == "浙江省湖州市德清县新市镇"
    assert town["level"] == "town"


async def test_search_by_name(system):
    found = (await system.client.get("/api/v1/hazards/regions/search", params={"name": "德清"})).json()

    assert "330521" in {region["code"] for region in found}


@pytest.mark.parametrize(
    ("code", "status", "problem"),
    [("330599", 404, "region-not-found"), ("33052", 422, "validation-failed"), ("990000", 422, "validation-failed")],
)
async def test_unknown_and_malformed_codes(system, code, status, problem):
    response = await system.client.get(f"/api/v1/hazards/regions/{code}")

    assert (response.status_code, response.json()["code"]) == (status, problem)
