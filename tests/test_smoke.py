"""The whole system answers, in both deployment modes, through its single front door."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from qlstack.services import SERVICE_NAMES

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_every_service_is_ready(system, service):
    response = await system.client.get(f"/api/v1/{service}/readyz")

    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "service": service, "database": "ok", "migrations": "at-head"}


async def test_index_links_every_service_docs(system):
    response = await system.client.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for service in SERVICE_NAMES:
        assert f'href="/api/v1/{service}/docs"' in response.text


async def test_one_clock_for_every_service_and_process(system):
    frozen = datetime(2024, 9, 30, 23, 59, 59, tzinfo=ZoneInfo("Asia/Shanghai"))
    system.clock.freeze(frozen)
    system.clock.advance(timedelta(seconds=1))

    for service in SERVICE_NAMES:
        health = (await system.client.get(f"/api/v1/{service}/healthz")).json()
        assert datetime.fromisoformat(health["now"]) == frozen + timedelta(seconds=1), service
        assert health["now"].endswith("+08:00")  # shown in Asia/Shanghai


@pytest.mark.parametrize("path", ["/api/v1/hazards/no-such-thing", "/api/v1/nowhere", "/favicon.ico"])
async def test_unknown_paths_answer_problem_json(system, path):
    response = await system.client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "route-not-found"


async def test_request_id_is_echoed_for_tracing(system):
    request_id = "5b1f0c0e4a6d4c2f9d1f6a7e8b9c0d1e"

    response = await system.client.get("/api/v1/notify/healthz", headers={"X-Request-ID": request_id})

    assert response.headers["x-request-id"] == request_id
