"""The redemption codes page: create a batch and copy it, see a redemption arrive, disable, delete, filter;
the rewards panel saves check-in and invitation settings and refuses an empty check-in range."""

from __future__ import annotations

import random
from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.conftest import wait_idle
from tests.ui.model_checks import check_with_rows_and_empty, proxied
from voapi_desktop.core.settings import Settings
from voapi_desktop.store import checkin, redemptions, users
from voapi_desktop.store.options import load_options
from voapi_desktop.ui.actions.redemptions import load_codes
from voapi_desktop.ui.models.redemption_table import RedemptionTableModel


def _page(qtbot, console):
    console.window.show_page("redemptions")
    wait_idle(qtbot, console.ctx.ops)
    return console.window.pages["redemptions"]


def _column(page, key):
    return page.model.column_keys().index(key)


def _cell(page, row, key):
    return page.page_proxy.index(row, _column(page, key)).data()


def test_the_code_table_model_passes_the_model_tester(qtmodeltester, console):
    first, used = redemptions.create_codes("promo", 500_000, 2)
    redemptions.create_codes("", 1, 1, expires_at=2**40)
    redemptions.redeem(used, users.find_user("root").id)
    model = RedemptionTableModel(console.ctx)
    rows = load_codes()
    assert len(rows) == 3
    check_with_rows_and_empty(qtmodeltester, model, rows)


def test_the_code_table_behind_the_search_and_page_proxies_passes_the_model_tester(qtmodeltester, console):
    redemptions.create_codes("promo", 500_000, 3)
    redemptions.create_codes("other", 1, 1)
    model = RedemptionTableModel(console.ctx)
    search, paged = proxied(model, page_size=2)
    model.set_rows(load_codes())
    search.sort(3, Qt.DescendingOrder)
    search.set_search("promo")
    paged.set_page(1)
    assert (search.rowCount(), paged.rowCount()) == (3, 1)
    qtmodeltester.check(search)
    qtmodeltester.check(paged)


def test_codes_created_through_the_page_are_shown_once_and_a_redemption_shows_up(qtbot, console):
    alice = users.create_user("alice", "password-alice")
    page = _page(qtbot, console)
    dialog = page.add_codes()
    dialog.name.setText("spring")
    dialog.quota.setValue(2)  # USD each
    dialog.count.setValue(3)
    dialog.submit()
    qtbot.waitUntil(lambda: page.codes_dialog is not None, timeout=5000)
    stored = redemptions.list_codes()
    assert {(c.name, c.quota) for c in stored} == {("spring", 1_000_000)} and len(stored) == 3
    shown = page.codes_dialog.codes.toPlainText().splitlines()
    assert sorted(shown) == sorted(c.key for c in stored)
    page.codes_dialog.copy_button.click()
    assert QGuiApplication.clipboard().text().splitlines() == shown
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert shown[0] not in _cell(page, 0, "redemptions.col.code")  # masked in the list
    redemptions.redeem(shown[1], alice.id)
    qtbot.waitUntil(lambda: any(r.redeemed_by == "alice" for r in page.model.rows()), timeout=5000)
    page.state_filter.setCurrentIndex(page.state_filter.findData("used"))
    assert page.page_proxy.rowCount() == 1
    assert (_cell(page, 0, "redemptions.col.status"), _cell(page, 0, "redemptions.col.redeemed_by")) == \
        ("Redeemed", "alice")
    page.state_filter.setCurrentIndex(page.state_filter.findData("enabled"))
    assert page.page_proxy.rowCount() == 2


def test_bad_input_in_the_dialog_gets_the_service_message(qtbot, console):
    page = _page(qtbot, console)
    dialog = page.add_codes()
    dialog.quota.setValue(0)
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "quota must be" in dialog.error.text()
    assert dialog.isVisible() and redemptions.list_codes() == []


def test_copy_disable_and_delete_selected_codes(qtbot, console):
    codes = redemptions.create_codes("batch", 1000, 3)
    redemptions.redeem(codes[0], users.find_user("root").id)
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    page.table.selectAll()
    page.copy_selected()
    assert sorted(QGuiApplication.clipboard().text().splitlines()) == sorted(codes)
    page.disable_selected()
    qtbot.waitUntil(lambda: "Disabled 2 codes" in page.message.text(), timeout=5000)
    assert "1 already redeemed" in page.message.text()
    assert sorted(c.state(0) for c in redemptions.list_codes()) == ["disabled", "disabled", "used"]
    qtbot.waitUntil(lambda: sorted(r.state() for r in page.model.rows()) == ["disabled", "disabled", "used"],
                    timeout=5000)
    page.table.selectRow(0)
    page.delete_selected()
    box = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()][-1]
    assert "Delete 1 codes" in box.text()
    box.button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    assert len(redemptions.list_codes()) == 2


def _settings():
    return Settings.load(env={}, options=load_options())


def test_check_in_settings_are_saved_and_an_empty_range_is_refused(qtbot, console):
    page = _page(qtbot, console)
    panel = page.rewards
    qtbot.waitUntil(lambda: panel.rewards is not None, timeout=5000)
    assert (panel.checkin_min.value(), panel.checkin_max.value()) == (1000, 10000)  # the defaults
    panel.checkin_enabled.setChecked(True)
    panel.checkin_min.set_value(2000)
    panel.checkin_max.set_value(5000)
    panel.save_checkin()
    qtbot.waitUntil(lambda: panel.checkin.outcome.text() == "Saved.", timeout=5000)
    saved = _settings()
    assert (saved["CHECKIN_ENABLED"], saved["CHECKIN_MIN_QUOTA"], saved["CHECKIN_MAX_QUOTA"]) == (True, 2000, 5000)
    panel.checkin_min.set_value(9000)
    panel.save_checkin()
    qtbot.waitUntil(lambda: "above CHECKIN_MAX_QUOTA" in panel.checkin.outcome.text(), timeout=5000)
    assert panel.checkin.outcome.objectName() == "errorText"
    assert _settings()["CHECKIN_MIN_QUOTA"] == 2000


def test_invitation_rewards_are_saved_and_totals_shown(qtbot, console):
    alice = users.create_user("alice", "password-alice")
    rules = Settings.load(env={}, overrides={"CHECKIN_ENABLED": True, "CHECKIN_MIN_QUOTA": 300,
                                             "CHECKIN_MAX_QUOTA": 300})
    checkin.check_in(alice.id, rules, now=datetime.now(timezone.utc), rng=random.Random(0))
    page = _page(qtbot, console)
    panel = page.rewards
    qtbot.waitUntil(lambda: panel.rewards is not None and panel.rewards.checkins.count == 1, timeout=5000)
    assert "1 check-ins by 1 users" in panel.checkin.totals.text()
    assert "0 users invited" in panel.invitation.totals.text()
    panel.quota_fields["QUOTA_FOR_NEW_USER"].set_value(50_000)
    panel.quota_fields["QUOTA_FOR_INVITER"].set_value(20_000)
    panel.quota_fields["QUOTA_FOR_INVITEE"].set_value(10_000)
    panel.save_invitation()
    qtbot.waitUntil(lambda: panel.invitation.outcome.text() == "Saved.", timeout=5000)
    saved = _settings()
    assert (saved["QUOTA_FOR_NEW_USER"], saved["QUOTA_FOR_INVITER"], saved["QUOTA_FOR_INVITEE"]) == \
        (50_000, 20_000, 10_000)
