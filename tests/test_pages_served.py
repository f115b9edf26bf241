"""The pages are served the same way in both deployment modes — by the embedded dispatcher and by
nginx — with one content security policy: a page may load and connect to its own host only."""

from __future__ import annotations

import pytest

from qlweb import CONTENT_SECURITY_POLICY

PAGES = {
    "/h5/": "text/html",
    "/console/": "text/html",
    "/assets/qingling.css": "text/css",
    "/assets/api.js": "javascript",
    "/assets/vendor/preact-htm.module.js": "javascript",
}


@pytest.mark.asyncio
async def test_the_pages_are_served_with_their_policy_in_both_modes(system):
    for path, kind in PAGES.items():
        response = await system.client.get(path)
        assert response.status_code == 200, (system.mode, path)
        assert kind in response.headers["content-type"], (system.mode, path)
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, (system.mode, path)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
    folder = await system.client.get("/console")
    assert folder.status_code in (301, 307) and folder.headers["location"].endswith("/console/")
    assert (await system.client.get("/h5/no-such-page.js")).status_code == 404


@pytest.mark.asyncio
async def test_the_landing_page_links_the_report_page_and_the_console(system):
    page = (await system.client.get("/")).text
    assert 'href="/h5/"' in page and 'href="/console/"' in page
