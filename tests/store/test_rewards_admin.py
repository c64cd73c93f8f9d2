"""What the console's reward and risk pages need from the store: code states and deletion, check-in
settings saved together, check-in and invitation totals, the bans list and lifting a ban."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from tests.store.wallet_helpers import cheap_hashes, logs_of, new_user, settings
from voapi_desktop.core import clock
from voapi_desktop.core.settings import Settings
from voapi_desktop.store import checkin, invitations, redemptions, risk, users
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.logs import SYSTEM
from voapi_desktop.store.options import load_options


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


def test_a_code_state_is_enabled_disabled_used_or_expired():
    now = clock.now()
    fresh, off, used, short = redemptions.create_codes("s", 100, 4, expires_at=now + 60)
    redemptions.disable_code(off)
    redemptions.redeem(used, new_user("alice").id)
    states = {c.key: c.state(now) for c in redemptions.list_codes()}
    assert states == {fresh: "enabled", off: "disabled", used: "used", short: "enabled"}
    later = {c.key: c.state(now + 61) for c in redemptions.list_codes()}
    assert (later[short], later[used]) == ("expired", "used")


def test_deleting_codes_removes_only_those_and_a_deleted_code_cannot_be_redeemed():
    keep, gone_one, gone_two = redemptions.create_codes("d", 100, 3)
    ids = {c.key: c.id for c in redemptions.list_codes()}
    assert redemptions.delete_codes([ids[gone_one], ids[gone_two]]) == 2
    assert [c.key for c in redemptions.list_codes()] == [keep]
    assert redemptions.delete_codes([]) == 0
    with pytest.raises(InvalidInput, match="does not exist"):
        redemptions.redeem(gone_one, new_user("bob").id)


def test_check_in_settings_are_saved_together_and_an_empty_range_is_refused():
    checkin.configure(True, 2000, 5000)
    loaded = Settings.load(env={}, options=load_options())
    assert (loaded["CHECKIN_ENABLED"], loaded["CHECKIN_MIN_QUOTA"], loaded["CHECKIN_MAX_QUOTA"]) == (True, 2000, 5000)
    with pytest.raises(InvalidInput, match=r"CHECKIN_MIN_QUOTA \(9000\) is above CHECKIN_MAX_QUOTA \(100\)"):
        checkin.configure(False, 9000, 100)
    with pytest.raises(InvalidInput, match="whole numbers"):
        checkin.configure(True, -1, 100)
    assert load_options()["CHECKIN_MIN_QUOTA"] == "2000"  # nothing of a refused save is stored


def test_check_in_totals_count_all_days_and_today():
    on = settings(CHECKIN_ENABLED=True, CHECKIN_MIN_QUOTA=100, CHECKIN_MAX_QUOTA=100, TZ="UTC")
    alice, bob = new_user("alice"), new_user("bob")
    checkin.check_in(alice.id, on, now=datetime(2025, 3, 1, 9, tzinfo=timezone.utc))
    checkin.check_in(alice.id, on, now=datetime(2025, 3, 2, 9, tzinfo=timezone.utc))
    checkin.check_in(bob.id, on, now=datetime(2025, 3, 2, 10, tzinfo=timezone.utc))
    assert checkin.totals("2025-03-02") == checkin.CheckinTotals(3, 300, 2, 2, 200)
    assert checkin.totals("2025-03-09") == checkin.CheckinTotals(3, 300, 2, 0, 0)


def test_invitation_totals_count_invited_users_and_inviter_rewards():
    assert invitations.totals() == invitations.InvitationTotals(0, 0, 0, 0)
    rules = settings(QUOTA_FOR_INVITER=700, QUOTA_FOR_INVITEE=50)
    alice = new_user("alice")
    for name in ("bob", "carol"):
        invitations.apply_invitation(new_user(name).id, alice.aff_code, rules)
    assert invitations.totals() == invitations.InvitationTotals(2, 1, 1400, 1400)


def test_bans_list_reason_and_time_and_lifting_a_ban_is_logged():
    alice, bob = new_user("alice"), new_user("bob")
    assert risk.ban_user(alice.id, "3 sensitive-word hits on 2025-03-01")
    users.set_user_enabled(bob.id, False)  # a ban from the Users page records no reason
    bans = {b.username: b for b in risk.list_bans()}
    assert bans["alice"].reason == "3 sensitive-word hits on 2025-03-01" and bans["alice"].since > 0
    assert (bans["bob"].reason, bans["bob"].since) == ("", 0)
    assert risk.unban_user(alice.id) is True
    assert risk.unban_user(alice.id) is False  # already enabled: no second row
    assert users.get_user(alice.id).enabled
    assert [b.username for b in risk.list_bans()] == ["bob"]
    lifted = [row for row in logs_of("alice") if row["content"] == "user enabled: ban lifted"]
    assert len(lifted) == 1 and lifted[0]["type"] == SYSTEM


def test_a_ban_after_a_lifted_one_without_a_record_shows_no_stale_reason():
    alice = new_user("alice")
    risk.ban_user(alice.id, "old reason")
    risk.unban_user(alice.id)
    users.set_user_enabled(alice.id, False)
    [ban] = risk.list_bans()
    assert (ban.username, ban.reason, ban.since) == ("alice", "", 0)


def test_a_risk_event_keeps_the_action_taken():
    alice = new_user("alice")
    risk.record_risk_event(user_id=alice.id, words=["x"], action="refused,banned")
    [event] = risk.list_risk_events()
    assert (event.action, event.actions) == ("refused,banned", ("refused", "banned"))

