"""The ledger writer's batch and a reservation on a shared database take row locks in one order (keys, then
users): a batch settling two keys of one user never deadlocks with a reservation on the second key."""

from __future__ import annotations

import threading
import time

import pytest

from voapi_desktop.store import billing, tokens, users
from voapi_desktop.store.billing import Settlement
from voapi_desktop.store.logs import LogWriter
from voapi_desktop.store.runtime import open_store
from voapi_desktop.store.tables import Token, User, database
from voapi_desktop.store.transactions import write_transaction

pytestmark = pytest.mark.slow


def test_a_batch_settling_two_keys_of_one_user_waits_for_a_reservation_instead_of_deadlocking(
        sql_dsn, tmp_path, monkeypatch):
    runtime = open_store(env={"DATA_DIR": str(tmp_path), "SQL_DSN": sql_dsn})
    try:
        owner = users.create_user("alice", "a-password-1", quota=10_000)
        first, second = (tokens.create_token(owner.id, name, quota=1000) for name in ("first", "second"))
        billing.reserve("r1", owner.id, first.id, True, 100)
        billing.reserve("r2", owner.id, second.id, True, 100)
        batch = [Settlement("r1", owner.id, first.id, True, 0, 100, 60),
                 Settlement("r2", owner.id, second.id, True, 0, 100, 70)]
        applied = []
        monkeypatch.setattr(LogWriter, "_apply", staticmethod(lambda items, real=LogWriter._apply: (
            applied.append(1), real(items))[1]))
        holds_key, failures = threading.Event(), []

        def reservation_on_the_second_key() -> None:  # as billing.reserve: the key's row, then its user's
            try:
                with write_transaction():
                    Token.update(remain_quota=Token.remain_quota - 5).where(Token.id == second.id).execute()
                    holds_key.set()
                    time.sleep(0.5)  # the batch starts meanwhile
                    User.update(quota=User.quota - 5).where(User.id == owner.id).execute()
            except Exception as exc:  # noqa: BLE001 - a deadlock victim: what this test is about
                failures.append(exc)
            finally:
                holds_key.set()
                database.close()
        other = threading.Thread(target=reservation_on_the_second_key)
        other.start()
        assert holds_key.wait(10)
        LogWriter._write(batch)
        other.join(10)
        assert failures == [] and len(applied) == 1, "a deadlock: one transaction was aborted"
        assert Token.get_by_id(first.id).used_quota == 60 and Token.get_by_id(second.id).used_quota == 70
        assert User.get_by_id(owner.id).quota == 10_000 - 60 - 70 - 5
    finally:
        runtime.close()
