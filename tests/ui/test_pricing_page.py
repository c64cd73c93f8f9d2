"""The Pricing page: the price table, add / edit / delete a price, group ratios, the display unit and
exchange rate, MODEL_INFO and VENDOR_INFO in the JSON editor; the running gateway bills the new price."""

from __future__ import annotations

import json
from fractions import Fraction

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import add_channel
from tests.ui.conftest import wait_idle
from voapi_desktop.store import prices, tokens, users
from voapi_desktop.store.log_queries import LogFilter, query_logs
from voapi_desktop.store.options import load_options, set_option
from voapi_desktop.ui.models.price_table import GroupRatioModel, PriceTableModel, group_rows
from voapi_desktop.ui.models.proxy import SearchProxy
from voapi_desktop.ui.models.table_model import ROW_ROLE

MODEL_INFO = {"gpt-4": {"note": "OpenAI's model, **markdown**", "icon": "/index/ai/voapi-1.ico",
                        "tags": "对话|评分高|OpenAI", "group": "openai"}}
VENDOR_INFO = {"openai": {"name": "OpenAI", "icon": "/index/ai/voapi-1.ico", "desc": "OpenAI **markdown**",
                          "notice": "status: [here](https://status.openai.com)"}}


def _page(qtbot, console):
    console.window.show_page("pricing")
    page = console.window.pages["pricing"]
    qtbot.waitUntil(lambda: page.model.rowCount() > 0, timeout=10000)
    wait_idle(qtbot, console.ctx.ops)
    return page


def _column(page, key: str) -> int:
    return page.model.column_keys().index(key)


def _cell(page, model: str, key: str) -> str:
    return page.model.index(page.model.find(model), _column(page, key)).data()


def _last_box() -> QMessageBox:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()][-1]


def _save(qtbot, dialog) -> None:
    dialog.show_error("")
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible() or dialog.error.isVisible(), timeout=10000)


def test_price_models_pass_the_model_tester(qtmodeltester, console):
    prices.set_price("my-model", price="0.04")
    model = PriceTableModel(console.ctx)
    model.set_rows(prices.list_prices(console.ctx.settings))
    assert model.rowCount() > 10
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    search = SearchProxy()
    search.setSourceModel(model)
    search.sort(_column_of(model, "pricing.col.input"), Qt.DescendingOrder)
    search.set_search("gpt")
    qtmodeltester.check(search)
    groups = GroupRatioModel(console.ctx)
    groups.set_rows(group_rows({"vip": 0.8, "default": 1, "third": "1/3"}))
    assert [g.group for g in groups.rows()] == ["default", "third", "vip"]
    qtmodeltester.check(groups)


def _column_of(model, key: str) -> int:
    return model.column_keys().index(key)


def test_the_table_shows_ratios_and_the_price_per_million_in_the_display_unit(qtbot, console):
    page = _page(qtbot, console)
    gpt4o = prices.default_table().models["gpt-4o"]
    assert _cell(page, "gpt-4o", "pricing.col.ratio") == f"{float(gpt4o.ratio):g}"
    assert _cell(page, "gpt-4o", "pricing.col.input") == f"${float(gpt4o.ratio) * 2:g}"
    output = float(gpt4o.ratio * gpt4o.completion_ratio) * 2
    assert _cell(page, "gpt-4o", "pricing.col.output") == f"${output:g}"
    assert _cell(page, "gpt-4o", "pricing.col.source") == "Default"
    page.table.sortByColumn(_column(page, "pricing.col.output"), Qt.DescendingOrder)
    top = page.page_proxy.index(0, 0).data(ROW_ROLE)
    assert top.ratio * top.completion_ratio == max(r.ratio * r.completion_ratio for r in page.model.rows()
                                                   if r.ratio is not None)
    page.search.setText("gpt-4o-mini")
    assert page.page_proxy.rowCount() >= 1
    assert all("gpt-4o-mini" in page.page_proxy.index(r, 0).data() for r in range(page.page_proxy.rowCount()))


