"""The Channels page: add with type presets, key hidden by default, fetch models, test one / all, enable, tag,
balances, delete."""

from __future__ import annotations

import re

from PySide6.QtWidgets import QApplication, QInputDialog, QMessageBox

from tests.conftest import add_channel
from tests.fakes.upstream import Behaviour
from tests.fakes.vendor_admin import VendorAdmin
from tests.ui.conftest import wait_idle
from voapi_desktop.core.settings import Settings
from voapi_desktop.store import channels


def _page(qtbot, console):
    page = console.window.pages["channels"]
    console.window.show_page("channels")
    wait_idle(qtbot, console.ctx.ops)
    return page


def _select_all(page) -> None:
    page.table.selectAll()


def _visible(kind):
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]


def _status_of(page, name: str) -> str:
    column = page.model.column_keys().index("channels.col.status")
    row = next(r for r, c in enumerate(page.model.rows()) if c.name == name)
    return page.model.index(row, column).data()


def test_a_cooling_channel_shows_how_long_the_gateway_passes_it_over(qtbot, gateway_on, upstream):
    console = gateway_on
    cooling = add_channel(upstream, name="cooling")
    add_channel(upstream, name="fine")
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    breaker = console.gateway._serving.state.breaker
    breaker.hold(cooling.id, 42)  # as a 429 with Retry-After: 42 would (no request is in flight to race with)
    page.poll_cooldowns()
    qtbot.waitUntil(lambda: "cooling down" in _status_of(page, "cooling"), timeout=5000)
    assert re.fullmatch(r"Enabled · cooling down 4[12] s", _status_of(page, "cooling"))
    assert _status_of(page, "fine") == "Enabled"
    breaker.succeeded(cooling.id)  # the probe answered: the page's own refresh picks it up
    qtbot.waitUntil(lambda: _status_of(page, "cooling") == "Enabled", timeout=5000)
    breaker.hold(cooling.id, 42)
    page.poll_cooldowns()
    qtbot.waitUntil(lambda: "cooling down" in _status_of(page, "cooling"), timeout=5000)
    console.gateway.stop()  # a stopped gateway cools nothing down
    qtbot.waitUntil(lambda: _status_of(page, "cooling") == "Enabled", timeout=15000)


def test_the_cooldown_counts_down_between_reads_and_is_translated(qtbot, console, upstream):
    add_channel(upstream, name="cooling")
    page = _page(qtbot, console)
    page.cooldown_timer.stop()  # no gateway runs: its next tick would clear what this test sets
    now = [1000.0]
    page.model.clock = lambda: now[0]
    page.model.set_cooldowns({page.model.row_at(0).id: 41.2})
    assert _status_of(page, "cooling") == "Enabled · cooling down 42 s"  # rounded up: never "0 s"
    now[0] += 30
    assert _status_of(page, "cooling") == "Enabled · cooling down 12 s"
    console.ctx.i18n.set_language("zh_CN")
    assert _status_of(page, "cooling") == "已启用 · 冷却中 12 秒"
    console.ctx.i18n.set_language("en")
    now[0] += 12
    assert _status_of(page, "cooling") == "Enabled"


def test_the_type_preset_shows_its_default_base_url(qtbot, console):
    dialog = _page(qtbot, console).add_channel()
    dialog.type_box.setCurrentIndex(dialog.type_box.findData(43))  # DeepSeek
    assert dialog.base_url.placeholderText() == "https://api.deepseek.com"
    dialog.type_box.setCurrentIndex(dialog.type_box.findData(8))  # Custom
    assert dialog.base_url.placeholderText() == "required for this type"
    dialog.reject()


def test_a_refused_channel_keeps_the_dialog_open_with_the_reason(qtbot, console):
    page = _page(qtbot, console)
    dialog = page.add_channel()
    dialog.name.setText("no key")
    dialog.models.setText("gpt-4o-mini")
    dialog.submit()
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=5000)
    assert "missing key" in dialog.error.text() and dialog.isVisible()
    assert dialog.save_button.isEnabled()


def test_the_key_is_hidden_when_editing_until_shown(qtbot, console, upstream):
    add_channel(upstream, key="sk-secret-key-0001\nsk-secret-key-0002")
    page = _page(qtbot, console)
    dialog = page.edit_channel(page.model.row_at(0))
    assert not dialog.key.shown and "sk-secret" not in dialog.key.line.text()
    dialog.key.toggle.click()
    assert dialog.key.shown and dialog.key.box.toPlainText() == "sk-secret-key-0001\nsk-secret-key-0002"
    dialog.weight.setValue(7)
    assert "key" not in dialog.fields()  # unchanged keys are not sent back
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=5000)
    assert channels.list_channels()[0].weight == 7


def test_keys_are_shown_at_once_with_off_private_key_hide(qtbot, console, upstream):
    add_channel(upstream)
    console.ctx.settings = Settings.load(env={"OFF_PRIVATE_KEY_HIDE": "true"})
    page = _page(qtbot, console)
    assert page.edit_channel(page.model.row_at(0)).key.shown


