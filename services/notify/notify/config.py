from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, ClassVar, Literal, Self

from pydantic import Field, SecretStr, StringConstraints, model_validator
from pydantic_settings import SettingsConfigDict

from qingling.reporter_contact import DEMO_KEYS as DEMO_CONTACT_KEYS
from qingling.settings import Environment, ServiceSettings

# A message kind is notify's template key (``hazard.urge``); each outside channel maps the kinds
# it sends to the provider's pre-approved template.
MessageKind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z_]*\.[a-z][a-z_]*$")]


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="QL_NOTIFY_", env_file=".env", extra="ignore")

    service_name: ClassVar[str] = "notify"

    # Webhooks to enterprise systems: claimed in batches under a lease, retried with exponential
    # backoff up to ``webhook_max_attempts``; after a secret rotation the old one signs too for
    # the overlap.
    webhook_batch_size: int = 200
    webhook_lease_seconds: float = 60.0
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    webhook_secret_overlap_hours: int = 24
    # Where webhooks may go (``notify.webhooks.targets``): public addresses only, checked at
    # subscription, ping and every delivery. ``webhook_allow_private_targets`` also lets loopback
    # and private addresses through — local receivers in a demo or a test; refused in production.
    # ``webhook_allowed_networks`` names networks trusted as receivers all the same (an
    # enterprise's line on a private network, as CIDR: ["10.20.0.0/16"]). Names of the
    # deployment's own services (``webhook_internal_hosts``, and the host of ``peer_url``) are
    # refused whatever they resolve to.
    webhook_allow_private_targets: bool = False
    webhook_allowed_networks: tuple[IPv4Network | IPv6Network, ...] = ()
    webhook_internal_hosts: tuple[str, ...] = (
        "identity", "reports", "hazards", "notify", "postgres", "gateway", "nginx", "localhost",
    )  # fmt: skip
    # Webhook signing secrets are sealed (AES-256-GCM) at rest under these keys: id → secret; new
    # values use ``sealing_key_id``, the others stay readable so a key can be rotated.
    sealing_keys: dict[str, SecretStr] = Field(default_factory=lambda: {"demo": SecretStr("qingling-demo-notify-key")})
    sealing_key_id: str = "demo"
    # A reporter's phone comes from the reports service sealed under these keys, which reports holds
    # too (QL_REPORTS_REPORTER_CONTACT_KEYS: the same value); opened only to send an SMS.
    reporter_contact_keys: dict[str, SecretStr] = Field(
        default_factory=lambda: {key_id: SecretStr(secret) for key_id, secret in DEMO_CONTACT_KEYS.items()}
    )
    reporter_contact_key_id: str = "demo"

    # Messages on the outside channels (``notify.outgoing``), on the leased delivery queue as the
    # webhooks are: claimed in batches under a lease, retried with backoff, parked after the last attempt.
    outgoing_batch_size: int = 50
    outgoing_lease_seconds: float = 60.0
    outgoing_max_attempts: int = 8

    # Outside channels (``notify.channels``); each is off until its credentials are set.
    # SMS: one provider — Aliyun SendSms (2017-05-25, RPC signature). ``sms_templates`` maps a
    # message kind to the approved template code: QL_NOTIFY_SMS_TEMPLATES='{"hazard.urge": "SMS_1234"}'.
    sms_provider: Literal["aliyun", "tencent"] | None = None
    sms_base_url: str = "https://dysmsapi.aliyuncs.com"
    sms_access_key_id: str | None = None
    sms_access_key_secret: SecretStr | None = None
    sms_sign_name: str | None = None  # the approved signature, shown as 【…】 before the text
    sms_region_id: str = "cn-hangzhou"
    sms_templates: dict[MessageKind, str] = Field(default_factory=dict)
    sms_timeout_seconds: float = 10.0
    # E-mail over SMTP: STARTTLS on the submission port by default ("tls": implicit TLS, as on
    # 465; "none" only outside production). ``smtp_ca_file`` trusts a private CA besides the system's.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str | None = None  # e.g. 某某县应急管理局 <noreply@example.gov.cn>
    smtp_ca_file: Path | None = None
    smtp_timeout_seconds: float = 15.0
    # WeChat subscription messages (订阅消息) through the mini-program's app — the same
    # QL_WECHAT_APP_ID / QL_WECHAT_APP_SECRET the other services read. ``wechat_templates``
    # maps a message kind to the template id chosen in the mini-program's console.
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_app_id: str | None = None
    wechat_app_secret: SecretStr | None = None
    wechat_templates: dict[MessageKind, str] = Field(default_factory=dict)
    # Per kind, the template's keywords and the message variable each shows, as the template was
    # chosen: QL_NOTIFY_WECHAT_TEMPLATE_DATA='{"tip_off.notice": {"thing1": "what", "time2": "time"}}'.
    # A kind without it sends its variables under their own names.
    wechat_template_data: dict[MessageKind, dict[str, str]] = Field(default_factory=dict)
    wechat_miniprogram_state: Literal["developer", "trial", "formal"] = "formal"
    wechat_timeout_seconds: float = 10.0

    @model_validator(mode="after")
    def _channels_as_built(self) -> Self:
        if self.sms_provider == "tencent":
            raise ValueError("QL_NOTIFY_SMS_PROVIDER=tencent 尚未实现：目前只支持 aliyun（阿里云短信 SendSms）")
        if self.environment is Environment.PRODUCTION and self.smtp_host and self.smtp_security == "none":
            raise ValueError("生产环境的邮件必须加密传输：QL_NOTIFY_SMTP_SECURITY 取 starttls 或 tls")
        return self

    @model_validator(mode="after")
    def _no_private_targets_in_production(self) -> Self:
        if self.environment is Environment.PRODUCTION and self.webhook_allow_private_targets:
            raise ValueError(
                "生产环境不允许 QL_NOTIFY_WEBHOOK_ALLOW_PRIVATE_TARGETS；"
                "确需向内网接收方推送时，用 QL_NOTIFY_WEBHOOK_ALLOWED_NETWORKS 列出可信网段"
            )
        return self
