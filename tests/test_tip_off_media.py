"""Media sent with a tip-off: a PDF's author and a video's name and GPS position never reach a
handler (taken out on upload, so they are never on disk either); what is on disk is sealed;
uploads nobody attached are purged after a day; and one address cannot fill the store with them."""

import io
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pikepdf
import pytest
from media_samples import GPS, frames, mov_naming, mp4_naming, pdf_naming
from tipoff_flow import TIP_OFFS, consent, submit, tip_off_id, until

pytestmark = pytest.mark.asyncio

NAME, PHONE, ID_NUMBER = "LiXiuying", "13912345678", "33052119900101123X"
MEDIA = "/api/v1/reports/media"
QUOTA = 200_000  # QL_REPORTS_UNATTACHED_MEDIA_BYTES_PER_ADDRESS in the tests (conftest)


def _media_dir(system) -> Path:
    if system.dispatcher is not None:
        reports = next(app for app in system.dispatcher.apps.values() if app.state.service.name == "reports")
        return reports.state.runtime.settings.data_dir / "media"
    return system.processes.root / "data" / "reports" / "media"


def _files(system) -> set[Path]:
    return {path for path in _media_dir(system).rglob("*") if path.is_file() and not path.name.startswith(".")}


def _traces(content: bytes) -> list[str]:
    found = [what for what in (NAME, PHONE, ID_NUMBER, GPS, "+30.54") if what.encode() in content]
    return found + (["©xyz"] if b"\xa9xyz" in content else [])


async def _upload(system, name: str, content: bytes, client: httpx.AsyncClient | None = None):
    return await (client or system.client).post(MEDIA, files={"file": (name, content)})


@asynccontextmanager
async def _client_at(system, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose connections come from ``address`` (a loopback one), to the embedded process
    or to the gateway, which names it to the service."""
    if system.dispatcher is not None:
        transport, base = httpx.ASGITransport(app=system.dispatcher, client=(address, 40000)), "http://qingling.test"
    else:
        transport, base = httpx.AsyncHTTPTransport(local_address=address), system.processes.gateway_url
    async with httpx.AsyncClient(transport=transport, base_url=base, timeout=30) as client:
        yield client


async def test_handlers_get_documents_and_videos_without_their_metadata_and_the_disk_only_sealed_copies(system):
    unique = secrets.token_hex(8)  # content never sent before, so each upload makes a file of its own
    pdf = pdf_naming(f"{NAME} {PHONE}", f"WPS Office {ID_NUMBER}", text=f"Hazard report {unique}")
    sent = {"report.pdf": pdf, "site.mp4": mp4_naming(f"{NAME} {unique}"), "site.mov": mov_naming(f"{NAME} {unique}")}
    assert all(_traces(content) for content in sent.values())  # the samples do name the reporter
    before = _files(system)

    tokens = []
    for name, content in sent.items():
        uploaded = await _upload(system, name, content)
        assert uploaded.status_code == 201, uploaded.text
        tokens.append(uploaded.json()["token"])
    receipt = await submit(system, media=tokens)

    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    listed = (await system.client.get(f"{TIP_OFFS}/{number}/media", headers=handler)).json()
    served = {}
    for item in listed:
        download = await system.client.get(f"{MEDIA}/{item['id']}", headers=handler)
        assert download.status_code == 200, download.text
        assert download.headers["content-type"] == item["media_type"]
        assert _traces(download.content) == [], item["media_type"]
        served[item["media_type"]] = download.content

    assert set(served) == {"application/pdf", "video/mp4", "video/quicktime"}
    with pikepdf.open(io.BytesIO(served["application/pdf"])) as document:  # still a PDF, the page kept
        assert len(document.pages) == 1
        assert "/Info" not in document.trailer and "/Metadata" not in document.Root
        assert unique.encode() in document.pages[0].Contents.read_bytes()
    assert frames(served["video/mp4"]) == frames(served["video/quicktime"]) == 5  # still play: every frame

    # On disk: one new file for each, none of them readable without the key.
    new = _files(system) - before
    assert len(new) == 3
    for path in new:
        raw = path.read_bytes()
        assert _traces(raw) == [] and b"%PDF" not in raw and b"ftyp" not in raw and unique.encode() not in raw
        assert not any(copy[64:4096] in raw for copy in served.values())


async def test_an_unattached_upload_is_gone_after_a_day(system):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=3, minutes=17)
    system.clock.freeze(start - timedelta(minutes=2))
    earlier, earlier_file = await _upload_new(system, "earlier.pdf")
    system.clock.freeze(start)
    left, left_file = await _upload_new(system, "left.pdf")
    kept, kept_file = await _upload_new(system, "kept.pdf")
    receipt = await submit(system, media=[kept.json()["token"]])

    # A day after the earlier upload, a minute before the day of the others is over.
    system.clock.advance(timedelta(hours=23, minutes=59))
    await until(_gone(earlier_file))
    assert left_file.exists()

    system.clock.advance(timedelta(minutes=2))
    await until(_gone(left_file))
    assert kept_file.exists()  # attached to a tip-off: kept

    late = await system.client.post(
        TIP_OFFS,
        json={
            "channel": "h5",
            "category": "major_hazard",
            "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批",
            "region_code": "330521",
            "media": [earlier.json()["token"], left.json()["token"]],
            "consent": await consent(system),
        },
        headers={"Idempotency-Key": secrets.token_hex(16)},
    )
    assert late.status_code == 422, late.text
    assert [error["field"] for error in late.json()["errors"]] == ["/media/0", "/media/1"]
    handler = await system.login("deqing-yjj")
    number = await tip_off_id(system, receipt, handler)
    [item] = (await system.client.get(f"{TIP_OFFS}/{number}/media", headers=handler)).json()
    assert (await system.client.get(f"{MEDIA}/{item['id']}", headers=handler)).status_code == 200


async def _upload_new(system, name: str):
    """Uploads a PDF never sent before; answers the response and the one file it added."""
    before = _files(system)
    uploaded = await _upload(system, name, pdf_naming(NAME, name, text=secrets.token_hex(8)))
    assert uploaded.status_code == 201, uploaded.text
    [added] = _files(system) - before
    return uploaded, added


def _gone(path: Path):
    async def gone() -> bool:
        return not path.exists()  # noqa: ASYNC240 - a stat, polled

    return gone


async def test_uploads_beyond_the_quota_for_unattached_media_wait(system):
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5, minutes=29)
    system.clock.freeze(start)
    size = 60_000  # three fit in the quota, a fourth does not

    def video() -> bytes:
        return mp4_naming(secrets.token_hex(8), size=size)

    async with _client_at(system, "127.0.0.81") as reporter:
        for _ in range(QUOTA // size):
            fits = await _upload(system, "site.mp4", video(), reporter)
            assert (fits.status_code, fits.json()["size"]) == (201, size), fits.text
        system.clock.advance(timedelta(hours=2))
        over = await _upload(system, "site.mp4", video(), reporter)

        assert over.status_code == 429, over.text
        assert over.headers["content-type"] == "application/problem+json"
        assert over.json()["code"] == "upload-quota-exceeded"
        assert over.headers["Retry-After"] == str(22 * 3600)  # when the first upload leaves the window
        async with _client_at(system, "127.0.0.82") as neighbour:  # another address is not held up
            assert (await _upload(system, "site.mp4", video(), neighbour)).status_code == 201

        system.clock.advance(timedelta(hours=22))
        again = await _upload(system, "site.mp4", video(), reporter)
        assert again.status_code == 201, again.text