def test_testing_one_and_all_channels_shows_live_results(qtbot, console, upstream):
    add_channel(upstream, name="good", key="good-key")
    add_channel(upstream, name="bad", key="bad-key")
    upstream.behave("bad-key", Behaviour.invalid_key())
    page = _page(qtbot, console)
    test_column = page.model.column_keys().index("channels.col.test")
    good_row = next(r for r in range(2) if page.model.row_at(r).name == "good")
    page.table.selectRow(page.page_proxy.mapFromSource(page.search_proxy.mapFromSource(
        page.model.index(good_row, 0))).row())
    page.test_selected()
    assert page.model.index(good_row, test_column).data() == "testing…"
    qtbot.waitUntil(lambda: page.model.index(good_row, test_column).data().startswith("OK"), timeout=10000)
    page.test_all()
    qtbot.waitUntil(lambda: "1 passed, 1 failed" in page.message.text(), timeout=15000)
    wait_idle(qtbot, console.ctx.ops)
    qtbot.waitUntil(lambda: {c.name: c.status for c in page.model.rows()} ==
                    {"good": channels.ENABLED, "bad": channels.AUTO_DISABLED}, timeout=5000)
    bad = next(c for c in page.model.rows() if c.name == "bad")
    assert page.model.results[bad.id].ok is False


def test_disable_tag_and_delete_with_confirmation(qtbot, console, upstream):
    add_channel(upstream, name="one")
    add_channel(upstream, name="two")
    page = _page(qtbot, console)
    _select_all(page)
    page.set_enabled(False)
    qtbot.waitUntil(lambda: all(c.status == channels.MANUALLY_DISABLED for c in page.model.rows()), timeout=5000)
    _select_all(page)
    page.tag_selected()
    prompt = _visible(QInputDialog)[-1]
    prompt.setTextValue("team-a")
    prompt.accept()
    qtbot.waitUntil(lambda: all(c.tag == "team-a" for c in page.model.rows()), timeout=5000)
    _select_all(page)
    page.delete_selected()
    box = _visible(QMessageBox)[-1]
    assert "one" in box.text() and "two" in box.text()
    box.button(QMessageBox.No).click()
    wait_idle(qtbot, console.ctx.ops)
    assert len(channels.list_channels()) == 2
    page.delete_selected()
    _visible(QMessageBox)[-1].button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    assert channels.list_channels() == []


def test_filters_narrow_the_table(qtbot, console, upstream):
    add_channel(upstream, name="openai-a")
    channels.create_channel(type="DeepSeek", name="ds", key="k", models="deepseek-chat")
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.type_filter.setCurrentIndex(page.type_filter.findData(43))
    assert page.page_proxy.rowCount() == 1
    page.type_filter.setCurrentIndex(0)
    page.search.setText("openai-a")
    assert page.page_proxy.rowCount() == 1 and "1 rows" in page.pager.summary.text()


def test_fetch_models_fills_the_field_from_the_upstream(qtbot, console, upstream):
    upstream.models = ["gpt-4o-mini", "o3-mini"]
    dialog = _page(qtbot, console).add_channel()
    dialog.base_url.setText(upstream.url)
    dialog.key.set_value("fetch-key")
    dialog.request_fetch()
    assert not dialog.fetch_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.fetch_button.isEnabled(), timeout=10000)
    assert dialog.models.text() == "gpt-4o-mini, o3-mini"
    assert dialog.fetch_status.text() == "Filled in 2 model(s) from the upstream."
    assert upstream.requests[-1].key == "fetch-key"
    dialog.reject()


def test_a_refused_fetch_is_shown_in_the_dialog_without_the_key(qtbot, console, upstream):
    add_channel(upstream, key="sk-refused-key-0001", models="kept-model")
    upstream.behave("sk-refused-key-0001", Behaviour.invalid_key())
    page = _page(qtbot, console)
    dialog = page.edit_channel(page.model.row_at(0))
    dialog.request_fetch()  # the saved key, hidden in the field, is the one used
    qtbot.waitUntil(lambda: dialog.fetch_button.isEnabled(), timeout=10000)
    assert dialog.fetch_status.isVisible() and dialog.fetch_status.objectName() == "errorText"
    assert "HTTP 401" in dialog.fetch_status.text() and "sk-refused-key-0001" not in dialog.fetch_status.text()
    assert dialog.models.text() == "kept-model" and dialog.isVisible()
    dialog.reject()


