"""The shell: single instance, remembered window and page, tray behaviour, gateway start/stop, error dialogs."""

from __future__ import annotations

import socket
import uuid

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from voapi_desktop.gateway.server import PortInUse
from voapi_desktop.store.errors import InvalidInput
from voapi_desktop.store.runtime import open_store
from voapi_desktop.ui.errors import BugDialog, show_error
from voapi_desktop.ui.main_window import MainWindow
from voapi_desktop.ui.single_instance import SingleInstance


def _message_boxes() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]


def test_a_second_launch_asks_the_first_to_raise_its_window(qtbot):
    name = f"voapi-test-{uuid.uuid4().hex[:8]}"
    first = SingleInstance(name)
    assert first.listen()
    try:
        with qtbot.waitSignal(first.raise_requested, timeout=5000):
            assert SingleInstance(name).notify_running()
    finally:
        first.close()
    assert not SingleInstance(name).notify_running(timeout_ms=100)


def test_the_window_reopens_on_the_last_page_with_its_geometry(qtbot, console):
    console.window.resize(720, 520)
    size = console.window.size()
    console.window.show_page("logs")
    console.window.save_state()
    again = MainWindow(console.ctx)
    qtbot.addWidget(again)
    assert again.current_page() is again.pages["logs"]
    assert again.height() == size.height() == 520


def test_closing_hides_to_the_tray_when_asked_and_quits_otherwise(qtbot, console):
    window = console.window
    window.tray_available = True
    with qtbot.assertNotEmitted(window.close_requested):
        window.close()
    assert not window.isVisible()
    window.raise_to_front()
    console.ctx.prefs.close_to_tray = False
    console.window.close_requested.disconnect()  # keep the test's event loop running
    with qtbot.waitSignal(window.close_requested):
        window.close()


def test_the_gateway_stops_and_starts_again_from_the_console(qtbot, gateway_on):
    gateway = gateway_on.gateway
    bar = gateway_on.window.statusBar()
    assert gateway.base_url in bar.state.text()
    tray = gateway_on.tray
    tray.copy_base_url()
    assert QGuiApplication.clipboard().text() == gateway.base_url + "/v1"
    gateway.toggle()
    qtbot.waitUntil(lambda: gateway.state == "stopped", timeout=15000)
    assert gateway.port is None and "stopped" in bar.state.text()
    assert tray.gateway_action.text() == "Start gateway"
    tray.gateway_action.trigger()
    qtbot.waitUntil(lambda: gateway.running, timeout=15000)
    assert tray.gateway_action.text() == "Stop gateway"


def test_a_port_in_use_is_a_readable_message_not_a_traceback(qtbot, console):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    try:
        console.gateway.wanted_port = taken.getsockname()[1]
        with qtbot.waitSignal(console.gateway.start_failed, timeout=10000) as failed:
            console.gateway.start()
    finally:
        taken.close()
    assert isinstance(failed.args[0], PortInUse)
    assert console.gateway.state == "stopped"
    qtbot.waitUntil(lambda: bool(_message_boxes()), timeout=5000)
    box = _message_boxes()[-1]
    assert box.windowTitle() == "The port is in use"
    assert "PORT environment variable" in box.text() and "Traceback" not in box.text()
    box.close()


def test_an_unusable_data_dir_is_a_readable_message(qtbot, tmp_path, i18n):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(Exception) as caught:
        open_store(env={"DATA_DIR": str(blocker / "data")})
    box = show_error(i18n, caught.value)
    qtbot.addWidget(box)
    assert isinstance(box, QMessageBox)
    assert box.windowTitle() == "The database cannot be opened"
    assert "DATA_DIR" in box.text()


def test_a_service_refusal_is_shown_as_its_message(qtbot, i18n):
    box = show_error(i18n, InvalidInput("channel name must not be empty"))
    qtbot.addWidget(box)
    assert box.text() == "channel name must not be empty"


def test_a_bug_shows_its_traceback_with_a_copy_button(qtbot, i18n):
    try:
        {}["missing"]
    except KeyError as exc:
        box = show_error(i18n, exc)
    qtbot.addWidget(box)
    assert isinstance(box, BugDialog)
    assert "Traceback" in box.text.toPlainText() and "KeyError" in box.text.toPlainText()
    box.copy_button.click()
    assert "KeyError" in QGuiApplication.clipboard().text()


def test_run_gui_starts_the_console_instead_of_serving(monkeypatch):
    import voapi_desktop.ui.application as application
    from voapi_desktop.app import run_gui
    calls = []
    monkeypatch.setattr(application, "run", lambda argv: calls.append(argv) or 0)
    assert run_gui() == 0 and len(calls) == 1


def test_a_locked_database_says_what_to_do(i18n):
    import peewee
    from voapi_desktop.ui.errors import is_known, known_message
    exc = peewee.OperationalError("database is locked")
    assert is_known(exc)
    title, text = known_message(i18n, exc)
    assert title == "The database is busy" and "Close it and try again" in text


def test_theme_and_accent_apply_to_the_whole_application(qtbot, qapp, console):
    from PySide6.QtGui import QPalette
    panel = console.window.appearance
    try:
        panel.theme.setCurrentIndex(panel.theme.findData("dark"))
        assert console.ctx.prefs.theme == "dark"
        assert qapp.palette().color(QPalette.Window).lightness() < 80
        panel.set_accent("#e8590c")
        assert console.ctx.prefs.accent == "#e8590c"
        assert qapp.palette().color(QPalette.Highlight).name() == "#e8590c"
    finally:
        panel.theme.setCurrentIndex(panel.theme.findData("light"))
        panel.set_accent("#3b6ef5")
    assert qapp.palette().color(QPalette.Window).lightness() > 200
