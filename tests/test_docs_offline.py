"""Every docs page works on an intranet with no internet: each asset it references is served
by Qingling itself, and nothing points to another host (favicon and validator included)."""

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from qlstack.services import SERVICE_NAMES

pytestmark = pytest.mark.asyncio


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]


def _off_host(url: str) -> bool:
    return bool(urlsplit(url).netloc) or url.startswith("//")


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_docs_page_and_assets_are_self_hosted(system, service):
    page = await system.client.get(f"/api/v1/{service}/docs")
    assert page.status_code == 200
    parser = _References()
    parser.feed(page.text)
    script = page.text

    # The page's own references: stylesheet, favicon, Swagger UI bundle — all on this host.
    assert {url.rsplit("/", 1)[-1] for url in parser.urls} >= {"swagger-ui.css", "favicon.png", "swagger-ui-bundle.js"}
    configured = re.findall(r"""url:\s*'([^']+)'|oauth2RedirectUrl:[^']*'([^']+)'""", script)
    referenced = parser.urls + [url for pair in configured for url in pair if url]
    for url in referenced:
        assert not _off_host(url), f"{service} docs reference another host: {url}"
        asset = await system.client.get(url)
        assert asset.status_code == 200, url
        if url.endswith(".css"):  # stylesheets may pull fonts/images: only data: or same-host
            for inner in re.findall(r"url\(['\"]?([^'\")]+)", asset.text):
                assert inner.startswith("data:") or not _off_host(inner), inner

    # No validator badge: Swagger UI would otherwise send the spec to validator.swagger.io.
    assert '"validatorUrl": null' in script
    assert f"url: '/api/v1/{service}/openapi.json'" in script


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_openapi_document_is_served_under_the_prefix(system, service):
    spec = (await system.client.get(f"/api/v1/{service}/openapi.json")).json()

    assert all(path.startswith(f"/api/v1/{service}/") for path in spec["paths"])
    assert spec["components"]["schemas"]["Problem"]["properties"]["code"]["type"] == "string"
