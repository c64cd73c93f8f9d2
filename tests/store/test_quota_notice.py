"""The quota-low notice: one mail when a balance crosses below the threshold, at most one a day."""

from __future__ import annotations

import pytest

from tests.fakes.mail import SmtpSink
from voapi_desktop.core.settings import Settings
from voapi_desktop.store import users
from voapi_desktop.store.quota_notice import DAY, QuotaReminder
from voapi_desktop.store.tables import User


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def set_quota(user_id: int, quota: int) -> None:
    User.update(quota=quota).where(User.id == user_id).execute()


def test_a_balance_crossing_below_the_threshold_is_mailed_once_a_day(store, sink):
    settings = Settings.load(env={**sink.settings(), "QUOTA_REMIND_THRESHOLD": "1000",
                                  "SERVER_ADDRESS": "https://gw.example.com"})
    alice = users.create_user("alice", "password-123", quota=5000, email="alice@example.com")
    users.create_user("bob", "password-123", quota=0, email="bob@example.com")  # low from the start
    users.create_user("carol", "password-123", quota=5000)  # no address
    now = [1_000_000.0]
    reminder = QuotaReminder(clock=lambda: now[0])
    assert reminder.run(settings) == 0  # the first look only records balances
    set_quota(alice.id, 400)
    set_quota(users.find_user("carol").id, 10)
    assert reminder.run(settings) == 1
    mail = sink.receive()
    assert mail.recipients == ["alice@example.com"] and "balance is low" in mail.message["Subject"]
    assert "$0.0008" in mail.text and "$0.002" in mail.text and "https://gw.example.com/console/wallet" in mail.text
    set_quota(alice.id, 5000)
    assert reminder.run(settings) == 0
    set_quota(alice.id, 100)
    assert reminder.run(settings) == 0  # crossed again the same day: no second mail
    now[0] += DAY
    set_quota(alice.id, 5000)
    reminder.run(settings)
    set_quota(alice.id, 100)
    assert reminder.run(settings) == 1
    assert sink.receive().recipients == ["alice@example.com"]
    assert sink.inbox.empty()


def test_no_notice_when_off_or_mail_is_not_configured(store, sink):
    alice = users.create_user("alice", "password-123", quota=5000, email="alice@example.com")
    for settings in (Settings.load(env={**sink.settings(), "QUOTA_REMIND_THRESHOLD": "0"}),
                     Settings.load(env={"QUOTA_REMIND_THRESHOLD": "1000"})):
        reminder = QuotaReminder()
        set_quota(alice.id, 5000)
        assert reminder.run(settings) == 0
        set_quota(alice.id, 10)
        assert reminder.run(settings) == 0
    assert sink.inbox.empty()
