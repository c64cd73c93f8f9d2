"""The API keys and Users pages: create, edit, reveal / copy, disable, delete; edit, add quota, password, ban."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from tests.ui.conftest import wait_idle
from voapi_desktop.core import clock
from voapi_desktop.store import risk, tokens, users
from voapi_desktop.store.tables import Log


def _show(qtbot, console, page_id):
    console.window.show_page(page_id)
    wait_idle(qtbot, console.ctx.ops)
    return console.window.pages[page_id]


def _last(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()][-1]


def _open_token_dialog(qtbot, page):
    page.add_token()
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=5000)
    return page.dialog


def test_a_key_with_quota_expiry_and_allow_lists(qtbot, console):
    page = _show(qtbot, console, "tokens")
    dialog = _open_token_dialog(qtbot, page)
    dialog.name.setText("limited")
    dialog.unlimited.setChecked(False)
    dialog.quota.setValue(2.5)  # USD
    dialog.never.setChecked(False)
    dialog.models.setText("gpt-4o-mini, gpt-4o")
    dialog.allow_ips.setPlainText("10.0.0.0/8\n192.168.1.7")
    dialog.submit()
    qtbot.waitUntil(lambda: page.key_dialog is not None, timeout=5000)
    token = tokens.list_tokens()[0]
    assert (token.remain_quota, token.unlimited_quota) == (1_250_000, False)
    assert token.model_limits == {"gpt-4o-mini", "gpt-4o"}
    assert token.expired_time > clock.now() + 29 * 86400
    assert "192.168.1.7" in token.allow_ips
    assert page.key_dialog.key.text() == "sk-" + token.key


def test_a_bad_ip_list_is_refused_in_the_dialog(qtbot, console):
    dialog = _open_token_dialog(qtbot, _show(qtbot, console, "tokens"))
    dialog.name.setText("x")
    dialog.allow_ips.setPlainText("not-an-ip")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "not-an-ip" in dialog.error.text()



def test_editing_a_key_fills_the_dialog_and_persists_the_changes(qtbot, console):
    root = users.find_user("root")
    made = tokens.create_token(root.id, "laptop", quota=1234, models=["gpt-4o"], allow_ips="127.0.0.1",
                               expires_at=clock.now() + 3 * 86400)
    page = _show(qtbot, console, "tokens")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    assert page.edit_selected() is None and page.dialog.isVisible()
    dialog = page.dialog
    assert dialog.windowTitle() == "Edit API key laptop" and not dialog.owner.isEnabled()
    assert (dialog.name.text(), dialog.models.text(), dialog.allow_ips.toPlainText()) == \
        ("laptop", "gpt-4o", "127.0.0.1")
    assert not dialog.unlimited.isChecked() and not dialog.never.isChecked() and dialog.enabled.isChecked()
    dialog.name.setText("desk")  # the quota ($0.002468, finer than the field) and the expiry are left alone
    dialog.models.setText("")
    dialog.allow_ips.setPlainText("10.0.0.0/8")
    dialog.group.setText("vip")
    dialog.enabled.setChecked(False)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    token = tokens.list_tokens()[0]
    assert (token.name, token.remain_quota, token.expired_time, token.key) == \
        ("desk", 1234, made.expired_time, made.key)
    assert (token.model_limits, token.allow_ips, token.group, token.status) == \
        (frozenset(), "10.0.0.0/8", "vip", tokens.DISABLED)
    assert "Saved API key desk." in page.message.text()
    qtbot.waitUntil(lambda: page.model.row_at(0).name == "desk", timeout=5000)


def test_an_edited_quota_and_expiry_are_saved_and_bad_values_refused(qtbot, console):
    made = tokens.create_token(users.find_user("root").id, "laptop", unlimited=True)
    page = _show(qtbot, console, "tokens")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    dialog = page.edit_token(page.model.row_at(0))
    dialog.unlimited.setChecked(False)
    dialog.quota.setValue(3)  # USD
    dialog.never.setChecked(False)
    dialog.expires.setDateTime(dialog.expires.dateTime().addYears(-2))
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "expiry must be in the future" in dialog.error.text() and dialog.isVisible()
    dialog.never.setChecked(True)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    token = tokens.list_tokens()[0]
    assert (token.id, token.remain_quota, token.unlimited_quota, token.expired_time) == \
        (made.id, 1_500_000, False, -1)

def test_reveal_copy_disable_and_delete_a_key(qtbot, console):
    root = users.find_user("root")
    made = tokens.create_token(root.id, "laptop", unlimited=True)
    page = _show(qtbot, console, "tokens")
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    key_column = page.model.column_keys().index("tokens.col.key")
    assert "****" in page.model.index(0, key_column).data()
    page.reveal_selected()
    assert page.model.index(0, key_column).data() == "sk-" + made.key
    page.copy_selected()
    assert QGuiApplication.clipboard().text() == "sk-" + made.key
    page.set_enabled(False)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1 and page.model.row_at(0).status == tokens.DISABLED,
                    timeout=5000)
    page.table.selectRow(0)
    page.delete_selected()
    _last(QMessageBox).button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    assert tokens.list_tokens() == []


def test_create_edit_top_up_reset_password_and_ban_a_user(qtbot, console):
    page = _show(qtbot, console, "users")
    dialog = page.add_user()
    dialog.username.setText("carol")
    dialog.password.setText("carol-password")
    dialog.email.setText("carol@example.com")
    dialog.quota.setValue(1)
    dialog.submit()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    carol = users.find_user("carol")
    assert (carol.quota, carol.email) == (500_000, "carol@example.com")

    row = next(r for r in range(2) if page.model.row_at(r).username == "carol")
    edit = page.edit_user(page.model.row_at(row))
    edit.display_name.setText("Carol C.")
    edit.role.setCurrentIndex(edit.role.findData(users.ROLE_ADMIN))
    edit.submit()
    qtbot.waitUntil(lambda: not edit.isVisible(), timeout=5000)
    assert (users.find_user("carol").display_name, users.find_user("carol").role) == ("Carol C.", users.ROLE_ADMIN)

    wait_idle(qtbot, console.ctx.ops)
    row = next(r for r in range(2) if page.model.row_at(r).username == "carol")
    page.table.selectRow(row)
    page.add_quota()
    page.dialog.amount.setValue(2)
    page.dialog.submit()
    qtbot.waitUntil(lambda: "$3" in page.message.text(), timeout=5000)
    assert users.find_user("carol").quota == 1_500_000

    page.reset_password()
    prompt = _last(QInputDialog)
    prompt.setTextValue("a-new-password")
    prompt.accept()
    qtbot.waitUntil(lambda: "Changed the password" in page.message.text(), timeout=5000)
    assert users.verify_password("carol", "a-new-password") is not None

    page.ban_selected()
    _last(QInputDialog).accept()  # no reason typed: the operator's default
    status = page.model.column_keys().index("users.col.status")

    def shown_status() -> str:
        row = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).username == "carol")
        return page.model.index(row, status).data()
    qtbot.waitUntil(lambda: shown_status() == "Banned", timeout=5000)
    assert not users.find_user("carol").enabled


def test_root_cannot_be_banned(qtbot, console):
    page = _show(qtbot, console, "users")
    page.table.selectRow(0)
    page.ban_selected()
    _last(QInputDialog).accept()
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=5000)
    assert "root user cannot be banned" in page.message.text()
    assert users.find_user("root").enabled


def test_a_ban_asks_for_a_reason_that_the_risk_page_shows_and_unban_lifts_it(qtbot, console):
    carol = users.create_user("carol", "carol-password")
    page = _show(qtbot, console, "users")
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.table.selectAll()  # root and carol: root is left alone
    page.ban_selected()
    prompt = _last(QInputDialog)
    assert "carol" in prompt.labelText() and "Reason" in prompt.labelText()
    prompt.reject()
    wait_idle(qtbot, console.ctx.ops)
    assert users.find_user("carol").enabled  # cancelled: nobody banned
    page.table.selectAll()
    page.ban_selected()
    prompt = _last(QInputDialog)
    prompt.setTextValue("spamming the API")
    prompt.accept()
    qtbot.waitUntil(lambda: page.message.text().startswith("Banned 1 user(s)."), timeout=5000)
    assert "root user cannot be banned" in page.message.text()
    assert [(b.username, b.reason) for b in risk.list_bans()] == [("carol", "spamming the API")]
    risk_page = _show(qtbot, console, "risk")
    risk_page.tabs.setCurrentWidget(risk_page.bans)
    bans = risk_page.bans
    qtbot.waitUntil(lambda: [b.username for b in bans.model.rows()] == ["carol"], timeout=5000)
    assert bans.model.rows()[0].reason == "spamming the API"

    page = _show(qtbot, console, "users")
    qtbot.waitUntil(lambda: not next(u for u in page.model.rows() if u.username == "carol").enabled, timeout=5000)
    page.table.selectAll()
    page.unban_selected()
    qtbot.waitUntil(lambda: page.message.text().startswith("Unbanned 1 user(s)."), timeout=5000)
    assert "Not unbanned (not banned): root." in page.message.text()
    assert users.find_user("carol").enabled and risk.list_bans() == []
    lifted = [log.content for log in Log.select().where(Log.user_id == carol.id).order_by(Log.id)]
    assert len(lifted) == 2 and "spamming the API" in lifted[0] and "ban lifted" in lifted[1]
