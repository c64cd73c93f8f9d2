"""Every admin change made from the console writes one MANAGE row: "console" from "local", what was done, the
names of the fields it changed and never their values; a change that fails writes none (store/audit.py)."""

from __future__ import annotations

import orjson
import pytest

from tests.ui.conftest import wait_idle
from voapi_desktop.store import channels, redemptions, tokens, users
from voapi_desktop.store.logs import MANAGE
from voapi_desktop.store.tables import Log
from voapi_desktop.ui.actions import channels as channel_actions
from voapi_desktop.ui.actions import logs as log_actions
from voapi_desktop.ui.actions import pricing as pricing_actions
from voapi_desktop.ui.actions import redemptions as redemption_actions
from voapi_desktop.ui.actions import risk as risk_actions
from voapi_desktop.ui.actions import settings as settings_actions
from voapi_desktop.ui.actions import targets
from voapi_desktop.ui.actions import tokens as token_actions
from voapi_desktop.ui.actions import users as user_actions

SECRET = "sk-" + "C0nsoleAudit" * 4
PASSWORD = "Pa55word-never-logged"


def manage_rows() -> list[dict]:
    return [{"who": r.username, "ip": r.ip, "what": r.content, "user_id": r.user_id,
             "other": orjson.loads(r.other or "{}")} for r in Log.select().where(Log.type == MANAGE).order_by(Log.id)]


class Audit:
    """Runs one console action and checks it added exactly one row (or, failing, none)."""

    def __init__(self, qtbot, ctx):
        self.qtbot, self.ctx = qtbot, ctx
        self.outcomes: list[object] = []

    def __call__(self, action, *args, what: str, fields: list[str] | None = None, **kwargs) -> dict:
        before = len(manage_rows())
        self._run(action, *args, **kwargs)
        assert not any(isinstance(o, BaseException) for o in self.outcomes), self.outcomes
        rows = manage_rows()
        assert len(rows) == before + 1, rows[before:]
        row = rows[-1]
        assert (row["who"], row["ip"], row["user_id"], row["what"]) == ("console", "local", 0, what)
        assert row["other"].get("fields", []) == sorted(fields or [])
        return row

    def refused(self, action, *args, **kwargs) -> None:
        before = len(manage_rows())
        self._run(action, *args, **kwargs)
        assert isinstance(self.outcomes[-1], BaseException)
        assert len(manage_rows()) == before

    def _run(self, action, *args, **kwargs) -> None:
        action(self.ctx, *args, success=self.outcomes.append, failure=self.outcomes.append, **kwargs)
        wait_idle(self.qtbot, self.ctx.ops)


@pytest.fixture
def audit(qtbot, console) -> Audit:
    return Audit(qtbot, console.ctx)


def _no_secret_in_the_trail(*secrets: str) -> None:
    text = repr(manage_rows())
    assert not [s for s in secrets if s in text]


def test_channel_changes_are_audited(audit):
    fields = {"type": 1, "name": "main", "key": SECRET, "base_url": "http://127.0.0.1:9", "models": "gpt-4o",
              "tag": "prod"}
    audit(channel_actions.create_channel, fields, what="add channel main", fields=list(fields))
    main = channels.list_channels()[0]
    row = audit(channel_actions.update_channel, main.id, {"name": "main", "key": SECRET + "2", "priority": 3},
                what=f"update channel {main.id}", fields=["keys", "priority"])  # the name did not change
    assert row["other"]["fields"] == ["keys", "priority"]
    audit(channel_actions.copy_channel, main.id, what=f"copy channel {main.id}")
    copy = channels.list_channels()[-1]
    both = [main.id, copy.id]
    audit(channel_actions.set_enabled, both, False, what=f"disable channels {main.id}, {copy.id}", fields=["status"])
    audit(channel_actions.set_enabled, [main.id], True, what=f"enable channel {main.id}", fields=["status"])
    audit(channel_actions.set_tag_enabled, "prod", False, what="disable channels tagged prod", fields=["status"])
    audit(channel_actions.set_tag_enabled, "prod", True, what="enable channels tagged prod", fields=["status"])
    audit(channel_actions.set_tag, [copy.id], "backup", what=f"tag channel {copy.id}", fields=["tag"])
    audit(channel_actions.delete_channels, both, what=f"delete channels {main.id}, {copy.id}")
    assert channels.list_channels() == []
    _no_secret_in_the_trail(SECRET)


