"""Outbound safety: user-named URLs never reach loopback, private or metadata targets (real sockets)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest
from aiohttp import web

from voapi_desktop.gateway.outbound import (OutboundError, OutboundPolicy, OutboundRefused, fetch,
                                            parse_networks, refusal)

LOCAL = OutboundPolicy(allowed=parse_networks("127.0.0.1"), timeout=5)


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.0.0.2", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "169.254.1.1",
    "169.254.169.254", "fd00:ec2::254", "fe80::1", "fc00::1", "0.0.0.0", "::", "224.0.0.1", "ff02::1",
    "240.0.0.1", "255.255.255.255", "::ffff:127.0.0.1", "::ffff:169.254.169.254", "64:ff9b::7f00:1",
    "2002:7f00:1::1", "100.100.100.200", "198.18.0.1",
])
def test_non_public_addresses_are_refused(address):
    assert refusal(address) is not None


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert refusal(address) is None


def test_metadata_stays_refused_even_when_every_network_is_allowed():
    policy = OutboundPolicy(allowed=parse_networks("0.0.0.0/0,::/0"))
    policy.check("10.0.0.1")
    for address in ("169.254.169.254", "fd00:ec2::254"):
        with pytest.raises(OutboundRefused, match="metadata"):
            policy.check(address)


def test_a_bad_allow_list_entry_is_ignored():
    assert parse_networks("nonsense, 127.0.0.1") == (ipaddress.ip_network("127.0.0.1/32"),)


class Server:
    """A real HTTP server on 127.0.0.1 that records every request it gets."""

    def __init__(self):
        self.hits: list[str] = []
        self.port = 0

    async def __aenter__(self):
        app = web.Application()
        app.router.add_get("/img", self.image)
        app.router.add_get("/big", self.big)
        app.router.add_get("/slow", self.slow)
        app.router.add_get("/to", self.redirect)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc):
        await self.runner.cleanup()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    async def image(self, request):
        self.hits.append(request.path_qs)
        return web.Response(body=b"\x89PNG-bytes", content_type="image/png")

    async def big(self, request):
        self.hits.append(request.path_qs)
        return web.Response(body=b"x" * 5000)

    async def slow(self, request):
        self.hits.append(request.path_qs)
        await asyncio.sleep(3)
        return web.Response(body=b"late")

    async def redirect(self, request):
        self.hits.append(request.path_qs)
        raise web.HTTPFound(request.query["url"])


def run(scenario):
    async def main():
        async with Server() as server:
            return await scenario(server)
    return asyncio.run(main())


def test_an_allowed_local_server_is_fetched():
    async def scenario(server):
        got = await fetch(server.url("/img"), LOCAL)
        assert (got.body, got.content_type) == (b"\x89PNG-bytes", "image/png")
    run(scenario)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "0.0.0.0", "[::ffff:127.0.0.1]", "2130706433",
                                  "0x7f000001", "127.1"])
def test_loopback_is_refused_before_any_connection(host):
    async def scenario(server):
        with pytest.raises(OutboundError):  # numeric forms: aiohttp refuses them as non-canonical first
            await fetch(server.url("/img", host))
        assert server.hits == []
    run(scenario)


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
                                    "http://10.0.0.1/", "http://[::]/"])
def test_metadata_and_private_literals_are_refused(target):
    async def scenario(server):
        with pytest.raises(OutboundRefused):
            await fetch(target, OutboundPolicy(timeout=2))
    run(scenario)


@pytest.mark.parametrize("location", ["http://169.254.169.254/latest/meta-data/", "http://127.0.0.2:{port}/img",
                                      "http://[::1]:{port}/img", "http://10.0.0.1/"])
def test_a_redirect_to_a_private_target_is_refused(location):
    async def scenario(server):
        with pytest.raises(OutboundRefused):
            await fetch(server.url("/to") + "?url=" + location.format(port=server.port), LOCAL)
        assert [hit.split("?")[0] for hit in server.hits] == ["/to"]  # the next hop was never made
    run(scenario)


def test_redirects_are_followed_and_bounded():
    async def scenario(server):
        hop = server.url("/img")
        got = await fetch(server.url(f"/to?url={hop}"), LOCAL)
        assert got.body.startswith(b"\x89PNG") and got.url == hop
        for _ in range(4):
            hop = server.url("/to") + "?url=" + hop.replace("?", "%3F").replace("=", "%3D").replace("&", "%26")
        with pytest.raises(OutboundRefused, match="redirects"):
            await fetch(hop, LOCAL)
    run(scenario)


def test_size_and_time_are_capped():
    async def scenario(server):
        with pytest.raises(OutboundError, match="bigger"):
            await fetch(server.url("/big"), OutboundPolicy(allowed=LOCAL.allowed, max_bytes=1000))
        with pytest.raises(OutboundError, match="did not answer"):
            await fetch(server.url("/slow"), OutboundPolicy(allowed=LOCAL.allowed, timeout=0.5))
    run(scenario)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://127.0.0.1/", "http:///x"])
def test_only_http_urls_with_a_host(url):
    with pytest.raises(OutboundRefused):
        asyncio.run(fetch(url))
