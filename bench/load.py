"""Load generators for the benchmark: a Python asyncio client on raw sockets, and `wrk` when installed.

    python bench/load.py plain  --url http://127.0.0.1:3000/v1/chat/completions --key sk-... -c 16 -d 5
    python bench/load.py stream --url http://127.0.0.1:3000/v1/chat/completions --key sk-... -c 64 -d 5

Every run is bounded twice: no new request after `duration` seconds and never more than `max_requests`;
requests in flight at the deadline are waited for (so the caller knows exactly how many completed),
at most `drain` seconds, after which they are abandoned and counted as such.

- plain: keep-alive connections, one request at a time each, latency per request (send to last byte).
  An asyncio.Protocol per connection with prebuilt request bytes: one process does well over 10,000
  requests/s on one core, several times what the gateway serves. `procs` > 1 splits the connections
  over that many processes (each one this same file) and merges their latencies.
- stream: one stream at a time per connection; per stream the time to first byte (status line), to the
  first content delta (TTFT) and to the end, and whether it ended with `data: [DONE]` and carried usage.
- wrk: `wrk` with bench/wrk_post.lua (POST with the body and key from the environment); bounded by its
  duration. It does not wait for requests in flight at the end, so its count of completed requests is
  a lower bound of what the server handled.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
WRK_SCRIPT = HERE / "wrk_post.lua"
DEFAULT_MODEL = "bench-model"


def chat_body(model: str = DEFAULT_MODEL, stream: bool = False, max_tokens: int = 16) -> bytes:
    body = {"model": model, "messages": [{"role": "user", "content": "Say hello in five words."}],
            "max_tokens": max_tokens}
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body, separators=(",", ":")).encode()


def build_request(url: str, body: bytes, key: str = "") -> tuple[str, int, bytes]:
    """(host, port, raw HTTP/1.1 request bytes) for a keep-alive POST."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        raise ValueError("only http:// URLs (loopback) are supported")
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", "Accept: */*"]
    if key:
        lines.append(f"Authorization: Bearer {key}")
    return host, port, ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(int(round(pct / 100 * len(sorted_values) + 0.5)) - 1, 0)
    return sorted_values[min(rank, len(sorted_values) - 1)]


# ---------------------------------------------------------------------------------------------- plain


@dataclass
class PlainResult:
    ok: int = 0
    errors: int = 0  # answers other than 200, connections that could not be opened
    lost: int = 0  # connection broke with the request unanswered (the server may have handled it)
    abandoned: int = 0  # still unanswered when the drain time ran out
    elapsed: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    statuses: dict[str, int] = field(default_factory=dict)
    request_ids: list[str] = field(default_factory=list)  # X-Request-Id of each 200 (gateway answers)

    @property
    def rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> dict:
        ordered = sorted(self.latencies)
        return {"ok": self.ok, "errors": self.errors, "lost": self.lost, "abandoned": self.abandoned,
                "elapsed": self.elapsed, "rps": self.rps, "p50_ms": percentile(ordered, 50) * 1000,
                "p99_ms": percentile(ordered, 99) * 1000, "statuses": self.statuses}


class _Budget:
    """What all connections of one run share: the deadline, the request allowance, the open slots.

    A slot is one of the `concurrency` connections; when the server closes a connection (saying
    `Connection: close`, as some servers do after a number of requests) the slot goes on with a new
    connection. A slot ends when the budget is spent or a connection cannot be opened.
    """

    def __init__(self, duration: float, max_requests: int, host: str, port: int, factory):
        self.deadline = time.perf_counter() + duration
        self.remaining = max_requests
        self.host, self.port, self.factory = host, port, factory
        self.active = 0
        self.protocols: list = []
        self.connect_failures = 0
        self.finished: asyncio.Future | None = None

    def left(self) -> bool:
        return self.remaining > 0 and time.perf_counter() < self.deadline

    def take(self) -> bool:
        if not self.left():
            return False
        self.remaining -= 1
        return True

    async def open(self) -> None:
        """Open one connection for a slot (that slot ends if it cannot be opened)."""
        try:
            await asyncio.get_running_loop().create_connection(self.factory, self.host, self.port)
        except OSError:
            self.connect_failures += 1
            self.connection_done()

    def connection_done(self) -> None:
        self.active -= 1
        if self.active == 0 and self.finished is not None and not self.finished.done():
            self.finished.set_result(None)


def _head_info(head: bytes) -> tuple[int, int, bool]:
    """(status, content length or -1, chunked) of a response head (lower-cased bytes)."""
    status = int(head[9:12])
    at = head.find(b"\r\ncontent-length:")
    length = -1
    if at >= 0:
        end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17:end if end > 0 else len(head)])
    return status, length, b"\r\ntransfer-encoding: chunked" in head


def _request_id(head: bytes) -> str:
    """The X-Request-Id the gateway put on its answer ("" when none); `head` lower-cased."""
    at = head.find(b"\r\nx-request-id:")
    if at < 0:
        return ""
    end = head.find(b"\r\n", at + 2)
    return head[at + 15:end if end > 0 else len(head)].strip().decode()


class _Connection(asyncio.Protocol):
    """One connection of a slot: one request at a time; hands the slot on when the server closes."""

    def __init__(self, request: bytes, budget: _Budget, result):
        self.request, self.budget, self.result = request, budget, result
        self.transport = None
        self.in_flight = False
        self.done = False  # this connection no longer carries its slot
        self.closing = False  # the server said Connection: close
        self.started = 0.0
        budget.protocols.append(self)

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.next()

    def next(self) -> None:
        if self.closing:
            self.hand_over()
            return
        if not self.budget.take():
            self.finish()
            return
        self.reset()
        self.in_flight = True
        self.started = time.perf_counter()
        self.transport.write(self.request)

    def reset(self) -> None:
        pass

    def finish(self) -> None:
        """The slot is over (budget spent)."""
        if not self.done:
            self.done = True
            self.transport.close()
            self.budget.connection_done()

    def hand_over(self) -> None:
        """This connection is over but the slot is not: go on with a new connection, if any budget is left."""
        if self.done:
            return
        self.done = True
        self.transport.close()
        if self.budget.left():
            asyncio.get_running_loop().create_task(self.budget.open())
        else:
            self.budget.connection_done()

    def lost_in_flight(self) -> None:
        """The connection broke with a request unanswered: neither success nor known failure."""

    def connection_lost(self, exc) -> None:
        if self.in_flight:
            self.in_flight = False
            self.lost_in_flight()
        self.hand_over()


class _PlainConnection(_Connection):
    def __init__(self, request: bytes, budget: _Budget, result: PlainResult):
        super().__init__(request, budget, result)
        self.buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(buffer[:end]).lower()
        status, length, chunked = _head_info(head)
        body_start = end + 4
        if length >= 0:
            if len(buffer) < body_start + length:
                return
            del buffer[:body_start + length]
        elif chunked:
            if not buffer.endswith(b"\r\n0\r\n\r\n") and buffer[body_start:] != b"0\r\n\r\n":
                return
            del buffer[:]
        else:  # a body delimited by the connection closing: wait for connection_lost
            return
        now = time.perf_counter()
        self.in_flight = False
        result = self.result
        key = str(status)
        result.statuses[key] = result.statuses.get(key, 0) + 1
        if status == 200:
            result.ok += 1
            result.latencies.append(now - self.started)
            if b"\r\nx-request-id:" in head:
                result.request_ids.append(_request_id(head))
        else:
            result.errors += 1
        if b"\r\nconnection: close" in head:
            self.closing = True
        self.next()

    def lost_in_flight(self) -> None:
        self.result.lost += 1
        self.result.statuses["lost"] = self.result.statuses.get("lost", 0) + 1


async def _run_connections(budget: _Budget, concurrency: int, drain: float) -> None:
    """Open `concurrency` slots and wait until all are over (at most `drain` s past the deadline)."""
    loop = asyncio.get_running_loop()
    budget.finished = loop.create_future()
    budget.active = concurrency
    for _ in range(concurrency):
        await budget.open()
    if budget.active == 0:
        return
    remaining = budget.deadline - time.perf_counter()
    try:
        await asyncio.wait_for(asyncio.shield(budget.finished), max(remaining, 0) + drain)
    except TimeoutError:
        for protocol in budget.protocols:
            if not protocol.done and protocol.transport is not None:
                protocol.transport.abort()


async def plain_async(url: str, body: bytes, key: str, concurrency: int, duration: float,
                      max_requests: int, drain: float = 30.0) -> PlainResult:
    host, port, request = build_request(url, body, key)
    result = PlainResult()
    budget = _Budget(duration, max_requests, host, port, lambda: _PlainConnection(request, budget, result))
    started = time.perf_counter()
    await _run_connections(budget, concurrency, drain)
    result.elapsed = time.perf_counter() - started
    result.errors += budget.connect_failures
    result.abandoned = sum(1 for protocol in budget.protocols if protocol.in_flight)  # aborted after the drain
    return result


def run_plain(url: str, body: bytes, key: str, concurrency: int, duration: float, max_requests: int,
              procs: int = 1, drain: float = 30.0) -> PlainResult:
    """Closed-loop load: `concurrency` keep-alive connections, each sending the next request on an answer."""
    procs = max(1, min(procs, concurrency))
    if procs == 1:
        return asyncio.run(plain_async(url, body, key, concurrency, duration, max_requests, drain))
    shares = [concurrency // procs + (1 if i < concurrency % procs else 0) for i in range(procs)]
    children = []
    for share in shares:
        command = [sys.executable, str(Path(__file__).resolve()), "plain", "--url", url, "--key", key,
                   "-c", str(share), "-d", str(duration), "-n", str(max(max_requests // procs, 1)),
                   "--body", body.decode(), "--raw", "--drain", str(drain)]
        children.append(subprocess.Popen(command, stdout=subprocess.PIPE, text=True))
    merged = PlainResult()
    for child in children:
        out, _ = child.communicate(timeout=duration + drain + 30)
        part = json.loads(out)
        merged.ok += part["ok"]
        merged.errors += part["errors"]
        merged.lost += part["lost"]
        merged.abandoned += part["abandoned"]
        merged.elapsed = max(merged.elapsed, part["elapsed"])
        merged.latencies.extend(part["latencies"])
        merged.request_ids.extend(part["request_ids"])
        for status, count in part["statuses"].items():
            merged.statuses[status] = merged.statuses.get(status, 0) + count
    return merged


# --------------------------------------------------------------------------------------------- stream


@dataclass
class StreamRecord:
    status: int = 0
    ttfb: float = 0.0  # seconds to the first byte of the response
    ttft: float = 0.0  # seconds to the first content delta (0.0: none seen)
    total: float = 0.0
    done: bool = False  # the last event was data: [DONE]
    usage: bool = False  # a chunk carried usage with prompt_tokens
    events: int = 0
    request_id: str = ""

    @property
    def complete(self) -> bool:
        return self.status == 200 and self.done and self.usage and self.ttft > 0


@dataclass
class StreamResult:
    records: list[StreamRecord] = field(default_factory=list)
    errors: int = 0  # answers other than 200, connections that could not be opened
    lost: int = 0  # connection broke mid-stream (its record is kept, incomplete)
    abandoned: int = 0
    elapsed: float = 0.0

    def summary(self) -> dict:
        good = [r for r in self.records if r.status == 200]
        ttfb = sorted(r.ttfb for r in good)
        ttft = sorted(r.ttft for r in good if r.ttft > 0)
        total = sorted(r.total for r in good)
        complete = sum(r.complete for r in self.records)
        return {"streams": len(self.records), "complete": complete, "incomplete": len(self.records) - complete,
                "errors": self.errors, "lost": self.lost, "abandoned": self.abandoned, "elapsed": self.elapsed,
                "streams_per_s": complete / self.elapsed if self.elapsed > 0 else 0.0,
                "ttfb_p50_ms": percentile(ttfb, 50) * 1000, "ttfb_p99_ms": percentile(ttfb, 99) * 1000,
                "ttft_p50_ms": percentile(ttft, 50) * 1000, "ttft_p99_ms": percentile(ttft, 99) * 1000,
                "total_p50_ms": percentile(total, 50) * 1000, "total_p99_ms": percentile(total, 99) * 1000,
                "missing_done": sum(1 for r in good if not r.done),
                "missing_usage": sum(1 for r in good if not r.usage)}


class _StreamConnection(_Connection):
    """One stream at a time: de-chunk the body, split it into SSE events, time the interesting ones."""

    def __init__(self, request: bytes, budget: _Budget, result: StreamResult):
        super().__init__(request, budget, result)
        self.reset()

    def reset(self) -> None:
        self.raw = bytearray()
        self.head_done = False
        self.chunked = False
        self.length = -1
        self.body_seen = 0
        self.events = bytearray()
        self.record = StreamRecord()
        self.last_event = b""
        self.close_after = False

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        record = self.record
        if not record.ttfb:
            record.ttfb = now - self.started
        self.raw += data
        if not self.head_done:
            end = self.raw.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.raw[:end]).lower()
            record.status, self.length, self.chunked = _head_info(head)
            record.request_id = _request_id(head)
            self.close_after = b"\r\nconnection: close" in head
            del self.raw[:end + 4]
            self.head_done = True
        if self.chunked:
            finished = self._dechunk()
        else:
            self.events += self.raw
            self.body_seen += len(self.raw)
            del self.raw[:]
            finished = self.length >= 0 and self.body_seen >= self.length
        self._read_events(now)
        if finished:
            self._complete(now)

    def _dechunk(self) -> bool:
        raw = self.raw
        while True:
            line_end = raw.find(b"\r\n")
            if line_end < 0:
                return False
            size = int(bytes(raw[:line_end]).split(b";", 1)[0], 16)
            if size == 0:
                if raw.find(b"\r\n\r\n") < 0 and not raw.endswith(b"\r\n\r\n"):
                    return False
                del raw[:]
                return True
            if len(raw) < line_end + 2 + size + 2:
                return False
            self.events += raw[line_end + 2:line_end + 2 + size]
            del raw[:line_end + 2 + size + 2]

    def _read_events(self, now: float) -> None:
        events = self.events
        record = self.record
        while True:
            end = events.find(b"\n\n")
            if end < 0:
                return
            event = bytes(events[:end])
            del events[:end + 2]
            for line in event.split(b"\n"):
                if not line.startswith(b"data:"):
                    continue
                payload = line[5:].strip()
                record.events += 1
                self.last_event = payload
                if payload == b"[DONE]":
                    continue
                if not record.ttft and b'"content"' in payload:
                    try:
                        chunk = json.loads(payload)
                        choices = chunk.get("choices") or []
                        if choices and (choices[0].get("delta") or {}).get("content"):
                            record.ttft = now - self.started
                    except ValueError:
                        pass
                if b'"usage"' in payload:
                    try:
                        usage = json.loads(payload).get("usage")
                    except ValueError:
                        usage = None
                    if isinstance(usage, dict) and usage.get("prompt_tokens"):
                        record.usage = True

    def _complete(self, now: float) -> None:
        record = self.record
        record.total = now - self.started
        record.done = self.last_event == b"[DONE]"
        self.result.records.append(record)
        self.in_flight = False
        if record.status != 200:
            self.result.errors += 1
        self.closing = self.close_after
        self.next()

    def lost_in_flight(self) -> None:
        self.record.total = time.perf_counter() - self.started
        self.result.records.append(self.record)  # counted, and incomplete
        self.result.lost += 1


async def stream_async(url: str, body: bytes, key: str, concurrency: int, duration: float,
                       max_streams: int, drain: float = 30.0) -> StreamResult:
    host, port, request = build_request(url, body, key)
    result = StreamResult()
    budget = _Budget(duration, max_streams, host, port, lambda: _StreamConnection(request, budget, result))
    started = time.perf_counter()
    await _run_connections(budget, concurrency, drain)
    result.elapsed = time.perf_counter() - started
    result.errors += budget.connect_failures
    result.abandoned = sum(1 for protocol in budget.protocols if protocol.in_flight)
    return result


def run_stream(url: str, body: bytes, key: str, concurrency: int, duration: float, max_streams: int,
               drain: float = 30.0) -> StreamResult:
    return asyncio.run(stream_async(url, body, key, concurrency, duration, max_streams, drain))


# ------------------------------------------------------------------------------------------------ wrk


def wrk_path() -> str | None:
    return shutil.which("wrk")


def run_wrk(url: str, body: bytes, key: str, concurrency: int, duration: float, threads: int = 1) -> "WrkResult":
    """wrk with bench/wrk_post.lua; latencies come back as p50/p99 only, request ids through a temp file."""
    ids = tempfile.NamedTemporaryFile(prefix="wrk-ids-", suffix=".txt", delete=False)
    ids.close()
    env = dict(os.environ, WRK_BODY=body.decode(), WRK_AUTH=f"Bearer {key}" if key else "", WRK_IDS=ids.name)
    seconds = max(int(round(duration)), 1)
    command = [wrk_path() or "wrk", "-t", str(max(1, min(threads, concurrency))), "-c", str(concurrency),
               "-d", f"{seconds}s", "--timeout", "10s", "-s", str(WRK_SCRIPT), url]
    try:
        out = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 30).stdout
        request_ids = [line for line in Path(ids.name).read_text().split("\n") if line]
    finally:
        os.unlink(ids.name)
    match = re.search(r"^WRK_JSON (\{.*\})$", out, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no summary:\n{out}")
    data = json.loads(match.group(1))
    result = WrkResult(ok=data["ok"], errors=data["bad"] + data["connect_errors"] + data["read_errors"]
                       + data["write_errors"] + data["timeouts"], elapsed=data["duration_us"] / 1e6)
    result.p50 = data["p50_us"] / 1e6
    result.p99 = data["p99_us"] / 1e6
    result.statuses = {"200": data["ok"], "other": data["bad"]}
    result.request_ids = request_ids
    return result


@dataclass
class WrkResult(PlainResult):
    p50: float = 0.0
    p99: float = 0.0

    def summary(self) -> dict:
        return {"ok": self.ok, "errors": self.errors, "abandoned": self.abandoned, "elapsed": self.elapsed,
                "rps": self.rps, "p50_ms": self.p50 * 1000, "p99_ms": self.p99 * 1000, "statuses": self.statuses}


# ------------------------------------------------------------------------------------------------ CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="benchmark load generator (loopback only)")
    parser.add_argument("mode", choices=("plain", "stream", "wrk"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", default="")
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("-d", "--duration", type=float, default=5.0, help="seconds (new requests stop then)")
    parser.add_argument("-n", "--max-requests", type=int, default=1_000_000)
    parser.add_argument("--procs", type=int, default=1, help="client processes for plain mode")
    parser.add_argument("--body", default="", help="request JSON (default: a small chat request)")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds to wait for requests in flight")
    parser.add_argument("--raw", action="store_true", help="print every latency (for merging)")
    args = parser.parse_args(argv)
    host = urlsplit(args.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        parser.error("loopback URLs only")
    body = args.body.encode() if args.body else chat_body(stream=args.mode == "stream")
    if args.mode == "stream":
        print(json.dumps(run_stream(args.url, body, args.key, args.concurrency, args.duration,
                                    args.max_requests, args.drain).summary()))
    elif args.mode == "wrk":
        print(json.dumps(run_wrk(args.url, body, args.key, args.concurrency, args.duration).summary()))
    else:
        result = run_plain(args.url, body, args.key, args.concurrency, args.duration, args.max_requests,
                           args.procs, args.drain)
        print(json.dumps(asdict(result) if args.raw else result.summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
