"""The gateway benchmark, in one command: direct to a fake upstream vs through `voapi-desktop serve`.

    python bench/run.py            # the full run (about 85 s; under 3 minutes)
    python bench/run.py --smoke    # about 5 s of load (CI)

What it does, everything on 127.0.0.1:
1. a temp data dir; bench/fake_upstream.py on a free port;
2. configures the gateway with the CLI only: a channel pointing at the fake upstream, a priced model,
   a user with a known quota, a token limited in quota, models and source IPs, and the relay rate limit
   (very high) and sensitive-word check turned on where those settings exist;
3. starts `taskset -c <cpu0> voapi-desktop serve --port 0` and measures start to ready (until
   GET /api/status answers) and the idle RSS;
4. non-stream at concurrency 1, 16 and 64, then 64 concurrent streams: each time straight to the fake
   upstream, then through the gateway, with the same client (wrk + bench/wrk_post.lua for non-stream
   when `wrk` is installed, else bench/load.py's asyncio client; streams always with the Python client);
   the gateway's CPU time per request from /proc/PID/stat, its peak RSS from /proc/PID/status;
5. stops the gateway with SIGTERM and checks the books with the project's store functions: every
   completed request's X-Request-Id has its consume log, one log per request, balance == initial - sum
   of consume logs (user and token), no reservation left over. The exit code is 1 when they do not
   reconcile, 2 when the run itself failed; missed performance targets only print MISS.

CPU placement on a 2-core machine: the gateway gets the first allowed CPU; this process (the load
generator) and the fake upstream share the other one. With one CPU nothing is pinned.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import load  # noqa: E402  (bench/load.py, next to this file)

MODEL = "bench-model"
USER, PASSWORD = "bench", "bench-password-1"
USER_QUOTA = 2_000_000_000
TOKEN_QUOTA = 1_000_000_000
UPSTREAM_KEY = "sk-fake-upstream-key"
SENSITIVE_WORDS = "forbidden-word-one\nforbidden-word-two\nforbidden-word-three"
# (setting, value) tried in order; a setting this version does not have is reported and skipped.
OPTIONS = [
    ("GLOBAL_RELAY_RATE_LIMIT_ENABLE", "true"),
    ("GLOBAL_RELAY_RATE_LIMIT", "1000000000"),
    ("GLOBAL_RELAY_RATE_LIMIT_DURATION", "60"),
    ("CHECK_SENSITIVE_ENABLED", "true"),
    ("CHECK_SENSITIVE_ON_PROMPT_ENABLED", "true"),
    ("SENSITIVE_WORDS", SENSITIVE_WORDS),
    ("LOG_CONSUME_ENABLED", "true"),
]
TARGETS = {"rps_c16": 2000.0, "added_p50_c1_ms": 1.0, "added_ttft_p50_ms": 15.0, "idle_rss_mb": 80.0,
           "after_rss_mb": 120.0, "ready_s": 1.5}
CLK_TCK = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    pass


# ------------------------------------------------------------------------------------------ processes


def cpu_plan(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(gateway CPUs, load CPUs): the first allowed CPU for the gateway, the rest for everything else."""
    allowed = sorted(os.sched_getaffinity(0))
    if not pin or len(allowed) < 2:
        return None, None
    return {allowed[0]}, set(allowed[1:])


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_ticks(cpus: set[int] | None) -> tuple[int, int]:
    """(busy, total) jiffies of these CPUs (all CPUs when None), from /proc/stat."""
    busy = total = 0
    with open("/proc/stat") as f:
        for line in f:
            if not line.startswith("cpu"):
                break
            name, *values = line.split()
            if (cpus is None and name == "cpu") or (cpus is not None and name[3:] in {str(c) for c in cpus}):
                numbers = [int(v) for v in values[:8]]
                total += sum(numbers)
                busy += sum(numbers) - numbers[3] - numbers[4]  # minus idle and iowait
    return busy, total


def proc_memory_mb(pid: int) -> dict[str, float]:
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, amount = line.split(":", 1)
                values[name] = int(amount.split()[0]) / 1024
    return values


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("voapi-desktop")
    if script.exists():
        return [str(script)]
    found = shutil.which("voapi-desktop")
    return [found] if found else [sys.executable, "-m", "voapi_desktop.cli"]


