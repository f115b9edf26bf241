"""Reach (issue 22): notify's messages on the outside channels, through the API, against the Aliyun
SMS stand-in over loopback (``standins.aliyun_sms``: the signature, key, template and number
checked as Aliyun does) and the SMTP one (STARTTLS, AUTH) — no mocks. The stand-ins are wired in
by settings (QL_NOTIFY_SMS_PROVIDER, QL_NOTIFY_SMS_BASE_URL, QL_NOTIFY_SMTP_…) of a system of the
module's own, embedded and as the process stack.

- Listing a 重大 hazard sends an SMS to the principal's and the actual controller's phones on the
  worker's next pass; the delivery log shows both, masked, with Aliyun's BizId.
- Quiet hours on the test clock: a 催办 sent by the ladder at 23:00 reaches the phone at 07:00; a
  约谈 at 23:00 at once.
- A number the provider refuses falls back to the person's e-mail; a person's own preference puts
  e-mail first, and no one can turn a statutory notice off.
- A reporter who gave a phone is texted at acceptance and at the reply — naming neither the
  enterprise nor anything sealed — and the phone is nowhere but in the sealed stores and the
  provider's request.
- A reporter who signed in to the mini-program and authorised the subscription template twice
  (recorded through notify, counted by the WeChat stand-in too: ``standins.wechat``) gets two
  steps as subscription messages and the third by SMS; the openid only masked in logs and the
  delivery log."""

from __future__ import annotations

import asyncio
import json
import re
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hazard_flow import HazardFlow
from log_capture import captured_logs
from sqlalchemy import select
from systems import embedded_for_test
from tipoff_flow import ENTERPRISE, FINDING, REPLY, act, submit, tip_off_id, until
from wechat_system import WECHAT_GRANT

from identity.demo import DEMO_PASSWORD
from qingling.clock import SHANGHAI, FileClock
from qingling.credit_code import check_character
from qlstack.embedded import EmbeddedDispatcher
from qlstack.postgres import MissingTool
from qlstack.stack import Stack
from standins import serving
from standins.aliyun_sms import BAD_NUMBER, FakeAliyunSms
from standins.smtp import FakeSmtp, SmtpServer, serving_smtp
from standins.wechat import FakeWechat

pytestmark = pytest.mark.asyncio

NOTIFY, HAZARDS = "/api/v1/notify", "/api/v1/hazards"
SCRAPE_TOKEN = "outside-channels-scrape-token"
# Approved templates as a deployment registers them with Aliyun (code, content); notify's kinds map to the codes.
TEMPLATES = {
    "hazard.listed": ("SMS_700001", "${title}已列为重大事故隐患挂牌督办，整改期限${deadline}，请主要负责人组织整改。"),
    "hazard.urge": ("SMS_700002", "隐患“${title}”已超过整改期限（${deadline}）${days}天，请立即整改并报告进展。"),
    "hazard.interview": ("SMS_700003", "隐患“${title}”超过整改期限${days}天，已生成待安排的约谈，请及时组织。"),
    "tip_off.notice": ("SMS_700004", "您的举报有新的${what}，请凭回执码和查询密码查看。"),
    "tip_off.reply": ("SMS_700005", "您的举报有新的${what}，请凭回执码和查询密码查看。"),
    "supervision.interview": ("SMS_700006", "${issuer}：${title}，详见通知书，请按时参加。"),
    "tip_off.assigned": ("SMS_700007", "${title}已交由本部门办理，请在${deadline}前${step}。"),
    "hazard.closed": ("SMS_700008", "重大事故隐患“${title}”已经复核销号，挂牌督办解除。"),
}
CODE = {kind: code for kind, (code, _) in TEMPLATES.items()}
# The mini-program's subscription template for a reporter's progress, as chosen in its console:
# 事项 thing1, 时间 time2, 温馨提示 thing3 — one template for notices and replies, one count.
WX_PROGRESS = "wx-tmpl-tipoff-progress"
WX_TEMPLATES = {"tip_off.notice": WX_PROGRESS, "tip_off.reply": WX_PROGRESS}
WX_DATA = {kind: {"thing1": "what", "time2": "time", "thing3": "hint"} for kind in WX_TEMPLATES}


