"""The published contract says what the services do: every problem an operation can answer with,
security as it is, required headers required, files as binary, one name per schema — and the
answers to malformed bodies and wrong methods are the documented ones."""

import json
from pathlib import Path

import pytest
from tipoff_flow import submit

from qlstack.services import SERVICE_NAMES

OPENAPI = Path(__file__).parents[1] / "openapi"
SPECS = {name: json.loads((OPENAPI / f"{name}.json").read_text()) for name in SERVICE_NAMES}
PROBLEM = "application/problem+json"


def operations(name: str):
    for path, item in SPECS[name]["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", operation


def codes(operation: dict, status: str) -> set[str]:
    content = operation["responses"].get(status, {}).get("content", {}).get(PROBLEM, {})
    return set(content.get("examples", {}))


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_every_refusal_is_documented_as_problem_json(name):
    for label, operation in operations(name):
        security = operation.get("security")
        needs_login = security == [{"OAuth2PasswordBearer": []}]
        if needs_login:
            assert {"not-signed-in", "invalid-token"} <= codes(operation, "401"), label
            assert "role-not-allowed" in codes(operation, "403") or "任何已登录用户" in operation["x-access"], label
        if "{" in label:
            assert "404" in operation["responses"], label
        if "requestBody" in operation:
            assert "malformed-body" in codes(operation, "400"), label
            assert "unsupported-body-type" in codes(operation, "415"), label
            assert "validation-failed" in codes(operation, "422"), label
        for status, response in operation["responses"].items():
            if status.startswith("4"):
                assert set(response["content"]) == {PROBLEM}, (label, status)


def test_public_routes_need_no_token_and_intake_takes_one_optionally():
    reports = dict(operations("reports"))
    identity = dict(operations("identity"))

    assert "security" not in identity["GET /api/v1/identity/jwks.json"]
    for label in ("POST /api/v1/reports/tip-offs", "POST /api/v1/reports/media"):
        assert reports[label]["security"] == [{}, {"OAuth2PasswordBearer": []}], label
        assert "401" in reports[label]["responses"]  # a token that is sent is checked
        assert "403" not in reports[label]["responses"]


@pytest.mark.parametrize(
    ("name", "label"),
    [("reports", "POST /api/v1/reports/tip-offs"), ("hazards", "POST /api/v1/hazards/hazards/batch")],
)
def test_idempotency_key_is_required_where_it_is(name, label):
    [header] = [p for p in dict(operations(name))[label]["parameters"] if p["name"] == "Idempotency-Key"]

    assert header["required"] is True
    assert header["schema"]["type"] == "string"


def test_files_are_binary_both_ways():
    reports = SPECS["reports"]
    upload = reports["components"]["schemas"]["Body_media-upload"]["properties"]["file"]
    download = dict(operations("reports"))["GET /api/v1/reports/media/{media_id}"]["responses"]["200"]["content"]

    assert (upload["type"], upload["format"]) == ("string", "binary")
    assert "contentMediaType" not in json.dumps(SPECS)
    assert all(media["schema"] == {"type": "string", "format": "binary"} for media in download.values())


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_schema_names_are_unique_and_titles_ascii(name):
    spec = SPECS[name]
    titles = [schema.get("title") for schema in spec["components"]["schemas"].values()]

    assert len(titles) == len(set(titles))
    assert spec["info"]["title"].isascii()
    assert "清零" in spec["info"]["description"]


def test_tip_off_extension_and_take_over_survive_generation():
    """Two schemas titled ``Reason`` made a generated client drop these three."""
    reports = dict(operations("reports"))
    for action in ("grant_extension", "refuse_extension", "take_over"):
        body = reports[f"POST /api/v1/reports/tip-offs/{{item_id}}/{action}"]["requestBody"]
        ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert SPECS["reports"]["components"]["schemas"][ref]["title"] == ref


def test_a_create_links_to_the_read_of_what_it_created():
    link = dict(operations("hazards"))["POST /api/v1/hazards/hazards"]["responses"]["201"]["links"]["read"]

    assert link["operationId"] == dict(operations("hazards"))["GET /api/v1/hazards/hazards/{hazard_id}"]["operationId"]
    assert link["parameters"] == {"hazard_id": "$response.body#/id"}


async def test_malformed_json_is_400_and_a_wrong_media_type_415(embedded):
    malformed = await embedded.client.post(
        "/api/v1/reports/tip-offs", content=b'{"facts": ', headers={"content-type": "application/json"}
    )
    as_text = await embedded.client.post(
        "/api/v1/reports/tip-offs", content=b"facts", headers={"content-type": "text/plain"}
    )

    assert (malformed.status_code, malformed.json()["code"]) == (400, "malformed-body")
    assert malformed.headers["content-type"] == PROBLEM
    assert (as_text.status_code, as_text.json()["code"]) == (415, "unsupported-body-type")


async def test_a_wrong_method_is_405_with_every_method_of_the_path(embedded):
    shadowed = await embedded.client.get("/api/v1/hazards/hazards/batch")  # beside GET /hazards/{hazard_id}
    two_methods = await embedded.client.delete("/api/v1/hazards/hazards")

    assert (shadowed.status_code, shadowed.headers["allow"]) == (405, "POST")
    assert shadowed.json()["code"] == "method-not-allowed"
    assert (two_methods.status_code, two_methods.headers["allow"]) == (405, "GET, POST")


async def test_a_page_says_how_many_there_are_in_all(embedded):
    headers = await embedded.login("deqing-yjj")
    departments = "/api/v1/hazards/departments"
    first = (await embedded.client.get(departments, params={"limit": 1}, headers=headers)).json()
    everything = (await embedded.client.get(departments, params={"limit": 500}, headers=headers)).json()

    assert len(first["items"]) == 1 and first["next_after"] is not None
    assert first["total"] == everything["total"] == len(everything["items"]) > 1


async def test_staff_find_a_tip_off_by_the_receipt_code_a_caller_reads_out(embedded):
    receipt = await submit(embedded)
    headers = await embedded.login("deqing-12345")
    typed = receipt["receipt_code"].lower()  # as an operator types it
    found = await embedded.client.get("/api/v1/reports/tip-offs", params={"receipt_code": typed}, headers=headers)

    assert [item["id"] for item in found.json()["items"]] == [receipt["tip_off_id"]]
    assert found.json()["total"] == 1


@pytest.mark.parametrize("level", ["nation", "province", "city", "county", "town"])
async def test_hazards_filter_by_every_level_of_lister(embedded, level):
    """The fuzzer's find: ``lister_level=nation`` (a level the contract offers) answered 500."""
    headers = await embedded.login("admin")
    response = await embedded.client.get("/api/v1/hazards/hazards", params={"lister_level": level}, headers=headers)

    assert response.status_code == 200, response.text
    assert all(item["lister_region_code"] for item in response.json()["items"])
