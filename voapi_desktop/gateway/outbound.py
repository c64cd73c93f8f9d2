"""Fetch a URL on a user's behalf without letting it reach the gateway's own network (SSRF).

Every URL the gateway downloads because a request or an upstream answer named it (Replicate output
files asked as b64_json; any future image fetch or webhook) goes through `fetch`:

- only http(s); the host is checked **after DNS resolution**, by an aiohttp resolver that drops
  nothing silently: if any address of the name is refused, the fetch is refused. The connector
  connects to the checked addresses only (no second lookup, so DNS rebinding cannot swap them);
  IP-literal hosts (aiohttp never resolves them) are checked before the request;
- refused: loopback, private (RFC 1918, ULA), CGNAT, link-local, multicast, reserved, unspecified
  (0.0.0.0, ::), cloud metadata (169.254.169.254, fd00:ec2::254, ...), and IPv4 addresses wrapped
  in IPv6 (mapped, 6to4, NAT64) by what they wrap;
- redirects are followed by hand, at most `max_redirects`, each hop checked like the first;
- the body is capped (`max_bytes`, counted after decompression) and the whole fetch is timed out;
- no proxy from the environment, no cookies, no credentials: the caller's headers only.

OUTBOUND_ALLOWED_NETWORKS (addresses or CIDR ranges) lets an operator reach a host the rules
refuse, such as an intranet image server; the tests use it for 127.0.0.1. Metadata addresses stay
refused whatever it says. Channel base URLs are set by the operator and are not checked here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from typing import Iterable, Mapping

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

log = logging.getLogger(__name__)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
    "169.254.170.2",    # AWS ECS task credentials
    "fd00:ec2::254",    # AWS IMDS over IPv6
    "100.100.100.200",  # Alibaba Cloud
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
CGNAT = ipaddress.ip_network("100.64.0.0/10")
REDIRECTS = (301, 302, 303, 307, 308)


class OutboundError(Exception):
    """The fetch did not give a body; the message is safe to show the client."""


class OutboundRefused(OutboundError):
    """The URL (or a redirect, or what its name resolves to) is a target the policy refuses."""


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(address: str | IPAddress) -> str | None:
    """Why an address may not be fetched on a user's behalf (None: it may)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0]) if isinstance(address, str) else address
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return refusal(inner)
    if ip in METADATA:
        return "a cloud metadata address"
    checks = (("is_unspecified", "the unspecified address"), ("is_loopback", "a loopback address"),
              ("is_link_local", "a link-local address"), ("is_multicast", "a multicast address"),
              ("is_private", "a private address"), ("is_reserved", "a reserved address"))
    for flag, reason in checks:
        if getattr(ip, flag):
            return reason
    if ip.version == 4 and ip in CGNAT:
        return "a shared (CGNAT) address"
    return None if ip.is_global else "a non-public address"


@dataclass(frozen=True)
class OutboundPolicy:
    """What a fetch may reach and how much it may take."""
    allowed: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 30.0
    max_redirects: int = 3

    @classmethod
    def from_settings(cls, settings: Mapping, **limits) -> "OutboundPolicy":
        return cls(allowed=parse_networks(settings["OUTBOUND_ALLOWED_NETWORKS"]), **limits)

    def check(self, address: str) -> None:
        """Raise OutboundRefused unless the address may be fetched."""
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        reason = refusal(ip)
        if reason is None:
            return
        if ip not in METADATA and any(ip in net for net in self.allowed if net.version == ip.version):
            return
        raise OutboundRefused(f"the URL points at {reason}, which the gateway does not fetch")


def parse_networks(values: Iterable[str] | str) -> tuple:
    """Addresses / CIDR ranges; an entry that is neither is skipped with a warning (never widens the policy)."""
    networks = []
    for value in values.split(",") if isinstance(values, str) else values:
        if value and value.strip():
            try:
                networks.append(ipaddress.ip_network(value.strip(), strict=False))
            except ValueError:
                log.warning("OUTBOUND_ALLOWED_NETWORKS: %r is not an address or CIDR range; ignored", value)
    return tuple(networks)


class GuardedResolver(AbstractResolver):
    """The system resolver, refusing a name when any address it has is refused by the policy."""

    def __init__(self, policy: OutboundPolicy):
        self.policy, self._inner = policy, ThreadedResolver()

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            self.policy.check(result["host"])
        return results

    async def close(self) -> None:
        await self._inner.close()


@dataclass(frozen=True)
class Fetched:
    body: bytes
    content_type: str
    url: str  # after redirects


def _checked_url(url: URL, policy: OutboundPolicy) -> URL:
    if url.scheme not in ("http", "https") or not url.host:
        raise OutboundRefused("only http(s) URLs with a host are fetched")
    try:
        literal = ipaddress.ip_address(url.host.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        policy.check(str(literal))
    return url


async def fetch(url: str, policy: OutboundPolicy = OutboundPolicy(),
                headers: Mapping[str, str] | None = None) -> Fetched:
    """GET `url` under `policy`: the body, or OutboundRefused / OutboundError."""
    try:
        target = URL(url)
    except (ValueError, TypeError) as exc:
        raise OutboundRefused("the URL is malformed") from exc
    connector = aiohttp.TCPConnector(resolver=GuardedResolver(policy), use_dns_cache=False, limit=4)
    try:
        async with asyncio.timeout(policy.timeout):
            async with aiohttp.ClientSession(connector=connector, trust_env=False,
                                             cookie_jar=aiohttp.DummyCookieJar()) as session:
                for _ in range(policy.max_redirects + 1):
                    _checked_url(target, policy)
                    async with session.get(target, headers=dict(headers or {}), allow_redirects=False) as response:
                        if response.status in REDIRECTS:
                            location = response.headers.get("Location")
                            if not location:
                                raise OutboundError(f"HTTP {response.status} without a Location")
                            target = target.join(URL(location))
                            continue
                        if response.status >= 400:
                            raise OutboundError(f"the URL answered HTTP {response.status}")
                        body = await _read_capped(response, policy.max_bytes)
                        return Fetched(body, response.headers.get("Content-Type", ""), str(target))
                raise OutboundRefused(f"more than {policy.max_redirects} redirects")
    except TimeoutError as exc:
        raise OutboundError(f"the URL did not answer within {policy.timeout:g} s") from exc
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        raise OutboundError(f"cannot fetch the URL: {type(exc).__name__}") from exc
    finally:
        await connector.close()


async def _read_capped(response: aiohttp.ClientResponse, limit: int) -> bytes:
    if response.content_length is not None and response.content_length > limit:
        raise OutboundError(f"the body is bigger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise OutboundError(f"the body is bigger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
