"""What every client sees of the shared request handling: problem+json with Chinese messages
and field pointers, nothing changed by a rejected request, and times read and shown in
Asia/Shanghai."""

import httpx
import pytest

import sample_apps
from qingling.app import create_service_app

pytestmark = pytest.mark.asyncio


async def test_bad_input_names_every_field_in_chinese_and_changes_nothing(pair):
    response = await pair.client.post(
        "/api/v1/alpha/notes",
        json={"text": "x", "observed_at": "昨天下午", "tags": ["a", "b", "c", "d"]},
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation-failed"
    assert problem["type"] == "/api/v1/alpha/problems/validation-failed"
    assert problem["instance"] == "/api/v1/alpha/notes"
    assert {(e["field"], e["message"]) for e in problem["errors"]} == {
        ("/text", "长度不能少于 2 个字符"),
        ("/observed_at", "时间格式不正确，应如 2024-09-30T17:00:00+08:00"),
        ("/tags", "最多允许 3 项"),
    }
    assert (await pair.client.get("/api/v1/alpha/notes")).json() == []


async def test_missing_body_and_malformed_json(pair):
    missing = await pair.client.post("/api/v1/alpha/notes", json={})
    malformed = await pair.client.post(
        "/api/v1/alpha/notes", content=b"{not json", headers={"content-type": "application/json"}
    )

    assert missing.json()["errors"] == [{"location": "body", "field": "/text", "message": "必填项，不能为空"}]
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed-body"


async def test_a_business_rule_failure_rolls_back_the_whole_request(pair):
    response = await pair.client.post("/api/v1/alpha/notes", json={"text": "违规动火", "reject_after_emit": True})

    assert response.status_code == 422
    assert response.json()["errors"] == [{"location": "body", "field": "/reject_after_emit", "message": "按请求拒绝"}]
    assert (await pair.client.get("/api/v1/alpha/notes")).json() == []


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("2024-09-30T17:00:00", "2024-09-30T17:00:00+08:00"),  # no offset: Beijing time
        ("2024-09-30T09:00:00Z", "2024-09-30T17:00:00+08:00"),
        ("2024-09-30T11:00:00+02:00", "2024-09-30T17:00:00+08:00"),
    ],
)
async def test_times_are_read_and_shown_in_shanghai(pair, sent, shown):
    created = await pair.client.post("/api/v1/alpha/notes", json={"text": "高处作业", "observed_at": sent})

    assert created.status_code == 201, created.text
    assert created.json()["observed_at"] == shown
    [stored] = (await pair.client.get("/api/v1/alpha/notes")).json()
    assert stored["observed_at"] == shown  # stored in UTC, read back the same instant


async def test_error_catalogue_is_published_and_each_type_dereferences(pair):
    catalogue = (await pair.client.get("/api/v1/alpha/problems")).json()
    codes = [entry["code"] for entry in catalogue]

    assert {"validation-failed", "not-found", "route-not-found", "internal-error"} <= set(codes)
    assert len(codes) == len(set(codes))
    explained = await pair.client.get("/api/v1/alpha/problems/validation-failed")
    assert explained.json() == {
        "code": "validation-failed",
        "status": 422,
        "title": "提交的数据有误，请按提示修改后重新提交",
    }
    unknown = await pair.client.get("/api/v1/alpha/problems/no-such-code")
    assert unknown.status_code == 404 and unknown.json()["code"] == "problem-type-not-found"


async def test_wrong_method_is_a_problem_too(pair):
    response = await pair.client.delete("/api/v1/alpha/notes")

    assert response.status_code == 405
    assert response.json()["code"] == "method-not-allowed"


async def test_an_event_the_service_does_not_consume_is_refused(pair):
    envelope = {
        "id": "2f1c3a4e-5b6d-4e7f-8a9b-0c1d2e3f4a5b",
        "type": "hazard.listed",
        "version": 1,
        "occurred_at": "2024-09-30T09:00:00Z",
        "source": "beta",
        "subject": "hazard/1",
        "data": {},
    }

    response = await pair.client.post(
        "/api/v1/alpha/events", json=envelope, headers=await pair.service_headers("beta", to="alpha")
    )

    assert response.status_code == 422
    assert response.json()["code"] == "unknown-event-type"
    assert await pair.inbox_count() == 0


async def test_browser_pages_on_configured_origins_may_call_the_api(tmp_path):
    settings = sample_apps.AlphaSettings(
        data_dir=tmp_path, cors_origins=["https://h5.example.gov.cn"], run_workers=False
    )
    app = create_service_app(sample_apps.alpha, settings)
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}

    async with app.router.lifespan_context(app):
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")
        allowed = await client.options(
            "/api/v1/alpha/notes", headers={"Origin": "https://h5.example.gov.cn", **preflight}
        )
        foreign = await client.options("/api/v1/alpha/notes", headers={"Origin": "https://evil.example", **preflight})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://h5.example.gov.cn"
    assert "access-control-allow-origin" not in foreign.headers