@dataclass
class Reach:
    mode: str
    client: httpx.AsyncClient
    clock: FileClock
    sms: FakeAliyunSms
    smtp: FakeSmtp
    wechat: FakeWechat
    data_dir: Path
    dispatcher: EmbeddedDispatcher | None = None  # embedded only
    processes: Stack | None = None  # stack only

    async def login(self, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        form = {"grant_type": "password", "username": username, "password": password}
        response = await self.client.post("/api/v1/identity/oauth/token", data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def texts_to(self, phone: str, kind: str) -> list[str]:
        return [sms.text for sms in self.sms.accepted if sms.phone == phone and sms.template_code == CODE[kind]]

    async def metrics(self) -> str:
        """notify's /metrics, as the monitoring system scrapes it (each instance directly in the stack)."""
        if self.processes is None:
            headers = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
            return (await self.client.get(f"{NOTIFY}/metrics", headers=headers)).text
        headers = {"Authorization": f"Bearer {self.processes.metrics_token}"}
        async with httpx.AsyncClient() as direct:
            url = f"http://{self.processes.upstreams['notify'][0]}{NOTIFY}/metrics"
            return (await direct.get(url, headers=headers)).text


def _channel_settings(
    provider: FakeAliyunSms, sms_url: str, mail: FakeSmtp, smtp: SmtpServer, wechat: FakeWechat, wechat_url: str
) -> dict[str, Any]:
    return {
        "sms_provider": "aliyun", "sms_base_url": sms_url, "sms_access_key_id": provider.access_key_id,
        "sms_access_key_secret": provider.access_key_secret, "sms_sign_name": "清零监管",
        "smtp_host": smtp.host, "smtp_port": smtp.port, "smtp_username": mail.username, "smtp_password": mail.password,
        "smtp_from": "德清县应急管理局 <noreply@qingling.test>", "smtp_ca_file": str(smtp.ca_file),
        "wechat_api_base": wechat_url, "wechat_app_id": wechat.app_id, "wechat_app_secret": wechat.app_secret,
    }  # fmt: skip


@pytest.fixture(scope="module", params=["embedded", pytest.param("stack", marks=pytest.mark.stack)])
async def reach(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Reach]:
    """A system of the module's own, its outside channels the SMS and SMTP stand-ins: embedded, or
    the process stack (PostgreSQL, each service and its workers in processes of their own)."""
    root = tmp_path_factory.mktemp("reach")
    provider = FakeAliyunSms()
    for code, content in TEMPLATES.values():
        provider.add_template(code, content)
    mail = FakeSmtp()
    wechat = FakeWechat(templates={WX_PROGRESS: {"thing1", "time2", "thing3"}})
    with serving(provider.app()) as sms_url, serving_smtp(mail) as smtp, serving(wechat.app()) as wechat_url:
        settings = _channel_settings(provider, sms_url, mail, smtp, wechat, wechat_url)
        if request.param == "stack":
            templates = {"sms_templates": json.dumps(CODE), "wechat_templates": json.dumps(WX_TEMPLATES),
                         "wechat_template_data": json.dumps(WX_DATA)}  # fmt: skip
            try:
                running = Stack(settings={**settings, **templates}).__enter__()
            except MissingTool as exc:
                pytest.skip(str(exc))
            try:
                async with httpx.AsyncClient(base_url=running.gateway_url, timeout=30) as client:
                    clock = FileClock(running.clock_file)
                    data = running.root / "data"
                    yield Reach("stack", client, clock, provider, mail, wechat, data, processes=running)
            finally:
                running.down()
                running.remove()
            return
        dispatcher, clock = embedded_for_test(
            root,
            metrics_token=SCRAPE_TOKEN,
            sms_templates=CODE,
            wechat_templates=WX_TEMPLATES,
            wechat_template_data=WX_DATA,
            **settings,
        )
        async with dispatcher.lifespan():
            transport = httpx.ASGITransport(app=dispatcher)
            async with httpx.AsyncClient(transport=transport, base_url="http://qingling.test") as client:
                yield Reach("embedded", client, clock, provider, mail, wechat, root / "data", dispatcher=dispatcher)


def _phone() -> str:
    return f"137{secrets.randbelow(10**8):08d}"


def _masked(phone: str) -> str:
    return f"{phone[:3]}****{phone[-4:]}"


async def _listed_major(reach: Reach, listed_on: str, deadline: str) -> tuple[int, dict[str, str], dict]:
    """A 重大 hazard of a new enterprise whose principal and actual controller have phones of their
    own, confirmed and listed by 德清县应急管理局; answers the hazard, the phones and the enterprise."""
    phones = {"principal": _phone(), "actual_controller": _phone()}
    flow = HazardFlow(reach)
    body = f"91330521MA{secrets.randbelow(10**7):07d}"
    enterprise = await flow.ok("POST", f"{HAZARDS}/enterprises", "deqing-yjj", {
        "credit_code": body + check_character(body), "name": f"触达测试化工有限公司{body[-4:]}",
        "address": "德清县武康街道触达路 1 号", "region_code": "330521001", "industry": "industry_trade",
        "risk_class": "B", "people": {"principal": {"name": "钱主任", "phone": phones["principal"]},
                                      "actual_controller": {"name": "钱董事", "phone": phones["actual_controller"]}},
    })  # fmt: skip
    found = datetime.fromisoformat(f"{listed_on}T08:00:00+08:00")
    hazard = await flow.report("deqing-yjj", enterprise["id"], found)
    department = await flow.department("330521")
    await flow.act(hazard, "confirm_major", "deqing-yjj", {"order_no": f"德应急责改〔2026〕{hazard}号"})
    await flow.act(hazard, "list", "deqing-yjj", {
        "notice_no": f"〔2026〕{7000 + hazard}号", "listed_on": listed_on, "deadline": deadline,
        "measures": "限期消除有限空间作业隐患", "responsible_unit": "触达测试企业", "responsible_person": "钱主任",
        "supervising_department_id": department,
    })  # fmt: skip
    return hazard, phones, enterprise


async def _delivery_log(reach: Reach, item_type: str, item_id: int) -> list[dict]:
    params = {"item_type": item_type, "item_id": item_id}
    response = await reach.client.get(f"{NOTIFY}/deliveries", params=params, headers=await reach.login("deqing-yjj"))
    assert response.status_code in (200, 404), response.text  # 404 until notify has heard of the item
    return response.json() if response.status_code == 200 else []


async def test_listing_a_major_hazard_texts_the_principal_and_the_actual_controller(reach):
    reach.clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    hazard, phones, enterprise = await _listed_major(reach, "2026-03-02", "2026-04-30")

    async def texted():
        sent = {role: reach.texts_to(phone, "hazard.listed") for role, phone in phones.items()}
        return sent if all(sent.values()) else None

    sent = await until(texted)
    assert sent["principal"] == [
        "【清零监管】有限空间作业未检测已列为重大事故隐患挂牌督办，整改期限2026年4月30日，请主要负责人组织整改。"
    ]
    assert sent["actual_controller"] == sent["principal"]

    async def logged():
        lines = [line for line in await _delivery_log(reach, "hazard", hazard) if line["channel"] == "sms"]
        return lines if len({line["recipient"] for line in lines if line["status"] == "delivered"}) >= 2 else None

    lines = await until(logged)
    by_recipient = {line["recipient"]: line for line in lines}
    enterprise_lines = [line for line in lines if line["recipient"].startswith("enterprise:")]
    assert {line["recipient"].split(" ", 1)[1] for line in enterprise_lines} == {
        f"主要负责人 钱主任 {_masked(phones['principal'])}",
        f"实际控制人 钱董事 {_masked(phones['actual_controller'])}",
    }
    biz_ids = {sms.biz_id for sms in reach.sms.accepted}
    for line in enterprise_lines:
        assert (line["template"], line["status"], line["step"]) == ("hazard.listed", "delivered", "list")
        assert line["provider_message_id"] in biz_ids and line["title"] == "重大事故隐患挂牌督办"
    assert not any(phone in json.dumps(by_recipient, ensure_ascii=False) for phone in phones.values())
    # The enterprise's inbox has the listing too, once, with its line in the delivery log.
    inbox = [line for line in await _delivery_log(reach, "hazard", hazard) if line["channel"] == "inbox"]
    assert [(line["recipient"], line["template"], line["step"], line["status"]) for line in inbox] == [
        (f"enterprise:{enterprise['credit_code']}", "hazard.listed", "list", "delivered")
    ]

    metrics = await reach.metrics()
    assert re.search(r'qingling_notify_deliveries\{channel="sms",result="delivered"\} [1-9]', metrics)
    assert "qingling_outgoing_pending" in metrics


async def _step_due(reach: Reach, hazard: int, step: str) -> datetime:
    async def planned():
        params = {"item_type": "hazard", "item_id": hazard}
        response = await reach.client.get(f"{NOTIFY}/reminders", params=params, headers=await reach.login("deqing-yjj"))
        found = [r for r in response.json() if r["step"] == step] if response.status_code == 200 else []
        return found[0] if found else None

    return datetime.fromisoformat((await until(planned))["due_at"])


async def _step_sent(reach: Reach, hazard: int, step: str) -> None:
    async def sent():
        params = {"item_type": "hazard", "item_id": hazard}
        response = await reach.client.get(f"{NOTIFY}/reminders", params=params, headers=await reach.login("deqing-yjj"))
        return any(r["step"] == step and r["state"] == "sent" for r in response.json())

    await until(sent)


async def test_a_urge_due_at_night_is_texted_at_seven_and_an_interview_at_once(reach):
    reach.clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    committee_phone = _phone()  # someone of 德清县安委办, told of a 约谈 to hold
    account = {
        "username": f"reach-{secrets.token_hex(4)}", "password": "Initial-Passw0rd!", "display_name": "孙安委",
        "roles": ["safety_committee"], "region_code": "330521", "phone": committee_phone,
    }  # fmt: skip
    created = await reach.client.post("/api/v1/identity/accounts", json=account,
                                      headers=await reach.login("deqing-admin"))  # fmt: skip
    assert created.status_code == 201, created.text
    hazard, phones, _ = await _listed_major(reach, "2026-03-02", "2026-03-06")
    await until(lambda: _async(bool(reach.texts_to(phones["principal"], "hazard.listed"))))

    # The 催办 falls due at 09:00; the ladder's sweep first runs at 23:00 that day (the clock is set
    # there): the inboxes have it at once, the phones at 07:00 the next morning.
    urge_day = (await _step_due(reach, hazard, "urge")).astimezone(SHANGHAI)
    reach.clock.freeze(urge_day.replace(hour=23))
    await _step_sent(reach, hazard, "urge")
    await asyncio.sleep(1.5)  # several passes of the outgoing worker
    assert reach.texts_to(phones["principal"], "hazard.urge") == []
    reach.clock.freeze(urge_day.replace(hour=6, minute=59) + timedelta(days=1))
    await asyncio.sleep(1.0)
    assert reach.texts_to(phones["principal"], "hazard.urge") == []
    reach.clock.freeze(urge_day.replace(hour=7) + timedelta(days=1))
    # Two messages, sent one after the other (perhaps by two workers): both are waited for.
    both = ("principal", "actual_controller")
    await until(lambda: _async(all(reach.texts_to(phones[who], "hazard.urge") for who in both)))
    [urged] = reach.texts_to(phones["principal"], "hazard.urge")
    assert urged.startswith("【清零监管】隐患“有限空间作业未检测”已超过整改期限（2026年3月6日）")

    # The 约谈 step, also first seen at 23:00: to the 安委办's people at once, quiet hours or not.
    interview_day = (await _step_due(reach, hazard, "interview")).astimezone(SHANGHAI)
    reach.clock.freeze(interview_day.replace(hour=23))
    await _step_sent(reach, hazard, "interview")
    await until(lambda: _async(bool(reach.texts_to(committee_phone, "hazard.interview"))))

    async def logged():  # the log's line commits a moment after the provider has the text
        lines = await _delivery_log(reach, "hazard", hazard)
        interview = [line for line in lines if line["channel"] == "sms" and line["step"] == "interview"]
        return any(line["recipient"].endswith(f"孙安委 {_masked(committee_phone)}") for line in interview)

    assert await until(logged)


async def _async(value):
    return value


REPORTER_PHONE = "13812349876"


def _traces(text: str) -> bool:
    return REPORTER_PHONE in text


async def test_a_reporter_who_gave_a_phone_is_texted_at_acceptance_and_reply_and_the_phone_stays_sealed(reach):
    reach.clock.freeze(datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI))
    with captured_logs() as logs:
        receipt = await submit(reach, reporter={"name": "周举报", "phone": REPORTER_PHONE})
        handler = await reach.login("deqing-yjj")
        number = await tip_off_id(reach, receipt, handler)
        await act(reach, handler, number, "sign")
        await act(reach, handler, number, "accept")
        await until(lambda: _async(bool(reach.texts_to(REPORTER_PHONE, "tip_off.notice"))))
        await act(reach, handler, number, "conclude", FINDING)
        await act(reach, handler, number, "reply", REPLY)
        await until(lambda: _async(bool(reach.texts_to(REPORTER_PHONE, "tip_off.reply"))))

    texts = [sms.text for sms in reach.sms.accepted if sms.phone == REPORTER_PHONE]
    assert "【清零监管】您的举报有新的办理进展，请凭回执码和查询密码查看。" in texts  # accepted
    assert "【清零监管】您的举报有新的答复，请凭回执码和查询密码查看。" in texts
    for text in texts:  # the approved wording only: no unit, code, name or words of the tip-off
        assert ENTERPRISE not in text and receipt["receipt_code"] not in text and "周举报" not in text

    # The delivery log keeps the masked number; nowhere but the sealed stores and the provider's
    # request has the number: not the log lines, the events, the databases.
    lines = [line for line in await _delivery_log(reach, "tip_off", number) if line["channel"] == "sms"]
    assert {line["recipient"] for line in lines} == {f"举报人 {_masked(REPORTER_PHONE)}"}
    assert not _traces(json.dumps(lines, ensure_ascii=False))
    assert reach.processes is not None or any(entry["event"] == "sms sent" for entry in logs)  # the logs were read
    assert not _traces(json.dumps([str(entry) for entry in logs], ensure_ascii=False))
    if reach.processes is not None:  # every log line every process of the stack wrote
        for file in (reach.processes.root / "logs").glob("*.log"):
            assert not _traces(file.read_bytes().decode("utf-8", "replace")), file.name
    else:  # the events the services sent each other, and every file they keep (their databases)
        for app in reach.dispatcher.apps.values():
            runtime = app.state.runtime
            async with runtime.sessionmaker() as session:
                events = (await session.execute(select(runtime.service.tables.outbox.payload))).scalars().all()
            assert not _traces(json.dumps(events, ensure_ascii=False)), runtime.service.name
    for file in reach.data_dir.rglob("*"):
        if file.is_file():
            assert not _traces(file.read_bytes().decode("utf-8", "replace")), file.name
    assert any(sms.phone == REPORTER_PHONE for sms in reach.sms.accepted)  # the provider's request had it


async def test_a_reporter_signed_in_gets_steps_as_subscription_messages_while_authorised_then_by_sms(reach):
    reach.clock.freeze(datetime(2026, 3, 3, 10, 0, tzinfo=SHANGHAI))
    openid, phone = f"oWx{secrets.token_hex(10)}", _phone()
    form = {"grant_type": WECHAT_GRANT, "code": reach.wechat.issue_code(openid)}
    token = await reach.client.post("/api/v1/identity/oauth/token", data=form)
    assert token.status_code == 200, token.text
    reporter = {"Authorization": f"Bearer {token.json()['access_token']}"}

    # Twice "allow" in the mini-program (wx.requestSubscribeMessage): WeChat counts them, and the
    # mini-program records them with notify; only the user's own, only a mini-program user.
    reach.wechat.authorise(openid, WX_PROGRESS, times=2)
    subscriptions = f"{NOTIFY}/subscriptions"
    recorded = await reach.client.post(subscriptions, json={"template_kind": "tip_off.notice", "accepted": 2},
                                       headers=reporter)  # fmt: skip
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["remaining"] == 2 and recorded.json()["kinds"] == ["tip_off.notice", "tip_off.reply"]
    officer = await reach.login("deqing-yjj")
    refused = await reach.client.post(subscriptions, json={"template_id": WX_PROGRESS, "accepted": 1}, headers=officer)
    assert refused.status_code == 403 and refused.json()["code"] == "subscriptions-miniprogram-only", refused.text
    unknown = await reach.client.post(subscriptions, json={"template_id": "wx-other", "accepted": 1}, headers=reporter)
    assert unknown.status_code == 404 and unknown.json()["code"] == "subscription-template-not-found", unknown.text

    with captured_logs() as logs:
        receipt = await submit(reach, headers=reporter, reporter={"name": "王实名", "phone": phone})
        number = await tip_off_id(reach, receipt, officer)
        await act(reach, officer, number, "sign")
        await act(reach, officer, number, "accept")  # 1: a subscription message
        await until(lambda: _async(len([m for m in reach.wechat.messages if m.openid == openid]) == 1))
        await act(reach, officer, number, "conclude", FINDING)  # 2: the last authorisation
        await until(lambda: _async(len([m for m in reach.wechat.messages if m.openid == openid]) == 2))
        await act(reach, officer, number, "reply", REPLY)  # none left (a notice of the hazard came between): SMS
        await until(lambda: _async(bool(reach.texts_to(phone, "tip_off.reply"))))

    sent = [m for m in reach.wechat.messages if m.openid == openid]
    assert [m.data["thing1"] for m in sent] == ["办理进展", "办理进展"]
    assert {m.template_id for m in sent} == {WX_PROGRESS} and all(m.data["time2"] for m in sent)
    for message in sent:  # nothing of the tip-off: no unit, receipt, name or words
        shown = json.dumps(message.data, ensure_ascii=False)
        assert ENTERPRISE not in shown and receipt["receipt_code"] not in shown and "王实名" not in shown
    assert reach.wechat.authorisations[(openid, WX_PROGRESS)] == 0
    mine = (await reach.client.get(subscriptions, headers=reporter)).json()
    assert [(i["template_id"], i["remaining"], i["used"]) for i in mine["items"]] == [(WX_PROGRESS, 0, 2)]

    # The delivery log: the first two steps delivered as subscription messages; each later one
    # refused on WeChat for want of an authorisation and sent by SMS — the openid masked, never whole.
    async def logged():
        lines = await _delivery_log(reach, "tip_off", number)
        lines = [line for line in lines if line["recipient"].startswith("举报人")]
        texted = [line for line in lines if line["channel"] == "sms" and line["status"] == "delivered"]
        refused = [line for line in lines if line["channel"] == "wechat" and line["status"] == "refused"]
        done = any(line["template"] == "tip_off.reply" for line in texted) and len(texted) == len(refused)
        return lines if done else None

    lines = await until(logged)
    assert [(line["channel"], line["status"], line["template"]) for line in lines[:2]] == [
        ("wechat", "delivered", "tip_off.notice"), ("wechat", "delivered", "tip_off.notice"),
    ]  # fmt: skip
    assert {(line["channel"], line["status"]) for line in lines[2:]} == {("wechat", "refused"), ("sms", "delivered")}
    assert {line["recipient"] for line in lines[:2]} == {f"举报人 {openid[:4]}***"}
    assert all("no-authorisation" in line["error"] for line in lines[2:] if line["channel"] == "wechat")
    assert {line["recipient"] for line in lines[2:] if line["channel"] == "sms"} == {f"举报人 {_masked(phone)}"}
    assert reach.texts_to(phone, "tip_off.reply") and len(reach.texts_to(phone, "tip_off.notice")) <= 1
    assert {line["provider_message_id"] for line in lines[:2]} == {str(m.msgid) for m in sent}
    assert openid not in json.dumps(lines, ensure_ascii=False)
    assert reach.processes is not None or any(entry["event"] == "wechat message sent" for entry in logs)
    assert openid not in json.dumps([str(entry) for entry in logs], ensure_ascii=False)
    if reach.processes is not None:  # every log line every process of the stack wrote
        for file in (reach.processes.root / "logs").glob("*.log"):
            assert openid not in file.read_bytes().decode("utf-8", "replace"), file.name


async def test_a_subscription_wechat_refuses_falls_back_to_sms_and_the_count_goes_to_none(reach):
    reach.clock.freeze(datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI))
    openid, phone = f"oWx{secrets.token_hex(10)}", _phone()
    form = {"grant_type": WECHAT_GRANT, "code": reach.wechat.issue_code(openid)}
    token = await reach.client.post("/api/v1/identity/oauth/token", data=form)
    reporter = {"Authorization": f"Bearer {token.json()['access_token']}"}
    # Recorded with notify, but WeChat has none for the user (allowed on another phone, say): 43101.
    recorded = await reach.client.post(f"{NOTIFY}/subscriptions", json={"template_id": WX_PROGRESS, "accepted": 1},
                                       headers=reporter)  # fmt: skip
    assert recorded.status_code == 200 and recorded.json()["remaining"] == 1, recorded.text
    officer = await reach.login("deqing-yjj")
    receipt = await submit(reach, headers=reporter, reporter={"name": "赵实名", "phone": phone})
    number = await tip_off_id(reach, receipt, officer)
    await act(reach, officer, number, "sign")
    await act(reach, officer, number, "accept")

    [text] = await until(lambda: _async(reach.texts_to(phone, "tip_off.notice")))
    assert text == "【清零监管】您的举报有新的办理进展，请凭回执码和查询密码查看。"
    assert not [m for m in reach.wechat.messages if m.openid == openid]

    async def logged():
        lines = await _delivery_log(reach, "tip_off", number)
        lines = [line for line in lines if line["recipient"].startswith("举报人")]
        return lines if any(line["channel"] == "sms" for line in lines) else None

    lines = await until(logged)
    assert [(line["channel"], line["status"]) for line in lines] == [("wechat", "refused"), ("sms", "delivered")]
    assert "43101" in lines[0]["error"] and lines[0]["recipient"] == f"举报人 {openid[:4]}***"
    mine = (await reach.client.get(f"{NOTIFY}/subscriptions", headers=reporter)).json()
    assert [(i["remaining"], i["used"]) for i in mine["items"]] == [(0, 0)]


