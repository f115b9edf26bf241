"""政务公开: what a region publishes of its 挂牌督办, without login, and the same set read through
Open311 GeoReport v2 by a third-party client library (georeport) over real HTTP. A listed hazard
that came from a tip-off is published with no trace of the tip-off or its reporter; a hazard not
listed is not published."""

import asyncio
import itertools
import json
import secrets
from collections.abc import AsyncIterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from georeport import GeoReport
from systems import embedded_for_test
from tipoff_flow import FINDING, submit, tip_off_id, to_reply, until

from qingling.clock import SHANGHAI, FileClock
from standins import serving

pytestmark = pytest.mark.asyncio

H = "/api/v1/hazards"
OPEN311 = f"{H}/open311/v2"
NAME, PHONE = "李德胜", "13857261234"
SERIALS = itertools.count(1000 + secrets.randbelow(8000))
EARLIER = datetime(2025, 2, 24, 9, 0, tzinfo=SHANGHAI)
NOW = datetime(2025, 3, 3, 9, 0, tzinfo=SHANGHAI)
PLAN = {
    "goals": "消除粉尘爆炸隐患",
    "measures": "更换除尘系统并加装泄爆装置",
    "funds_and_materials": "投入资金 20 万元",
    "people": "总经理负总责，设备部具体负责",
    "time_limit": "2025 年 3 月底前完成",
    "safety_measures": "整改期间停用打磨工位",
}


def _major(title: str) -> dict:
    return {
        "title": title,
        "description": f"{title}：现场检查发现，须停产整改",
        "grade": "major",
        "basis_standard": "GM2023",
        "basis_clause": "第五条(一)",
        "found_at": "2025-02-20T10:00:00+08:00",
        "report": {"condition": "现状及原因说明", "harm": "可能引发粉尘爆炸，整改难度较大", "plan": "停产更换设备"},
    }


async def _ok(system, url: str, who: str, body: dict | None = None) -> dict:
    response = await system.client.post(url, json=body, headers=await system.login(who))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def _department(system) -> int:
    found = await system.client.get(
        f"{H}/departments", params={"region_prefix": "330521", "kind": "emergency"}, headers=await system.login("admin")
    )
    return next(d["id"] for d in found.json()["items"] if d["region_code"] == "330521")


async def _list(system, hazard: int, listed_on: str, deadline: str) -> str:
    url = f"{H}/hazards/{hazard}"
    await _ok(system, f"{url}/confirm_major", "deqing-yjj", {"order_no": f"限改〔2025〕{next(SERIALS)}号"})
    notice = f"〔2025〕{next(SERIALS)}号"
    listing = {
        "notice_no": notice, "listed_on": listed_on, "deadline": deadline, "measures": "停产更换除尘系统",
        "responsible_unit": "德清示范企业", "responsible_person": "王强",
        "supervising_department_id": await _department(system),
    }  # fmt: skip
    await _ok(system, f"{url}/list", "deqing-yjj", listing)
    return notice


async def _close(system, hazard: int) -> None:
    url = f"{H}/hazards/{hazard}"
    await _ok(system, f"{url}/submit_plan", "demo-enterprise", PLAN)
    await _ok(system, f"{url}/accept_plan", "deqing-yjj")
    completion = {"summary": "已更换除尘系统并加装泄爆片", "evaluated_by": "in_house_experts", "evaluation": "整改到位"}
    await _ok(system, f"{url}/apply_completion", "demo-enterprise", completion)
    await _ok(system, f"{url}/start_review", "deqing-yjj")
    await _ok(system, f"{url}/pass_review", "deqing-yjj", {"findings": "现场复核：整改到位"})
    await _ok(system, f"{url}/check_close_out", "deqing-yjj", {"findings": "整改到位，同意销号"})
    await _ok(system, f"{url}/close", "deqing-yjj", {"opinion": "同意销号，予以摘牌"})


