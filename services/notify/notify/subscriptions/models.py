from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from notify.database import NotifyModel


class WechatAuthorisation(NotifyModel, table=True):
    """One-time subscription authorisations a mini-program user has left for one template: each
    tap on "allow" (``wx.requestSubscribeMessage``) the mini-program records adds one, each
    subscription message WeChat accepts uses one, and WeChat's 43101 (none left, as it counts)
    sets it to none. A subscription message is tried only while one is left."""

    __tablename__ = "wechat_authorisation"
    __table_args__ = (UniqueConstraint("subject", "template_id"),)

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(max_length=100)  # wechat:7 — never the openid
    template_id: str = Field(max_length=100)  # the subscription template's id in the mini-program's console
    remaining: int = 0
    granted: int = 0  # taps on "allow" recorded in all
    used: int = 0  # subscription messages sent on them
    updated_at: datetime