def _mails_to(reach: Reach, address: str) -> list:
    return [mail.message for mail in reach.smtp.received if address in mail.rcpt_tos]


async def test_a_refused_number_falls_back_to_email_and_a_person_may_put_email_first(reach):
    # An officer of the supervising department who prefers e-mail, and cannot opt out of listings.
    officer_email = f"officer-{secrets.token_hex(3)}@deqing.example.gov.cn"
    username, password = f"reach-{secrets.token_hex(4)}", "Initial-Passw0rd!"
    account = {
        "username": username, "password": password, "display_name": "李监管", "roles": ["regulator"],
        "region_code": "330521", "department": "emergency", "phone": _phone(), "email": officer_email,
    }  # fmt: skip
    created = await reach.client.post("/api/v1/identity/accounts", json=account,
                                      headers=await reach.login("deqing-admin"))  # fmt: skip
    assert created.status_code == 201, created.text
    change = {"username": username, "current_password": password, "new_password": "Reach#Officer-2026"}
    assert (await reach.client.post("/api/v1/identity/password", json=change)).status_code in (200, 204)
    officer = await reach.login(username, "Reach#Officer-2026")
    off = await reach.client.put(f"{NOTIFY}/preferences/hazard.listed", json={"channels": []}, headers=officer)
    assert off.status_code == 422 and off.json()["code"] == "statutory-notice", off.text
    first = await reach.client.put(f"{NOTIFY}/preferences/*", json={"channels": ["email", "sms"]}, headers=officer)
    assert first.status_code == 200, first.text
    mine = (await reach.client.get(f"{NOTIFY}/preferences", headers=officer)).json()
    assert [(p["kind"], p["channels"]) for p in mine["items"]] == [("*", ["email", "sms"])]
    assert "hazard.listed" in mine["statutory_kinds"] and mine["default_channels"] == ["sms", "email"]

    # Later than the other tests' moments, so the directory's answers kept then (60 s) have expired
    # and the new account is found; before any SMS of their hazards' ladders falls due.
    reach.clock.freeze(datetime(2026, 5, 4, 8, 0, tzinfo=SHANGHAI))
    await asyncio.sleep(1.0)  # their warnings that fell due meanwhile go out (no SMS template for those)

    # The principal's number is refused by the provider (as a number that does not exist): the
    # next channel, e-mail, carries the listing.
    principal_email = f"boss-{secrets.token_hex(3)}@reach.example.com"
    flow = HazardFlow(reach)
    body = f"91330521MA{secrets.randbelow(10**7):07d}"
    principal = {"name": "吴主任", "phone": _phone(), "email": principal_email}
    enterprise = await flow.ok("POST", f"{HAZARDS}/enterprises", "deqing-yjj", {
        "credit_code": body + check_character(body), "name": f"回落测试有限公司{body[-4:]}",
        "address": "德清县武康街道回落路 2 号", "region_code": "330521001", "industry": "industry_trade",
        "risk_class": "B", "people": {"principal": principal},
    })  # fmt: skip
    hazard = await flow.report("deqing-yjj", enterprise["id"], datetime(2026, 5, 4, 7, tzinfo=SHANGHAI))
    await flow.act(hazard, "confirm_major", "deqing-yjj", {"order_no": f"德应急责改〔2026〕{hazard}号"})
    reach.sms.fail_next(1, BAD_NUMBER, phone=principal["phone"])  # the officer's goes by e-mail
    await flow.act(hazard, "list", "deqing-yjj", {
        "notice_no": f"〔2026〕{8000 + hazard}号", "listed_on": "2026-05-04", "deadline": "2026-06-30",
        "measures": "限期整改", "responsible_unit": "回落测试企业", "responsible_person": "吴主任",
        "supervising_department_id": await flow.department("330521"),
    })  # fmt: skip

    listing = "重大事故隐患挂牌督办"
    [mail] = await until(lambda: _async(_mails_to(reach, principal_email)))
    assert mail["Subject"] == listing and "整改期限为 2026年6月30日" in mail.get_content()
    assert mail["Auto-Submitted"] == "auto-generated"
    await until(lambda: _async([m for m in _mails_to(reach, officer_email) if m["Subject"] == listing]))
    assert not reach.texts_to(account["phone"], "hazard.listed")  # e-mail first, as the officer chose

    async def logged():
        lines = await _delivery_log(reach, "hazard", hazard)
        mine = [line for line in lines if "吴主任" in line["recipient"]]
        return mine if {line["status"] for line in mine} >= {"refused", "delivered"} else None

    lines = await until(logged)
    assert [(line["channel"], line["status"]) for line in lines] == [("sms", "refused"), ("email", "delivered")]
    assert lines[0]["recipient"].endswith(_masked(principal["phone"]))
    assert lines[1]["recipient"].endswith("b***@reach.example.com") and lines[1]["provider_message_id"]
    assert "isv.MOBILE_NUMBER_ILLEGAL" in lines[0]["error"]


