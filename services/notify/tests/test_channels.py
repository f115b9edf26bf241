"""The outside channels' adapters against local stand-ins that check requests as the providers do,
over loopback — no mocks: Aliyun SMS (its RPC signature recomputed by the stand-in's own code, which
reproduces the worked example of Aliyun's documentation), WeChat subscription messages (token,
openid, template, data, one-time authorisations) and SMTP (STARTTLS, AUTH)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from log_capture import captured_logs, structured_logging

from notify.channels import (
    AliyunSms,
    ChannelName,
    Failure,
    Message,
    SendFailed,
    Sent,
    SmtpEmail,
    WechatSubscription,
    mask_email,
    mask_phone,
    open_channels,
)
from notify.channels.sms import rpc_signature
from notify.config import Settings
from qingling.clock import FileClock
from qingling.wechat import WechatApi
from standins import aliyun_sms, serving
from standins.aliyun_sms import BAD_NUMBER, SERVICE_UNAVAILABLE, SYSTEM_ERROR, THROTTLED, FakeAliyunSms
from standins.smtp import FakeSmtp, SmtpServer, serving_smtp
from standins.wechat import FakeWechat

PHONE = "13800000001"
OTHER_PHONE = "13900000002"
OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"
URGE_TEMPLATE = "SMS_465380042"
URGE_TEXT = "您单位的隐患“${title}”已超过整改期限（${deadline}），请立即整改并报告进展。"
WX_TEMPLATE = "tmpl-tipoff-progress"
URGE = Message(
    kind="hazard.urge",
    to=PHONE,
    params={"title": "仓库消防通道堵塞", "deadline": "2026年11月20日"},
    reference="delivery-17",
)

# The worked example of Aliyun's SMS signature documentation, 短信服务 › 签名机制:
# https://help.aliyun.com/document_detail/101343.html — AccessKeyId testId, AccessKeySecret
# testSecret, a GET SendSms request with these parameters, signed "zJDF+Lrzhj/ThnlvIToysFRq6t4=".
ALIYUN_DOC_PARAMS = {
    "AccessKeyId": "testId",
    "Action": "SendSms",
    "Format": "XML",
    "OutId": "123",
    "PhoneNumbers": "15300000001",
    "RegionId": "cn-hangzhou",
    "SignName": "阿里云短信测试专用",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
    "SignatureVersion": "1.0",
    "TemplateCode": "SMS_71390007",
    "TemplateParam": '{"customer":"test"}',
    "Timestamp": "2017-07-12T02:42:19Z",
    "Version": "2017-05-25",
}
ALIYUN_DOC_STRING_TO_SIGN = (
    "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123%26PhoneNumbers%3D15300000001"
    "%26RegionId%3Dcn-hangzhou%26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4"
    "%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8%26SignatureMethod%3DHMAC-SHA1"
    "%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466%26SignatureVersion%3D1.0%26TemplateCode"
    "%3DSMS_71390007%26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D%26Timestamp"
    "%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
)
ALIYUN_DOC_SIGNATURE = "zJDF+Lrzhj/ThnlvIToysFRq6t4="


# ------------------------------------------------------------------------------------ fixtures


@pytest.fixture(autouse=True)
def _logs_as_the_services_write_them() -> None:
    """Log lines through the services' configuration, so ``captured_logs`` sees them even from
    loggers a system started earlier in the run has already used (log_capture.py)."""
    structured_logging()


@pytest.fixture
def clock(tmp_path) -> FileClock:
    clock = FileClock(tmp_path / "clock.json")
    clock.freeze(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    return clock


@dataclass
class SmsSetup:
    provider: FakeAliyunSms
    url: str
    http: httpx.AsyncClient

    def adapter(self, secret: str | None = None) -> AliyunSms:
        return AliyunSms(
            self.http,
            access_key_id=self.provider.access_key_id,
            access_key_secret=secret or self.provider.access_key_secret,
            sign_name="清零监管",
            templates={"hazard.urge": URGE_TEMPLATE},
        )


@pytest.fixture
async def sms() -> AsyncIterator[SmsSetup]:
    provider = FakeAliyunSms()
    provider.add_template(URGE_TEMPLATE, URGE_TEXT)
    with serving(provider.app()) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            yield SmsSetup(provider, url, http)


@dataclass
class WechatSetup:
    server: FakeWechat
    url: str
    adapter: WechatSubscription


@pytest.fixture
async def wechat(clock) -> AsyncIterator[WechatSetup]:
    server = FakeWechat()
    server.templates[WX_TEMPLATE] = {"thing1", "phrase2", "time3"}
    with serving(server.app()) as url:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            api = WechatApi(http, server.app_id, server.app_secret, clock)
            yield WechatSetup(server, url, WechatSubscription(api, {"tip_off.accepted": WX_TEMPLATE}, "developer"))


def progress(to: str = OPENID, **params: str) -> Message:
    data = {"thing1": "您的举报已受理", "phrase2": "已受理", "time3": "2026-11-25 09:00", **params}
    return Message("tip_off.accepted", to, data, page="pages/tipoff/status?id=7")


@pytest.fixture
def smtp() -> Iterator[tuple[FakeSmtp, SmtpServer]]:
    fake = FakeSmtp()
    with serving_smtp(fake) as server:
        yield fake, server


def mailer(fake: FakeSmtp, server: SmtpServer, password: str | None = None) -> SmtpEmail:
    return SmtpEmail(
        host=server.host,
        port=server.port,
        sender="湖州市应急管理局 <noreply@qingling.test>",
        username=fake.username,
        password=password or fake.password,
        ca_file=server.ca_file,
    )


MAIL = Message(
    kind="hazard.urge",
    to="safety@example-chem.cn",
    subject="隐患整改超期催办",
    text="仓库消防通道堵塞 已超过整改期限（2026年11月20日）5 天，请立即整改并报告进展。",
    reference="delivery-18",
)


async def failure_of(adapter, message: Message) -> SendFailed:
    answer = await adapter.attempt(message)
    assert isinstance(answer, SendFailed), answer
    return answer


# ------------------------------------------------------------------------------------ SMS


def test_the_stand_in_signs_the_documented_example_as_aliyun_does():
    assert aliyun_sms.string_to_sign("GET", ALIYUN_DOC_PARAMS) == ALIYUN_DOC_STRING_TO_SIGN
    assert aliyun_sms.signature("GET", ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE
    assert aliyun_sms.signature("POST", ALIYUN_DOC_PARAMS, "testSecret") != ALIYUN_DOC_SIGNATURE  # the method counts


def test_the_adapter_signs_the_documented_example_as_aliyun_does():
    assert rpc_signature("GET", ALIYUN_DOC_PARAMS, "testSecret") == ALIYUN_DOC_SIGNATURE


async def test_an_sms_goes_out_signed_with_the_approved_template_and_the_number_only_in_the_body(sms):
    sent = await sms.adapter().send(URGE)

    [accepted] = sms.provider.accepted  # the stand-in verified the signature, timestamp and nonce
    assert (accepted.phone, accepted.sign_name, accepted.template_code, accepted.out_id) == (
        PHONE,
        "清零监管",
        URGE_TEMPLATE,
        "delivery-17",
    )
    assert accepted.params == {"title": "仓库消防通道堵塞", "deadline": "2026年11月20日"}
    assert (
        accepted.text
        == "【清零监管】您单位的隐患“仓库消防通道堵塞”已超过整改期限（2026年11月20日），请立即整改并报告进展。"
    )
    assert sent == Sent(ChannelName.SMS, accepted.biz_id)
    assert sent.outcome().delivered
    [(method, url, body)] = sms.provider.raw_requests
    assert method == "POST" and PHONE not in url and PHONE.encode() in body


async def test_a_request_signed_with_another_secret_is_refused_for_good(sms):
    failed = await failure_of(sms.adapter(secret="not-the-secret"), URGE)

    assert (failed.code, failed.failure, failed.status) == ("SignatureDoesNotMatch", Failure.REJECTED, 400)
    assert failed.outcome().final and not failed.fallback
    assert sms.provider.accepted == []


@pytest.mark.parametrize("refusal", [SYSTEM_ERROR, THROTTLED, SERVICE_UNAVAILABLE], ids=lambda r: r.code)
async def test_a_provider_error_or_throttling_is_retried_and_the_retry_goes_out(sms, refusal):
    adapter = sms.adapter()
    sms.provider.fail_next(1, refusal)

    failed = await failure_of(adapter, URGE)
    assert (failed.code, failed.failure, failed.retryable) == (refusal.code, Failure.RETRY, True)
    outcome = failed.outcome()
    assert (outcome.delivered, outcome.final, outcome.status) == (False, False, refusal.status)  # the queue backs off

    assert isinstance(await adapter.attempt(URGE), Sent)  # a new nonce and timestamp: accepted
    assert len(sms.provider.accepted) == 1


async def test_a_missing_template_variable_is_final_and_a_bad_number_falls_back(sms):
    adapter = sms.adapter()
    missing = await failure_of(adapter, Message("hazard.urge", PHONE, {"title": "仓库消防通道堵塞"}))
    assert (missing.code, missing.failure, missing.outcome().final) == (
        "isv.TEMPLATE_MISSING_PARAMETERS",
        Failure.REJECTED,
        True,
    )

    bad_number = await failure_of(adapter, Message("hazard.urge", "1380000", URGE.params))
    assert (bad_number.code, bad_number.failure, bad_number.fallback) == (BAD_NUMBER.code, Failure.REFUSED, True)

    unknown_kind = await failure_of(adapter, Message("hazard.listed", PHONE, URGE.params))
    assert (unknown_kind.code, unknown_kind.failure) == ("no-template", Failure.REJECTED)
    assert not adapter.handles("hazard.listed") and adapter.handles("hazard.urge")
    assert sms.provider.accepted == []


async def test_the_phone_and_the_secret_never_appear_in_clear_in_the_logs(sms, caplog):
    adapter = sms.adapter()
    sms.provider.fail_next(1, SYSTEM_ERROR)
    caplog.set_level(logging.DEBUG)  # httpx's and uvicorn's lines too
    with captured_logs() as logs:
        await adapter.attempt(URGE)
        await adapter.attempt(URGE)
        await adapter.attempt(Message("hazard.urge", OTHER_PHONE, {"title": "缺变量"}))

    ours = [entry for entry in logs if entry["event"].startswith("sms")]
    assert [(entry["event"], entry["to"]) for entry in ours] == [
        ("sms refused", "138****0001"),
        ("sms sent", "138****0001"),
        ("sms refused", "139****0002"),
    ]
    everything = str(logs) + caplog.text
    for secret in (PHONE, OTHER_PHONE, sms.provider.access_key_secret):
        assert secret not in everything


def test_numbers_are_masked_as_the_delivery_log_shows_them():
    assert [mask_phone(p) for p in ("13800000001", "+86 138-0000-0001", "8613800000001", "057112345678")] == [
        "138****0001",
        "138****0001",
        "138****0001",
        "****5678",
    ]
    assert mask_email("safety@example-chem.cn") == "s***@example-chem.cn"


# ------------------------------------------------------------------------------------ WeChat


async def test_a_subscription_message_goes_out_with_its_template_page_and_data(wechat):
    wechat.server.authorise(OPENID, WX_TEMPLATE)

    sent = await wechat.adapter.send(progress())

    [message] = wechat.server.messages
    assert (message.openid, message.template_id, message.page, message.state) == (
        OPENID,
        WX_TEMPLATE,
        "pages/tipoff/status?id=7",
        "developer",
    )
    assert message.data == {"thing1": "您的举报已受理", "phrase2": "已受理", "time3": "2026-11-25 09:00"}
    assert sent == Sent(ChannelName.WECHAT, str(message.msgid))
    assert wechat.server.authorisations[(OPENID, WX_TEMPLATE)] == 0  # one-time: used up


async def test_an_expired_token_is_fetched_again_once_and_the_message_sent(wechat):
    wechat.server.authorise(OPENID, WX_TEMPLATE, times=2)
    await wechat.adapter.send(progress())
    old_token = wechat.server.access_token
    wechat.server.expire_token()
    wechat.server.received.clear()

    assert isinstance(await wechat.adapter.attempt(progress()), Sent)

    new_token = wechat.server.access_token
    assert new_token != old_token
    assert [
        (r.path, r.query.get("access_token"), (r.body or {}).get("force_refresh")) for r in wechat.server.received
    ] == [
        ("/cgi-bin/message/subscribe/send", old_token, None),  # 42001
        ("/cgi-bin/stable_token", None, False),  # normal mode: other replicas' tokens stay valid
        ("/cgi-bin/message/subscribe/send", new_token, None),
    ]
    assert len(wechat.server.messages) == 2


async def test_a_user_without_authorisation_is_refused_and_the_message_falls_back_to_sms(wechat, sms):
    wechat.server.authorise(OPENID, WX_TEMPLATE)
    await wechat.adapter.send(progress())  # the one authorisation used

    refused = await failure_of(wechat.adapter, progress())
    assert (refused.code, refused.failure, refused.fallback, refused.outcome().final) == (
        "43101",
        Failure.REFUSED,
        True,
        True,
    )

    # What the wiring does with a refusal: the recipient's next channel, here SMS.
    tries = [(wechat.adapter, progress()), (sms.adapter(), URGE)]
    answers = []
    with captured_logs() as logs:
        for adapter, message in tries:
            answers.append(answer := await adapter.attempt(message))
            if not (isinstance(answer, SendFailed) and answer.fallback):
                break
    assert [type(a) for a in answers] == [SendFailed, Sent]
    assert [a.phone for a in sms.provider.accepted] == [PHONE]
    assert [(e["event"], e["to"]) for e in logs if "to" in e] == [
        ("wechat message refused", "o6_b***"),  # the openid goes nowhere but WeChat
        ("sms sent", "138****0001"),
    ]


async def test_wrong_data_or_an_unknown_openid_are_not_retried(wechat):
    wechat.server.authorise(OPENID, WX_TEMPLATE, times=5)

    too_long = await failure_of(wechat.adapter, progress(thing1="这是一个超过二十个字的举报进度说明文字会被拒绝"))
    assert (too_long.code, too_long.failure) == ("47003", Failure.REJECTED)
    stranger = await failure_of(wechat.adapter, progress(to="o-not-a-user-of-this-app-0000"))
    assert (stranger.code, stranger.failure) == ("40003", Failure.REFUSED)
    assert wechat.server.messages == []


async def test_unreachable_wechat_is_retried_later(clock):
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2) as http:
        adapter = WechatSubscription(WechatApi(http, "wx-test-app", "wx-test-secret", clock), {"k.x": "t"})
        failed = await failure_of(adapter, Message("k.x", OPENID, {"thing1": "x"}))
    assert (failed.failure, str(failed)) == (Failure.RETRY, "wechat unavailable: WeChat unreachable: ConnectError")


# ------------------------------------------------------------------------------------ e-mail


async def test_an_email_goes_out_over_starttls_with_auth(smtp):
    fake, server = smtp

    sent = await mailer(fake, server).send(MAIL)

    [mail] = fake.received
    assert (mail.login, mail.encrypted, mail.mail_from, mail.rcpt_tos) == (
        "notify@qingling.test",
        True,
        "noreply@qingling.test",
        ["safety@example-chem.cn"],
    )
    assert str(mail.message["From"]) == "湖州市应急管理局 <noreply@qingling.test>"
    assert str(mail.message["Subject"]) == "隐患整改超期催办"
    assert mail.message.get_content().strip() == MAIL.text
    assert mail.message["Auto-Submitted"] == "auto-generated"
    assert sent == Sent(ChannelName.EMAIL, str(mail.message["Message-ID"]).strip())


async def test_email_failures_say_what_to_do_next(smtp, caplog):
    fake, server = smtp
    caplog.set_level(logging.DEBUG)

    with captured_logs() as logs:
        wrong_password = await failure_of(mailer(fake, server, password="not-the-password"), MAIL)
        fake.unknown_mailboxes.add(MAIL.to)
        no_mailbox = await failure_of(mailer(fake, server), MAIL)
        fake.unknown_mailboxes.clear()
        fake.failures_left = 1
        later = await failure_of(mailer(fake, server), MAIL)
        untrusted = await failure_of(
            SmtpEmail(host=server.host, port=server.port, sender="noreply@qingling.test", username="u", password="p"),
            MAIL,
        )

    assert [(f.code, f.failure) for f in (wrong_password, no_mailbox, later)] == [
        ("SMTP 535", Failure.REJECTED),
        ("SMTP 550", Failure.REFUSED),
        ("SMTP 451", Failure.RETRY),
    ]
    assert untrusted.failure is Failure.REJECTED  # a self-signed certificate nobody said to trust
    assert fake.failed_logins >= 1 and fake.received == []  # aiosmtplib tries PLAIN and LOGIN
    assert isinstance(await mailer(fake, server).attempt(MAIL), Sent)
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.")]  # not the server's own
    everything = str(logs) + str(ours) + str([str(f) for f in (wrong_password, no_mailbox, later)])
    assert MAIL.to not in everything and fake.password not in everything


# ------------------------------------------------------------------------------------ settings


async def test_the_channels_are_built_from_the_settings_and_off_without_credentials(sms, wechat, smtp, clock):
    fake_smtp, server = smtp
    settings = Settings(
        sms_provider="aliyun",
        sms_base_url=sms.url,
        sms_access_key_id=sms.provider.access_key_id,
        sms_access_key_secret=sms.provider.access_key_secret,
        sms_sign_name="清零监管",
        sms_templates={"hazard.urge": URGE_TEMPLATE},
        wechat_api_base=wechat.url,
        wechat_app_id=wechat.server.app_id,
        wechat_app_secret=wechat.server.app_secret,
        wechat_templates={"tip_off.accepted": WX_TEMPLATE},
        smtp_host=server.host,
        smtp_port=server.port,
        smtp_username=fake_smtp.username,
        smtp_password=fake_smtp.password,
        smtp_from="noreply@qingling.test",
        smtp_ca_file=server.ca_file,
    )
    wechat.server.authorise(OPENID, WX_TEMPLATE)
    async with open_channels(settings, clock) as channels:
        assert channels.configured == [ChannelName.SMS, ChannelName.WECHAT, ChannelName.EMAIL]
        assert isinstance(await channels.sms.attempt(URGE), Sent)
        assert isinstance(await channels.wechat.attempt(progress()), Sent)
        assert isinstance(await channels.email.attempt(MAIL), Sent)

    with captured_logs() as logs:
        async with open_channels(Settings(), clock) as channels:
            assert channels.configured == []
    assert {entry["event"].split(":")[0] for entry in logs} >= {
        "sms channel off",
        "wechat channel off",
        "e-mail channel off",
    }
    assert sms.provider.access_key_secret not in repr(settings) and fake_smtp.password not in repr(settings)
