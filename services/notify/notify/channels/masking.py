"""Addresses as the delivery log and the logs may show them: enough to tell two recipients apart
and for the recipient to recognise their own, never the whole address."""

from __future__ import annotations

import re

from notify.channels.base import ChannelName

_MOBILE = re.compile(r"^(?:\+?86)?(1\d{2})(\d{4})(\d{4})$")


def mask_phone(phone: str) -> str:
    """138****0001 for a mainland mobile number (with or without +86); otherwise the last four
    digits only."""
    digits = re.sub(r"[\s-]", "", phone)
    if match := _MOBILE.match(digits):
        return f"{match[1]}****{match[3]}"
    return f"****{digits[-4:]}" if len(digits) > 4 else "****"


def mask_email(address: str) -> str:
    """z***@example.com: the first character of the mailbox and the whole domain."""
    local, at, domain = address.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_openid(openid: str) -> str:
    """The openid goes nowhere but WeChat: a log shows its first four characters."""
    return f"{openid[:4]}***" if len(openid) > 8 else "***"


def mask_address(channel: ChannelName, address: str) -> str:
    if channel is ChannelName.SMS:
        return mask_phone(address)
    if channel is ChannelName.EMAIL:
        return mask_email(address)
    return mask_openid(address)
