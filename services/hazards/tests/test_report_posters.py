"""The report page's view of the register: a public look-up that answers a few enterprises by name,
credit code and town only, limited per client address; and the A4 report poster staff print for an
enterprise, whose QR code opens the report page by a signed token that names the enterprise and
cannot be forged."""

import io
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pypdfium2
import pytest
import zxingcpp
from pypdf import PdfReader

from hazards.config import Settings

pytestmark = pytest.mark.asyncio

ENTERPRISES = "/api/v1/hazards/enterprises"
DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"  # 德清华峰陶瓷有限公司, in 武康街道
NAME = "德清华峰陶瓷有限公司"
LISTED = {"name": NAME, "credit_code": DEMO_ENTERPRISE, "region_code": "330521001", "town": "武康街道"}


async def _demo_enterprise_id(system) -> int:
    response = await system.client.get(
        ENTERPRISES, params={"credit_code": DEMO_ENTERPRISE}, headers=await system.login("deqing-yjj")
    )
    return response.json()["items"][0]["id"]


async def _poster(system, username: str, enterprise_id: int) -> httpx.Response:
    return await system.client.get(f"{ENTERPRISES}/{enterprise_id}/poster", headers=await system.login(username))


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _scanned(pdf: bytes) -> list[str]:
    """What a phone reads from the printed poster: its page drawn at 144 dpi, the QR codes on it decoded."""
    page = pypdfium2.PdfDocument(pdf)[0].render(scale=2).to_pil()
    return [code.text for code in zxingcpp.read_barcodes(page)]


class TestLookup:
    async def test_anyone_finds_an_enterprise_by_part_of_its_name_and_sees_name_code_and_town_only(self, system):
        response = await system.client.get(f"{ENTERPRISES}/lookup", params={"q": "华峰陶瓷"})

        assert response.status_code == 200, response.text
        assert response.json() == [LISTED]

    async def test_by_part_of_the_credit_code_in_any_case(self, system):
        response = await system.client.get(f"{ENTERPRISES}/lookup", params={"q": "330521ma2b3c"})

        assert [e["credit_code"] for e in response.json()] == [DEMO_ENTERPRISE]

    async def test_a_broad_query_answers_ten_at_most(self, system):
        response = await system.client.get(f"{ENTERPRISES}/lookup", params={"q": "有限公司"})

        assert len(response.json()) == 10

    @pytest.mark.parametrize(("q", "message"), [(" 德 ", "不能少于 2"), ("德" * 31, "不能超过 30")])
    async def test_too_short_or_too_long_is_refused_in_words(self, system, q, message):
        response = await system.client.get(f"{ENTERPRISES}/lookup", params={"q": q})

        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert message in response.json()["errors"][0]["message"]


@asynccontextmanager
async def _client_at(system, address: str) -> AsyncIterator[httpx.AsyncClient]:
    if system.dispatcher is not None:
        transport, base = httpx.ASGITransport(app=system.dispatcher, client=(address, 40000)), "http://qingling.test"
    else:
        transport, base = httpx.AsyncHTTPTransport(local_address=address), system.processes.gateway_url
    async with httpx.AsyncClient(transport=transport, base_url=base, timeout=30) as client:
        yield client


@pytest.fixture
def default_lookup_limit(system) -> Iterator[None]:
    """The hazards service with its default look-up limit (the shared systems allow the other tests
    many more): set on the running app (embedded), or by restarting the hazards process (stack)."""
    name = "enterprise_lookups_per_address"
    default = Settings.model_fields[name].default
    if system.dispatcher is not None:
        settings = system.dispatcher.apps["/api/v1/hazards"].state.runtime.settings
        before = getattr(settings, name)
        setattr(settings, name, default)
        yield
        setattr(settings, name, before)
        return
    stack = system.processes
    before_env = dict(stack.env["hazards"])
    stack.env["hazards"] |= {f"QL_HAZARDS_{name.upper()}": str(default)}
    stack.stop("hazards")
    stack.start("hazards")
    try:
        yield
    finally:
        stack.env["hazards"] = before_env
        stack.stop("hazards")
        stack.start("hazards")


async def test_one_address_looks_up_sixty_times_in_ten_minutes_then_waits(system, default_lookup_limit):
    async with _client_at(system, "127.0.0.80") as neighbour:
        answers = [(await neighbour.get(f"{ENTERPRISES}/lookup", params={"q": "陶瓷"})) for _ in range(61)]
    assert [a.status_code for a in answers] == [200] * 60 + [429]
    assert answers[-1].json()["code"] == "lookup-throttled"
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 600
    async with _client_at(system, "127.0.0.81") as other:  # another address is not held up
        assert (await other.get(f"{ENTERPRISES}/lookup", params={"q": "陶瓷"})).status_code == 200


class TestPoster:
    async def test_a_county_regulator_prints_a_poster_whose_code_opens_the_report_page_with_the_enterprise(
        self, system
    ):
        response = await _poster(system, "deqing-yjj", await _demo_enterprise_id(system))

        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/pdf"
        assert "filename*=UTF-8''" in response.headers["content-disposition"]
        text = _text(response.content)
        for words in ("扫码举报安全生产隐患", "德清华峰陶瓷有限公司", "举报电话 12350"):
            assert words in text
        url = re.search(r"(\S+)/h5/\?e=(\S+)", text)
        assert url and url.group(1) == str(system.client.base_url).rstrip("/")  # no base URL set: the request's
        assert _scanned(response.content) == [url.group(0)]  # the code says what the small print says
        token = url.group(2)

        named = await system.client.get(f"{ENTERPRISES}/poster-token/{token}")  # the report page, signed in as nobody
        assert named.status_code == 200, named.text
        assert named.json() == LISTED

    async def test_a_forged_or_altered_token_names_nobody(self, system):
        poster = await _poster(system, "deqing-yjj", await _demo_enterprise_id(system))
        token = re.search(r"/h5/\?e=(\S+)", _text(poster.content)).group(1)
        version, code, mac = token.split(".")
        other_code = "91330521MA2000011Y"  # another 德清 enterprise, with this one's signature
        for forged in (f"{version}.{other_code}.{mac}", f"{version}.{code}.{mac[:-2]}AA", f"2.{code}.{mac}", "x"):
            response = await system.client.get(f"{ENTERPRISES}/poster-token/{forged}")
            assert (response.status_code, response.json()["code"]) == (404, "poster-token-unknown"), forged

    async def test_out_of_scope_staff_get_404_and_enterprises_and_the_public_get_no_poster(self, system):
        enterprise_id = await _demo_enterprise_id(system)

        assert (await _poster(system, "wuxing-yjj", enterprise_id)).status_code == 404
        assert (await _poster(system, "demo-enterprise", enterprise_id)).status_code == 403
        assert (await system.client.get(f"{ENTERPRISES}/{enterprise_id}/poster")).status_code == 401
