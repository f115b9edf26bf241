"""A real-name reporter signed in through the mini-program is never exposed: a scan of everything
one tip-off's whole flow produced — every response body and header (errors included), every
event the services sent each other, every request the WeChat stand-in received, and every file
the reports, hazards and notify services keep (databases and stored media) — finds no trace of the
reporter's name, phone number (in any format, Chinese numerals included), ID number, openid or
secret, except in the custodian's own answer (and the secret in the reporter's own receipt). The
reporter's photo, PDF and video name them in their metadata; the facts give the phone in digits,
groups, full-width digits and Chinese numerals."""

import io
import json
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from media_samples import mp4_naming, pdf_naming
from PIL import Image
from sqlalchemy import select
from tipoff_flow import ENTERPRISE, FINDING, MONDAY, TIP_OFFS, act, consent, tip_off_id, until
from wechat_system import WechatSystem, wechat_system

pytestmark = pytest.mark.asyncio

NAME, PHONE, ID_NUMBER, OPENID = "张秀英", "13912345678", "33052119900101123X", "oQl-pii-openid-7Hq2"
# A phone number however it is written: 13912345678, 139-1234-5678, +86 139 1234 5678, １３９…,
# 一三九幺二三四五六七八 — looked for in a reading of the text with every digit as a digit.
PHONE_ANYHOW = re.compile(r"[\s\-·.()（）]*".join(PHONE))
SPOKEN_PHONE = "幺三九一二三四五六七八"
_AS_DIGITS = str.maketrans("〇零洞一幺壹二两贰三叁四肆五伍六陆七柒拐八捌九玖", "000111222334455667778899")


@pytest.fixture
async def wired(tmp_path) -> AsyncIterator[WechatSystem]:
    async with wechat_system(tmp_path, keep_responses=True) as system:
        yield system


def _photo_naming_the_reporter() -> bytes:
    image = Image.new("RGB", (64, 48), (200, 40, 40))
    exif = image.getexif()
    exif[0x010E] = f"IMG by {PHONE}"  # ImageDescription, as some phone apps write
    exif[0x013B] = PHONE  # Artist
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def _traces(text: str, secret: str | None = None) -> list[str]:
    found = [what for what in (NAME, ID_NUMBER, OPENID) if what in text]
    found += ["name (UTF-16)"] if NAME.encode("utf-16-be").hex() in text.lower() else []  # as a PDF writes it
    found += ["phone"] if PHONE_ANYHOW.search(unicodedata.normalize("NFKC", text).translate(_AS_DIGITS)) else []
    if secret:
        found += ["secret"] if secret in text or secret.replace("-", "") in text else []
    return found


