"""Evidence and tip-off media in an S3-compatible bucket shared by every replica (issue 24): with
the S3 store selected, a file one API replica received is served by another — replicas on two
hosts share no disk — and nothing is kept on the replicas' own disks; the bucket holds evidence
as sent and tip-off media only sealed; an unattached upload's object is removed once the
worker's purge has committed. The store is moto's S3 server; the deployment, the process stack
with two replicas of hazards and of reports behind nginx, each replica addressed directly."""

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
from tipoff_flow import TIP_OFFS, submit, tip_off_id, until

from identity.demo import DEMO_PASSWORD
from qingling.clock import FileClock
from qingling.filestore import SEALED
from qlstack.postgres import MissingTool
from qlstack.stack import Stack
from standins.s3 import ObjectStore, moto_s3

pytestmark = [pytest.mark.asyncio, pytest.mark.stack]

EVIDENCE, MEDIA = "qingling-evidence", "qingling-media"  # a bucket of each service's own


@dataclass
class Deployment:
    stack: Stack
    store: ObjectStore
    client: httpx.AsyncClient  # through the gateway

    async def login(self, username: str) -> dict[str, str]:
        form = {"grant_type": "password", "username": username, "password": DEMO_PASSWORD}
        response = await self.client.post("/api/v1/identity/oauth/token", data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def replica(self, service: str, index: int) -> httpx.AsyncClient:
        """A client of one API replica, past the gateway."""
        return httpx.AsyncClient(base_url=f"http://{self.stack.upstreams[service][index]}", timeout=30)

    def local_files(self, service: str) -> list[Path]:
        return [path for path in (self.stack.root / "data" / service).rglob("*") if path.is_file()]


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


async def test_evidence_uploaded_through_one_replica_is_downloaded_through_the_other(deployment):
    enterprise = await deployment.login("demo-enterprise")
    hazard = await deployment.client.post(
        "/api/v1/hazards/hazards",
        json={"title": "配电箱门未关闭", "description": "一号车间配电箱门未关闭，箱前堆放杂物", "grade": "general",
              "found_at": "2026-01-05T08:30:00+08:00"},
        headers=enterprise,
    )  # fmt: skip
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


async def test_an_unattached_upload_leaves_the_bucket_once_the_purge_has_committed(deployment):
    clock = FileClock(deployment.stack.clock_file)
    clock.freeze(datetime.now(UTC).replace(microsecond=0) + timedelta(days=3))
    before = set(deployment.store.objects(MEDIA))
    uploaded = await deployment.client.post("/api/v1/reports/media", files={"file": ("a.pdf", _pdf("never sent"))})
    assert uploaded.status_code == 201, uploaded.text
    [added] = set(deployment.store.objects(MEDIA)) - before

    clock.advance(timedelta(hours=24, minutes=1))

    await until(lambda: _gone(deployment.store, added))
    assert set(deployment.store.objects(MEDIA)) == before  # the attached tip-off's media stay


async def _gone(store: ObjectStore, name: str) -> bool:
    return name not in store.objects(MEDIA)


def _pdf(text: str) -> bytes:
    return pdf_naming("LiXiuying", "WPS Office", text=f"Hazard report {text} {secrets.token_hex(8)}")
