"""Outside channels — SMS (Aliyun), WeChat subscription messages, e-mail — behind one interface
(``Adapter.send(Message) -> Sent``, or ``SendFailed`` saying retry / fall back / park), each an
adapter the delivery queue calls. ``open_channels`` builds the ones whose settings are complete."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import structlog

from notify.channels.base import Adapter, ChannelName, Failure, Message, SendFailed, Sent
from notify.channels.email import SmtpEmail
from notify.channels.masking import mask_address, mask_email, mask_openid, mask_phone
from notify.channels.sms import AliyunSms
from notify.channels.wechat import WechatSubscription
from notify.config import Settings
from qingling.clock import Clock
from qingling.wechat import WechatApi

__all__ = [
    "Adapter",
    "AliyunSms",
    "ChannelName",
    "Channels",
    "Failure",
    "Message",
    "SendFailed",
    "Sent",
    "SmtpEmail",
    "WechatSubscription",
    "mask_address",
    "mask_email",
    "mask_openid",
    "mask_phone",
    "open_channels",
]

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Channels:
    sms: AliyunSms | None = None
    wechat: WechatSubscription | None = None
    email: SmtpEmail | None = None

    def get(self, name: ChannelName) -> Adapter | None:
        return {ChannelName.SMS: self.sms, ChannelName.WECHAT: self.wechat, ChannelName.EMAIL: self.email}[name]

    @property
    def configured(self) -> list[ChannelName]:
        return [name for name in ChannelName if self.get(name) is not None]


@asynccontextmanager
async def open_channels(settings: Settings, clock: Clock) -> AsyncIterator[Channels]:
    """The channels whose settings are complete, with their HTTP clients open while in use; says
    at start-up which are off and why (then messages go to the inbox and the delivery log only)."""
    async with (
        httpx.AsyncClient(
            base_url=settings.sms_base_url, timeout=httpx.Timeout(settings.sms_timeout_seconds), trust_env=False
        ) as sms_http,
        httpx.AsyncClient(
            base_url=settings.wechat_api_base, timeout=httpx.Timeout(settings.wechat_timeout_seconds), trust_env=False
        ) as wechat_http,
    ):
        sms = wechat = email = None
        if (
            settings.sms_provider == "aliyun"
            and settings.sms_access_key_id
            and settings.sms_access_key_secret
            and settings.sms_sign_name
        ):
            sms = AliyunSms(
                sms_http,
                access_key_id=settings.sms_access_key_id,
                access_key_secret=settings.sms_access_key_secret.get_secret_value(),
                sign_name=settings.sms_sign_name,
                templates=settings.sms_templates,
                region_id=settings.sms_region_id,
            )
        else:
            log.info("sms channel off: QL_NOTIFY_SMS_PROVIDER, _ACCESS_KEY_ID, _ACCESS_KEY_SECRET, _SIGN_NAME unset")
        if settings.wechat_app_id and settings.wechat_app_secret and settings.wechat_templates:
            api = WechatApi(wechat_http, settings.wechat_app_id, settings.wechat_app_secret.get_secret_value(), clock)
            wechat = WechatSubscription(
                api, settings.wechat_templates, settings.wechat_miniprogram_state, settings.wechat_template_data
            )
        else:
            log.info("wechat channel off: QL_WECHAT_APP_ID, _APP_SECRET or QL_NOTIFY_WECHAT_TEMPLATES unset")
        if settings.smtp_host and settings.smtp_from:
            email = SmtpEmail(
                host=settings.smtp_host,
                port=settings.smtp_port,
                sender=settings.smtp_from,
                security=settings.smtp_security,
                username=settings.smtp_username,
                password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
                ca_file=settings.smtp_ca_file,
                timeout=settings.smtp_timeout_seconds,
            )
        else:
            log.info("e-mail channel off: QL_NOTIFY_SMTP_HOST or QL_NOTIFY_SMTP_FROM unset")
        yield Channels(sms=sms, wechat=wechat, email=email)