def bench_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SQL_DSN", "LOG_SQL_DSN", "REDIS_CONN_STRING")}
    env["DATA_DIR"] = str(data_dir)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(cli_command() + list(args), env=env, capture_output=True, text=True, timeout=60)


def wait_for_line(path: Path, prefix: str, process: subprocess.Popen, timeout: float) -> str:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if path.exists():
            for line in path.read_text(errors="replace").splitlines():
                if line.startswith(prefix):
                    return line
        if process.poll() is not None:
            raise BenchError(f"{process.args[0]} exited with {process.returncode} before printing {prefix!r}")
        time.sleep(0.003)
    raise BenchError(f"no {prefix!r} line within {timeout} s")


def http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def stop_process(process: subprocess.Popen, timeout: float = 30.0) -> int | None:
    """SIGTERM one process we started (by its PID), SIGKILL it if it does not exit in time."""
    if process.poll() is not None:
        return process.returncode
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
        return None


# ------------------------------------------------------------------------------------------- the run


@dataclass
class Phase:
    name: str  # "plain" or "stream"
    path: str  # "direct" or "gateway"
    concurrency: int
    summary: dict
    cpu_ms_per_req: float | None = None
    gateway_cpu_pct: float | None = None
    client_cpu_pct: float | None = None
    upstream_requests: int | None = None
    upstream_cpu_ms_per_req: float | None = None
    others_cpu_pct: float | None = None  # the gateway's CPU: share used by other processes meanwhile