async def test_a_provider_error_is_retried_with_backoff_and_each_attempt_logged(reach):
    reach.clock.freeze(datetime(2026, 5, 4, 8, 30, tzinfo=SHANGHAI))
    phone = _phone()
    flow = HazardFlow(reach)
    body = f"91330521MA{secrets.randbelow(10**7):07d}"
    enterprise = await flow.ok("POST", f"{HAZARDS}/enterprises", "deqing-yjj", {
        "credit_code": body + check_character(body), "name": f"重试测试有限公司{body[-4:]}",
        "address": "德清县武康街道重试路 3 号", "region_code": "330521001", "industry": "industry_trade",
        "risk_class": "B", "people": {"principal": {"name": "郑主任", "phone": phone}},
    })  # fmt: skip
    hazard = await flow.report("deqing-yjj", enterprise["id"], datetime(2026, 5, 4, 7, tzinfo=SHANGHAI))
    await flow.act(hazard, "confirm_major", "deqing-yjj", {"order_no": f"德应急责改〔2026〕{hazard}号"})
    reach.sms.fail_next(1, phone=phone)  # isp.SYSTEM_ERROR: Aliyun's own trouble, "later"
    await flow.act(hazard, "list", "deqing-yjj", {
        "notice_no": f"〔2026〕{9000 + hazard}号", "listed_on": "2026-05-04", "deadline": "2026-06-30",
        "measures": "限期整改", "responsible_unit": "重试测试企业", "responsible_person": "郑主任",
        "supervising_department_id": await flow.department("330521"),
    })  # fmt: skip

    async def lines_of(statuses: set[str]):
        lines = [line for line in await _delivery_log(reach, "hazard", hazard) if line["channel"] == "sms"]
        return lines if {line["status"] for line in lines} >= statuses else None

    [failed] = await until(lambda: lines_of({"failed"}))
    assert "isp.SYSTEM_ERROR" in failed["error"] and failed["recipient"].endswith(_masked(phone))
    await asyncio.sleep(0.6)
    assert reach.texts_to(phone, "hazard.listed") == []  # backing off: not yet, on the frozen clock
    reach.clock.freeze(datetime(2026, 5, 4, 8, 31, tzinfo=SHANGHAI))  # past the first backoff (1–2 s)
    lines = await until(lambda: lines_of({"failed", "delivered"}))
    assert [line["status"] for line in lines] == ["failed", "delivered"]
    assert len(reach.texts_to(phone, "hazard.listed")) == 1


