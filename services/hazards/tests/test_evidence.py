"""Evidence attached to hazards (issue 7): the type is read from the bytes, never the name or the
Content-Type; each type has its size limit; a photo's GPS position is measured against the
enterprise's location; the other side gets photos without their EXIF, the uploader's side the
original bytes; and a hazard outside the caller's scope does not exist for them."""

import hashlib
import io
import math
from datetime import datetime
from fractions import Fraction

import pikepdf
import pytest
from media_samples import frames, mp4_naming, pdf_naming
from PIL import ExifTags, Image

from qingling.clock import SHANGHAI

pytestmark = pytest.mark.asyncio

NOW = datetime(2024, 9, 2, 9, 0, tzinfo=SHANGHAI)
DEMO_ENTERPRISE = "91330521MA2B3C4D5Q"
METRES_PER_DEGREE = 6_371_008.8 * math.pi / 180
# The first bytes of a Windows executable (DOS header and stub), as an .exe starts.
EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8" + bytes(47) + b"PE\x00\x00" + bytes(400)
PDF = pdf_naming("德清示范企业", "WPS Office")
DAMAGED_PDF = (  # starts like a PDF, has no page: nothing a reader could open
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free" + bytes(64)


async def _enterprise(system) -> dict:
    listed = await system.client.get(
        "/api/v1/hazards/enterprises", params={"credit_code": DEMO_ENTERPRISE},
        headers=await system.login("demo-enterprise"),
    )  # fmt: skip
    assert listed.status_code == 200, listed.text
    (enterprise,) = listed.json()["items"]
    return enterprise


async def _hazard(system) -> int:
    system.clock.freeze(NOW)
    body = {
        "title": "整改后需补充证据的隐患",
        "description": "一号车间配电箱门未关闭，箱前堆放杂物",
        "grade": "general",
        "found_at": "2024-09-02T08:30:00+08:00",
    }
    response = await system.client.post(
        "/api/v1/hazards/hazards", json=body, headers=await system.login("demo-enterprise")
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _upload(system, hazard_id: int, username: str, name: str, content: bytes, content_type: str, **form):
    return await system.client.post(
        f"/api/v1/hazards/hazards/{hazard_id}/evidence",
        files={"file": (name, content, content_type)},
        data=form,
        headers=await system.login(username),
    )


async def _evidence(system, hazard_id: int, username: str = "demo-enterprise"):
    return await system.client.get(
        f"/api/v1/hazards/hazards/{hazard_id}/evidence", headers=await system.login(username)
    )


async def _download(system, evidence_id: int, username: str):
    return await system.client.get(
        f"/api/v1/hazards/evidence/{evidence_id}/content", headers=await system.login(username)
    )


async def _history(system, hazard_id: int) -> list[dict]:
    response = await system.client.get(
        f"/api/v1/hazards/hazards/{hazard_id}/history", headers=await system.login("deqing-yjj")
    )
    assert response.status_code == 200, response.text
    return response.json()


def _dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10000)
    return Fraction(degrees), Fraction(minutes), seconds


def _photo(latitude: float | None = None, longitude: float | None = None) -> bytes:
    """A JPEG as a phone takes it: camera make and model, and where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "QinglingCam"
    exif[ExifTags.Base.Model] = "Evidence 1"
    if latitude is not None:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps[ExifTags.GPS.GPSLatitudeRef] = "N"
        gps[ExifTags.GPS.GPSLatitude] = _dms(latitude)
        gps[ExifTags.GPS.GPSLongitudeRef] = "E"
        gps[ExifTags.GPS.GPSLongitude] = _dms(longitude)
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 60, 30)).save(buffer, "JPEG", exif=exif, comment=b"taken on site")
    return buffer.getvalue()


async def test_an_executable_named_photo_jpg_is_refused_and_nothing_is_stored(system):
    hazard_id = await _hazard(system)

    response = await _upload(system, hazard_id, "demo-enterprise", "photo.jpg", EXECUTABLE, "image/jpeg")

    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["code"] == "unsupported-media-type"
    assert "application/x-msdownload" in problem["detail"]
    assert (await _evidence(system, hazard_id)).json() == []
    assert "attach_evidence" not in [entry["action"] for entry in await _history(system, hazard_id)]
    if system.dispatcher is not None:  # embedded: the store itself can be looked into
        store = system.dispatcher.apps["/api/v1/hazards"].state.runtime.adapters.evidence
        with pytest.raises(KeyError):
            await store.get(hashlib.sha256(EXECUTABLE).hexdigest())


async def test_a_file_that_only_starts_like_a_jpeg_is_refused(system):
    hazard_id = await _hazard(system)

    response = await _upload(
        system, hazard_id, "demo-enterprise", "photo.jpg", b"\xff\xd8\xff" + EXECUTABLE, "image/jpeg"
    )

    assert (response.status_code, response.json()["code"]) == (415, "unsupported-media-type")
    assert (await _evidence(system, hazard_id)).json() == []


async def test_a_photo_300_m_from_the_enterprise_is_recorded_with_its_distance(system):
    enterprise = await _enterprise(system)
    hazard_id = await _hazard(system)
    latitude = enterprise["latitude"] + 300 / METRES_PER_DEGREE  # 300 m due north
    photo = _photo(latitude, enterprise["longitude"])

    response = await _upload(
        system, hazard_id, "demo-enterprise", "整改后.jpg", photo, "application/octet-stream", note="整改后现场照片"
    )

    assert response.status_code == 201, response.text
    evidence = response.json()
    assert evidence["distance_m"] == pytest.approx(300, abs=3)
    assert evidence["gps_latitude"] == pytest.approx(latitude, abs=1e-5)
    assert evidence["gps_longitude"] == pytest.approx(enterprise["longitude"], abs=1e-5)
    assert evidence["sha256"] == hashlib.sha256(photo).hexdigest()
    assert (evidence["media_type"], evidence["size"]) == ("image/jpeg", len(photo))
    assert (evidence["uploader_side"], evidence["note"]) == ("enterprise", "整改后现场照片")
    assert evidence["filename"] == "整改后.jpg"
    assert evidence["received_at"] == NOW.isoformat()
    assert (await _evidence(system, hazard_id, "deqing-yjj")).json() == [evidence]
    entry = (await _history(system, hazard_id))[-1]
    assert entry["action"] == "attach_evidence"
    assert entry["payload"] == {
        "evidence_id": evidence["id"],
        "sha256": evidence["sha256"],
        "media_type": "image/jpeg",
        "size": len(photo),
        "distance_m": evidence["distance_m"],
    }


async def test_the_regulator_gets_the_enterprises_photo_without_exif_and_the_enterprise_the_original(system):
    enterprise = await _enterprise(system)
    hazard_id = await _hazard(system)
    photo = _photo(enterprise["latitude"], enterprise["longitude"])
    evidence = (await _upload(system, hazard_id, "demo-enterprise", "现场.jpg", photo, "image/jpeg")).json()
    assert Image.open(io.BytesIO(photo)).getexif()  # the original has EXIF to remove

    regulators = await _download(system, evidence["id"], "deqing-yjj")

    assert regulators.status_code == 200, regulators.text
    assert regulators.headers["content-type"] == "image/jpeg"
    assert regulators.headers["x-content-sha256"] == evidence["sha256"]
    assert regulators.headers["x-evidence-copy"] == "metadata-removed"
    copy = Image.open(io.BytesIO(regulators.content))
    assert (copy.format, copy.size) == ("JPEG", (64, 48))
    assert not copy.getexif()
    assert not {"exif", "comment", "xmp"} & set(copy.info)

    enterprises = await _download(system, evidence["id"], "demo-enterprise")

    assert enterprises.status_code == 200, enterprises.text
    assert enterprises.content == photo
    assert hashlib.sha256(enterprises.content).hexdigest() == enterprises.headers["x-content-sha256"]
    assert enterprises.headers["x-evidence-copy"] == "original"


async def test_a_regulators_photo_reaches_the_enterprise_without_exif(system):
    hazard_id = await _hazard(system)
    photo = _photo(30.6, 120.0)
    response = await _upload(system, hazard_id, "deqing-yjj", "检查.jpg", photo, "image/jpeg")
    assert response.status_code == 201, response.text
    evidence = response.json()
    assert evidence["uploader_side"] == "regulator"

    assert (await _download(system, evidence["id"], "deqing-yjj")).content == photo
    enterprises = await _download(system, evidence["id"], "demo-enterprise")
    assert enterprises.headers["x-evidence-copy"] == "metadata-removed"
    assert not Image.open(io.BytesIO(enterprises.content)).getexif()


async def test_a_pdf_and_a_video_are_accepted_by_their_content_and_the_other_side_gets_them_without_metadata(system):
    hazard_id = await _hazard(system)
    pdf = pdf_naming("王强 13912345678", "WPS Office 330521199001011234")
    mp4 = mp4_naming("王强 德清厂区")

    report = await _upload(system, hazard_id, "demo-enterprise", "安全评价报告", pdf, "application/octet-stream")
    video = await _upload(system, hazard_id, "demo-enterprise", "clip.bin", mp4, "text/plain")

    assert report.status_code == 201, report.text
    assert video.status_code == 201, video.text
    assert (report.json()["media_type"], report.json()["distance_m"]) == ("application/pdf", None)
    assert video.json()["media_type"] == "video/mp4"
    own = await _download(system, report.json()["id"], "demo-enterprise")
    assert (own.content, own.headers["x-evidence-copy"]) == (pdf, "original")  # the sender gets what it sent
    served = await _download(system, report.json()["id"], "deqing-yjj")
    assert (served.headers["content-type"], served.headers["x-evidence-copy"]) == (
        "application/pdf",
        "metadata-removed",
    )
    with pikepdf.open(io.BytesIO(served.content)) as document:  # still the document, one page
        assert len(document.pages) == 1
    clip = await _download(system, video.json()["id"], "deqing-yjj")
    assert frames(clip.content) == frames(mp4)
    for copy in (served.content, clip.content):
        assert b"13912345678" not in copy and "王强".encode() not in copy and b"330521199001011234" not in copy


async def test_a_damaged_pdf_is_refused_when_it_is_uploaded(system):
    hazard_id = await _hazard(system)

    response = await _upload(system, hazard_id, "demo-enterprise", "a.pdf", DAMAGED_PDF, "application/pdf")

    assert (response.status_code, response.json()["code"]) == (415, "unsupported-media-type")
    assert (await _evidence(system, hazard_id)).json() == []


async def test_a_file_over_its_types_limit_is_refused(system):
    hazard_id = await _hazard(system)
    photo = _photo()
    oversized = photo + bytes(10 * 1024 * 1024 + 1 - len(photo))  # one byte over the 10 MB for images

    response = await _upload(system, hazard_id, "demo-enterprise", "big.jpg", oversized, "image/jpeg")

    assert (response.status_code, response.json()["code"]) == (413, "media-too-large")
    assert (await _evidence(system, hazard_id)).json() == []


async def test_another_countys_regulator_finds_neither_the_hazard_nor_its_evidence(system):
    hazard_id = await _hazard(system)
    evidence = (await _upload(system, hazard_id, "demo-enterprise", "a.pdf", PDF, "application/pdf")).json()

    upload = await _upload(system, hazard_id, "wuxing-yjj", "a.pdf", PDF, "application/pdf")
    listed = await _evidence(system, hazard_id, "wuxing-yjj")
    content = await _download(system, evidence["id"], "wuxing-yjj")

    assert (upload.status_code, upload.json()["code"]) == (404, "hazard-not-found")
    assert (listed.status_code, listed.json()["code"]) == (404, "hazard-not-found")
    assert (content.status_code, content.json()["code"]) == (404, "evidence-not-found")


async def test_a_rejected_hazard_takes_no_more_evidence(system):
    hazard_id = await _hazard(system)
    rejected = await system.client.post(
        f"/api/v1/hazards/hazards/{hazard_id}/reject",
        json={"reason": "经核查不属于事故隐患"},
        headers=await system.login("deqing-yjj"),
    )
    assert rejected.status_code == 200, rejected.text

    response = await _upload(system, hazard_id, "demo-enterprise", "a.pdf", PDF, "application/pdf")

    assert (response.status_code, response.json()["code"]) == (409, "hazard-closed")
