"""Invitations: rewards for both sides, pending inviter quota moved into the wallet."""

from __future__ import annotations

import pytest

from tests.store.wallet_helpers import balance, cheap_hashes, logs_of, new_user, settings
from voapi_desktop.store import invitations
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.logs import SYSTEM, TOPUP

REWARDS = settings(QUOTA_FOR_INVITER=300_000, QUOTA_FOR_INVITEE=2_000, QUOTA_PER_UNIT=500_000)


@pytest.fixture(autouse=True)
def _cheap(monkeypatch, store):
    cheap_hashes(monkeypatch)


def test_an_invitation_rewards_the_invitee_now_and_the_inviter_as_pending_quota():
    inviter, invitee = new_user("inviter"), new_user("invitee")
    assert invitations.apply_invitation(invitee.id, inviter.aff_code.lower(), REWARDS) == inviter.id
    assert balance(invitee.id) == 2_000
    assert balance(inviter.id) == 0  # pending, not spendable yet
    info = invitations.aff_info(inviter.id)
    assert (info.aff_count, info.aff_quota, info.aff_history_quota) == (1, 300_000, 300_000)
    assert invitations.aff_info(invitee.id).inviter_id == inviter.id
    assert [(r["type"], r["quota"]) for r in logs_of("invitee")] == [(TOPUP, 2_000)]
    assert [(r["type"], r["quota"]) for r in logs_of("inviter")] == [(SYSTEM, 300_000)]


def test_inviter_rewards_add_up_over_several_invitees():
    inviter = new_user("inviter")
    for name in ("a", "b"):
        invitations.apply_invitation(new_user(name).id, inviter.aff_code, REWARDS)
    info = invitations.aff_info(inviter.id)
    assert (info.aff_count, info.aff_quota) == (2, 600_000)


def test_unknown_self_and_repeated_invitations_are_refused():
    inviter, invitee = new_user("inviter"), new_user("invitee")
    with pytest.raises(InvalidInput, match="'NOPE' is unknown"):
        invitations.apply_invitation(invitee.id, "NOPE", REWARDS)
    with pytest.raises(InvalidInput, match="themselves"):
        invitations.apply_invitation(inviter.id, inviter.aff_code, REWARDS)
    invitations.apply_invitation(invitee.id, inviter.aff_code, REWARDS)
    with pytest.raises(InvalidInput, match="already has an inviter"):
        invitations.apply_invitation(invitee.id, inviter.aff_code, REWARDS)
    assert invitations.aff_info(inviter.id).aff_count == 1
    assert balance(invitee.id) == 2_000


def test_transfer_moves_pending_quota_into_the_balance():
    inviter = new_user("inviter", quota=1)
    for name in ("a", "b"):
        invitations.apply_invitation(new_user(name).id, inviter.aff_code, REWARDS)
    assert invitations.transfer_aff_quota(inviter.id, REWARDS, amount=500_000) == 500_000
    assert balance(inviter.id) == 500_001
    assert invitations.aff_info(inviter.id).aff_quota == 100_000
    assert invitations.aff_info(inviter.id).aff_history_quota == 600_000
    assert logs_of("inviter")[0]["type"] == TOPUP


def test_transfer_defaults_to_everything_pending():
    inviter = new_user("inviter")
    for name in ("a", "b"):
        invitations.apply_invitation(new_user(name).id, inviter.aff_code, REWARDS)
    assert invitations.transfer_aff_quota(inviter.id, REWARDS) == 600_000
    assert (balance(inviter.id), invitations.aff_info(inviter.id).aff_quota) == (600_000, 0)


def test_transfer_needs_at_least_one_unit_and_never_more_than_pending():
    inviter = new_user("inviter")
    invitations.apply_invitation(new_user("a").id, inviter.aff_code, REWARDS)
    with pytest.raises(InvalidInput, match="at least 500000"):
        invitations.transfer_aff_quota(inviter.id, REWARDS)  # 300,000 pending < one unit
    invitations.apply_invitation(new_user("b").id, inviter.aff_code, REWARDS)
    with pytest.raises(InvalidInput, match="only 600000 .* pending"):
        invitations.transfer_aff_quota(inviter.id, REWARDS, amount=700_000)
    assert (balance(inviter.id), invitations.aff_info(inviter.id).aff_quota) == (0, 600_000)