def test_refreshing_balances_shows_them_with_their_time_in_the_table(qtbot, console):
    vendor = VendorAdmin().start()
    try:
        vendor.answer("/v1/credits", {"data": {"total_credits": 20, "total_usage": 7.5}})
        channels.create_channel(type="OpenRouter", name="router", key="or-key-1", base_url=vendor.url, models="m")
        channels.create_channel(type="Anthropic", name="claude", key="k", base_url=vendor.url, models="m")
        page = _page(qtbot, console)
        qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
        balance = page.model.column_keys().index("channels.col.balance")
        when = page.model.column_keys().index("channel_admin.col.balance_time")
        router = next(r for r in range(2) if page.model.row_at(r).name == "router")
        assert page.model.index(router, balance).data() == ""
        _select_all(page)
        page.refresh_selected_balances()
        qtbot.waitUntil(lambda: "1 read, 0 failed" in page.message.text(), timeout=10000)
        assert "claude" in page.message.text()  # no balance endpoint for Anthropic
        qtbot.waitUntil(lambda: page.model.index(router, balance).data() == "$12.5", timeout=5000)
        assert page.model.index(router, when).data() != ""
        vendor.answer("/v1/credits", {"error": {"message": "key revoked"}}, status=401)
        page.refresh_all_balances()
        qtbot.waitUntil(lambda: "0 read, 1 failed" in page.message.text(), timeout=10000)
        assert "router: 127.0.0.1" in page.message.text() and "HTTP 401: key revoked" in page.message.text()
        assert channels.list_channels()[0].balance == 12.5
    finally:
        vendor.stop()


def test_copy_duplicates_the_selected_channel_with_its_keys(qtbot, console, upstream):
    add_channel(upstream, name="main", key="k-1\nk-2", tag="team-a", priority=3)
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    assert any(a.text() == "Copy" and a.isEnabled() for a in page.more_menu.actions())
    page.copy_selected()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    assert page.message.text() == "Copied main as main (copy), enabled."
    source, copy = sorted(channels.list_channels(), key=lambda c: c.id)
    assert copy.name == "main (copy)" and copy.status == channels.ENABLED
    assert (copy.keys, copy.tag, copy.priority, copy.base_url) == (source.keys, "team-a", 3, upstream.url)


def _tagged(upstream):
    for name, tag in (("a1", "team-a"), ("a2", "team-a"), ("b1", "team-b"), ("plain", "")):
        add_channel(upstream, name=name, tag=tag)


def _status(page) -> dict[str, int]:
    return {c.name: c.status for c in page.model.rows()}


def test_the_tag_filter_selects_a_tags_channels_for_bulk_actions(qtbot, console, upstream):
    _tagged(upstream)
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=5000)
    assert [page.tag_filter.itemText(i) for i in range(page.tag_filter.count())] == [
        "All tags", "No tag", "team-a", "team-b"]
    page.tag_filter.setCurrentIndex(page.tag_filter.findData("team-a"))
    assert page.page_proxy.rowCount() == 2 and "2 rows" in page.pager.summary.text()
    _select_all(page)
    page.set_enabled(False)
    qtbot.waitUntil(lambda: _status(page) == {"a1": channels.MANUALLY_DISABLED, "a2": channels.MANUALLY_DISABLED,
                                              "b1": channels.ENABLED, "plain": channels.ENABLED}, timeout=5000)
    assert page.tag_filter.currentData() == "team-a" and page.page_proxy.rowCount() == 2  # kept across reloads
    page.tag_filter.setCurrentIndex(page.tag_filter.findData(""))
    assert [page.page_proxy.index(r, 1).data() for r in range(page.page_proxy.rowCount())] == ["plain"]
    _select_all(page)
    page.delete_selected()
    _visible(QMessageBox)[-1].button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert page.page_proxy.rowCount() == 0 and sorted(c.name for c in channels.list_channels()) == ["a1", "a2", "b1"]


def test_enable_and_disable_a_whole_tag_from_the_more_menu(qtbot, console, upstream):
    _tagged(upstream)
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=5000)
    texts = [a.text() for a in page.more_menu.actions()]
    assert "Enable tag…" in texts and "Disable tag…" in texts
    page.table.selectRow(next(r for r in range(page.page_proxy.rowCount())
                              if page.page_proxy.index(r, 1).data() == "a1"))
    page.set_tag_enabled(False)
    box = _visible(QMessageBox)[-1]
    assert '"team-a"' in box.text()
    box.button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.message.text() == 'Disabled 2 channel(s) tagged "team-a".', timeout=5000)
    qtbot.waitUntil(lambda: _status(page)["a2"] == channels.MANUALLY_DISABLED, timeout=5000)
    assert _status(page) == {"a1": channels.MANUALLY_DISABLED, "a2": channels.MANUALLY_DISABLED,
                             "b1": channels.ENABLED, "plain": channels.ENABLED}
    page.table.selectRow(next(r for r in range(page.page_proxy.rowCount())
                              if page.page_proxy.index(r, 1).data() == "a2"))
    page.set_tag_enabled(True)
    _visible(QMessageBox)[-1].button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: all(s == channels.ENABLED for s in _status(page).values()), timeout=5000)
    page.table.selectRow(next(r for r in range(page.page_proxy.rowCount())
                              if page.page_proxy.index(r, 1).data() == "plain"))
    page.set_tag_enabled(False)
    assert page.message.text() == "The selected channel has no tag." and not _visible(QMessageBox)