@dataclass
class Run:
    args: argparse.Namespace
    work: Path
    gateway_cpus: set[int] | None
    load_cpus: set[int] | None
    client: str
    upstream: subprocess.Popen | None = None
    upstream_port: int = 0
    gateway: subprocess.Popen | None = None
    gateway_port: int = 0
    key: str = ""
    options: dict = field(default_factory=dict)
    ready_s: float = 0.0
    setup_s: float = 0.0
    cpu_check: list = field(default_factory=lambda: [None, None])
    idle_mem: dict = field(default_factory=dict)
    after_mem: dict = field(default_factory=dict)
    phases: list[Phase] = field(default_factory=list)
    gateway_ok: int = 0  # requests the clients saw completed through the gateway (200)
    gateway_streams_ok: int = 0
    gateway_uncertain: int = 0  # requests the server may have handled unseen (wrk's in flight at its end, lost)
    gateway_streams_uncertain: int = 0
    gateway_ids: list[str] = field(default_factory=list)  # X-Request-Id of every completed gateway request
    stop_s: float = 0.0
    stop_code: int | None = None
    ledger: dict = field(default_factory=dict)

    @property
    def data_dir(self) -> Path:
        return self.work / "data"

    def url(self, path: str) -> str:
        port = self.gateway_port if path == "gateway" else self.upstream_port
        return f"http://127.0.0.1:{port}/v1/chat/completions"

    def key_for(self, path: str) -> str:
        return self.key if path == "gateway" else UPSTREAM_KEY

    # --------------------------------------------------------------------------------- setup

    def start_upstream(self) -> None:
        out = self.work / "upstream.out"
        command = [sys.executable, str(HERE / "fake_upstream.py"), "--port", "0", "--chunks",
                   str(self.args.chunks), "--delay-ms", str(self.args.delay_ms)]
        with open(out, "w") as stdout:
            self.upstream = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT)
        line = wait_for_line(out, "listening on ", self.upstream, 10)
        self.upstream_port = int(line.split()[-1])

    def configure(self) -> None:
        env = bench_env(self.data_dir)
        steps = [
            ("channel", "add", "--type", "OpenAI", "--name", "fake-upstream", "--key", UPSTREAM_KEY,
             "--base-url", f"http://127.0.0.1:{self.upstream_port}", "--models", MODEL),
            ("price", "set", MODEL, "--ratio", "1", "--completion-ratio", "2"),
            ("user", "add", "--username", USER, "--password", PASSWORD, "--quota", str(USER_QUOTA)),
        ]
        for step in steps:
            done = run_cli(env, *step)
            if done.returncode:
                raise BenchError(f"voapi-desktop {' '.join(step[:2])} failed: {done.stderr.strip()}")
        created = run_cli(env, "token", "create", "--name", "bench", "--user", USER, "--quota", str(TOKEN_QUOTA),
                          "--models", MODEL, "--allow-ips", "127.0.0.1", "--json")
        if created.returncode:
            raise BenchError(f"voapi-desktop token create failed: {created.stderr.strip()}")
        self.key = json.loads(created.stdout)["key"]
        for name, value in OPTIONS:
            if name in self.args.skip_option:
                self.options[name] = "skipped"
                continue
            done = run_cli(env, "option", "set", name, value)
            self.options[name] = "on" if done.returncode == 0 else "not available: " + (
                done.stderr.strip().splitlines() or ["?"])[-1]

    def start_gateway(self) -> None:
        out, err = self.work / "gateway.out", self.work / "gateway.err"
        command = cli_command() + ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", str(self.data_dir)]
        preexec = None
        if self.gateway_cpus:
            if shutil.which("taskset"):
                command = ["taskset", "-c", ",".join(map(str, sorted(self.gateway_cpus)))] + command
            else:
                cpus = set(self.gateway_cpus)
                preexec = lambda: os.sched_setaffinity(0, cpus)  # noqa: E731 (same effect as taskset)
        started = time.perf_counter()
        with open(out, "w") as stdout, open(err, "w") as stderr:
            self.gateway = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=bench_env(self.data_dir),
                                            preexec_fn=preexec)
        line = wait_for_line(out, "serving on ", self.gateway, 30)
        self.gateway_port = int(line.rsplit(":", 1)[1])
        deadline = time.perf_counter() + 30
        while True:
            try:
                status, _ = http_get(self.gateway_port, "/api/status", 1.0)
                if status == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() > deadline:
                raise BenchError("the gateway never answered /api/status")
            time.sleep(0.003)
        self.ready_s = time.perf_counter() - started

    def upstream_count(self) -> int:
        return json.loads(http_get(self.upstream_port, "/stats")[1])["requests"]

    # ------------------------------------------------------------------------------- measure

    def measure(self, name: str, path: str, concurrency: int, duration: float, warmup: bool = False) -> Phase:
        gateway = path == "gateway"
        url, key = self.url(path), self.key_for(path)
        pid = self.gateway.pid
        upstream_before = self.upstream_count()
        up_cpu_before = proc_cpu_seconds(self.upstream.pid)
        gw_cpu_before = proc_cpu_seconds(pid)
        gw_core_before = cpu_ticks(self.gateway_cpus)
        client_before = resource.getrusage(resource.RUSAGE_SELF)
        wall_before = time.perf_counter()
        limit = self.args.max_requests
        if name == "stream":
            result = load.run_stream(url, load.chat_body(stream=True), key, concurrency, duration, limit,
                                     self.args.drain)
            summary = result.summary()
            done = summary["streams"]
            if gateway:
                served = [r for r in result.records if r.status == 200]
                self.gateway_ok += len(served)
                self.gateway_streams_ok += len(served)
                self.gateway_ids.extend(r.request_id for r in served)
                self.gateway_uncertain += summary["abandoned"] + summary["lost"]
                self.gateway_streams_uncertain += summary["abandoned"] + summary["lost"]
        elif self.client == "wrk" and not warmup:
            result = load.run_wrk(url, load.chat_body(), key, concurrency, duration)
            summary = result.summary()
            done = summary["ok"] + summary["errors"]
            if gateway:
                self.gateway_ok += summary["ok"]
                self.gateway_ids.extend(result.request_ids)
                self.gateway_uncertain += concurrency
        else:
            result = load.run_plain(url, load.chat_body(), key, concurrency, duration, limit,
                                    self.args.client_procs, self.args.drain)
            summary = result.summary()
            done = summary["ok"] + summary["errors"]
            if gateway:
                self.gateway_ok += summary["ok"]
                self.gateway_ids.extend(result.request_ids)
                self.gateway_uncertain += summary["abandoned"] + summary["lost"]
        wall = time.perf_counter() - wall_before
        client_after = resource.getrusage(resource.RUSAGE_SELF)
        gw_cpu = proc_cpu_seconds(pid) - gw_cpu_before
        gw_core_after = cpu_ticks(self.gateway_cpus)
        up_cpu = proc_cpu_seconds(self.upstream.pid) - up_cpu_before
        upstream_requests = self.upstream_count() - upstream_before - 1  # minus our own /stats call
        phase = Phase(name, path, concurrency, summary, upstream_requests=upstream_requests)
        if gateway:
            phase.cpu_ms_per_req = gw_cpu * 1000 / done if done else None
            phase.gateway_cpu_pct = gw_cpu * 100 / wall if wall else None
            busy = (gw_core_after[0] - gw_core_before[0]) / CLK_TCK
            span = (gw_core_after[1] - gw_core_before[1]) / CLK_TCK
            if span > 0 and self.gateway_cpus:
                phase.others_cpu_pct = max(busy - gw_cpu, 0.0) * 100 / span
        if self.client == "python" or name == "stream":
            client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime +
                                                                            client_before.ru_stime)
            phase.client_cpu_pct = client_cpu * 100 / wall if wall else None
        phase.upstream_cpu_ms_per_req = up_cpu * 1000 / upstream_requests if upstream_requests > 0 else None
        return phase

    def run_phases(self) -> None:
        args = self.args
        # Warm-up (not reported; the gateway's part is billed and counted like everything else).
        for path in ("direct", "gateway"):
            self.measure("plain", path, 4, args.warmup, warmup=True)
            self.measure("stream", path, 4, min(args.warmup, 0.3), warmup=True)
        plan = [("plain", c) for c in args.concurrency] + [("stream", args.streams)]
        for name, concurrency in plan:
            for path in ("direct", "gateway"):
                profiler = None
                if path == "gateway" and args.profile and args.profile_at in (name, f"{name}:{concurrency}"):
                    profiler = self.start_profiler(args.profile, args.duration)
                self.phases.append(self.measure(name, path, concurrency, args.duration))
                if profiler is not None:
                    self.finish_profiler(profiler)
        self.after_mem = proc_memory_mb(self.gateway.pid)

    def start_profiler(self, output: str, duration: float) -> subprocess.Popen | None:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        if not Path(spy).exists() and not shutil.which(spy):
            print("py-spy not found; no profile", file=sys.stderr)
            return None
        fmt = "flamegraph" if output.endswith(".svg") else "raw"
        command = [spy, "record", "--pid", str(self.gateway.pid), "--duration", str(max(int(duration), 1)),
                   "--rate", "200", "--nonblocking", "--threads", "--format", fmt, "-o", output]
        command += self.args.profile_args.split()
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @staticmethod
    def finish_profiler(profiler: subprocess.Popen) -> None:
        try:
            profiler.wait(30)
        except subprocess.TimeoutExpired:
            stop_process(profiler, 5)

    def stop_gateway(self) -> None:
        started = time.perf_counter()
        self.stop_code = stop_process(self.gateway)
        self.stop_s = time.perf_counter() - started

    # -------------------------------------------------------------------------------- ledger

    def check_ledger(self) -> None:
        """Open the (stopped) gateway's database with the store functions and reconcile the books."""
        from voapi_desktop.store import logs, tokens, users
        from voapi_desktop.store.runtime import open_store
        from voapi_desktop.store.tables import Reservation

        runtime = open_store(env={"DATA_DIR": str(self.data_dir)}, bootstrap=False)
        try:
            user = users.find_user(USER)
            token = next(t for t in tokens.list_tokens(user.id) if t.name == "bench")
            consumed = logs.list_logs(type=logs.CONSUME, username=USER, limit=10_000_000)
            failures = logs.list_logs(type=logs.ERROR, username=USER, limit=10_000_000)
            reservations = Reservation.select().count()
        finally:
            runtime.close()
        spent = sum(row["quota"] for row in consumed)
        streams = sum(1 for row in consumed if row["is_stream"])
        estimated = sum(1 for row in consumed if row["prompt_tokens"] != 10 or row["completion_tokens"] != 5)
        count = len(consumed)
        logged = {row["request_id"] for row in consumed}
        answered = set(self.gateway_ids)
        extra = count - len(answered)
        checks = {
            "every completed request has its id": len(answered) == len(self.gateway_ids) == self.gateway_ok,
            "every completed request in the ledger (by request id)": answered <= logged,
            "one consume log per request": len(logged) == count,
            ("consume logs == requests completed" if not self.gateway_uncertain else
             f"consume logs == requests completed (+ at most {self.gateway_uncertain} left in flight or broken off)"):
                0 <= extra <= self.gateway_uncertain,
            ("stream logs == streams completed" if not self.gateway_streams_uncertain else
             f"stream logs == streams completed (+ at most {self.gateway_streams_uncertain} broken off)"):
                0 <= streams - self.gateway_streams_ok <= self.gateway_streams_uncertain,
            "user quota == initial - sum(consume)": user.quota == USER_QUOTA - spent,
            "user used quota == sum(consume)": user.used_quota == spent,
            "user request count == consume logs": user.request_count == count,
            "token remaining == initial - sum(consume)": token.remain_quota == TOKEN_QUOTA - spent,
            "token used quota == sum(consume)": token.used_quota == spent,
            "usage from the upstream on every row": estimated == 0,
            "no reservation left": reservations == 0,
            "no error logs": not failures,
            "every request cost something": count == 0 or spent > 0,
            "gateway exited cleanly on SIGTERM": self.stop_code == 0,
        }
        self.ledger = {"consume_logs": count, "stream_logs": streams, "client_completed": self.gateway_ok,
                       "uncertain": self.gateway_uncertain, "sum_quota": spent, "user_quota": user.quota,
                       "user_used": user.used_quota, "token_remain": token.remain_quota,
                       "token_used": token.used_quota, "error_logs": len(failures), "reservations": reservations,
                       "checks": checks, "ok": all(checks.values())}


