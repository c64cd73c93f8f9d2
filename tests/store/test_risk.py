"""Risk control records: sensitive-word refusals, sign-in history, disabling a user for cause."""

from __future__ import annotations

import threading

import pytest

from tests.store.wallet_helpers import cheap_hashes, new_user
from voapi_desktop.store import changes, migrations, risk, users
from voapi_desktop.store.logs import SYSTEM, list_logs
from voapi_desktop.store.tables import LoginRecord, RiskEvent


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


@pytest.fixture
def published():
    kinds: list[str] = []
    unsubscribe = changes.subscribe(kinds.append)
    yield kinds
    unsubscribe()


def test_the_migration_creates_both_tables(store):
    db = RiskEvent._meta.database
    assert {"risk_event", "login_record"} <= set(db.get_tables())
    assert migrations.current_version(db.obj) == migrations.LATEST >= 4


def test_a_risk_event_round_trips_and_lists_newest_first():
    alice = new_user("alice")
    first = risk.record_risk_event(user_id=alice.id, username="alice", token_id=7, token_name="ci", ip="10.0.0.9",
                                   model="gpt-4o-mini", words=["坏词", "bad word"], excerpt="…说了坏词…",
                                   dialect="openai", created_at=1000)
    assert first.words == ("坏词", "bad word") and first.excerpt == "…说了坏词…" and first.created_at == 1000
    second = risk.record_risk_event(user_id=alice.id, username="alice", words=["x"], dialect="anthropic",
                                    created_at=2000)
    risk.record_risk_event(user_id=999, username="bob", words=["y"], created_at=1500)
    assert [e.id for e in risk.list_risk_events()] == [second.id, RiskEvent.get(RiskEvent.user_id == 999).id,
                                                      first.id]
    assert [e.id for e in risk.list_risk_events(user_id=alice.id)] == [second.id, first.id]
    assert [e.id for e in risk.list_risk_events(limit=1)] == [second.id]
    got = risk.list_risk_events(user_id=alice.id)[-1]
    assert (got.token_id, got.token_name, got.ip, got.model, got.dialect) == (7, "ci", "10.0.0.9", "gpt-4o-mini",
                                                                              "openai")


def test_long_values_are_cut_to_fit_their_columns():
    event = risk.record_risk_event(username="u" * 100, model="m" * 400, excerpt="e" * 5000, words=["a\nb", " ", "c"])
    assert len(event.username) == 32 and len(event.model) == 255 and len(event.excerpt) == risk.EXCERPT_MAX
    assert event.words == ("a b", "c")


def test_logins_are_recorded_and_filtered(published):
    alice = new_user("alice")
    published.clear()
    risk.record_login(username="alice", user_id=alice.id, ip="10.0.0.1", user_agent="Mozilla/5.0", success=True,
                      created_at=100)
    risk.record_login(username="alice", user_id=alice.id, ip="10.0.0.2", user_agent="curl", success=False,
                      created_at=200)
    risk.record_login(username="mallory", ip="10.0.0.2", user_agent="x" * 1000, success=False, created_at=300)
    everything = risk.list_logins()
    assert [(r.username, r.success) for r in everything] == [("mallory", False), ("alice", False), ("alice", True)]
    assert everything[0].user_id == 0 and len(everything[0].user_agent) == 255
    assert [r.ip for r in risk.list_logins(user_id=alice.id)] == ["10.0.0.2", "10.0.0.1"]
    assert [r.username for r in risk.list_logins(ip="10.0.0.2", success=False)] == ["mallory", "alice"]
    assert [r.created_at for r in risk.list_logins(success=True)] == [100]
    assert [r.created_at for r in risk.list_logins(username="mallory")] == [300]
    older = risk.list_logins(before_id=everything[0].id, limit=1)
    assert [r.created_at for r in older] == [200]
    assert LoginRecord.select().count() == 3
    assert set(published) == {"log"}, "records must not make the gateway rebuild its snapshot"


def test_ban_user_disables_logs_the_reason_and_announces_it(published):
    alice = new_user("alice")
    assert risk.ban_user(alice.id, "5 sensitive-word hits today") is True
    assert users.get_user(alice.id).status == users.STATUS_DISABLED
    [row] = [r for r in list_logs(username="alice", limit=10) if r["type"] == SYSTEM]
    assert row["content"] == "user disabled: 5 sensitive-word hits today" and row["user_id"] == alice.id
    assert "user" in published


def test_ban_user_is_idempotent_and_spares_root_and_unknown_users(published):
    alice = new_user("alice")
    results = []
    threads = [threading.Thread(target=lambda: results.append(risk.ban_user(alice.id, "too many hits")))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 5 + [True]
    assert len([r for r in list_logs(username="alice", limit=10) if r["type"] == SYSTEM]) == 1
    root = users.find_user("root")
    published.clear()
    assert risk.ban_user(root.id, "nope") is False
    assert users.get_user(root.id).status == users.STATUS_ENABLED
    assert risk.ban_user(123456, "nobody") is False
    assert published == []
