"""The follow-up page: a reporter with the receipt of an anonymous tip-off sees it accepted, in
words, answers the handler's question with a photo and adds information — the photo shrunk in the
browser before it is uploaded — and the secret stays in the tab, never in the address."""

from __future__ import annotations

import io
import time
import uuid

import httpx
import pytest
from browser_pages import DESK, axe, screenshot
from PIL import Image
from playwright.sync_api import expect
from tipoff_flow import ENTERPRISE, FINDING, FINE_40000, RECEIPT, REPLY, REWARDS, TIP_OFFS

QUESTION = "请问动火作业一般在什么时段？能否拍一张现场照片？"


def _file(api: httpx.Client, **fields) -> dict:
    """A tip-off as the H5 report page files it: its receipt."""
    notice = api.get("/api/v1/reports/privacy-notice").json()
    body = {
        "channel": "h5",
        "category": "major_hazard",
        "facts": "厂区二号车间有人在易燃物旁违规电气焊作业，没有动火审批，也没有人监护",
        "enterprise_code": ENTERPRISE,
        "region_code": "330521",
        "consent": {"notice_version": notice["version"], "agreed": True},
    } | fields
    filed = api.post(TIP_OFFS, json=body, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert filed.status_code == 201, filed.text
    return filed.json()


def _post(api: httpx.Client, path: str, headers: dict, body: dict | None = None) -> dict:
    done = api.post(path, json=body, headers=headers)
    assert done.status_code in (200, 201), done.text
    return done.json()


def _open(page, receipt: dict) -> None:
    page.get_by_label("回执码").fill(receipt["receipt_code"])
    page.get_by_label("查询密码").fill(receipt["secret"])
    page.get_by_role("button", name="查询").click()


@pytest.fixture
def accepted(site) -> dict:
    """An anonymous tip-off filed from the H5 page's API, signed and accepted by the county's
    emergency bureau, which then asks the reporter a question: its receipt, and the clerk."""
    with httpx.Client(base_url=site.url, timeout=30) as api:
        receipt = _file(api)
        clerk = site.bearer("deqing-yjj")
        for action in ("sign", "accept"):
            _post(api, f"{TIP_OFFS}/{receipt['tip_off_id']}/{action}", clerk)
        asked = api.post(f"{TIP_OFFS}/{receipt['tip_off_id']}/messages", json={"text": QUESTION}, headers=clerk)
        assert asked.status_code == 201, asked.text
        _question_in_the_inbox(api, receipt)
    return receipt | {"clerk": clerk}


def _inbox(api: httpx.Client, receipt: dict) -> dict:
    return api.get(f"{RECEIPT}/inbox", auth=(receipt["receipt_code"], receipt["secret"])).json()


def _question_in_the_inbox(api: httpx.Client, receipt: dict) -> None:
    """Waits (a relay pass or two: 0.2 s each here) until notify holds the question for the receipt."""
    deadline = time.monotonic() + 10
    while not any(item["text"] == QUESTION for item in _inbox(api, receipt)["items"]):
        assert time.monotonic() < deadline, "the question never reached the reporter's inbox"
        time.sleep(0.1)


def _photo() -> bytes:
    """A phone-sized JPEG (3000 × 2000), to be shrunk to 1600 on its long side before upload."""
    buffer = io.BytesIO()
    Image.new("RGB", (3000, 2000), (180, 90, 20)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _answer_photo_size(site, accepted: dict) -> tuple[int, int]:
    """The size of the photo that came with the reporter's answer, as the handler opens it."""
    with httpx.Client(base_url=site.url, headers=accepted["clerk"], timeout=30) as api:
        talk = api.get(f"{TIP_OFFS}/{accepted['tip_off_id']}/messages").json()
        (media,) = next(e for e in talk["entries"] if e["kind"] == "answer")["media"]
        photo = api.get(f"/api/v1/reports/media/{media}")
    assert photo.headers["content-type"] == "image/jpeg"
    return Image.open(io.BytesIO(photo.content)).size


def test_a_reporter_follows_up_answers_with_a_photo_and_adds_information(site, open_page, accepted):
    page = open_page("/h5/follow-up.html")
    _open(page, accepted)

    progress = page.get_by_role("region", name="办理进展")
    expect(progress).to_contain_text("核查中")  # accepted: the state in words, with the next step
    expect(progress).to_contain_text("完成核查")
    timeline = page.get_by_role("region", name="办理经过")
    expect(timeline).to_contain_text("您的举报已受理，正在核查。")
    expect(timeline).to_contain_text("待您回答")
    assert accepted["secret"] not in page.url
    assert page.evaluate("localStorage.length") == 0

    # What notify told the receipt, read and marked read.
    unread = page.get_by_role("region", name="新消息")
    expect(unread).to_contain_text(QUESTION)
    unread.get_by_role("button", name="标为已读").click()
    expect(unread).to_be_hidden()
    with httpx.Client(base_url=site.url) as api:
        assert _inbox(api, accepted)["unread"] == 0

    # The question, answered with a photo: shrunk in the browser, uploaded on its own.
    questions = page.get_by_role("region", name="办理人员的询问")
    expect(questions).to_contain_text(QUESTION)
    questions.get_by_label("您的回答").fill("一般在晚上七点以后，照片附上")
    photo = {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": _photo()}
    questions.get_by_label("添加照片").set_input_files(photo)
    expect(questions.get_by_role("status")).to_have_text("照片已上传")
    questions.get_by_role("button", name="提交回答").click()
    expect(page.get_by_text("回答已提交")).to_be_visible()
    expect(timeline).to_contain_text("一般在晚上七点以后")
    expect(timeline).to_contain_text("附照片、视频 1 个")
    expect(timeline).to_contain_text("已回答")
    assert _answer_photo_size(site, accepted) == (1600, 1067)  # shrunk in the browser

    # Adding information.
    adding = page.get_by_role("region", name="补充情况")
    adding.get_by_label("补充的情况").fill("今天下午又看到有人在同一位置动火")
    adding.get_by_role("button", name="提交补充").click()
    expect(timeline).to_contain_text("今天下午又看到有人在同一位置动火")
    expect(page.get_by_role("region", name="举报奖励")).to_contain_text("评定奖励后")

    assert axe(page) == []
    screenshot(page, "h5-follow-up-360")
    page.set_viewport_size(DESK)
    screenshot(page, "h5-follow-up-1280")

    # The receipt lives on in this tab only: a reload opens it again, a new tab does not.
    page.reload()
    expect(page.get_by_role("region", name="办理进展")).to_contain_text("核查中")
    other = open_page("/h5/follow-up.html")
    expect(other.get_by_label("查询密码")).to_be_visible()


REPORTER = {"name": "周明亮", "phone": "13905720042", "id_number": "330521198503151234"}


def test_a_real_name_reporter_reads_the_reply_objects_in_its_window_and_claims_the_reward(site, open_page):
    with httpx.Client(base_url=site.url, timeout=30) as api:
        receipt = _file(api, reporter=REPORTER)
        clerk, leader = site.bearer("deqing-yjj"), site.bearer("deqing-yjj-leader")
        tip_off = f"{TIP_OFFS}/{receipt['tip_off_id']}"
        for action, body in (("sign", None), ("accept", None), ("conclude", FINDING), ("reply", REPLY)):
            _post(api, f"{tip_off}/{action}", clerk, body)
        reward = _post(api, f"{tip_off}/reward", clerk, FINE_40000)
        _post(api, f"{REWARDS}/{reward['id']}/decide", leader, {})
        _post(api, f"{REWARDS}/{reward['id']}/notify", clerk)

    page = open_page("/h5/follow-up.html")
    _open(page, receipt)
    expect(page.get_by_role("region", name="办理进展")).to_contain_text("已答复")
    answer = page.get_by_role("region", name="答复")
    expect(answer).to_contain_text("核查结论：属实")
    expect(answer).to_contain_text(REPLY["message"])
    expect(answer).to_contain_text("前提出一次异议")  # the window's end, shown

    prize = page.get_by_role("region", name="举报奖励")
    expect(prize).to_contain_text("6,000 元")
    screenshot(page, "h5-follow-up-reply-360")
    prize.get_by_label("姓名").fill(REPORTER["name"])
    prize.get_by_label("身份证号码").fill("330521198503151235")  # one digit wrong
    prize.get_by_label("手机号码").fill(REPORTER["phone"])
    prize.get_by_role("button", name="领取奖励").click()
    expect(prize.get_by_role("alert")).to_contain_text("不一致")
    prize.get_by_label("身份证号码").fill(REPORTER["id_number"])
    prize.get_by_role("button", name="领取奖励").click()
    expect(prize).to_contain_text("已领取")
    expect(prize.get_by_role("button", name="领取奖励")).to_have_count(0)

    answer.get_by_label("异议及理由").fill("现场至今仍在违规动火，核查结论与事实不符")
    answer.get_by_role("button", name="提出异议").click()
    expect(page.get_by_role("region", name="办理进展")).to_contain_text("复查中")
    expect(answer).to_contain_text("现在不能提出异议")
    assert axe(page) == []


def test_a_wrong_receipt_is_refused_in_words(open_page):
    page = open_page("/h5/follow-up.html")
    page.get_by_label("回执码").fill("0000000000")
    page.get_by_label("查询密码").fill("WRONG-SECRET-0000")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("alert")).to_contain_text("回执码或查询密码不正确")
    assert page.evaluate("sessionStorage.length") == 0