def test_add_edit_and_delete_a_price_through_the_page(qtbot, console):
    page = _page(qtbot, console)
    dialog = page.add_price()
    qtbot.keyClicks(dialog.model, "house-model")
    dialog.inputs["ratio"].setText("1.5")
    dialog.inputs["completion_ratio"].setText("4")
    _save(qtbot, dialog)
    assert not dialog.isVisible()
    assert prices.load_price_table(console.ctx.settings).find("house-model").ratio == 1.5
    qtbot.waitUntil(lambda: page.model.find("house-model") >= 0, timeout=10000)
    assert _cell(page, "house-model", "pricing.col.source") == "Yours"
    assert _cell(page, "house-model", "pricing.col.input") == "$3"
    assert _cell(page, "house-model", "pricing.col.output") == "$12"
    assert "house-model" in page.message.text()

    edit = page.edit_price(page.model.row_at(page.model.find("house-model")))
    assert edit.model.isReadOnly() and edit.inputs["ratio"].text() == "1.5"
    edit.by_price.setChecked(True)
    assert not edit.inputs["ratio"].isEnabled()
    edit.inputs["price"].setText("0.04")
    _save(qtbot, edit)
    found = prices.load_price_table(console.ctx.settings).find("house-model")
    assert (found.price, found.ratio) == (pytest.approx(0.04), 0)
    qtbot.waitUntil(lambda: _cell(page, "house-model", "pricing.col.price") == "$0.04", timeout=10000)
    assert _cell(page, "house-model", "pricing.col.input") == ""

    page.table.selectRow(page.page_proxy.mapFromSource(page.search_proxy.mapFromSource(
        page.model.index(page.model.find("house-model"), 0))).row())
    page.delete_selected()
    _last_box().button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: page.model.find("house-model") < 0, timeout=10000)
    assert prices.load_price_table(console.ctx.settings).find("house-model") is None
    assert "Deleted 1" in page.message.text()


@pytest.mark.parametrize("fields, message", [
    ({"ratio": "cheap"}, "ratio must be a number, got 'cheap'"),
    ({"ratio": "-1"}, "ratio must be >= 0"),
    ({"ratio": ""}, "Enter the model ratio"),
    ({"ratio": "1", "completion_ratio": "x"}, "completion_ratio must be a number"),
])
def test_a_bad_price_is_refused_with_a_message_and_nothing_is_stored(qtbot, console, fields, message):
    page = _page(qtbot, console)
    dialog = page.add_price()
    dialog.model.setText("bad-model")
    for name, text in fields.items():
        dialog.inputs[name].setText(text)
    _save(qtbot, dialog)
    assert dialog.isVisible() and message in dialog.error.text()
    assert prices.load_price_table(console.ctx.settings).find("bad-model") is None
    dialog.reject()


def test_only_your_own_prices_can_be_deleted(qtbot, console):
    page = _page(qtbot, console)
    page.table.selectRow(0)
    assert page.selected_row().source == "default"
    page.delete_selected()
    assert "Only your own prices" in page.message.text()
    assert page.message.objectName() == "errorText"


def test_group_ratios_are_set_refused_and_removed(qtbot, console):
    page = _page(qtbot, console)
    assert [g.group for g in page.panel.groups.rows()] == ["default", "svip", "vip"]
    dialog = page.set_group_ratio("")
    dialog.group.setText("team")
    dialog.ratio.setText("0.8")
    _save(qtbot, dialog)
    assert not dialog.isVisible()
    assert prices.load_price_table(_fresh(console)).group_ratio("team") == Fraction("0.8")
    qtbot.waitUntil(lambda: "team" in [g.group for g in page.panel.groups.rows()], timeout=10000)

    bad = page.set_group_ratio("vip")
    assert bad.group.isReadOnly() and bad.ratio.text() == "1"
    bad.ratio.setText("lots")
    _save(qtbot, bad)
    assert bad.isVisible() and "must be a number >= 0" in bad.error.text()
    bad.ratio.setText("-2")
    _save(qtbot, bad)
    assert "must be >= 0" in bad.error.text()
    bad.reject()

    page.remove_group_ratio("default")
    _last_box().button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: "cannot be removed" in page.message.text(), timeout=10000)
    page.remove_group_ratio("team")
    _last_box().button(QMessageBox.Yes).click()
    qtbot.waitUntil(lambda: "team" not in [g.group for g in page.panel.groups.rows()], timeout=10000)
    assert "team" not in _fresh(console)["GROUP_RATIO"]


def _fresh(console):
    from voapi_desktop.ui.actions.pricing import fresh_settings
    return fresh_settings(console.ctx)


def test_display_unit_and_exchange_rate_are_saved_and_change_the_amounts(qtbot, console):
    page = _page(qtbot, console)
    panel = page.panel
    assert panel.unit.currentData() == "USD" and panel.rate.value() == pytest.approx(7.3)
    panel.unit.setCurrentIndex(panel.unit.findData("CNY"))
    panel.unit.activated.emit(panel.unit.currentIndex())
    qtbot.waitUntil(lambda: _cell(page, "gpt-4o", "pricing.col.input").startswith("¥"), timeout=10000)
    assert _fresh(console)["QUOTA_DISPLAY_TYPE"] == "CNY"
    panel.rate.setValue(7)
    panel.rate.editingFinished.emit()
    qtbot.waitUntil(lambda: _fresh(console)["USD_EXCHANGE_RATE"] == 7, timeout=10000)
    ratio = prices.default_table().models["gpt-4o"].ratio
    qtbot.waitUntil(lambda: _cell(page, "gpt-4o", "pricing.col.input") == f"¥{float(ratio) * 14:,.4f}",
                    timeout=10000)
    panel.unit.setCurrentIndex(panel.unit.findData("TOKENS"))
    panel.unit.activated.emit(panel.unit.currentIndex())
    qtbot.waitUntil(lambda: _cell(page, "gpt-4o", "pricing.col.input") == f"{int(ratio * 1_000_000):,}",
                    timeout=10000)
    assert "Quota units" in page.message.text()