def test_a_failed_channel_change_writes_no_row(audit):
    audit.refused(channel_actions.update_channel, 999, {"name": "x"})
    audit.refused(channel_actions.create_channel, {"type": 1, "name": "", "key": SECRET, "models": "m"})
    audit.refused(channel_actions.delete_channels, [999])
    assert manage_rows() == []


def test_token_changes_and_shown_keys_are_audited(qtbot, console, audit):
    audit(token_actions.create_token, {"username": "root", "name": "laptop", "quota": 1000, "unlimited": False},
          what="create token laptop", fields=["username", "name", "quota", "unlimited"])
    token = tokens.list_tokens()[0]
    audit(token_actions.update_token, token.id, {"name": "desk", "quota": 1000, "allow_ips": ""},
          what=f"update token {token.id}", fields=["name"])
    audit(token_actions.set_enabled, [token.id], False, what=f"disable token {token.id}", fields=["status"])
    audit(token_actions.set_enabled, [token.id], True, what=f"enable token {token.id}", fields=["status"])
    page = console.window.pages["tokens"]
    console.window.show_page("tokens")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    before = len(manage_rows())
    page.reveal_selected()
    wait_idle(qtbot, console.ctx.ops)
    page.reveal_selected()  # masking it again is not worth a row
    page.copy_selected()
    wait_idle(qtbot, console.ctx.ops)
    shown = manage_rows()[before:]
    assert [(r["who"], r["ip"], r["what"]) for r in shown] == [
        ("console", "local", f"reveal token {token.id}"), ("console", "local", f"copy key of token {token.id}")]
    audit(token_actions.delete_tokens, [token.id], what=f"delete token {token.id}")
    audit.refused(token_actions.update_token, token.id, {"name": "gone"})
    _no_secret_in_the_trail(token.key)


def test_user_changes_are_audited(audit):
    audit(user_actions.create_user, {"username": "carol", "password": PASSWORD, "role": users.ROLE_USER,
                                     "quota": 0, "group": "default", "display_name": "", "email": ""},
          what="create user carol",
          fields=["username", "password", "role", "quota", "group", "display_name", "email"])
    carol = users.find_user("carol")
    audit(user_actions.update_user, carol.id, {"display_name": "Carol", "email": "", "role": users.ROLE_ADMIN,
                                               "group": "vip"},
          what=f"update user {carol.id}", fields=["display_name", "role", "group"])
    audit(user_actions.add_quota, carol.id, 500_000, "thanks", what=f"top up user {carol.id}", fields=["quota"])
    audit(user_actions.add_quota, carol.id, -1000, "", what=f"deduct quota of user {carol.id}", fields=["quota"])
    audit(user_actions.reset_password, carol.id, PASSWORD + "2", what=f"set password of user {carol.id}",
          fields=["password"])
    audit(user_actions.ban, [carol.id], "spam", what=f"ban user {carol.id}", fields=["status"])
    audit(user_actions.unban, [carol.id], what=f"unban user {carol.id}", fields=["status"])
    audit(user_actions.ban, [carol.id], "", what=f"ban user {carol.id}", fields=["status"])
    audit(risk_actions.unban, [carol.id], what=f"unban user {carol.id}", fields=["status"])
    audit.refused(user_actions.create_user, {"username": "carol", "password": PASSWORD})  # taken
    audit.refused(user_actions.add_quota, 999, 5, "")
    _no_secret_in_the_trail(PASSWORD)


