"""Which HTTP client should the gateway use upstream? Each candidate, alone, against the fake upstream.

    python bench/upstream_clients.py [--duration 5] [--concurrency 16]

One client process per candidate, pinned to the first CPU (the fake upstream gets the other),
sends the benchmark's chat request at a fixed concurrency for `--duration` seconds over
keep-alive connections, on uvloop when it is installed. Printed per client: requests per second
and the client process's CPU time per request, which is what the client would cost the gateway.
Candidates: aiohttp (what the gateway uses), httpx with its default transport, and httpx with
an aiohttp-backed transport (package httpx-aiohttp; skipped when it is not installed).
Loopback only, bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
BODY = json.dumps({"model": "bench-model", "messages": [{"role": "user", "content": "hi"}]}).encode()
CLIENTS = ("aiohttp", "httpx", "httpx-aiohttp")


async def _aiohttp(url: str, concurrency: int, until: float) -> int:
    import aiohttp
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        async def worker() -> int:
            done = 0
            while time.monotonic() < until:
                async with session.post(url, data=BODY, headers={"Content-Type": "application/json"}) as answer:
                    await answer.read()
                done += 1
            return done
        return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))


async def _httpx(url: str, concurrency: int, until: float, transport=None) -> int:
    import httpx
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, transport=transport, timeout=30) as client:
        async def worker() -> int:
            done = 0
            while time.monotonic() < until:
                answer = await client.post(url, content=BODY, headers={"Content-Type": "application/json"})
                answer.read()
                done += 1
            return done
        return sum(await asyncio.gather(*(worker() for _ in range(concurrency))))


async def _httpx_aiohttp(url: str, concurrency: int, until: float) -> int:
    from httpx_aiohttp import AiohttpTransport
    return await _httpx(url, concurrency, until, transport=AiohttpTransport())


def run_client(name: str, url: str, concurrency: int, duration: float) -> None:
    """In the child process: drive the load, print one JSON line."""
    try:
        import uvloop
        factory = uvloop.new_event_loop
    except ImportError:
        factory = None
    main = {"aiohttp": _aiohttp, "httpx": _httpx, "httpx-aiohttp": _httpx_aiohttp}[name]
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main(url, concurrency, time.monotonic() + 0.5))  # warm-up: connections, imports
        cpu, wall = time.process_time(), time.monotonic()
        count = runner.run(main(url, concurrency, time.monotonic() + duration))
        cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    print(json.dumps({"client": name, "requests": count, "rps": count / wall, "cpu_ms": 1000 * cpu / max(count, 1)}))


def _available(name: str) -> bool:
    module = {"aiohttp": "aiohttp", "httpx": "httpx", "httpx-aiohttp": "httpx_aiohttp"}[name]
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def _pinned(cpu: int | None) -> list[str]:
    return ["taskset", "-c", str(cpu)] if cpu is not None and os.path.exists("/usr/bin/taskset") else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per client (default 5)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--child", nargs=2, metavar=("CLIENT", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_client(args.child[0], args.child[1], args.concurrency, args.duration)
        return 0
    cpus = sorted(os.sched_getaffinity(0))
    client_cpu, upstream_cpu = (cpus[0], cpus[1]) if len(cpus) > 1 else (None, None)
    upstream = subprocess.Popen(_pinned(upstream_cpu) + [sys.executable, str(HERE / "fake_upstream.py"), "--port", "0"],
                                stdout=subprocess.PIPE, text=True)
    try:
        port = int(upstream.stdout.readline().split()[-1])
        url = f"http://127.0.0.1:{port}/v1/chat/completions"
        print(f"{'client':<15}{'RPS':>10}{'CPU ms/req':>12}   (concurrency {args.concurrency}, {args.duration:g} s each)")
        for name in CLIENTS:
            if not _available(name):
                print(f"{name:<15}{'skipped: not installed':>34}")
                continue
            done = subprocess.run(_pinned(client_cpu) + [sys.executable, __file__, "--child", name, url,
                                                         "--duration", str(args.duration),
                                                         "--concurrency", str(args.concurrency)],
                                  capture_output=True, text=True, timeout=args.duration + 60)
            if done.returncode != 0:
                print(f"{name:<15} failed: {done.stderr.strip().splitlines()[-1:]}")
                continue
            result = json.loads(done.stdout.strip().splitlines()[-1])
            print(f"{name:<15}{result['rps']:>10,.0f}{result['cpu_ms']:>12.3f}")
    finally:
        upstream.terminate()
        upstream.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
