"""The console end to end: add a channel and a key in the GUI, call the running gateway with the openai SDK,
see the request on the Logs page, the dashboard counters and the live feed."""

from __future__ import annotations

import openai
import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import wait_idle
from voapi_desktop.store.logs import CONSUME
from voapi_desktop.ui.models.table_model import ROW_ROLE

pytestmark = pytest.mark.e2e


def _add_channel(qtbot, console, upstream) -> None:
    page = console.window.pages["channels"]
    console.window.show_page("channels")
    dialog = page.add_channel()
    qtbot.waitExposed(dialog)
    dialog.type_box.setCurrentIndex(dialog.type_box.findData(1))  # OpenAI
    qtbot.keyClicks(dialog.name, "fake-openai")
    qtbot.keyClicks(dialog.base_url, upstream.url)
    qtbot.keyClicks(dialog.key.line, "upstream-key")
    qtbot.keyClicks(dialog.models, "gpt-4o-mini")
    qtbot.mouseClick(dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible() and page.model.rowCount() == 1, timeout=10000)
    assert page.model.row_at(0).name == "fake-openai"


def _create_key(qtbot, console) -> str:
    page = console.window.pages["tokens"]
    console.window.show_page("tokens")
    page.add_token()
    qtbot.waitUntil(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=10000)
    qtbot.keyClicks(page.dialog.name, "flow-key")
    qtbot.mouseClick(page.dialog.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.key_dialog is not None and page.key_dialog.isVisible(), timeout=10000)
    key = page.key_dialog.key.text()
    page.key_dialog.close()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    return key


def consume_rows(logs_page) -> list:
    rows = [logs_page.model.row_at(i) for i in range(logs_page.model.rowCount())]
    return [row for row in rows if row.type == CONSUME]


def test_a_request_through_the_console_gateway_shows_up_in_logs_and_dashboard(qtbot, gateway_on, upstream):
    console = gateway_on
    assert console.gateway.port and console.gateway.port != 3000
    _add_channel(qtbot, console, upstream)
    key = _create_key(qtbot, console)
    assert key.startswith("sk-")

    with openai.OpenAI(base_url=console.gateway.base_url + "/v1", api_key=key, max_retries=0) as client:
        reply = client.chat.completions.create(model="gpt-4o-mini",
                                               messages=[{"role": "user", "content": "hello there"}])
    assert reply.choices[0].message.content
    assert upstream.requests[-1].key == "upstream-key"

    logs = console.window.pages["logs"]
    console.window.show_page("logs")
    # the console's own changes (channel added, key created) are MANAGE rows of the audit trail; the request is
    # the one consume row
    qtbot.waitUntil(lambda: len(consume_rows(logs)) == 1, timeout=10000)
    [row] = consume_rows(logs)
    view = logs.table.model()
    logs.table.selectRow(next(i for i in range(view.rowCount()) if view.index(i, 0).data(ROW_ROLE) is row))
    assert (row.model_name, row.token_name, row.prompt_tokens) == ("gpt-4o-mini", "flow-key", reply.usage.prompt_tokens)
    assert "model_ratio" in row.other or "model_price" in row.other
    assert logs.detail.row == row and "flow-key" in logs.detail.toPlainText()

    dashboard = console.window.pages["dashboard"]
    console.window.show_page("dashboard")
    qtbot.waitUntil(lambda: dashboard.cards["today"].values["requests"].text() == "1", timeout=10000)
    tokens = reply.usage.prompt_tokens + reply.usage.completion_tokens
    assert dashboard.cards["week"].values["tokens"].text() == f"{tokens:,}"
    qtbot.waitUntil(lambda: dashboard.feed.count() == 1, timeout=5000)
    assert "gpt-4o-mini" in dashboard.feed.item(0).text()
    assert dashboard.chart.items[0][0] == "gpt-4o-mini"
    assert console.bridge.requests_per_minute() >= 1
    assert any(field.text() == console.gateway.base_url + "/v1" for field in dashboard.gateway_box.url_fields)
    wait_idle(qtbot, console.ctx.ops)
