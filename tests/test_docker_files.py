"""The Dockerfile, .dockerignore and docker-compose.yml, checked without building anything.

The compose file is parsed with PyYAML and its structure checked; the Dockerfile is linted with the
rules below (non-root user, healthcheck, no Qt, pinned bases, ...); both healthchecks run against a
live gateway. With a Docker daemon and VOAPI_DOCKER_BUILD=1 the image is also built and run.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import free_port
from voapi_desktop.core.dsn import parse_dsn
from voapi_desktop.core.periods import zone
from voapi_desktop.core.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yml"
DOCKERIGNORE = ROOT / ".dockerignore"
KNOWN_ENV = {s.env for s in SETTINGS} | {"SQL_DSN", "DATA_DIR"}
QT_WORDS = re.compile(r"(?i)pyside|shiboken|\bqt[56]?\b|libqt|libgl1|libegl|libxkb|libfontconfig|\[[^\]]*\bgui\b")


# --------------------------------------------------------------------------- Dockerfile parsing


@dataclass(frozen=True)
class Instruction:
    stage: int  # index of the FROM it belongs to
    keyword: str  # upper case
    args: str
    line: int

    @property
    def exec_form(self) -> list[str] | None:
        """The JSON array form of the arguments, or None for the shell form."""
        try:
            value = json.loads(self.args)
        except ValueError:
            return None
        return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with line continuations joined, comments and parser directives dropped."""
    instructions: list[Instruction] = []
    stage, pending, start = -1, "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):  # comment lines inside a continued instruction
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        whole = (pending + stripped).strip()
        pending = ""
        keyword, _, args = whole.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        instructions.append(Instruction(stage, keyword, args.strip(), start))
    assert not pending, "the Dockerfile ends inside a continued line"
    return instructions


def strip_flags(args: str) -> tuple[dict[str, str], str]:
    """`--name=value` flags at the front of an instruction, and the rest."""
    flags: dict[str, str] = {}
    rest = args
    while (match := re.match(r"--([a-z-]+)(?:=(\S+))?\s+", rest)):
        flags[match[1]] = match[2] or ""
        rest = rest[match.end():]
    return flags, rest


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text())


@pytest.fixture(scope="module")
def final(dockerfile) -> list[Instruction]:
    last = max(i.stage for i in dockerfile)
    return [i for i in dockerfile if i.stage == last]


def _one(instructions: list[Instruction], keyword: str) -> Instruction:
    found = [i for i in instructions if i.keyword == keyword]
    assert len(found) == 1, f"expected exactly one {keyword} in the final stage, found {len(found)}"
    return found[0]


def _env(instructions: list[Instruction]) -> dict[str, str]:
    values: dict[str, str] = {}
    for ins in instructions:
        if ins.keyword == "ENV":
            for word in shlex.split(ins.args):
                name, eq, value = word.partition("=")
                assert eq, f"line {ins.line}: write ENV as NAME=value"
                values[name] = value
    return values


# --------------------------------------------------------------------------- Dockerfile rules


def test_dockerfile_is_multi_stage_with_pinned_official_bases(dockerfile):
    froms = [i for i in dockerfile if i.keyword == "FROM"]
    assert len(froms) >= 2, "build the wheel in one stage and install it into a slim image in another"
    stage_names = set()
    for ins in froms:
        _, rest = strip_flags(ins.args)
        words = rest.split()
        image = words[0]
        if image in stage_names:
            continue
        assert "$" not in image, f"line {ins.line}: the base image must be written out, not {image}"
        assert "://" not in image and image.count("/") == 0, f"line {ins.line}: use an official image, not {image}"
        name, _, tag = image.partition("@")[0].partition(":")
        assert tag and tag != "latest", f"line {ins.line}: pin the base image's tag ({image})"
        assert re.match(r"\d+\.\d+", tag), f"line {ins.line}: the tag must name a version ({image})"
        assert name == "python" and tag.startswith("3.11") and "slim" in tag, \
            f"line {ins.line}: expected a slim python:3.11 base, got {image}"
        if len(words) == 3 and words[1].upper() == "AS":
            stage_names.add(words[2])
    assert stage_names, "name the build stage (FROM ... AS build)"
    # The final stage takes the wheels from the build stage, and builds nothing itself.
    last = froms[-1].stage
    takes = [i for i in dockerfile if i.stage == last and re.search(r"from=(\w+)", i.args)]
    assert takes and all(re.search(r"from=(\w+)", i.args)[1] in stage_names for i in takes)
    build_runs = " ".join(i.args for i in dockerfile if i.stage < last and i.keyword == "RUN")
    assert re.search(r"pip (wheel|install)|-m build", build_runs), "the build stage builds a wheel"


