"""Linked OAuth accounts: migration 8, find / link / sign up through a provider, one owner per account."""

from __future__ import annotations

import pytest

from tests.store.wallet_helpers import cheap_hashes
from voapi_desktop.core.settings import Settings
from voapi_desktop.store import migrations, oauth_accounts, users
from voapi_desktop.store.db import open_database
from voapi_desktop.store.errors import Conflict, InvalidInput
from voapi_desktop.store.invitations import aff_info
from voapi_desktop.store.tables import User


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    cheap_hashes(monkeypatch)


def test_a_user_table_from_before_step_8_gets_unique_nullable_id_columns(tmp_path):
    db = open_database(tmp_path)
    migrations.migrate(db, upto=6)
    for column in ("github_id", "linuxdo_id"):
        db.execute_sql(f'DROP INDEX IF EXISTS "user_{column}"')
        db.execute_sql(f'ALTER TABLE "user" DROP COLUMN {column}')  # as step 1 created it before step 8
    users.create_user("old", "password-123")
    assert migrations.migrate(db) == migrations.LATEST >= 8
    assert {"github_id", "linuxdo_id"} <= {column.name for column in db.get_columns("user")}
    users.create_user("other", "password-123")  # two users without a link: NULLs do not collide
    oauth_accounts.link_account(users.find_user("old").id, "github", 42)
    with pytest.raises(Conflict):
        oauth_accounts.link_account(users.find_user("other").id, "github", "42")


def test_sign_up_through_a_provider_links_the_account_and_pays_the_invitation_once(store):
    inviter = users.create_user("inviter", "password-123")
    settings = Settings.load(env={}, overrides={"QUOTA_FOR_INVITER": 7, "QUOTA_FOR_NEW_USER": 100})
    user, created = oauth_accounts.sign_in_or_register("linuxdo", 9001, settings, display_name="Nine",
                                                      aff_code=inviter.aff_code)
    assert created and user.username.startswith("linuxdo_") and user.display_name == "Nine"
    again, created_again = oauth_accounts.sign_in_or_register("linuxdo", "9001", settings,
                                                              aff_code=inviter.aff_code)
    assert (again.id, created_again) == (user.id, False)
    assert users.get_user(user.id).quota == 100
    assert aff_info(inviter.id).aff_count == 1 and aff_info(inviter.id).aff_quota == 7 and aff_info(user.id).inviter_id == inviter.id
    assert oauth_accounts.linked_ids(user.id) == {"github": "", "linuxdo": "9001"}


def test_closed_sign_up_unknown_provider_and_deleted_owner_are_refused(store):
    with pytest.raises(InvalidInput, match="sign-up is closed"):
        oauth_accounts.sign_in_or_register("github", 1, store.settings, may_register=False)
    with pytest.raises(InvalidInput, match="unknown sign-in provider"):
        oauth_accounts.find_linked_user("gitlab", 1)
    user, _ = oauth_accounts.sign_in_or_register("github", 5, store.settings)
    users.delete_user(user.id)
    with pytest.raises(InvalidInput, match="has been deleted"):
        oauth_accounts.sign_in_or_register("github", 5, store.settings)


def test_a_sign_up_that_loses_the_race_for_its_link_leaves_no_user_and_pays_no_reward(store, monkeypatch):
    """Two instances signing the same account up at once: the unique index refuses the second link, and
    everything that sign-up did (the user, the inviter's reward) is undone with it."""
    inviter = users.create_user("inviter", "password-123")
    settings = Settings.load(env={}, overrides={"QUOTA_FOR_INVITER": 7, "QUOTA_FOR_NEW_USER": 100})
    register = oauth_accounts.registration.register_user

    def register_while_another_instance_links(*args, **kwargs):
        user = register(*args, **kwargs)
        elsewhere = users.create_user("elsewhere", "password-123")
        User.update(github_id="77").where(User.id == elsewhere.id).execute()  # the other instance's link
        return user
    monkeypatch.setattr(oauth_accounts.registration, "register_user", register_while_another_instance_links)
    before = {user.username for user in User.select()}
    with pytest.raises(Conflict, match="just signed up elsewhere"):
        oauth_accounts.sign_in_or_register("github", 77, settings, aff_code=inviter.aff_code)
    assert {user.username for user in User.select()} == before  # "elsewhere" too: same transaction here
    assert aff_info(inviter.id).aff_count == 0 and aff_info(inviter.id).aff_quota == 0
