"""Where a webhook may go — so that an enterprise's URL cannot be aimed at our own network (SSRF).

A URL is checked when it is subscribed, when it is pinged, and at every delivery. At delivery the
check is part of making the connection: the client's network backend resolves the name once,
refuses it if any address it resolves to is not a public one, and opens the TCP connection to
the very address it checked — so an answer that changes between check and connect (DNS
rebinding) changes nothing. (A connection kept alive in the pool, for seconds, was opened to an
address checked then; every new one is checked anew.) TLS still verifies the certificate against
the URL's name (SNI and ``Host`` are the URL's, as httpcore sets them); redirects are not
followed; environment proxies are not used (a proxy would make the connection we check).

Refused: loopback, link-local (169.254/16 — cloud metadata — and fe80::/10), private (RFC 1918,
fc00::/7), shared address space (100.64/10), multicast, unspecified, reserved and documentation
ranges, the same addresses inside IPv6 transition forms (IPv4-mapped, 6to4, NAT64, Teredo); and
by name, before any lookup: names without a dot (``postgres``, ``identity`` — a search domain or
a container network would resolve them), the reserved local names (``localhost``, ``*.local``,
``*.internal`` …), the names of this deployment's own services and the host of its gateway.
``webhook_allow_private_targets`` lets loopback and private addresses through (local receivers,
for the demo and tests; refused in production); ``webhook_allowed_networks`` names networks a
deployment trusts as receivers (an enterprise's line on a private network).

Whatever fails — a refused address, a name that does not resolve, a closed port, a timeout, a
failed handshake — the delivery log says only ``CONNECT_FAILED``: telling them apart would let a
subscriber map which addresses and ports answer. The server's own log has the reason."""

from __future__ import annotations

import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TYPE_CHECKING

import anyio
import httpcore
import httpx

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


class TargetRefused(httpx.ConnectError):
    """Not a place a webhook may go. ``reason`` is for the subscriber at subscription (Chinese);
    the exception's text is for the server's log."""

    def __init__(self, message: str, reason: str = NOT_PUBLIC) -> None:
        super().__init__(message)
        self.reason = reason


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
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
        names = {*settings.webhook_internal_hosts, *(httpx.URL(u).host for u in own if u)}
        return cls(
            https_only=settings.environment is Environment.PRODUCTION,
            allow_private=settings.webhook_allow_private_targets,
            allowed_networks=tuple(settings.webhook_allowed_networks),
            internal_hosts=frozenset(_normal(n) for n in names if n),
        )

    def check_url(self, url: str) -> tuple[str, int]:
        """The URL's host (as it is looked up and connected to) and port, or ``TargetRefused``."""
        try:
            parsed = httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise TargetRefused(f"not a URL: {exc}") from exc
        if parsed.scheme not in ("http", "https") or not parsed.raw_host:
            raise TargetRefused(f"not an http(s) URL: {parsed.scheme}")
        if self.https_only and parsed.scheme != "https":
            raise TargetRefused("http in production", HTTPS_ONLY)
        host = parsed.raw_host.decode("ascii")
        self.check_name(host)
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
            raise httpx.ConnectError(f"{host!r} resolves to nothing")
        for address in found:
            self.policy.check_address(address)
        return found

    async def check(self, url: str, resolve_within: float) -> None:
        """At subscription and ping: refuses what is not allowed now. A name that does not resolve
        (yet) is let through — it is checked again, and connected to only if allowed, at delivery."""
        host, port = self.policy.check_url(url)
        try:
            with anyio.fail_after(resolve_within):
                await self.addresses(host, port)
        except TargetRefused:
            raise
        except (OSError, TimeoutError, httpx.ConnectError):
            return

    def transport(self) -> httpx.AsyncBaseTransport:
        return _CheckedTransport(_CheckedBackend(self))


def _literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def _normal(name: str) -> str:
    return name.strip().lower().rstrip(".")


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend (its extension point for opening connections): resolves and
    checks, then connects to the checked address."""

    def __init__(self, targets: WebhookTargets) -> None:
        self._targets = targets
        self._network = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self._targets.addresses(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host!r} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"resolving {host!r}: {exc}") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._network.connect_tcp(
                    str(address), port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: object = None,
    ) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("unix sockets are not receivers")

    async def sleep(self, seconds: float) -> None:
        await self._network.sleep(seconds)


class _CheckedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool built on the checking backend. httpx has no
    parameter for the network backend (httpcore's pool has), so the pool it made is replaced by
    one made the same way (httpx's default TLS context and limits, HTTP/1.1, no proxy)."""

    def __init__(self, backend: _CheckedBackend) -> None:
        super().__init__(trust_env=False)
        # Every connection it may open is kept alive: a wave of reminders sends to the same
        # receivers pass after pass, and a connection closed after each would be opened, resolved
        # and checked again for the next (the churn cost more than the requests).
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=5.0)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )
