"""The address a limit counts: the peer, IPv4-mapped IPv6 as IPv4, IPv6 per /64; and the doubling wait."""

from datetime import timedelta

import pytest
from starlette.requests import Request

from qingling.limits import Limit, client_address


def _from(host: str | None) -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": [], "client": (host, 1) if host else None})


@pytest.mark.parametrize(
    ("peer", "counted"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),  # rotating within one subscriber's /64 resets nothing
        ("testclient", "testclient"),
        (None, "unknown"),
    ],
)
def test_the_address_a_limit_counts(peer, counted):
    assert client_address(_from(peer)) == counted


def test_the_wait_doubles_up_to_its_cap():
    limit = Limit("x", 5, timedelta(hours=1), timedelta(seconds=60), timedelta(hours=1))
    assert [limit.wait_after(n).total_seconds() for n in (5, 6, 7, 11, 12, 500)] == [60, 120, 240, 3600, 3600, 3600]