def test_runs_as_a_non_root_user_before_the_entrypoint(final):
    users = [i for i in final if i.keyword == "USER"]
    assert users, "the final stage needs a USER"
    first_start = min(i.line for i in final if i.keyword in ("CMD", "ENTRYPOINT"))
    before = [u for u in users if u.line < first_start]
    assert before, "USER must come before CMD/ENTRYPOINT"
    for user in users:
        name = user.args.split(":")[0].strip()
        assert name not in ("root", "0", ""), f"line {user.line}: USER {user.args} is root"
    assert users[-1].args.split(":")[0] not in ("root", "0")
    # The user exists in the image and owns /data.
    runs = " ".join(i.args for i in final if i.keyword == "RUN")
    user, _, group = users[-1].args.partition(":")
    assert re.search(rf"useradd\b[^&;]*--uid {user}\b" if user.isdigit() else rf"useradd\b[^&;]*\b{user}\b", runs), \
        f"USER {users[-1].args} is never created"
    if group.isdigit():
        assert re.search(rf"groupadd\b[^&;]*--gid {group}\b", runs), f"group {group} is never created"
    assert re.search(r"chown\s+\S+\s+/data", runs), "/data must belong to the gateway's user"


def test_healthcheck_calls_api_status_with_python(final):
    health = _one(final, "HEALTHCHECK")
    flags, rest = strip_flags(health.args)
    assert rest.split()[0].upper() == "CMD", "HEALTHCHECK NONE turns it off"
    command = json.loads(rest.split(None, 1)[1])
    assert command[0] == "python", "the slim image has no curl or wget: check with python"
    assert "/api/status" in " ".join(command)
    for flag in ("interval", "timeout", "start-period", "retries"):
        assert flag in flags, f"HEALTHCHECK --{flag} is not set"


def test_listens_on_3000_on_every_interface_with_data_in_a_volume(final):
    expose = _one(final, "EXPOSE")
    assert expose.args.split()[0].split("/")[0] == "3000"
    env = _env(final)
    assert env.get("HOST") == "0.0.0.0", "inside the container the gateway must accept outside connections"
    assert env.get("PORT", "3000") == "3000"
    assert env.get("DATA_DIR") == "/data"
    assert set(env) - KNOWN_ENV <= {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_DISABLE_PIP_VERSION_CHECK",
                                    "PIP_NO_CACHE_DIR"}, "an ENV the gateway does not read"
    assert not {"SESSION_SECRET", "CRYPTO_SECRET", "SQL_DSN", "INITIAL_ROOT_PASSWORD"} & set(env), \
        "secrets and DSNs come from the operator, never from the image"
    volume = _one(final, "VOLUME")
    paths = volume.exec_form or volume.args.split()
    assert paths == ["/data"]
    # Nothing may change /data after VOLUME: Docker discards those changes.
    assert not [i for i in final if i.keyword == "RUN" and i.line > volume.line]


def test_entrypoint_serves_and_stops_on_sigterm(final):
    entry, cmd = _one(final, "ENTRYPOINT"), _one(final, "CMD")
    assert entry.exec_form == ["voapi-desktop"], "exec form: the gateway is PID 1 and receives SIGTERM"
    assert cmd.exec_form == ["serve"]
    assert _one(final, "STOPSIGNAL").args == "SIGTERM"


def test_no_qt_and_no_remote_add(dockerfile):
    for ins in dockerfile:
        if ins.keyword == "RUN":
            for command in re.split(r"&&|;|\|\|", ins.args):
                if re.search(r"pip\S*\s+install|apt-get\s+install|apk\s+add", command):
                    assert not QT_WORDS.search(command), f"line {ins.line}: the image must not carry Qt: {command}"
        if ins.keyword == "ADD":
            _, rest = strip_flags(ins.args)
            sources = (json.loads(rest) if rest.startswith("[") else rest.split())[:-1]
            assert not [s for s in sources if re.match(r"(?i)[a-z][a-z0-9+.-]*://|git@", s)], \
                f"line {ins.line}: ADD of a remote URL; download in a RUN with a checksum, or COPY"
        if ins.keyword in ("ARG", "ENV"):
            assert not re.search(r"(?i)(password|secret|token)\w*=\S", ins.args), f"line {ins.line}: a secret"


def test_the_image_installs_no_extras(final):
    installs = [i.args for i in final if i.keyword == "RUN" and "pip install" in i.args]
    assert installs, "the final stage installs the wheel"
    for args in installs:
        assert "--no-index" in args, "install only the build stage's wheels"
        assert not re.search(r"voapi-desktop\[|\.\[", args), "the gateway needs no extras (gui would bring Qt)"


