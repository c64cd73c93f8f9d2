"""IP allow lists (per API key): parse once, match client addresses quickly."""

from __future__ import annotations

import functools
import ipaddress
import re

_SEPARATORS = re.compile(r"[\s,]+")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AllowList:
    """A set of IPv4/IPv6 networks; an empty list allows every address."""

    __slots__ = ("networks", "_v4", "_v6")

    def __init__(self, networks: tuple[Network, ...] = ()) -> None:
        self.networks = networks
        # (network, mask) integer pairs: a bitwise test per rule beats `addr in net`.
        self._v4 = tuple(_as_ints(n) for n in networks if n.version == 4)
        self._v6 = tuple(_as_ints(n) for n in networks if n.version == 6)

    def allows(self, ip: str) -> bool:
        """True when ip is in one of the networks, or the list is empty."""
        if not self.networks:
            return True
        parsed = _address(ip)
        if parsed is None:
            return False
        version, value = parsed
        rules = self._v4 if version == 4 else self._v6
        return any(value & mask == net for net, mask in rules)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def __len__(self) -> int:
        return len(self.networks)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AllowList) and self.networks == other.networks

    def __hash__(self) -> int:
        return hash(self.networks)

    def __str__(self) -> str:
        return "\n".join(_format(n) for n in self.networks)

    def __repr__(self) -> str:
        return f"AllowList({str(self)!r})"


def parse_allow_list(text: str) -> AllowList:
    """Parse addresses/CIDRs separated by newlines, commas or spaces."""
    networks: dict[Network, None] = {}  # ordered, without duplicates
    for entry in _SEPARATORS.split(text.strip()):
        if entry:
            networks[_parse_entry(entry)] = None
    return AllowList(tuple(networks))


def _parse_entry(entry: str) -> Network:
    try:
        # strict=False: "10.1.2.3/8" means 10.0.0.0/8, which is what people mean.
        net = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        raise ValueError(f"invalid IP address or CIDR range in allow list: {entry!r}") from None
    mapped = net.network_address.ipv4_mapped if net.version == 6 else None
    if mapped is not None and net.prefixlen >= 96:
        # Clients are matched as IPv4, so an IPv4-mapped rule must be IPv4 too.
        return ipaddress.IPv4Network((mapped, net.prefixlen - 96))
    return net


def _as_ints(net: Network) -> tuple[int, int]:
    return int(net.network_address), int(net.netmask)


def _format(net: Network) -> str:
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


@functools.lru_cache(maxsize=4096)
def _address(ip: str) -> tuple[int, int] | None:
    """(version, integer) of an address as text (IPv4-mapped IPv6 as IPv4); None when it is not one.
    Cached: the same few client addresses are checked on every request."""
    try:
        addr = ipaddress.ip_address(ip.strip().strip("[]"))
    except ValueError:
        return None
    if addr.version == 6 and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.version, int(addr)
