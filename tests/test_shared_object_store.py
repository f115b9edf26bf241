"""Evidence and tip-off media in an S3-compatible bucket shared by every replica (issue 24): with
the S3 store selected, a file one API replica received is served by another — replicas on two
hosts share no disk — and nothing is kept on the replicas' own disks; the bucket holds evidence
as sent and tip-off media only sealed; an unattached upload's object is removed once the
worker's purge has committed; an upload while the bucket cannot be used is refused with a 503
and keeps nothing. The store is moto's S3 server; the deployment, the process stack with two
replicas of hazards and of reports behind nginx, each replica addressed directly."""

import io
import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pikepdf
import pytest
from media_samples import pdf_naming
from missing_tool import missing
from systems import embedded_for_test
from tipoff_flow import TIP_OFFS, submit, tip_off_id, until

from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qingling.filestore import SEALED
from qlstack.postgres import MissingTool
from qlstack.stack import Stack
from standins.s3 import ObjectStore, moto_s3

pytestmark = pytest.mark.asyncio

EVIDENCE, MEDIA = "qingling-evidence", "qingling-media"  # a bucket of each service's own
HAZARD = {
    "title": "配电箱门未关闭", "description": "一号车间配电箱门未关闭，箱前堆放杂物", "grade": "general",
    "found_at": "2026-01-05T08:30:00+08:00",
}  # fmt: skip


@dataclass
class Deployment:
    stack: Stack
    store: ObjectStore
    client: httpx.AsyncClient  # through the gateway

    async def login(self, username: str) -> dict[str, str]:
        return await _login(self.client, username)

    def replica(self, service: str, index: int) -> httpx.AsyncClient:
        """A client of one API replica, past the gateway."""
        return httpx.AsyncClient(base_url=f"http://{self.stack.upstreams[service][index]}", timeout=30)

    def local_files(self, service: str) -> list[Path]:
        """What the service's processes keep on their own disk, but the worker's heartbeat (its
        health check's, written after each pass: no file of anybody's)."""
        found = (self.stack.root / "data" / service).rglob("*")
        return [path for path in found if path.is_file() and path.suffix != ".heartbeat"]


@pytest.fixture(scope="module")
def object_store() -> Iterator[ObjectStore]:
    with moto_s3() as running:
        running.create_bucket(EVIDENCE)
        running.create_bucket(MEDIA)
        yield running


@pytest.fixture(scope="module")
async def deployment(object_store: ObjectStore) -> AsyncIterator[Deployment]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QL_HAZARDS_S3_BUCKET", EVIDENCE)
        patch.setenv("QL_REPORTS_S3_BUCKET", MEDIA)
        try:  # the store's settings go to every service; identity and notify keep no files
            running = Stack(replicas={"hazards": 2, "reports": 2}, settings=object_store.settings()).__enter__()
        except MissingTool as exc:
            missing(str(exc))
        try:
            async with httpx.AsyncClient(base_url=running.gateway_url, timeout=30) as client:
                yield Deployment(running, object_store, client)
        finally:
            FileClock(running.clock_file).reset()
            running.down()
            running.remove()


@pytest.mark.stack
async def test_evidence_uploaded_through_one_replica_is_downloaded_through_the_other(deployment):
    enterprise = await deployment.login("demo-enterprise")
    hazard = await deployment.client.post("/api/v1/hazards/hazards", json=HAZARD, headers=enterprise)
    assert hazard.status_code == 201, hazard.text
    sent = {}
    for uploader, downloader in ((0, 1), (1, 0)):
        content = pdf_naming("德清示范企业", "WPS Office", text=f"Rectified {secrets.token_hex(8)}")
        async with deployment.replica("hazards", uploader) as first, deployment.replica("hazards", downloader) as other:
            uploaded = await first.post(
                f"/api/v1/hazards/hazards/{hazard.json()['id']}/evidence",
                files={"file": ("整改报告.pdf", content, "application/pdf")},
                headers=enterprise,
            )
            assert uploaded.status_code == 201, uploaded.text
            evidence = uploaded.json()
            downloaded = await other.get(f"/api/v1/hazards/evidence/{evidence['id']}/content", headers=enterprise)
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.content == content  # the uploader's side gets the bytes it sent
        sent[f"{evidence['sha256'][:2]}/{evidence['sha256']}"] = content

    assert deployment.store.objects(EVIDENCE) == sent  # evidence kept as sent, as on a local disk
    assert deployment.local_files("hazards") == []


