"""The Logs page: filters, pages from the store, the detail pane, CSV export."""

from __future__ import annotations

import csv

from tests.ui.conftest import wait_idle
from tests.ui.seed import seed
from voapi_desktop.store import options


def _logs(qtbot, console):
    seed()
    page = console.window.pages["logs"]
    console.window.show_page("logs")
    page.range_box.setCurrentIndex(page.range_box.findData("all"))
    qtbot.waitUntil(lambda: page.total == 60, timeout=5000)
    return page


def test_rows_come_a_page_at_a_time(qtbot, console):
    page = _logs(qtbot, console)
    assert page.model.rowCount() == 50 and "Page 1 of 2 · 60 rows" == page.pager.summary.text()
    page.pager.next.click()
    qtbot.waitUntil(lambda: page.model.rowCount() == 10, timeout=5000)
    assert page.pager.summary.text() == "Page 2 of 2 · 60 rows"


def test_each_filter_narrows_the_rows(qtbot, console):
    page = _logs(qtbot, console)
    cases = [("model", "deepseek", lambda r: r.model_name == "deepseek-chat"),
             ("username", "alice", lambda r: r.username == "alice"),
             ("token_name", "laptop", lambda r: r.token_name == "laptop"),
             ("request_id", "req-0007", lambda r: r.request_id == "req-0007"),
             ("channel", "2", lambda r: r.channel_id == 2)]
    for name, text, expected in cases:
        page.texts[name].setText(text)
        page.texts[name].editingFinished.emit()
        qtbot.waitUntil(lambda: page.total < 60, timeout=5000)
        wait_idle(qtbot, console.ctx.ops)
        assert all(expected(r) for r in page.model.rows())
        assert (page.model.rowCount() == 0) == (name == "channel")  # every seeded row went through channel 1
        page.texts[name].setText("")
        page.texts[name].editingFinished.emit()
        qtbot.waitUntil(lambda: page.total == 60, timeout=5000)
    page.type_box.setCurrentIndex(page.type_box.findData(5))  # errors
    qtbot.waitUntil(lambda: page.total == 4, timeout=5000)
    page.range_box.setCurrentIndex(page.range_box.findData("today"))
    qtbot.waitUntil(lambda: page.total < 4, timeout=5000)


def test_the_detail_pane_shows_ratios_and_the_retry_chain(qtbot, console):
    page = _logs(qtbot, console)
    row = next(r for r in range(page.model.rowCount()) if page.model.row_at(r).other["retry_chain"] == [3, 1])
    page.table.selectRow(row)
    text = page.detail.toPlainText()
    assert "Price ratios" in text and "Model ratio" in text and "0.075" in text
    qtbot.waitUntil(lambda: "#3 claude-backup → #1 openai-main" in page.detail.toPlainText(), timeout=5000)


def test_csv_export_writes_the_time_range(qtbot, console, tmp_path):
    page = _logs(qtbot, console)
    target = tmp_path / "logs.csv"
    page.export_to(str(target))
    qtbot.waitUntil(lambda: "Wrote 60 rows" in page.message.text(), timeout=5000)
    with target.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 60 and {r["request_id"] for r in rows} >= {"req-0000", "req-0059"}


def test_the_retention_setting_is_saved_from_the_page_and_bad_input_refused(qtbot, console):
    page = _logs(qtbot, console)
    assert page.retention.text() == "0"
    page.retention.setText("-3")
    page.retention_save.click()
    qtbot.waitUntil(lambda: "must be an integer >= 0" in page.message.text(), timeout=5000)
    assert page.message.objectName() == "errorText" and "LOG_RETENTION_DAYS" not in options.load_options()
    page.retention.setText("30")
    page.retention.setModified(True)
    page.retention.returnPressed.emit()
    qtbot.waitUntil(lambda: page.message.text() == "Usage logs are kept for 30 day(s).", timeout=5000)
    assert options.load_options()["LOG_RETENTION_DAYS"] == "30"
    qtbot.waitUntil(lambda: console.ctx.settings["LOG_RETENTION_DAYS"] == 30, timeout=5000)
    console.window.show_page("settings")
    options.set_option("LOG_RETENTION_DAYS", "0")  # changed elsewhere: shown when the page comes back
    console.ctx.ops.data_changed.emit("option")
    qtbot.waitUntil(lambda: console.ctx.settings["LOG_RETENTION_DAYS"] == 0, timeout=5000)
    console.window.show_page("logs")
    assert page.retention.text() == "0"