# ------------------------------------------------------------------------------------------- report


CALIBRATION = ("import time\n"
               "best = 1e9\n"
               "for _ in range(5):\n"
               "    t = time.process_time(); total = 0\n"
               "    for i in range(300_000): total += i * i % 7\n"
               "    best = min(best, time.process_time() - t)\n"
               "print(best * 1000)\n")


def cpu_check_ms(cpus: set[int] | None) -> float | None:
    """CPU ms of a fixed pure-Python loop on these CPUs (best of 5): compares machines and runs."""
    command = [sys.executable, "-c", CALIBRATION]
    if cpus and shutil.which("taskset"):
        command = ["taskset", "-c", ",".join(map(str, sorted(cpus)))] + command
    try:
        return float(subprocess.run(command, capture_output=True, text=True, timeout=60).stdout)
    except (ValueError, subprocess.SubprocessError):
        return None


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=HERE.parent, capture_output=True,
                                text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    try:
        from voapi_desktop import __version__ as version
    except ImportError:
        version = "?"
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "version": version, "commit": commit,
            "kernel": platform.release(), "loadavg": Path("/proc/loadavg").read_text().split()[:3]}


def _f(value, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def evaluate(run: Run) -> list[tuple[str, bool, str]]:
    plain = {(p.path, p.concurrency): p.summary for p in run.phases if p.name == "plain"}
    stream = {p.path: p.summary for p in run.phases if p.name == "stream"}
    results = []

    def target(label: str, value: float | None, limit: float, higher_is_better: bool, unit: str) -> None:
        if value is None:
            results.append((label, False, "not measured"))
            return
        met = value >= limit if higher_is_better else value <= limit
        gap = (value - limit) / limit * 100 if limit else 0.0
        text = f"{value:,.2f} {unit} (target {'>=' if higher_is_better else '<='} {limit:,.2f}"
        results.append((label, met, text + ("" if met else f"; {gap:+.0f}%") + ")"))

    gw16 = plain.get(("gateway", 16))
    target("non-stream RPS through the gateway at concurrency 16", gw16["rps"] if gw16 else None,
           TARGETS["rps_c16"], True, "RPS")
    if ("gateway", 1) in plain and ("direct", 1) in plain:
        added = plain[("gateway", 1)]["p50_ms"] - plain[("direct", 1)]["p50_ms"]
    else:
        added = None
    target("added p50 latency at concurrency 1", added, TARGETS["added_p50_c1_ms"], False, "ms")
    if "gateway" in stream and "direct" in stream:
        added_ttft = stream["gateway"]["ttft_p50_ms"] - stream["direct"]["ttft_p50_ms"]
    else:
        added_ttft = None
    target(f"added TTFT p50 at {run.args.streams} streams", added_ttft, TARGETS["added_ttft_p50_ms"], False, "ms")
    if "gateway" in stream:
        s = stream["gateway"]
        bad = s["incomplete"] + s["abandoned"]
        results.append(("every stream complete with [DONE] and usage", bad == 0 and s["streams"] > 0,
                        f"{s['complete']:,} of {s['streams']:,} complete"))
    target("headless idle RSS", run.idle_mem.get("VmRSS"), TARGETS["idle_rss_mb"], False, "MB")
    target("RSS after the run", run.after_mem.get("VmRSS"), TARGETS["after_rss_mb"], False, "MB")
    target("start to ready", run.ready_s, TARGETS["ready_s"], False, "s")
    results.append(("nothing lost: ledger reconciles", bool(run.ledger.get("ok")),
                    f"{run.ledger.get('consume_logs', 0):,} consume logs, sum {run.ledger.get('sum_quota', 0):,}"))
    return results


def report(run: Run, info: dict) -> str:
    lines = []
    add = lines.append
    placement = (f"gateway on CPU {','.join(map(str, sorted(run.gateway_cpus)))}, load generator + fake upstream "
                 f"on CPU {','.join(map(str, sorted(run.load_cpus)))}") if run.gateway_cpus else "no CPU pinning"
    add(f"VoAPI Desktop gateway benchmark: {info['nproc']} CPUs ({info['cpu'] or 'unknown CPU'}), "
        f"Python {info['python']}, load average at start {' '.join(info['loadavg'])}")
    add(f"voapi-desktop {info['version']}" + (f" at {info['commit']}" if info['commit'] else ""))
    add(f"{placement}; non-stream client: {run.client}; {run.args.duration:g} s per measurement; "
        f"CPU check (a fixed Python loop, lower is faster): {_f(run.cpu_check[0], 1)} ms before, "
        f"{_f(run.cpu_check[1], 1)} ms after")
    add("(CPU ms/req: the gateway's user+system time per request, all threads; gw CPU %: of one core; others %: "
        "the gateway's CPU busy with other processes meanwhile)" if run.gateway_cpus else
        "(CPU ms/req: the gateway's user+system time per request, all threads; gw CPU %: of one core)")
    add(f"start to ready {run.ready_s:.2f} s; idle RSS {_f(run.idle_mem.get('VmRSS'), 1)} MB; "
        "pipeline settings set: " + ", ".join(k + ("" if v == "on" else f" ({v})") for k, v in run.options.items()))
    add("")
    add("non-stream POST /v1/chat/completions")
    header = (f"{'conc':>4}  {'path':<8}{'RPS':>9}{'p50 ms':>9}{'p99 ms':>9}{'added p50':>11}{'added p99':>11}"
              f"{'CPU ms/req':>12}{'gw CPU %':>10}{'others %':>10}{'errors':>8}")
    add(header)
    add("-" * len(header))
    plain = {(p.path, p.concurrency): p for p in run.phases if p.name == "plain"}
    for concurrency in run.args.concurrency:
        direct = plain.get(("direct", concurrency))
        for path in ("direct", "gateway"):
            phase = plain.get((path, concurrency))
            if phase is None:
                continue
            s = phase.summary
            added50 = added99 = None
            if path == "gateway" and direct is not None:
                added50 = s["p50_ms"] - direct.summary["p50_ms"]
                added99 = s["p99_ms"] - direct.summary["p99_ms"]
            add(f"{concurrency:>4}  {path:<8}{s['rps']:>9,.0f}{s['p50_ms']:>9.2f}{s['p99_ms']:>9.2f}"
                f"{_f(added50):>11}{_f(added99):>11}{_f(phase.cpu_ms_per_req, 3):>12}"
                f"{_f(phase.gateway_cpu_pct, 0):>10}{_f(phase.others_cpu_pct, 0):>10}"
                f"{s['errors'] + s.get('lost', 0) + s['abandoned']:>8}")
    add("")
    add(f"streaming: {run.args.streams} concurrent streams, {run.args.chunks} chunks {run.args.delay_ms:g} ms apart")
    header = (f"{'path':<8}{'streams/s':>10}{'TTFB p50':>10}{'TTFT p50':>10}{'TTFT p99':>10}{'total p50':>11}"
              f"{'total p99':>11}{'added TTFT p50':>16}{'CPU ms/str':>12}{'gw CPU %':>10}{'others %':>10}"
              f"{'complete':>16}")
    add(header)
    add("-" * len(header))
    streams = {p.path: p for p in run.phases if p.name == "stream"}
    for path in ("direct", "gateway"):
        phase = streams.get(path)
        if phase is None:
            continue
        s = phase.summary
        added = None
        if path == "gateway" and "direct" in streams:
            added = s["ttft_p50_ms"] - streams["direct"].summary["ttft_p50_ms"]
        add(f"{path:<8}{s['streams_per_s']:>10,.0f}{s['ttfb_p50_ms']:>10.2f}{s['ttft_p50_ms']:>10.2f}"
            f"{s['ttft_p99_ms']:>10.2f}{s['total_p50_ms']:>11.2f}{s['total_p99_ms']:>11.2f}{_f(added):>16}"
            f"{_f(phase.cpu_ms_per_req, 3):>12}{_f(phase.gateway_cpu_pct, 0):>10}{_f(phase.others_cpu_pct, 0):>10}"
            f"{s['complete']:>8,}/{s['streams']:<7,}")
    add("")
    add(f"gateway memory: idle RSS {_f(run.idle_mem.get('VmRSS'), 1)} MB, after the run RSS "
        f"{_f(run.after_mem.get('VmRSS'), 1)} MB, peak RSS (VmHWM) {_f(run.after_mem.get('VmHWM'), 1)} MB; "
        f"SIGTERM to exit {run.stop_s:.2f} s (exit code {run.stop_code})")
    clients = [p.client_cpu_pct for p in run.phases if p.client_cpu_pct is not None]
    plain_up = [p.upstream_cpu_ms_per_req for p in run.phases if p.name == "plain" and p.upstream_cpu_ms_per_req]
    stream_up = [p.upstream_cpu_ms_per_req for p in run.phases if p.name == "stream" and p.upstream_cpu_ms_per_req]
    add(f"load generator CPU: at most {_f(max(clients) if clients else None, 0)}% of a core (Python client); "
        f"fake upstream CPU: at most {_f(max(plain_up) if plain_up else None, 3)} ms per request, "
        f"{_f(max(stream_up) if stream_up else None, 3)} ms per stream")
    ledger = run.ledger
    if ledger:
        add(f"ledger: {ledger['consume_logs']:,} consume logs ({ledger['stream_logs']:,} streams) for "
            f"{ledger['client_completed']:,} requests completed"
            + (f" (+ up to {ledger['uncertain']:,} the client left in flight or lost)" if ledger['uncertain'] else "")
            + f"; sum {ledger['sum_quota']:,} quota; user {USER_QUOTA:,} -> {ledger['user_quota']:,}; "
            f"token {TOKEN_QUOTA:,} -> {ledger['token_remain']:,} (used {ledger['token_used']:,})")
        for label, ok in ledger["checks"].items():
            add(f"  [{'ok' if ok else 'FAIL'}] {label}")
    add("")
    add("targets:")
    for label, met, text in evaluate(run):
        add(f"  [{'MET ' if met else 'MISS'}] {label}: {text}")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="direct vs through-the-gateway benchmark (loopback only)")
    parser.add_argument("--smoke", action="store_true", help="a ~5 s run (0.6 s per measurement), for CI")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement (default 8)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per path")
    parser.add_argument("--concurrency", default="1,16,64", help="non-stream concurrencies (default 1,16,64)")
    parser.add_argument("--streams", type=int, default=64, help="concurrent streams (default 64)")
    parser.add_argument("--chunks", type=int, default=20, help="content chunks per stream (default 20)")
    parser.add_argument("--delay-ms", type=float, default=5.0, help="ms between chunks (default 5)")
    parser.add_argument("--client", choices=("auto", "python", "wrk"), default="auto",
                        help="non-stream load generator (auto: wrk when installed)")
    parser.add_argument("--client-procs", type=int, default=1, help="Python client processes (non-stream)")
    parser.add_argument("--max-requests", type=int, default=500_000, help="cap per measurement")
    parser.add_argument("--drain", type=float, default=10.0, help="seconds to wait for requests in flight")
    parser.add_argument("--no-pin", action="store_true", help="do not pin the gateway and the load to CPUs")
    parser.add_argument("--profile", metavar="FILE", help="py-spy the gateway during one measurement "
                                                          "(.svg: flame graph, else collapsed stacks)")
    parser.add_argument("--profile-at", default="plain:16",
                        help="which gateway measurement to profile: plain:<concurrency> or stream")
    parser.add_argument("--profile-args", default="", help='extra py-spy record arguments, e.g. "--gil"')
    parser.add_argument("--skip-option", action="append", default=[], metavar="NAME",
                        help="do not set this pipeline setting (repeatable), e.g. GLOBAL_RELAY_RATE_LIMIT_ENABLE "
                             "to measure without the per-IP relay limit, SENSITIVE_WORDS without the word check")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (data, logs)")
    args = parser.parse_args(argv)
    args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c.strip()]
    if args.smoke:
        args.duration, args.warmup = min(args.duration, 0.6), min(args.warmup, 0.2)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if load.wrk_path() else "python"
    elif client == "wrk" and not load.wrk_path():
        print("wrk is not installed; using the Python client", file=sys.stderr)
        client = "python"
    gateway_cpus, load_cpus = cpu_plan(not args.no_pin)
    if load_cpus:
        os.sched_setaffinity(0, load_cpus)  # the load generator, and (inherited) the fake upstream and CLI
    info = machine()
    work = Path(tempfile.mkdtemp(prefix="voapi-bench-"))
    run = Run(args, work, gateway_cpus, load_cpus, client)
    started = time.perf_counter()
    code = 0
    try:
        run.cpu_check[0] = cpu_check_ms(gateway_cpus)
        run.start_upstream()
        run.configure()
        run.setup_s = time.perf_counter() - started
        run.start_gateway()
        time.sleep(1.0)
        run.idle_mem = proc_memory_mb(run.gateway.pid)
        run.run_phases()
        run.stop_gateway()
        run.cpu_check[1] = cpu_check_ms(gateway_cpus)
        run.check_ledger()
        print(report(run, info))
        print(f"\ntotal time {time.perf_counter() - started:.0f} s (configuring with the CLI {run.setup_s:.0f} s)")
        if args.json:
            Path(args.json).write_text(json.dumps({
                "machine": info, "client": client, "cpu_check_ms": run.cpu_check, "ready_s": run.ready_s,
                "idle_mem": run.idle_mem, "after_mem": run.after_mem, "options": run.options,
                "phases": [vars(p) for p in run.phases], "ledger": run.ledger,
                "targets": [{"label": label, "met": met, "value": text} for label, met, text in evaluate(run)],
            }, indent=2))
        if not run.ledger.get("ok"):
            print("\nthe ledger does not reconcile", file=sys.stderr)
            code = 1
    except BenchError as exc:
        print(f"benchmark failed: {exc}", file=sys.stderr)
        err = work / "gateway.err"
        if err.exists():
            print("gateway log (last lines):\n" + "\n".join(err.read_text(errors="replace").splitlines()[-20:]),
                  file=sys.stderr)
        code = 2
    finally:
        for process in (run.gateway, run.upstream):
            if process is not None:
                stop_process(process, 15)
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