def test_settings_price_and_info_changes_are_audited(audit):
    row = audit(settings_actions.save_settings, {"SMTP_TOKEN": SECRET, "SYSTEM_NAME": "Gate"},
                what="set options SMTP_TOKEN, SYSTEM_NAME", fields=["SMTP_TOKEN", "SYSTEM_NAME"])
    assert SECRET not in repr(row)
    audit(settings_actions.reset_setting, "SYSTEM_NAME", what="reset option SYSTEM_NAME", fields=["SYSTEM_NAME"])
    audit(log_actions.save_retention, "30", what="set option LOG_RETENTION_DAYS", fields=["LOG_RETENTION_DAYS"])
    audit(pricing_actions.save_price, {"model": "my-model", "ratio": "2", "completion_ratio": "3"},
          what="set price my-model", fields=["ratio", "completion_ratio"])
    audit(pricing_actions.delete_prices, ["my-model"], what="delete price my-model")
    audit(pricing_actions.set_group_ratio, "vip", "0.8", what="set group ratio vip", fields=["GROUP_RATIO"])
    audit(pricing_actions.delete_group_ratio, "vip", what="delete group ratio vip", fields=["GROUP_RATIO"])
    audit(pricing_actions.set_display_unit, "CNY", what="set option QUOTA_DISPLAY_TYPE",
          fields=["QUOTA_DISPLAY_TYPE"])
    audit(pricing_actions.set_exchange_rate, "7.1", what="set option USD_EXCHANGE_RATE", fields=["USD_EXCHANGE_RATE"])
    audit(pricing_actions.save_info, "MODEL_INFO", {"my-model": {"note": "fast"}}, what="set option MODEL_INFO",
          fields=["MODEL_INFO"])
    audit(pricing_actions.save_info, "VENDOR_INFO", {"acme": {"name": "Acme"}}, what="set option VENDOR_INFO",
          fields=["VENDOR_INFO"])
    audit.refused(settings_actions.save_settings, {"LOG_RETENTION_DAYS": "-1"})
    audit.refused(pricing_actions.delete_prices, ["no-such-model"])
    audit.refused(pricing_actions.save_info, "MODEL_INFO", ["not", "an", "object"])
    _no_secret_in_the_trail(SECRET)


def test_redemption_codes_and_reward_settings_are_audited(audit):
    audit(redemption_actions.create_codes, {"name": "promo", "quota": 500_000, "count": 2, "expires_at": 0},
          what="create redemption codes promo", fields=["name", "quota", "count", "expires_at"])
    codes = redemptions.list_codes()
    ids = [c.id for c in codes]
    audit(redemption_actions.disable_codes, codes[:1], what=f"disable redemption code {ids[0]}", fields=["status"])
    audit(redemption_actions.delete_codes, ids, what=f"delete redemption codes {ids[0]}, {ids[1]}")
    audit(redemption_actions.save_checkin, True, 100, 200,
          what="set options CHECKIN_ENABLED, CHECKIN_MIN_QUOTA, CHECKIN_MAX_QUOTA",
          fields=["CHECKIN_ENABLED", "CHECKIN_MIN_QUOTA", "CHECKIN_MAX_QUOTA"])
    names = list(redemption_actions.INVITATION_SETTINGS)
    audit(redemption_actions.save_invitation, dict.fromkeys(names, 1000), what="set options " + ", ".join(names),
          fields=names)
    audit.refused(redemption_actions.save_checkin, True, 300, 200)  # an empty range
    _no_secret_in_the_trail(*(c.key for c in codes))


def test_channel_tests_and_reads_write_no_row(audit):
    channels.create_channel(type=1, name="down", key=SECRET, base_url="http://127.0.0.1:9", models="m")
    audit.ctx.ops.run(lambda: None)
    channel_actions.test_all(audit.ctx, success=audit.outcomes.append, failure=audit.outcomes.append)
    wait_idle(audit.qtbot, audit.ctx.ops, timeout=30000)
    assert manage_rows() == []


def test_an_audit_row_names_many_ids_briefly():
    assert targets("channel", [5]) == "channel 5"
    assert targets("token", range(1, 26)).endswith("20, … (+5)")


def test_the_logs_page_lists_admin_changes_with_their_fields(qtbot, console, audit):
    audit(settings_actions.save_settings, {"SYSTEM_NAME": "Gate"}, what="set options SYSTEM_NAME",
          fields=["SYSTEM_NAME"])
    page = console.window.pages["logs"]
    console.window.show_page("logs")
    page.type_box.setCurrentIndex(page.type_box.findData(MANAGE))
    assert page.type_box.currentText() == "Manage"
    qtbot.waitUntil(lambda: page.total == 1, timeout=5000)
    details = page.model.column_keys().index("logs.detail.content")
    assert page.model.index(0, details).data() == "set options SYSTEM_NAME (SYSTEM_NAME)"
    page.table.selectRow(0)
    assert "local" in page.detail.toPlainText() and "console" in page.detail.toPlainText()
