"""Who handles industry I at region R: territory first, walking up when a level has no such
department; the industry's lead kind leads; a town's own office assists."""

import pytest

pytestmark = pytest.mark.asyncio


async def _resolve(system, region_code: str, industry: str):
    return await system.client.get(
        "/api/v1/hazards/departments/resolve",
        params={"region_code": region_code, "industry": industry},
        headers=await system.login("deqing-12345"),
    )


async def test_construction_in_deqing_goes_to_deqing_housing_bureau(system):
    resolution = (await _resolve(system, "330521", "construction")).json()

    assert resolution["lead"]["name"] == "德清县住房和城乡建设局"
    assert resolution["resolved_at"] == "330521"


async def test_fire_safety_in_a_county_without_fire_service_goes_to_the_city(system):
    resolution = (await _resolve(system, "330521", "fire_safety")).json()

    assert resolution["lead"]["name"] == "湖州市消防救援支队"
    assert resolution["resolved_at"] == "330500"


async def test_a_county_with_its_own_fire_service_keeps_the_matter(system):
    resolution = (await _resolve(system, "330502", "fire_safety")).json()

    assert resolution["lead"]["name"] == "吴兴区消防救援大队"


async def test_the_town_office_assists_but_never_leads(system):
    resolution = (await _resolve(system, "330521102", "hazardous_chemicals")).json()

    assert resolution["lead"]["name"] == "德清县应急管理局"
    assert [d["name"] for d in resolution["co_handlers"]] == ["新市镇应急管理办公室"]


async def test_several_supervisors_one_lead_and_co_handlers(system):
    admin = await system.login("deqing-admin")
    # 德清县 decides that its 市场监管局 also supervises city gas (gas appliances): a co-handler.
    listed = await system.client.get(
        "/api/v1/hazards/departments", params={"region_prefix": "330521", "kind": "market"}, headers=admin
    )
    market = listed.json()["items"][0]
    industries = sorted({*market["industries"], "city_gas"})
    patched = await system.client.patch(
        f"/api/v1/hazards/departments/{market['id']}", json={"industries": industries}, headers=admin
    )
    assert patched.status_code == 200, patched.text

    resolution = (await _resolve(system, "330521", "city_gas")).json()

    assert resolution["lead"]["name"] == "德清县住房和城乡建设局"  # the industry's lead kind
    assert [d["name"] for d in resolution["co_handlers"]] == ["德清县市场监督管理局"]


async def test_bad_resolution_requests(system):
    unknown_region = await _resolve(system, "330599", "construction")
    unknown_industry = await _resolve(system, "330521", "aviation")

    assert unknown_region.status_code == 422 and unknown_region.json()["errors"][0]["field"] == "/region_code"
    assert unknown_industry.status_code == 422 and unknown_industry.json()["errors"][0]["field"] == "/industry"


async def test_only_admins_of_the_place_set_up_departments(system):
    body = {"region_code": "330502", "kind": "water", "name": "吴兴区水利局"}

    county_admin_elsewhere = await system.client.post(
        "/api/v1/hazards/departments", json=body, headers=await system.login("deqing-admin")
    )
    regulator = await system.client.post(
        "/api/v1/hazards/departments", json=body, headers=await system.login("wuxing-yjj")
    )

    assert (county_admin_elsewhere.status_code, county_admin_elsewhere.json()["code"]) == (
        403,
        "outside-jurisdiction",
    )
    assert regulator.status_code == 403


async def test_a_department_of_another_jurisdiction_is_not_there_for_an_admin(system):
    """A county admin editing a 莒县 (Shandong) department: not 403 (which would confirm it), 404."""
    shandong = await system.client.get(
        "/api/v1/hazards/departments", params={"region_prefix": "371122"}, headers=await system.login("juxian-yjj")
    )
    department = shandong.json()["items"][0]

    response = await system.client.patch(
        f"/api/v1/hazards/departments/{department['id']}",
        json={"phone": "0633-0000000"},
        headers=await system.login("deqing-admin"),
    )

    assert (response.status_code, response.json()["code"]) == (404, "department-not-found")
