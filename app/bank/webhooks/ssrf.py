"""Webhook URLs must not become a way into the city's network (SSRF).

Development and test: any http(s) URL (a bank's sandbox usually runs on loopback). Production: `https` only, and
the host must resolve to public addresses only: private, loopback, link-local, CGNAT (100.64/10), multicast,
reserved, unspecified and IPv6 ULA (fc00::/7) addresses are refused, also when wrapped as IPv4-mapped IPv6.

The check runs twice: when the URL is registered, and again on every connection the dispatcher opens
(`GuardedTransport`): the name is resolved, every address checked, and the socket opened to the checked
address itself, so a DNS answer that changes in between (DNS rebinding) cannot slip a private address in. TLS
still verifies the certificate against the host name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore
import httpx

from app.core.config import Settings
from app.core.errors import ValidationFailed

Resolver = Callable[[str, int], Awaitable[list[str]]]
# IANA special-purpose registries (IPv4 and IPv6): nothing in them is a bank's public receiver, whatever
# Python's `is_global` says of a block (192.0.0.8/32, for one, is "global" to it). The IPv6 prefixes that carry
# an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo) are judged by that address (`embedded_ipv4`).
_SPECIAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24", "192.88.99.0/24",
        "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
        "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "3fff::/20",
        "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
    )
)  # fmt: skip
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_TEREDO = ipaddress.ip_network("2001::/32")
_SIX_TO_FOUR = ipaddress.ip_network("2002::/16")
_COMPATIBLE = ipaddress.ip_network("::/96")


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries: mapped, compatible, NAT64, 6to4, Teredo (server and client)."""
    found = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in _COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if any(ip in n for n in _NAT64):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip in _SIX_TO_FOUR and ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip in _TEREDO and ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _public_one(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if any(ip.version == n.version and ip in n for n in _SPECIAL):
        return False
    if ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_reserved:
        return False
    return not ip.is_unspecified and ip.is_global


def is_public(address: str) -> bool:
    """Public only if the address and every IPv4 address embedded in it are outside every special range."""
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64[1]:  # local-use NAT64 (RFC 8215) never leads anywhere public
            return False
        inner = embedded_ipv4(ip)
        if inner:  # mapped, NAT64, 6to4, Teredo: what counts is the IPv4 address it really leads to
            return all(_public_one(v4) for v4 in inner)
    return _public_one(ip)


class AddressNotAllowed(httpcore.ConnectError):
    """Raised on connect: httpx reports it as httpx.ConnectError, logged on the attempt."""


def _refuse(reason_vi: str, reason_en: str) -> ValidationFailed:
    return ValidationFailed("url", reason_vi, reason_en, code="webhook_url_not_allowed")


async def check_webhook_url(url: str, settings: Settings, resolver: Resolver | None = None) -> str:
    """The URL as it will be stored, or a 422 naming `url`."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise _refuse("URL không hợp lệ", "Not a valid URL") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise _refuse("URL phải là http(s)://máy-chủ/...", "The URL must be http(s)://host/...")
    if parsed.userinfo or parsed.fragment:
        raise _refuse("URL không được chứa mật khẩu hay phần #", "No credentials or #fragment in the URL")
    if settings.environment != "production":
        return str(parsed)
    if parsed.scheme != "https":
        raise _refuse("Môi trường chính thức chỉ nhận https", "Production accepts https URLs only")
    host = parsed.host
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        try:
            addresses = await (resolver or system_resolver)(host, parsed.port or 443)
        except OSError as exc:
            raise _refuse(f"Không phân giải được {host}", f"Cannot resolve {host}") from exc
    if not addresses or not all(is_public(a) for a in addresses):
        raise _refuse(
            "Địa chỉ webhook phải là địa chỉ công khai", "The webhook host must resolve to public addresses only"
        )
    return str(parsed)


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await asyncio.wait_for(self._resolver(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}") from exc
        if not addresses or not all(is_public(a) for a in addresses):
            raise AddressNotAllowed(f"{host} resolves to a non-public address: refused")
        return await self._inner.connect_tcp(addresses[0], port, timeout, local_address, socket_options)

    async def connect_unix_socket(self, *args: Any, **kw: Any) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowed("unix sockets are not webhook targets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with its connection pool on the guarded network backend (no proxies from the env)."""

    def __init__(self, resolver: Resolver | None = None, limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(trust_env=False, limits=limits)
        # httpx exposes no network_backend option: build the same pool it would, on our backend
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(resolver or system_resolver),
        )


def webhook_client(settings: Settings, resolver: Resolver | None = None) -> httpx.AsyncClient:
    """The one client a dispatcher sends every delivery with: explicit timeouts, no redirects, no env proxies,
    and in production the address guard on every connection."""
    timeout = httpx.Timeout(settings.webhook_timeout_seconds, connect=min(3.0, settings.webhook_timeout_seconds))
    limits = httpx.Limits(max_connections=max(20, settings.webhook_concurrency * 2), max_keepalive_connections=20)
    transport: httpx.AsyncBaseTransport = (
        GuardedTransport(resolver, limits)
        if settings.environment == "production"
        else httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    )
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": "PhoQR-Webhooks/1"},
    )
