from datetime import datetime

from sqlmodel import Field

from identity.database import IdentityModel


class WechatUser(IdentityModel, table=True):
    """A mini-program user, known by openid only; the session key never leaves WeChat's answer."""

    __tablename__ = "wechat_user"
    id: int | None = Field(default=None, primary_key=True)
    openid: str = Field(max_length=128, unique=True)
    unionid: str | None = Field(default=None, max_length=128)
    created_at: datetime
    last_login_at: datetime