async def _published(system) -> dict:
    """One closed listed hazard (listed 02-24), one listed from a real-name tip-off (03-03), one only confirmed."""
    system.clock.freeze(EARLIER)
    closed = await _ok(system, f"{H}/hazards", "demo-enterprise", _major("打磨车间除尘系统未泄爆"))
    closed_notice = await _list(system, closed["id"], "2025-02-24", "2025-03-31")
    await _close(system, closed["id"])

    system.clock.freeze(NOW)
    receipt = await submit(system, reporter={"name": NAME, "phone": PHONE})
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    await to_reply(system, handler, number, FINDING)

    async def linked():
        return (await system.client.get(f"/api/v1/reports/tip-offs/{number}", headers=handler)).json()["hazard_id"]

    tipped = await until(linked)
    hazard = (await system.client.get(f"{H}/hazards/{tipped}", headers=handler)).json()
    assert (hazard["source"], hazard["source_ref"]) == ("tip_off", f"tip_off:{number}")
    tipped_notice = await _list(system, tipped, "2025-03-03", "2025-04-30")

    unlisted = await _ok(system, f"{H}/hazards", "demo-enterprise", _major("喷涂车间通风失效"))
    await _ok(
        system,
        f"{H}/hazards/{unlisted['id']}/confirm_major",
        "deqing-yjj",
        {"order_no": f"限改〔2025〕{next(SERIALS)}号"},
    )
    return {"closed": closed["id"], "closed_notice": closed_notice, "tipped": tipped, "tipped_notice": tipped_notice,
            "unlisted": unlisted["id"], "tip_off": number}  # fmt: skip


async def _public_list(system, **params) -> list[dict]:
    items, after = [], None
    while True:
        page = {"region_code": "330521", "limit": 500, **params} | ({"after": after} if after else {})
        response = await system.client.get(f"{H}/public/listed", params=page)
        assert response.status_code == 200, response.text
        items += response.json()["items"]
        if not (after := response.json()["next_after"]):
            return items


async def test_the_public_list_and_open311_publish_listed_hazards_without_any_tip_off_trace(system):
    ids = await _published(system)
    everything: list[str] = []

    listed = {item["id"]: item for item in await _public_list(system)}
    assert ids["unlisted"] not in listed
    tipped, closed = listed[ids["tipped"]], listed[ids["closed"]]
    assert tipped == {
        "id": ids["tipped"], "enterprise_name": tipped["enterprise_name"], "region_code": tipped["region_code"],
        "title": FINDING["hazard"]["title"], "notice_no": ids["tipped_notice"], "lister_name": tipped["lister_name"],
        "listed_on": "2025-03-03", "deadline": "2025-04-30", "state": "listed", "state_name": "挂牌督办",
        "closed_on": None, "enterprise_contact": None,
    }  # fmt: skip
    assert "德清" in tipped["lister_name"] and tipped["region_code"].startswith("330521")
    assert (closed["state_name"], closed["closed_on"], closed["notice_no"]) == (
        "已销号",
        "2025-02-24",
        ids["closed_notice"],
    )

    for path, params in [
        ("/public/listed", {"region_code": "330521", "limit": 500}),
        ("/open311/v2/discovery.json", {}),
        ("/open311/v2/services.json", {}),
        ("/open311/v2/requests.json", {"jurisdiction_id": "330521"}),
        (f"/open311/v2/requests/{ids['tipped']}.json", {}),
    ]:
        response = await system.client.get(f"{H}{path}", params=params)  # no token: public
        assert response.status_code == 200, (path, response.text)
        everything.append(json.dumps(response.json(), ensure_ascii=False))  # \u-escapes would hide a name
    published = "\n".join(everything)
    assert FINDING["hazard"]["title"] in published  # the scan reads the Chinese it looks for
    for secret in (NAME, PHONE, "举报", "tip_off", "tip-off", "source_ref", '"source"', f"tip_off:{ids['tip_off']}"):
        assert secret not in published, secret
    assert FINDING["hazard"]["description"] not in published  # the hazard's own words may quote the tip-off

    # a hazard confirmed but not listed is no public record
    unlisted = await system.client.get(f"{OPEN311}/requests/{ids['unlisted']}.json")
    assert unlisted.status_code == 404
    assert unlisted.json()["code"] == "published-hazard-not-found"


