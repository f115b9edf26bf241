"""The identity service's limits (qingling.limits): password guessing, counted in its own
``limit_counter`` table — user names and addresses as HMACs."""

from __future__ import annotations

from datetime import timedelta

from identity.config import Settings
from identity.database import IdentityModel
from qingling.limits import Guessing, Limit, LimitCounterBase


class LimitCounter(LimitCounterBase, IdentityModel, table=True):
    __tablename__ = "limit_counter"


def login_guessing(settings: Settings) -> Guessing:
    """Wrong passwords: per address (any user name), per user name and address (the lock an
    attacker elsewhere cannot set off against the owner), and per user name from everywhere (a
    ceiling that only slows the addresses that have failed on it). Keyed by the name as typed, so
    an unknown name is counted, and answered, exactly as a known one."""
    window = timedelta(seconds=settings.login_failure_window_seconds)
    return Guessing(
        address=Limit(
            "login-address",
            settings.login_failures_per_address,
            window,
            timedelta(seconds=settings.login_address_delay_seconds),
            timedelta(seconds=settings.login_address_max_delay_seconds),
        ),
        pair=Limit(
            "login-name-address",
            settings.lockout_threshold,
            window,
            timedelta(seconds=settings.lockout_base_seconds),
            timedelta(seconds=settings.lockout_max_seconds),
        ),
        target=Limit("login-name", None, window),
        slows_at=settings.login_account_failures_slow,
    )


def account_group(username: str) -> str:
    """The counters an admin's unlock (or a password reset) of the account clears."""
    return f"account:{username}"