# --------------------------------------------------------------------------- .dockerignore


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern decides; `!` re-includes; a directory match covers its files."""
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.strip("/")
        if body.startswith("**/"):
            hit = any(fnmatch.fnmatch(part, body[3:]) for part in parts)
        else:
            hit = any(fnmatch.fnmatch(prefix, body) and prefix.count("/") == body.count("/") for prefix in prefixes)
        if hit:
            ignored = not negate
    return ignored


def test_dockerignore_sends_only_the_package(dockerfile):
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
                if line.strip() and not line.strip().startswith("#")]
    copied = []
    for ins in dockerfile:
        if ins.keyword == "COPY":
            flags, rest = strip_flags(ins.args)
            if "from" not in flags:
                copied += rest.split()[:-1]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), f"COPY {source}: no such file"
        assert not _ignored(source, patterns), f"COPY {source} but .dockerignore leaves it out"
    assert not _ignored("voapi_desktop/resources/prices.json", patterns)
    for private in (".git/config", ".venv/bin/python", "tests/test_cli.py", "data/voapi.db", ".env",
                    "build/lib/x.py", "voapi_desktop/__pycache__/cli.cpython-311.pyc", "dist/x.whl"):
        assert _ignored(private, patterns), f"{private} would be sent to the Docker daemon"


# --------------------------------------------------------------------------- docker-compose.yml


def _environment(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return {name: value if eq else None for name, eq, value in (item.partition("=") for item in env)}
    return {name: None if value is None else str(value) for name, value in env.items()}


def _depends(service: dict) -> set[str]:
    depends = service.get("depends_on") or []
    return set(depends) if isinstance(depends, (list, dict)) else set()


def _uncommented(text: str) -> str:
    """The compose file with its commented-out options (indented `# ` lines) switched on."""
    return "\n".join(re.sub(r"^(\s+)# ", r"\1", line) for line in text.splitlines())


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_compose_has_the_gateway_and_redis(compose):
    assert "version" not in compose, "the top-level version key is obsolete in the Compose spec"
    services = compose["services"]
    assert set(services) == {"voapi", "redis"}
    voapi = services["voapi"]
    build = voapi["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context / dockerfile).is_file()
    assert voapi["image"].split(":")[0] == "voapi-desktop"
    assert services["redis"]["image"].startswith("redis:") and services["redis"]["image"] != "redis:latest"
    for service in services.values():
        assert service.get("restart") in ("always", "unless-stopped", "on-failure")
    assert _depends(voapi) == {"redis"}
    if isinstance(voapi["depends_on"], dict):
        assert voapi["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "healthcheck" in services["redis"]


def test_compose_ports_and_volumes(compose):
    voapi = compose["services"]["voapi"]
    ports = [str(p) for p in voapi["ports"]]
    assert [p.rsplit(":", 1)[-1].split("/")[0] for p in ports] == ["3000"], ports
    declared = set(compose.get("volumes") or {})
    for service in compose["services"].values():
        for volume in service.get("volumes") or []:
            source, _, target = str(volume).partition(":")
            assert target.startswith("/"), volume
            if not source.startswith((".", "/")):
                assert source in declared, f"named volume {source} is not declared"
    targets = {str(v).split(":")[1] for v in voapi["volumes"]}
    assert "/data" in targets


def test_compose_environment(compose):
    env = _environment(compose["services"]["voapi"])
    assert {"REDIS_CONN_STRING", "SESSION_SECRET", "TZ"} <= set(env)
    assert set(env) <= KNOWN_ENV, f"unknown settings: {set(env) - KNOWN_ENV}"
    assert "SQL_DSN" not in env, "SQLite by default: SQL_DSN stays commented out"
    redis = urlsplit(env["REDIS_CONN_STRING"])
    assert redis.scheme == "redis" and redis.hostname == "redis"
    assert re.fullmatch(r"\$\{SESSION_SECRET:\?[^}]+\}", env["SESSION_SECRET"]), \
        "no default session secret: compose must refuse to start without one"
    assert zone(env["TZ"]) is not None


def test_compose_healthcheck(compose):
    health = compose["services"]["voapi"]["healthcheck"]
    test = health["test"]
    assert test[0] == "CMD" and test[1] == "python" and "/api/status" in " ".join(test)
    for key in ("interval", "timeout", "retries"):
        assert key in health


def test_compose_mysql_option_works_when_uncommented():
    raw = COMPOSE.read_text()
    assert re.search(r"^\s+# - SQL_DSN=", raw, re.M), "the MySQL DSN is offered, commented out"
    compose = yaml.safe_load(_uncommented(raw))
    services = compose["services"]
    assert set(services) == {"voapi", "redis", "mysql"}
    env = _environment(services["voapi"])
    spec = parse_dsn(env["SQL_DSN"].split("  #")[0].strip())
    mysql = _environment(services["mysql"])
    assert (spec.kind, spec.host, spec.port, spec.user) == ("mysql", "mysql", 3306, "root")
    assert spec.password == mysql["MYSQL_ROOT_PASSWORD"] and spec.database == mysql["MYSQL_DATABASE"]
    assert _depends(services["voapi"]) == {"redis", "mysql"}
    assert "mysql-data" in compose["volumes"]


def _compose_binary() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_compose_config_validates_when_compose_is_installed(tmp_path):
    binary = _compose_binary()
    if binary is None:
        pytest.skip("neither `docker compose` nor docker-compose is installed: the structure tests above stand in")
    env = {**os.environ, "SESSION_SECRET": "x" * 32}
    done = subprocess.run([*binary, "-f", str(COMPOSE), "config", "--quiet"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    env.pop("SESSION_SECRET")
    done = subprocess.run([*binary, "-f", str(COMPOSE), "config", "--quiet"], env=env, capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert done.returncode != 0 and "SESSION_SECRET" in done.stderr


# --------------------------------------------------------------------------- both healthchecks, for real


def _healthchecks(final) -> dict[str, list[str]]:
    _, rest = strip_flags(_one(final, "HEALTHCHECK").args)
    compose = yaml.safe_load(COMPOSE.read_text())
    return {"Dockerfile": json.loads(rest.split(None, 1)[1]),
            "docker-compose.yml": compose["services"]["voapi"]["healthcheck"]["test"][1:]}


def _run_check(command: list[str], port: int) -> subprocess.CompletedProcess:
    assert command[0] == "python"
    env = {**os.environ, "PORT": str(port)}
    return subprocess.run([sys.executable, *command[1:]], env=env, capture_output=True, text=True, timeout=30)


def test_healthchecks_pass_on_a_live_gateway_and_fail_without_one(final, gateway):
    port = urlsplit(gateway.url).port
    for where, command in _healthchecks(final).items():
        done = _run_check(command, port)
        assert done.returncode == 0, (where, done.stderr)
    for where, command in _healthchecks(final).items():
        assert _run_check(command, free_port()).returncode != 0, where


# --------------------------------------------------------------------------- the real image (opt-in)


def _docker_ready() -> str | None:
    """None when the image may be built, else why not."""
    if os.environ.get("VOAPI_DOCKER_BUILD") != "1":
        return "set VOAPI_DOCKER_BUILD=1 to build and run the image"
    if not shutil.which("docker"):
        return "the docker client is not installed"
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        return "no Docker daemon answers `docker info`"
    return None


def _docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_the_image_builds_serves_and_reports_healthy():
    reason = _docker_ready()
    if reason:
        pytest.skip(reason)
    tag = f"voapi-desktop:test-{uuid.uuid4().hex[:8]}"
    volume = f"voapi-test-{uuid.uuid4().hex[:8]}"
    container = None
    try:
        _docker("build", "--tag", tag, str(ROOT), timeout=1500)
        assert _docker("image", "inspect", "--format", "{{.Config.User}}", tag).stdout.strip() == "10001:10001"
        no_qt = _docker("run", "--rm", "--entrypoint", "python", tag, "-c", "import PySide6", check=False)
        assert no_qt.returncode != 0 and "PySide6" in no_qt.stderr
        container = _docker("run", "--detach", "--publish", "127.0.0.1::3000", "--volume", f"{volume}:/data",
                            "--env", "SESSION_SECRET=" + "s" * 32, "--health-interval", "2s",
                            "--health-start-period", "60s", tag).stdout.strip()
        deadline, status = time.monotonic() + 120, ""
        while time.monotonic() < deadline:
            status = _docker("inspect", "--format", "{{.State.Health.Status}}", container).stdout.strip()
            if status in ("healthy", "unhealthy"):
                break
            time.sleep(2)
        logs = _docker("logs", container, check=False)
        assert status == "healthy", (status, logs.stdout, logs.stderr)
        assert _docker("exec", container, "id", "-u").stdout.strip() == "10001"
        assert _docker("exec", container, "voapi-desktop", "user", "list", "--json").returncode == 0
        _docker("stop", "--time", "30", container, timeout=60)
        assert _docker("inspect", "--format", "{{.State.ExitCode}}", container).stdout.strip() == "0", \
            "SIGTERM must stop the gateway cleanly"
    finally:
        if container:
            _docker("rm", "--force", container, check=False)
        _docker("volume", "rm", "--force", volume, check=False)
        _docker("image", "rm", "--force", tag, check=False)
