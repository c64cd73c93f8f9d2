"""Sample data for console tests and screenshots: channels, users, keys and a week of usage rows."""

from __future__ import annotations

from voapi_desktop.core import clock
from voapi_desktop.store import changes, channels, redemptions, risk, tokens, users
from voapi_desktop.store.logs import CONSUME, ERROR, LogEntry
from voapi_desktop.store.tables import Log

MODELS = ("gpt-4o-mini", "gpt-4o", "claude-3-5-sonnet", "deepseek-chat", "gemini-1.5-flash")


def seed(base_url: str = "http://127.0.0.1:9") -> None:
    """Deterministic sample rows (no network)."""
    channels.create_channel(type="OpenAI", name="openai-main", key="sk-upstream-aaaaaaaaaaaaaaaa1111",
                            base_url=base_url, models="gpt-4o-mini,gpt-4o", priority=10, weight=5, tag="prod")
    deepseek = channels.create_channel(type="DeepSeek", name="deepseek", key="sk-upstream-bbbbbbbbbbbbbbbb2222",
                                       models="deepseek-chat", priority=5)
    channels.record_balance(deepseek.id, 18.42)
    second = channels.create_channel(type="Anthropic", name="claude-backup", key="sk-ant-cccccccccccccccc3333",
                                     models="claude-3-5-sonnet")
    channels.set_channel_status(second.id, channels.AUTO_DISABLED, "invalid API key")
    alice = users.create_user("alice", "password-alice", quota=2_500_000, display_name="Alice",
                              email="alice@example.com", group="vip")
    users.create_user("bob", "password-bob", quota=500_000, role=users.ROLE_ADMIN, display_name="Bob")
    root = users.find_user("root")
    tokens.create_token(root.id, "laptop", unlimited=True)
    tokens.create_token(alice.id, "alice-app", quota=1_000_000, models=["gpt-4o-mini"], allow_ips="10.0.0.0/8")
    now = clock.now()
    rows = []
    for i in range(60):
        model = MODELS[i % len(MODELS)] if i % 3 else "gpt-4o-mini"
        kind = ERROR if i % 17 == 5 else CONSUME
        rows.append(LogEntry(kind, user_id=root.id if i % 2 else alice.id, username="root" if i % 2 else "alice",
                             token_name="laptop" if i % 2 else "alice-app", model_name=model, channel_id=1,
                             quota=0 if kind == ERROR else 1200 + 37 * i, prompt_tokens=40 + i,
                             completion_tokens=0 if kind == ERROR else 120 + 3 * i, use_time=300 + 11 * i,
                             is_stream=bool(i % 2), request_id=f"req-{i:04d}",
                             content="upstream timed out" if kind == ERROR else "model ratio 0.075",
                             other={"model_ratio": 0.075, "completion_ratio": 4, "group_ratio": 1,
                                    "retry_chain": [1] if i % 5 else [3, 1]},
                             created_at=now - i * 3 * 3600).row())
    Log.insert_many(rows[::-1]).execute()  # oldest first, like the ledger writes them
    changes.publish("log")
    _seed_codes_and_hits(alice, now)


def _seed_codes_and_hits(alice: users.UserInfo, now: int) -> None:
    """Redemption codes and sensitive-word hits (neither adds a log row)."""
    redemptions.create_codes("spring-promo", 5_000_000, 3)
    redemptions.create_codes("beta-testers", 500_000, 2, expires_at=now + 7 * 86400)
    for i, words in enumerate((["坏词"], ["forbidden", "secret plan"], ["jailbreak"])):
        risk.record_risk_event(user_id=alice.id, username="alice", token_id=2, token_name="alice-app",
                               ip="10.0.0.7", model="gpt-4o-mini", words=words, dialect="openai",
                               excerpt=f"…tell me about {' and '.join(words)} right now…", created_at=now - i * 5000)
