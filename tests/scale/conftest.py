"""Private database servers for the scale-out tests: a PostgreSQL and a MariaDB started for the test
session in temp dirs, on free loopback ports, stopped by their PID (never the system services).

Each test gets a database of its own on them (`sql_dsn`, parametrized over both). A server whose
binaries are absent is skipped with the reason; scripts/test installs the Debian packages when run
as root.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import free_port, stop_process

NO_POSTGRES = "PostgreSQL's initdb/postgres are not installed (scripts/test installs `postgresql` when run as root)"
NO_MARIADB = "MariaDB's mariadbd/mariadb-install-db are not installed (scripts/test installs `mariadb-server` " \
             "when run as root)"
PASSWORD = "scale-test-pw"
_names = itertools.count(1)


def _postgres_binaries() -> tuple[str, str] | None:
    for directory in [None, *sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]:
        initdb = shutil.which("initdb", path=directory)
        postgres = shutil.which("postgres", path=directory)
        if initdb and postgres:
            return initdb, postgres
    return None


def _mariadb_binaries() -> tuple[str, str] | None:
    server = next(filter(None, (shutil.which(n, path=os.environ.get("PATH", "") + ":/usr/sbin")
                                for n in ("mariadbd", "mysqld"))), None)
    install = next(filter(None, (shutil.which(n) for n in ("mariadb-install-db", "mysql_install_db"))), None)
    return (install, server) if server and install else None


def _wait(process: subprocess.Popen, answers, what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while process.poll() is None and time.monotonic() < deadline:
        if answers():
            return
        time.sleep(0.1)
    stop_process(process)  # SIGTERM is a fast shutdown for both servers
    pytest.fail(f"{what} did not start:\n{log.read_text(errors='replace')[-3000:] if log.exists() else ''}")


@dataclass
class DatabaseServer:
    kind: str  # "postgres" | "mysql"
    port: int
    admin: callable  # () -> a DB-API connection with the right to create databases

    def create_database(self) -> str:
        """A fresh empty database; its DSN in the form the gateway reads."""
        name = f"voapi_scale_{os.getpid()}_{next(_names)}"
        connection = self.admin()
        try:
            if self.kind == "postgres":
                connection.autocommit = True
                with connection.cursor() as cursor:
                    cursor.execute(f'CREATE DATABASE "{name}" OWNER voapi')
                return f"postgres://voapi:{PASSWORD}@127.0.0.1:{self.port}/{name}?sslmode=disable"
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
                cursor.execute(f"GRANT ALL ON `{name}`.* TO 'voapi'@'127.0.0.1'")
            connection.commit()
            # the seed's Go form, as operators write it
            return f"voapi:{PASSWORD}@tcp(127.0.0.1:{self.port})/{name}?charset=utf8mb4&parseTime=True&loc=Local"
        finally:
            connection.close()


def _postgres_answers(port: int) -> bool:
    import psycopg2
    try:
        psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=1).close()
        return True
    except psycopg2.OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL cluster of its own (initdb in a temp dir, loopback only, no unix socket elsewhere)."""
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip(NO_POSTGRES)
    initdb, postgres = binaries
    # PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` system user
    owner = pwd.getpwnam("postgres") if os.getuid() == 0 else None
    if os.getuid() == 0 and owner is None:
        pytest.skip("running as root and there is no `postgres` user to own the cluster")
    workdir = Path(tempfile.mkdtemp(prefix="voapi-pg-"))
    run_as = {"user": owner.pw_uid, "group": owner.pw_gid} if owner else {}
    if owner:
        os.chown(workdir, owner.pw_uid, owner.pw_gid)
    data, log = workdir / "data", workdir / "server.log"
    try:
        subprocess.run([initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True, cwd=workdir, **run_as)
        for _attempt in range(3):  # another program may take the port between probe and bind
            port = free_port()
            with log.open("ab") as out:
                process = subprocess.Popen(
                    [postgres, "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(workdir),
                     "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                     "-c", "max_connections=200"],
                    cwd=workdir, stdout=out, stderr=out, **run_as)
            deadline = time.monotonic() + 30
            while process.poll() is None and time.monotonic() < deadline and not _postgres_answers(port):
                time.sleep(0.1)
            if process.poll() is None and _postgres_answers(port):
                break
            stop_process(process)
        else:
            pytest.fail(f"postgres did not start:\n{log.read_text(errors='replace')[-3000:]}")

        import psycopg2

        def admin():
            return psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
        connection = admin()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE ROLE voapi LOGIN PASSWORD '{PASSWORD}'")
        connection.close()
        try:
            yield DatabaseServer("postgres", port, admin)
        finally:
            stop_process(process)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def mariadb_server(tmp_path_factory):
    """A MariaDB of its own (datadir and socket in a temp dir, TCP on loopback only)."""
    binaries = _mariadb_binaries()
    if binaries is None:
        pytest.skip(NO_MARIADB)
    install, server = binaries
    import pymysql
    workdir = tmp_path_factory.mktemp("mariadb")
    data, socket_path, log = workdir / "data", workdir / "mysqld.sock", workdir / "server.log"
    as_user = ["--user=" + pwd.getpwuid(os.getuid()).pw_name]
    done = subprocess.run([install, "--no-defaults", f"--datadir={data}", "--auth-root-authentication-method=normal",
                           "--skip-test-db", *as_user], capture_output=True, text=True, cwd=workdir)
    if done.returncode != 0:
        pytest.fail(f"mariadb-install-db failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")

    def admin():
        return pymysql.connect(unix_socket=str(socket_path), user="root", password="", autocommit=False)

    def answers() -> bool:  # the server greets a new connection (a probe through pymysql would leak sockets)
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.settimeout(1)
                probe.connect(str(socket_path))
                return len(probe.recv(64)) > 0
        except OSError:
            return False

    for _attempt in range(3):
        port = free_port()
        with log.open("ab") as out:
            process = subprocess.Popen(
                [server, "--no-defaults", f"--datadir={data}", f"--socket={socket_path}", f"--port={port}",
                 "--bind-address=127.0.0.1", f"--pid-file={workdir / 'mysqld.pid'}", "--skip-name-resolve",
                 "--innodb-flush-log-at-trx-commit=2", "--innodb-doublewrite=0", "--max-connections=300",
                 "--skip-log-bin", *as_user],
                cwd=workdir, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline and not answers():
            time.sleep(0.1)
        if process.poll() is None and answers():
            break
        stop_process(process)
    else:
        pytest.fail(f"mariadbd did not start:\n{log.read_text(errors='replace')[-3000:]}")
    connection = admin()
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE USER 'voapi'@'127.0.0.1' IDENTIFIED BY '{PASSWORD}'")
    connection.commit()
    connection.close()
    try:
        yield DatabaseServer("mysql", port, admin)
    finally:
        stop_process(process)


@pytest.fixture(params=["postgres", "mariadb"])
def sql_dsn(request) -> str:
    """SQL_DSN of a fresh, empty database on the session's PostgreSQL or MariaDB."""
    server: DatabaseServer = request.getfixturevalue(f"{request.param}_server")
    return server.create_database()
