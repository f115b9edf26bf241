"""Where a webhook may go — so that an enterprise's URL cannot be aimed at our own network (SSRF).

A URL is checked when it is subscribed, when it is pinged, and at every delivery. At delivery the
check is part of making the connection: the client's resolver (aiohttp's extension point for looking
names up) resolves the name once, refuses it if any address it resolves to is not a public one, and
the client opens the TCP connection to the very address it checked — so an answer that changes
between check and connect (DNS rebinding) changes nothing. (A connection kept alive in the pool, for
seconds, was opened to an address checked then; every new one is checked anew.) TLS still verifies
the certificate against the URL's name (SNI and ``Host`` are the URL's, as aiohttp sets them);
redirects are not followed; environment proxies are not used (a proxy would make the connection we
check). URLs are read by the parser the client connects with (yarl), so the check and the connection
never disagree on the host.

Refused: loopback, link-local (169.254/16 — cloud metadata — and fe80::/10), private (RFC 1918,
fc00::/7), shared address space (100.64/10), multicast, unspecified, reserved and documentation
ranges, the same addresses inside IPv6 transition forms (IPv4-mapped, 6to4, NAT64, Teredo); and by
name, before any lookup: names without a dot (``postgres``, ``identity`` — a search domain or a
container network would resolve them), the reserved local names (``localhost``, ``*.local``,
``*.internal`` …), the names of this deployment's own services and the host of its gateway.
``webhook_allow_private_targets`` lets loopback and private addresses through (local receivers, for
the demo and tests; refused in production); ``webhook_allowed_networks`` names networks a deployment
trusts as receivers (an enterprise's line on a private network).

Whatever fails — a refused address, a name that does not resolve, a closed port, a timeout, a failed
handshake — the delivery log says only ``CONNECT_FAILED``: telling them apart would let a subscriber
map which addresses and ports answer. The server's own log has the reason."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TYPE_CHECKING

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from qingling.settings import Environment

if TYPE_CHECKING:
    from notify.config import Settings

IPAddress = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
# Answers the addresses a host name stands for (the system's resolver; a test's in tests).
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]

CONNECT_FAILED = "无法连接接收地址"
NOT_PUBLIC = "须为公网上的接收地址，不能指向本机、内网地址或本系统的服务"
HTTPS_ONLY = "须使用 https"

# RFC 6761, 6762, 8375 and ICANN's reserved .internal: names that never mean a public host.
LOCAL_SUFFIXES = ("localhost", "local", "localdomain", "internal", "home.arpa", "invalid", "test")
NAT64 = IPv6Network("64:ff9b::/96")
SHARED = IPv4Network("100.64.0.0/10")  # carrier-grade NAT: not public, not RFC 1918 either


class TargetRefused(OSError):
    """Not a place a webhook may go. ``reason`` is for the subscriber at subscription (Chinese);
    the exception's text is for the server's log."""

    def __init__(self, message: str, reason: str = NOT_PUBLIC) -> None:
        super().__init__(message)
        self.reason = reason


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # an IPv6 link-local answer may carry its zone ("fe80::1%eth0"): the address is what counts
    return [ip_address(str(sockaddr[0]).split("%", 1)[0]) for *_, sockaddr in infos]


def _embedded(address: IPAddress) -> list[IPv4Address]:
    """The IPv4 addresses an IPv6 address leads to by a transition mechanism."""
    if isinstance(address, IPv4Address):
        return []
    found = [address.ipv4_mapped, address.sixtofour]
    if address in NAT64:
        found.append(IPv4Address(address.packed[-4:]))
    if address.teredo:
        found.extend(address.teredo)
    return [a for a in found if a is not None]


@dataclass(frozen=True)
class TargetPolicy:
    https_only: bool
    allow_private: bool  # loopback, RFC 1918, unique-local and shared addresses: local receivers
    allowed_networks: tuple[Network, ...]
    internal_hosts: frozenset[str]

    @classmethod
    def of(cls, settings: Settings) -> TargetPolicy:
        own = {settings.peer_url, settings.jwks_url or ""}
        names = {*settings.webhook_internal_hosts, *(URL(u).host for u in own if u)}
        return cls(
            https_only=settings.environment is Environment.PRODUCTION,
            allow_private=settings.webhook_allow_private_targets,
            allowed_networks=tuple(settings.webhook_allowed_networks),
            internal_hosts=frozenset(_normal(n) for n in names if n),
        )

    def check_url(self, url: str) -> tuple[str, int]:
        """The URL's host (as it is looked up and connected to) and port, or ``TargetRefused``.
        An address written in the URL is checked here: the client connects to it without asking
        the resolver."""
        try:
            parsed = URL(url)
        except (TypeError, ValueError) as exc:
            raise TargetRefused(f"not a URL: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.raw_host:
            raise TargetRefused(f"not an http(s) URL: {parsed.scheme}")
        if self.https_only and parsed.scheme != "https":
            raise TargetRefused("http in production", HTTPS_ONLY)
        host = parsed.raw_host
        self.check_name(host)
        if (literal := _literal(host)) is not None:
            self.check_address(literal)
        return host, parsed.port or (443 if parsed.scheme == "https" else 80)

    def check_name(self, host: str) -> None:
        if _literal(host) is not None:
            return
        name = _normal(host)
        if "." not in name or name in self.internal_hosts:
            raise TargetRefused(f"internal name {host!r}")
        if any(name == suffix or name.endswith("." + suffix) for suffix in LOCAL_SUFFIXES):
            raise TargetRefused(f"local name {host!r}")

    def check_address(self, address: IPAddress) -> None:
        for each in (address, *_embedded(address)):
            if each.is_unspecified or each.is_multicast or each.is_link_local:
                raise TargetRefused(f"address {address} is not a receiver's")
        if any(address in network for network in self.allowed_networks if network.version == address.version):
            return
        for each in (address, *_embedded(address)):
            local = each.is_loopback or each.is_private or each in SHARED
            if not each.is_global and not (self.allow_private and local):
                raise TargetRefused(f"address {address} is not public")


class WebhookTargets:
    """The check of where webhooks go, and the HTTP transport that connects only where it allows.
    ``resolver`` is the adapter that turns names into addresses."""

    def __init__(self, policy: TargetPolicy, resolver: Resolver = system_resolver) -> None:
        self.policy = policy
        self.resolver = resolver

    async def addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses to connect to for ``host``: every one it resolves to, each allowed."""
        literal = _literal(host)
        self.policy.check_name(host)
        found = [literal] if literal is not None else await self.resolver(host, port)
        if not found:
            raise OSError(f"{host!r} resolves to nothing")
        for address in found:
            self.policy.check_address(address)
        return found

    async def check(self, url: str, resolve_within: float) -> None:
        """At subscription and ping: refuses what is not allowed now. A name that does not resolve
        (yet) is let through — it is checked again, and connected to only if allowed, at delivery."""
        host, port = self.policy.check_url(url)
        try:
            async with asyncio.timeout(resolve_within):
                await self.addresses(host, port)
        except TargetRefused:
            raise
        except (OSError, TimeoutError):
            return

    def session(self, timeout_seconds: float) -> aiohttp.ClientSession:
        """The HTTP client webhooks are sent with: it connects only where this allows. Every
        connection it may open is kept alive for a while — a wave of reminders sends to the same
        receivers pass after pass, and a connection closed after each would be opened, resolved
        and checked again for the next; names are looked up (and checked) for each new one."""
        connector = aiohttp.TCPConnector(
            resolver=_CheckedResolver(self), use_dns_cache=False, limit=100, keepalive_timeout=5.0
        )
        timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        return aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False, auto_decompress=False)


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def _normal(name: str) -> str:
    return name.strip().lower().rstrip(".")


class _CheckedResolver(AbstractResolver):
    """aiohttp's resolver: the addresses of a name, each checked; the connector connects to them
    as given (numeric: no second look-up)."""

    def __init__(self, targets: WebhookTargets) -> None:
        self._targets = targets

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._targets.addresses(host, port)
        return [
            ResolveResult(
                hostname=host, host=str(address), port=port, proto=0, flags=socket.AI_NUMERICHOST,
                family=socket.AF_INET if address.version == 4 else socket.AF_INET6,
            )
            for address in found
        ]  # fmt: skip

    async def close(self) -> None:
        return None
