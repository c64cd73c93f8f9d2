"""Settings page: generated from the settings table, saved through the options service (all or nothing),
secrets masked per OFF_SETTING_KEY_HIDE, env and boot settings explained; About: update check against a
local feed, clear the local cache without touching the database."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import wait_idle
from voapi_desktop import __version__
from voapi_desktop.core.settings import GROUPS, SETTINGS, mask_secret
from voapi_desktop.store import users
from voapi_desktop.store.limiter_disk import DiskLimiter
from voapi_desktop.store.options import load_options, set_option
from voapi_desktop.store.runtime import open_store
from voapi_desktop.ui.widgets.json_editor import TEXT
from voapi_desktop.ui.widgets.setting_editors import (BoolEditor, ChoiceEditor, JsonValueEditor, LineEditor,
                                                      SecretEditor, TextEditor)


@pytest.fixture
def store(tmp_path, request):
    """A fresh store; parametrize it indirectly with extra env vars."""
    runtime = open_store(env={"DATA_DIR": str(tmp_path / "data"), **getattr(request, "param", {})})
    yield runtime
    runtime.close()


def open_settings(qtbot, console):
    page = console.window.pages["settings"]
    console.window.show_page("settings")
    qtbot.waitUntil(lambda: page.loaded_once, timeout=10000)
    wait_idle(qtbot, console.ctx.ops)
    return page


def save(qtbot, console, page) -> None:
    page.save_button.click()
    wait_idle(qtbot, console.ctx.ops)


EDITOR_FOR_TYPE = {"bool": BoolEditor, "choice": ChoiceEditor, "json": JsonValueEditor, "int": LineEditor,
                   "float": LineEditor, "list": LineEditor, "str": (LineEditor, TextEditor)}


def test_settings_is_the_last_page_and_every_setting_of_the_table_has_its_editor(qtbot, console):
    assert list(console.window.pages)[-1] == "settings"
    page = open_settings(qtbot, console)
    assert set(page.rows) == {s.name for s in SETTINGS}
    assert page.nav.count() == len(GROUPS) + 1 and page.nav.item(page.nav.count() - 1).text() == "About"
    for setting in SETTINGS:
        row = page.rows[setting.name]
        expected = SecretEditor if setting.secret else EDITOR_FOR_TYPE[setting.type]
        assert isinstance(row.editor, expected), setting.name
        assert row.help.text() == setting.help
        section = page.stack.widget(GROUPS.index(setting.group)).widget()
        assert row.parentWidget() is section, setting.name
    assert page.rows["PORT"].badge.text() == "restart needed"
    assert "restart" in page.rows["PORT"].note.text() and not page.rows["PORT"].editor.line.isEnabled()
    assert page.rows["PORT"].reset.isHidden() and not page.rows["RETRY_TIMES"].reset.isHidden()
    assert page.rows["STREAMING_TIMEOUT"].editor.line.placeholderText() == "at least 1"


def test_changed_int_bool_and_json_settings_are_saved_and_reach_the_running_gateway(qtbot, gateway_on):
    console = gateway_on
    page = open_settings(qtbot, console)
    page.rows["RETRY_TIMES"].editor.line.setText("3")
    page.rows["COUNT_TOKEN"].editor.check.setChecked(False)
    json_row = page.rows["GROUP_RATIO"]
    json_row.editor.field.edit_button.click()
    dialog = json_row.editor.field.dialog
    dialog.editor.set_mode(TEXT)
    dialog.editor.text.setPlainText('{"default": 1, "vip": 0.8}')
    dialog.buttons.button(dialog.buttons.StandardButton.Save).click()
    assert page.rows["GROUP_RATIO"].is_dirty()
    save(qtbot, console, page)
    stored = load_options()
    assert stored["RETRY_TIMES"] == "3" and stored["COUNT_TOKEN"] == "false"
    assert json.loads(stored["GROUP_RATIO"]) == {"default": 1, "vip": 0.8}
    assert "Saved 3 setting(s)" in page.message.text()
    qtbot.waitUntil(lambda: console.gateway.settings()["RETRY_TIMES"] == 3)
    assert console.gateway.settings()["GROUP_RATIO"] == {"default": 1, "vip": 0.8}
    row = page.rows["RETRY_TIMES"]
    assert row.note.text() == "Saved in the database." and row.reset.isEnabled() and not row.is_dirty()


def test_an_invalid_value_is_refused_with_its_reason_and_nothing_is_saved(qtbot, console):
    page = open_settings(qtbot, console)
    page.rows["RETRY_TIMES"].editor.line.setText("4")
    page.rows["SMTP_PORT"].editor.line.setText("70000")
    save(qtbot, console, page)
    assert "RETRY_TIMES" not in load_options() and "SMTP_PORT" not in load_options()
    row = page.rows["SMTP_PORT"]
    assert row.error.isVisibleTo(page) and "between 1 and 65535" in row.error.text()
    assert page.message.text().startswith("Not saved: SMTP_PORT is wrong.")
    assert page.sections[page.nav.currentRow()] == "mail"
    assert page.rows["RETRY_TIMES"].text() == "4"  # the operator's edits stay for a second try
    page.rows["SMTP_PORT"].editor.line.setText("not a number")
    save(qtbot, console, page)
    assert "must be an integer" in row.error.text() and "SMTP_PORT" not in load_options()


def test_secrets_are_masked_until_revealed_and_saved_when_changed(qtbot, console):
    set_option("SMTP_TOKEN", "smtp-token-abcdef-123456")
    page = open_settings(qtbot, console)
    editor = page.rows["SMTP_TOKEN"].editor
    assert not editor.toggle.isHidden() and editor.line.isReadOnly()
    assert editor.line.text() == mask_secret("smtp-token-abcdef-123456") != "smtp-token-abcdef-123456"
    editor.toggle.click()
    assert editor.line.text() == "smtp-token-abcdef-123456" and not editor.line.isReadOnly()
    editor.line.selectAll()
    qtbot.keyClicks(editor.line, "new-token")
    save(qtbot, console, page)
    assert load_options()["SMTP_TOKEN"] == "new-token"


@pytest.mark.parametrize("store", [{"OFF_SETTING_KEY_HIDE": "true", "SESSION_SECRET": "session-secret-xyz-987"}],
                         indirect=True)
def test_off_setting_key_hide_shows_secrets_in_full(qtbot, console):
    page = open_settings(qtbot, console)
    editor = page.rows["SESSION_SECRET"].editor
    assert editor.toggle.isHidden() and editor.line.text() == "session-secret-xyz-987"
    assert not editor.line.isEnabled()  # boot scope: only the env var changes it
    assert "SESSION_SECRET" in page.rows["SESSION_SECRET"].note.text()


@pytest.mark.parametrize("store", [{"RETRY_TIMES": "2", "PORT": "3999"}], indirect=True)
def test_env_values_are_explained_and_reset_goes_back_to_them(qtbot, console):
    page = open_settings(qtbot, console)
    retry, port = page.rows["RETRY_TIMES"], page.rows["PORT"]
    assert retry.text() == "2" and "env var RETRY_TIMES" in retry.note.text() and not retry.reset.isEnabled()
    assert port.text() == "3999" and not port.editor.line.isEnabled() and "restart" in port.note.text()
    retry.editor.line.setText("6")
    save(qtbot, console, page)
    assert load_options()["RETRY_TIMES"] == "6" and retry.reset.isEnabled()
    retry.reset.click()
    wait_idle(qtbot, console.ctx.ops)
    qtbot.waitUntil(lambda: retry.text() == "2")
    assert "RETRY_TIMES" not in load_options() and "no longer has a saved value" in page.message.text()


class _Feed(BaseHTTPRequestHandler):
    body = b"[]"

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _check(qtbot, console, page, url: str) -> str:
    set_option("UPDATE_CHECK_URL", url)
    about = page.about
    qtbot.waitUntil(lambda: about.update_url == url)
    about.last_outcome = None
    about.check_button.click()
    qtbot.waitUntil(lambda: about.last_outcome is not None and about.check_button.isEnabled(), timeout=10000)
    return about.update_line.text()


def test_the_update_check_is_off_until_a_feed_is_set(qtbot, console):
    page = open_settings(qtbot, console)
    assert not page.about.check_button.isEnabled()
    assert page.about.check_button.text() == "Update check is off"
    assert "UPDATE_CHECK_URL" in page.about.update_line.text()


def test_the_update_check_reads_a_local_feed_and_fails_quietly_when_it_is_down(qtbot, console, feed):
    page = open_settings(qtbot, console)
    url = f"http://127.0.0.1:{feed.server_port}/releases"
    _Feed.body = json.dumps([{"tag_name": "v99.0.0", "html_url": "https://example.invalid/r/99"},
                             {"tag_name": "v100.0.0-rc1", "prerelease": True}]).encode()
    text = _check(qtbot, console, page, url)
    assert text.startswith(f"Version v99.0.0 is available (you have {__version__}).") and "r/99" in text
    _Feed.body = json.dumps({"version": __version__, "url": ""}).encode()
    assert _check(qtbot, console, page, url + "?same") == f"You have the latest version ({__version__})."
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    text = _check(qtbot, console, page, f"http://127.0.0.1:{closed}/releases")
    assert text.startswith("Could not check for updates:") and "\n" not in text


def _confirm(qtbot, panel) -> None:
    box = panel.findChild(QMessageBox)
    qtbot.waitUntil(lambda: box.isVisible())
    box.button(QMessageBox.Yes).click()


def test_clear_local_cache_removes_cache_entries_and_never_the_database(qtbot, console):
    data_dir = console.ctx.runtime.data_dir
    limiter = DiskLimiter(data_dir / "ratelimit")
    for key in ("user:1", "user:2", "token:7"):
        limiter.hit(key, 10, 60)
    limiter.incr_daily("sensitive:1", "2030-01-01")
    page = open_settings(qtbot, console)
    page.show_section("about")
    assert page.about.folder.text() == str(data_dir)
    page.about.clear_button.click()
    _confirm(qtbot, page.about)
    qtbot.waitUntil(lambda: not page.about.cache_line.isHidden())
    assert page.about.cache_line.text().startswith("Cleared 3 cache entries, freed ")
    assert list(limiter.cache.iterkeys()) == ["day:sensitive:1:2030-01-01"]
    limiter.close()
    assert (data_dir / "voapi.db").is_file() and users.find_user("root").username == "root"


def test_clear_local_cache_with_no_cache_says_so(qtbot, console):
    page = open_settings(qtbot, console)
    page.about.clear_button.click()
    _confirm(qtbot, page.about)
    qtbot.waitUntil(lambda: not page.about.cache_line.isHidden())
    assert page.about.cache_line.text() == "There is no local cache to clear."
    assert not (console.ctx.runtime.data_dir / "ratelimit").exists()


def test_the_settings_page_speaks_chinese(qtbot, console):
    page = open_settings(qtbot, console)
    console.ctx.i18n.set_language("zh_CN")
    assert page.save_button.text() == "保存更改" and page.nav.item(page.nav.count() - 1).text() == "关于"
    assert page.rows["PORT"].badge.text() == "需重启"
    assert page.about.clear_button.text() == "清空本地缓存"


def test_search_finds_settings_and_discard_drops_unsaved_edits(qtbot, console):
    page = open_settings(qtbot, console)
    qtbot.keyClicks(page.search, "smtp_p")
    assert page.sections[page.nav.currentRow()] == "mail"
    assert not page.rows["SMTP_PORT"].isHidden() and page.rows["SMTP_SERVER"].isHidden()
    page.search.clear()
    assert not page.rows["SMTP_SERVER"].isHidden()
    page.rows["USER_RPM"].editor.line.setText("77")
    page.discard_button.click()
    assert page.rows["USER_RPM"].text() == "0" and not page.dirty_rows()
    save(qtbot, console, page)
    assert page.message.text() == "Nothing changed." and load_options() == {}


def test_open_folder_asks_the_desktop_to_open_the_data_folder(qtbot, console, monkeypatch):
    opened = []
    monkeypatch.setattr("voapi_desktop.ui.widgets.about_panel.QDesktopServices.openUrl", opened.append)
    page = open_settings(qtbot, console)
    page.about.open_button.click()
    assert [url.toLocalFile() for url in opened] == [str(console.ctx.runtime.data_dir)]