def test_choosing_a_currency_turns_on_display_in_currency(qtbot, console):
    set_option("DISPLAY_IN_CURRENCY", "false")
    page = _page(qtbot, console)
    qtbot.waitUntil(lambda: page.panel.unit.currentData() == "TOKENS", timeout=10000)
    page.panel.unit.setCurrentIndex(page.panel.unit.findData("USD"))
    page.panel.unit.activated.emit(page.panel.unit.currentIndex())
    qtbot.waitUntil(lambda: _cell(page, "gpt-4o", "pricing.col.input").startswith("$"), timeout=10000)
    assert _fresh(console)["DISPLAY_IN_CURRENCY"] is True


def test_model_and_vendor_info_round_trip_through_the_json_editor(qtbot, console):
    page = _page(qtbot, console)
    for key, value in (("MODEL_INFO", MODEL_INFO), ("VENDOR_INFO", VENDOR_INFO)):
        page.edit_info(key)
        qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible()
                        and getattr(page.dialog, "key", "") == key, timeout=10000)
        dialog = page.dialog
        assert dialog.editor.value() == {}
        dialog.editor.set_mode(1)
        dialog.editor.text.setPlainText(json.dumps(value, ensure_ascii=False))
        qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10000)
        assert _fresh(console)[key] == value
        page.edit_info(key)
        qtbot.waitUntil(lambda: page.dialog is not dialog and page.dialog.isVisible(), timeout=10000)
        assert page.dialog.editor.value() == value
        page.dialog.reject()


@pytest.mark.parametrize("key, text, message", [
    ("MODEL_INFO", '{"gpt-4": {"desc": "x"}}', "unknown field(s) desc; allowed: note, icon, tags, group"),
    ("MODEL_INFO", '{"gpt-4": "a note"}', "the entry of gpt-4 must be an object"),
    ("MODEL_INFO", '{"gpt-4": {"tags": 3}}', "gpt-4.tags must be text or a list of texts"),
    ("VENDOR_INFO", '{"openai": {"name": ["OpenAI"]}}', "openai.name must be text"),
])
def test_a_wrong_info_shape_is_shown_and_not_saved(qtbot, console, key, text, message):
    page = _page(qtbot, console)
    page.edit_info(key)
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10000)
    dialog = page.dialog
    dialog.editor.set_mode(1)
    dialog.editor.text.setPlainText(text)
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: dialog.problem.isVisible(), timeout=10000)
    assert message in dialog.problem.text() and dialog.isVisible()
    assert key not in load_options()
    dialog.editor.text.setPlainText('{"gpt-4": ')
    assert not dialog.save_button.isEnabled() and "line 1" in dialog.editor.error.text()
    dialog.reject()


@pytest.mark.e2e
def test_the_running_gateway_bills_a_price_set_on_the_page(qtbot, gateway_on, upstream):
    console = gateway_on
    add_channel(upstream, models="house-model")
    key = "sk-" + tokens.create_token(users.find_user("root").id, "pricing", unlimited=True).key
    page = _page(qtbot, console)

    def set_price(price: str) -> None:
        dialog = page.add_price() if page.model.find("house-model") < 0 else \
            page.edit_price(page.model.row_at(page.model.find("house-model")))
        dialog.model.setText("house-model")
        dialog.by_price.setChecked(True)
        dialog.inputs["price"].setText(price)
        _save(qtbot, dialog)
        assert not dialog.isVisible()
        qtbot.waitUntil(lambda: page.model.find("house-model") >= 0, timeout=10000)

    def call() -> int:
        reply = httpx.post(console.gateway.base_url + "/v1/chat/completions", timeout=10,
                           headers={"Authorization": f"Bearer {key}"},
                           json={"model": "house-model", "messages": [{"role": "user", "content": "hi"}]})
        assert reply.status_code == 200, reply.text
        qtbot.waitUntil(lambda: len(query_logs(LogFilter(model="house-model"))[0]) == calls[0] + 1, timeout=10000)
        calls[0] += 1
        return query_logs(LogFilter(model="house-model"))[0][0].quota

    calls = [0]
    set_price("0.01")
    assert call() == 5_000  # 0.01 USD x 500,000 units
    set_price("0.02")
    assert call() == 10_000