async def test_an_open311_client_reads_requests_by_status_and_dates(system):
    ids = await _published(system)
    with ExitStack() as stack:
        if system.mode == "stack":
            base = str(system.client.base_url).rstrip("/")
        else:  # the embedded system has no socket: a loopback server hands each request to it
            base = stack.enter_context(serving(_forwarding(system, asyncio.get_running_loop())))
        client = GeoReport(f"{base}{OPEN311}", jurisdiction="330521")

        def read(**params) -> dict[str, dict]:
            return {r["service_request_id"]: r for r in client.get_service_requests(**params)}

        services = await asyncio.to_thread(client.get_service_list)
        assert [s["service_code"] for s in services] == ["major-hazard-listed"]
        every = await asyncio.to_thread(read)
        tipped, closed = str(ids["tipped"]), str(ids["closed"])
        assert {tipped, closed} <= set(every) and str(ids["unlisted"]) not in every
        request = every[tipped]
        assert request["status"] == "open" and request["service_code"] == "major-hazard-listed"
        assert request["requested_datetime"] == "2025-03-03T00:00:00+08:00"
        assert request["expected_datetime"].startswith("2025-04-30")
        assert request["agency_responsible"] and request["address"]
        assert ids["tipped_notice"] in request["description"] and "举报" not in str(request)
        assert every[closed]["status"] == "closed" and "销号" in every[closed]["status_notes"]

        opened = await asyncio.to_thread(read, status="open")
        assert tipped in opened and closed not in opened
        done = await asyncio.to_thread(read, status="closed")
        assert closed in done and tipped not in done
        since = await asyncio.to_thread(read, start_date="2025-03-01T00:00:00+08:00")
        assert tipped in since and closed not in since
        until_then = await asyncio.to_thread(read, end_date="2025-02-28T23:59:59Z")
        assert closed in until_then and tipped not in until_then
        one = await asyncio.to_thread(client.get_service_request, tipped)
        assert one == request
        other_code = await asyncio.to_thread(read, service_code="pothole")
        assert other_code == {}


async def test_a_region_is_required_and_must_exist(system):
    for params in ({}, {"region_code": "33052"}, {"region_code": "339999"}):
        response = await system.client.get(f"{H}/public/listed", params=params)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["field"] == "/region_code"
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["errors"][0]["message"])
    missing = await system.client.get(f"{OPEN311}/requests.json")
    assert missing.status_code == 422
    backwards = {
        "jurisdiction_id": "330521",
        "start_date": "2025-03-02T00:00:00+08:00",
        "end_date": "2025-03-01T00:00:00+08:00",
    }
    assert (await system.client.get(f"{OPEN311}/requests.json", params=backwards)).status_code == 422


def _forwarding(system, loop: asyncio.AbstractEventLoop):
    """An ASGI app (run by uvicorn in its own thread) that sends each GET on to the system's client
    on the test's loop and answers with what came back."""

    async def app(scope, receive, send):
        query = scope["query_string"].decode()
        url = scope["path"] + (f"?{query}" if query else "")
        response = await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(system.client.get(url), loop))
        headers = [(b"content-type", response.headers["content-type"].encode())]
        await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
        await send({"type": "http.response.body", "body": response.content})

    return app


@dataclass
class Publishing:
    """An embedded system of a region that publishes its enterprises' contacts."""

    client: httpx.AsyncClient
    clock: FileClock

    async def login(self, username: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": username, "password": "Qingling@2026"}
        token = (await self.client.post("/api/v1/identity/oauth/token", data=form)).json()["access_token"]
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def publishing(tmp_path) -> AsyncIterator[Publishing]:
    dispatcher, clock = embedded_for_test(tmp_path, disclosure_enterprise_contacts=True)
    async with dispatcher.lifespan():
        transport = httpx.ASGITransport(app=dispatcher)
        async with httpx.AsyncClient(transport=transport, base_url="http://qingling.test") as client:
            yield Publishing(client, clock)


async def test_the_enterprise_principal_is_published_only_where_the_setting_says_so(publishing):
    publishing.clock.freeze(NOW)
    hazard = await _ok(publishing, f"{H}/hazards", "demo-enterprise", _major("打磨车间除尘系统未泄爆"))
    await _list(publishing, hazard["id"], "2025-03-03", "2025-03-31")
    enterprise = await publishing.client.get(
        f"{H}/enterprises/{hazard['enterprise_id']}", headers=await publishing.login("deqing-yjj")
    )
    principal = enterprise.json()["people"]["principal"]

    listed = {item["id"]: item for item in await _public_list(publishing)}

    assert listed[hazard["id"]]["enterprise_contact"] == {"name": principal["name"], "phone": principal["phone"]}