async def test_an_interview_issued_at_night_is_texted_to_the_enterprise_at_once(reach):
    reach.clock.freeze(datetime(2026, 5, 6, 23, 0, tzinfo=SHANGHAI))
    hazard, phones, enterprise = await _listed_major(reach, "2026-05-06", "2026-07-31")

    async def on_board():
        params = {"item_type": "hazard", "item_id": hazard}
        response = await reach.client.get(f"{NOTIFY}/reminders", params=params, headers=await reach.login("huzhou-ajb"))
        return response.status_code == 200 and response.json()

    await until(on_board)
    interview = {
        "issuer_name": "湖州市安全生产委员会办公室", "place": "湖州市应急管理局三楼会议室",
        "interviewee": {"kind": "enterprise", "region_code": "330521", "enterprise_code": enterprise["credit_code"],
                        "name": enterprise["name"]},
        "items": [{"item_type": "hazard", "item_id": hazard}], "scheduled_for": "2026-05-12T14:30:00+08:00",
        "interviewers": [{"name": "陈晓东", "position": "湖州市安委办副主任"}],
        "interviewees": [{"name": "钱主任", "position": "企业主要负责人"}], "issues": ["重大隐患整改缓慢"],
    }  # fmt: skip
    issued = await reach.client.post(f"{NOTIFY}/supervision/interviews", json=interview,
                                     headers=await reach.login("huzhou-ajb"))  # fmt: skip
    assert issued.status_code == 201, issued.text

    # 23:00, in the quiet hours: a 约谈 goes at once, to the principal and the actual controller.
    await until(lambda: _async(all(reach.texts_to(p, "supervision.interview") for p in phones.values())))
    [text] = reach.texts_to(phones["principal"], "supervision.interview")
    assert (
        text == f"【清零监管】湖州市安全生产委员会办公室：约谈通知：约谈{enterprise['name']}，详见通知书，请按时参加。"
    )


