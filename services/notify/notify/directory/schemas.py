"""What the directory answers: the people of a place and how each can be reached."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qingling.directory import ContactRole

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")

Channel = Literal["sms", "wechat", "email"]


class Contact(BaseModel):
    """One person at a place. The phone, e-mail address and openid are left out of ``repr`` (and
    so of any log line that prints a contact): they go to a channel's provider and nowhere else."""

    model_config = ConfigDict(frozen=True)

    place: str  # where they were found: "enterprise:<credit code>", "department:<region>:<kind>" …
    role: ContactRole  # principal | actual_controller | safety_manager | account | wechat_user
    title: str  # 主要负责人, 实际控制人, 安全管理负责人, or an account's role titles (监管人员、部门负责人)
    name: str  # "" for a mini-program user
    subject: str | None = None  # "account:12", "wechat:7": whose preferences apply; None for register people
    phone: str | None = Field(default=None, repr=False)
    email: str | None = Field(default=None, repr=False)
    openid: str | None = Field(default=None, repr=False)

    @property
    def mobile(self) -> str | None:
        """The phone if it can take an SMS: register phones may be landlines (0572-8012345)."""
        return self.phone if self.phone and _MOBILE.match(self.phone) else None

    def address(self, channel: Channel) -> str | None:
        """Where a message on ``channel`` goes, or None when this person cannot be reached on it."""
        return {"sms": self.mobile, "wechat": self.openid, "email": self.email}[channel]
