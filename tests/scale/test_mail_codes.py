"""Sign-up codes across a cluster: two `serve` processes on one PostgreSQL database (no Redis, no sticky
sessions), the same SESSION_SECRET, one SMTP sink. A code one instance mails is accepted by the other,
once, and concurrent uses and guesses on PostgreSQL and MariaDB are counted as on SQLite."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_limits import Serving, _env
from tests.fakes.mail import SmtpSink
from tests.store.test_verification import SECRET, SIGN_UP, run_together, wrong
from voapi_desktop.store import users, verification
from voapi_desktop.store.options import set_options
from voapi_desktop.store.runtime import open_store
from voapi_desktop.store.tables import VerificationCode

pytestmark = pytest.mark.slow

PASSWORD = "cluster-pass-1"


@pytest.fixture
def instances(tmp_path, postgres_server):
    """The base URLs of two running instances sharing one fresh database; mail goes to the sink."""
    sql_dsn = postgres_server.create_database()
    runtime = open_store(env={"DATA_DIR": str(tmp_path / "reader"), "SQL_DSN": sql_dsn})  # migrates it
    sink = SmtpSink().start()
    servers: list[Serving] = []
    try:
        set_options({**sink.settings(), "EMAIL_VERIFICATION_ENABLED": "true"})
        for name in ("east", "west"):
            env = _env(tmp_path / name, "")
            env.update(SQL_DSN=sql_dsn, NODE_NAME=name, SESSION_SECRET="cluster-session-secret")
            Path(env["DATA_DIR"]).mkdir(parents=True)
            servers.append(Serving(env))
        yield [server.wait_ready() for server in servers], sink
    finally:
        codes = [server.stop() for server in servers]
        sink.stop()
        runtime.close()
    for server in servers:
        assert "Traceback" not in server.log_path.read_text()
    assert codes == [0, 0]


def mail_code(url: str, sink: SmtpSink, address: str) -> str:
    answer = httpx.get(f"{url}/api/verification", params={"email": address}, timeout=30).json()
    assert answer["success"], answer
    return re.search(r"\b(\d{6})\b", sink.receive().text).group(1)


def register(url: str, username: str, address: str, code: str) -> dict:
    body = {"username": username, "password": PASSWORD, "email": address, "verification_code": code}
    return httpx.post(f"{url}/api/user/register", json=body, timeout=30).json()


def test_a_code_mailed_by_one_instance_signs_up_on_the_other_once(instances):
    (east, west), sink = instances
    code = mail_code(east, sink, "ann@example.com")
    assert register(west, "ann", "ann@example.com", code)["success"]
    again = register(east, "ann2", "ann@example.com", code)
    assert not again["success"] and "request one first" in again["message"]
    assert users.find_user("ann").email == "ann@example.com"


def test_two_instances_given_one_code_at_once_sign_up_one_user(instances):
    (east, west), sink = instances
    code = mail_code(west, sink, "bob@example.com")
    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda args: register(*args, "bob@example.com", code),
                                [(east, "bob_east"), (west, "bob_west")]))
    assert sorted(answer["success"] for answer in answers) == [False, True], answers
    assert "request one first" in next(a for a in answers if not a["success"])["message"]
    assert VerificationCode.select().count() == 0


def test_concurrent_uses_and_guesses_on_a_shared_database_are_counted_once(tmp_path, sql_dsn):
    runtime = open_store(env={"DATA_DIR": str(tmp_path), "SQL_DSN": sql_dsn})
    redeem = partial(verification.redeem_code, SECRET, SIGN_UP, "cid@example.com")
    try:
        code = verification.issue_code(SECRET, SIGN_UP, "cid@example.com")
        assert run_together([partial(redeem, code)] * 8, 8).count(None) == 1
        code = verification.issue_code(SECRET, SIGN_UP, "cid@example.com")
        results = run_together([partial(redeem, wrong(code))] * 12, 12)
        assert results.count("wrong verification code") == 4
        assert results.count("wrong verification code, too many times; request a new one") == 1
        assert VerificationCode.select().count() == 0
    finally:
        runtime.close()