async def test_a_department_is_texted_of_a_tip_off_it_now_handles_naming_no_unit(reach):
    officer_phone = _phone()
    account = {
        "username": f"reach-{secrets.token_hex(4)}", "password": "Initial-Passw0rd!", "display_name": "冯受理",
        "roles": ["regulator"], "region_code": "330521", "department": "emergency", "phone": officer_phone,
    }  # fmt: skip
    created = await reach.client.post("/api/v1/identity/accounts", json=account,
                                      headers=await reach.login("deqing-admin"))  # fmt: skip
    assert created.status_code == 201, created.text
    # Later than every earlier test's moment: the directory's answers kept then have expired.
    reach.clock.freeze(datetime(2026, 5, 11, 10, 0, tzinfo=SHANGHAI))
    receipt = await submit(reach)  # about the demo enterprise, routed to 德清县应急管理局
    number = await tip_off_id(reach, receipt, await reach.login("deqing-yjj"))

    [text] = await until(lambda: _async(reach.texts_to(officer_phone, "tip_off.assigned")))
    assert text == f"【清零监管】举报（编号 {number}）已交由本部门办理，请在2026年5月18日前作出受理或不予受理决定。"
    assert ENTERPRISE not in text and receipt["receipt_code"] not in text


async def test_the_close_out_of_a_listed_hazard_reaches_its_principal(reach):
    reach.clock.freeze(datetime(2026, 5, 12, 10, 0, tzinfo=SHANGHAI))
    flow = HazardFlow(reach)
    enterprise, admin = await flow.enterprise("deqing-yjj", "330521001")  # its principal's phone: 13600000000
    hazard = await flow.report("deqing-yjj", enterprise, datetime(2026, 5, 12, 8, tzinfo=SHANGHAI))
    await flow.close_major(hazard, admin, "deqing-yjj", "2026-05-12")

    async def closed():
        return [t for t in reach.texts_to("13600000000", "hazard.closed") if "有限空间作业未检测" in t]

    assert await until(closed) == ["【清零监管】重大事故隐患“有限空间作业未检测”已经复核销号，挂牌督办解除。"]

    # The provider has the text a moment before the sending worker's line in the log commits.
    async def logged():
        lines = [line for line in await _delivery_log(reach, "hazard", hazard) if line["channel"] == "sms"]
        return {(line["template"], line["status"]) for line in lines} >= {
            ("hazard.listed", "delivered"), ("hazard.closed", "delivered"),
        }  # fmt: skip

    assert await until(logged)