@pytest.mark.stack
async def test_tip_off_media_uploaded_through_one_replica_is_served_through_the_other_and_kept_sealed(deployment):
    unique = secrets.token_hex(8)
    async with deployment.replica("reports", 0) as first:
        uploaded = await first.post("/api/v1/reports/media", files={"file": ("现场.pdf", _pdf(unique))})
    assert uploaded.status_code == 201, uploaded.text
    receipt = await submit(deployment, media=[uploaded.json()["token"]])
    handler = await deployment.login("deqing-yjj")
    number = await tip_off_id(deployment, receipt, handler)

    async with deployment.replica("reports", 1) as other:
        [item] = (await other.get(f"{TIP_OFFS}/{number}/media", headers=handler)).json()
        served = await other.get(f"/api/v1/reports/media/{item['id']}", headers=handler)
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/pdf"
    with pikepdf.open(io.BytesIO(served.content)) as document:  # the copy without metadata, its page kept
        assert unique.encode() in document.pages[0].Contents.read_bytes()

    stored = deployment.store.objects(MEDIA)
    assert len(stored) == 1
    [kept] = stored.values()
    assert kept.startswith(SEALED) and unique.encode() not in kept and b"%PDF" not in kept
    assert deployment.local_files("reports") == []


@pytest.mark.stack
async def test_an_unattached_upload_leaves_the_bucket_once_the_purge_has_committed(deployment):
    clock = FileClock(deployment.stack.clock_file)
    clock.freeze(datetime.now(UTC).replace(microsecond=0) + timedelta(days=3))
    before = deployment.store.names(MEDIA)
    uploaded = await deployment.client.post("/api/v1/reports/media", files={"file": ("a.pdf", _pdf("never sent"))})
    assert uploaded.status_code == 201, uploaded.text
    [added] = deployment.store.names(MEDIA) - before

    clock.advance(timedelta(hours=24, minutes=1))

    await until(lambda: _gone(deployment.store, added))
    assert deployment.store.names(MEDIA) == before  # the attached tip-off's media stay


async def test_an_upload_while_the_bucket_cannot_be_used_is_refused_with_a_503_and_keeps_nothing(
    object_store, tmp_path
):
    bucket = object_store.create_bucket("qingling-outage")
    settings = {**object_store.settings(), "S3_BUCKET": bucket}
    dispatcher, _ = embedded_for_test(tmp_path, **{name.lower(): value for name, value in settings.items()})
    transport = httpx.ASGITransport(app=dispatcher)
    async with dispatcher.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://qingling.test") as client:
        enterprise = await _login(client, "demo-enterprise")
        hazard = await client.post("/api/v1/hazards/hazards", json=HAZARD, headers=enterprise)
        assert hazard.status_code == 201, hazard.text
        evidence = f"/api/v1/hazards/hazards/{hazard.json()['id']}/evidence"
        content = pdf_naming("德清示范企业", "WPS Office", text=f"Rectified {secrets.token_hex(8)}")
        upload = {"file": ("整改报告.pdf", content, "application/pdf")}

        object_store.client.delete_bucket(Bucket=bucket)  # the store lost, or the key's rights withdrawn
        refused = await client.post(evidence, files=upload, headers=enterprise)
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "file-store-unavailable" and refused.headers["Retry-After"] == "5"
        assert (await client.get(evidence, headers=enterprise)).json() == []  # nothing recorded

        object_store.create_bucket(bucket)
        again = await client.post(evidence, files=upload, headers=enterprise)
        assert again.status_code == 201, again.text
        assert list(object_store.objects(bucket).values()) == [content]


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
    response = await client.post("/api/v1/identity/oauth/token", data=form)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _gone(store: ObjectStore, name: str) -> bool:
    return name not in store.names(MEDIA)


def _pdf(text: str) -> bytes:
    return pdf_naming("LiXiuying", "WPS Office", text=f"Hazard report {text} {secrets.token_hex(8)}")