async def test_nothing_the_flow_produces_exposes_the_reporter(wired):
    wired.clock.freeze(MONDAY)
    reporter_headers = await wired.signed_in(OPENID)

    photo = await wired.client.post(
        "/api/v1/reports/media", files={"file": ("张秀英.jpg", _photo_naming_the_reporter())}
    )
    assert photo.status_code == 201, photo.text
    # A scanned report and a phone video whose metadata name the reporter (author, creator tool, title, GPS).
    document = ("举报材料-张秀英.pdf", pdf_naming(f"LiXiuying {PHONE} {NAME}", f"WPS Office {ID_NUMBER}"))
    video = ("VID_张秀英.mp4", mp4_naming(f"{NAME} {PHONE}"))
    uploads = [photo]
    for file in (document, video):
        uploads.append(await wired.client.post("/api/v1/reports/media", files={"file": file}))
        assert uploads[-1].status_code == 201, uploads[-1].text
    body = {
        "channel": "miniprogram",
        "category": "major_hazard",
        "facts": f"我是{NAME}，在二号车间看到有人违规电气焊，联系电话 139-1234-5678，也可打 +86 139 1234 5678"
        f"或{SPOKEN_PHONE}（１３９ １２３４ ５６７８）",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "media": [upload.json()["token"] for upload in uploads],
        "employee": True,
        "reporter": {"name": NAME, "phone": PHONE, "id_number": ID_NUMBER},
        "consent": await consent(wired),
    }
    bad = body | {"reporter": {"name": NAME, "phone": PHONE[:-1]}}  # a mistyped number: 422, not echoed
    refused = await wired.client.post(
        TIP_OFFS, json=bad, headers={**reporter_headers, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert refused.status_code == 422
    submitted = await wired.client.post(
        TIP_OFFS, json=body, headers={**reporter_headers, "Idempotency-Key": str(uuid.uuid4())}
    )
    assert submitted.status_code == 201, submitted.text
    receipt = submitted.json()
    follow = {"auth": (receipt["receipt_code"], receipt["secret"])}
    supplement = {"text": f"补充：我（{NAME}）的手机号 13912345678 随时可以联系"}
    added = await wired.client.post("/api/v1/reports/receipts/tip-off/supplements", json=supplement, **follow)
    assert added.status_code == 201, added.text

    handler = await wired.login("deqing-yjj")
    number = await tip_off_id(wired, receipt, handler)
    for path in ("", "/history", "/media"):
        assert (await wired.client.get(f"{TIP_OFFS}/{number}{path}", headers=handler)).status_code == 200
    media = (await wired.client.get(f"{TIP_OFFS}/{number}/media", headers=handler)).json()
    assert len(media) == 3
    for item in media:
        download = await wired.client.get(f"/api/v1/reports/media/{item['id']}", headers=handler)
        assert download.status_code == 200 and PHONE.encode() not in download.content
        assert _traces(download.content.decode("latin-1") + download.content.decode("utf-8", "replace")) == []
    await act(wired, handler, number, "sign")
    await act(wired, handler, number, "accept")
    careless = FINDING | {
        "hazard": FINDING["hazard"] | {"description": f"经核查属实（举报人{NAME}，电话{PHONE}）：二号车间违规动火"}
    }
    # The handler is warned before it goes: the masked name and phone still point to someone.
    warned = await wired.client.post(f"{TIP_OFFS}/{number}/conclude", json=careless, headers=handler)
    assert warned.status_code == 422 and warned.json()["code"] == "may-identify-reporter", warned.text
    careless["hazard"] |= {"confirm_identifiers": True}  # sent anyway: masked, and on the trail
    await act(wired, handler, number, "conclude", careless)

    async def linked():
        return (await wired.client.get(f"{TIP_OFFS}/{number}", headers=handler)).json()["hazard_id"]

    hazard_id = await until(linked)
    for path in (f"/api/v1/hazards/hazards/{hazard_id}", f"/api/v1/hazards/hazards/{hazard_id}/history"):
        assert (await wired.client.get(path, headers=handler)).status_code == 200
    enterprise = await wired.login("demo-enterprise")
    assert (await wired.client.get(f"/api/v1/hazards/hazards/{hazard_id}", headers=enterprise)).status_code == 200
    assert (await wired.client.get(f"{TIP_OFFS}/{number}", headers=enterprise)).status_code == 403
    assert (await wired.client.get("/api/v1/notify/deadlines", headers=handler)).status_code == 200
    await act(wired, handler, number, "reply", {"message": "经核查举报属实，已列为重大事故隐患督促整改。"})
    assert (await wired.client.get("/api/v1/reports/receipts/tip-off", **follow)).status_code == 200
    assert (await wired.client.get("/api/v1/reports/tip-offs/mine", headers=reporter_headers)).status_code == 200

    # The custodian opens the seal, for a reason, on the record.
    wired.clock.advance(timedelta(minutes=5))
    custodian = await wired.login("huzhou-custodian")
    reason = {"category": "reward_payout", "reason": "举报人申请奖励，须核实身份"}
    checker_try = await wired.client.post(f"{TIP_OFFS}/{number}/reporter", json=reason, headers=handler)
    assert checker_try.status_code == 403
    revealed = await wired.client.post(f"{TIP_OFFS}/{number}/reporter", json=reason, headers=custodian)
    assert revealed.status_code == 200, revealed.text
    assert (revealed.json()["name"], revealed.json()["phone"]) == (NAME, PHONE)
    history = (await wired.client.get(f"{TIP_OFFS}/{number}/history", headers=handler)).json()
    assert (history[-1]["action"], history[-1]["reason"]) == ("reveal_reporter", reason["reason"])
    assert history[-1]["actor"].startswith("account:")

    # The scan.
    secret = receipt["secret"]
    for request, seen in wired.responses:
        if request.endswith("/reporter") and "Bearer" not in seen and NAME in seen:
            continue  # the custodian's own answer
        own_receipt = request == f"POST {TIP_OFFS}" and receipt["receipt_code"] in seen
        assert _traces(seen, None if own_receipt else secret) == [], (request, seen[:500])
    for received in wired.wechat.received:
        assert _traces(json.dumps([received.path, received.query, received.body], ensure_ascii=False), secret) == []
    assert any(r.path == "/wxa/msg_sec_check" for r in wired.wechat.received)  # the text was checked, masked
    for app in wired.dispatcher.apps.values():
        runtime = app.state.runtime
        async with runtime.sessionmaker() as session:
            events = (await session.execute(select(runtime.service.tables.outbox.payload))).scalars().all()
        assert _traces(json.dumps(events, ensure_ascii=False), secret) == [], runtime.service.name
    # Every file reports, hazards and notify keep — their databases and the media; identity keeps the
    # openid a signed-in reporter logs in with, which is its purpose.
    stored = [file for file in wired.data_dir.rglob("*") if file.is_file() and not file.name.startswith("identity.")]
    assert any(file.suffix == ".db" for file in stored), stored
    assert len([file for file in stored if "media" in file.parts]) >= 3, stored  # the photo, the PDF, the video
    for file in stored:
        raw = file.read_bytes().decode("utf-8", "replace")
        escaped = NAME.encode("unicode_escape").decode()
        assert _traces(raw, secret) == [] and escaped not in raw, file.name
