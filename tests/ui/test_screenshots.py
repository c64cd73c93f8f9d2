"""Every page in both built-in languages, written to build/screenshots/ (not committed) for a look."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import wait_idle
from tests.ui.seed import seed
from voapi_desktop.gateway.state import GatewayEvent
from voapi_desktop.ui.theme import apply_theme

OUT = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_page_is_written_as_a_screenshot(qtbot, qapp, gateway_on, language):
    console = gateway_on
    apply_theme(qapp, "light", console.ctx.prefs.accent)
    seed()
    for i, model in enumerate(("gpt-4o-mini", "deepseek-chat", "gpt-4o")):
        console.bridge.on_gateway_event(GatewayEvent("request", {
            "request_id": f"r{i}", "model": model, "user": "alice", "prompt_tokens": 12 + i,
            "completion_tokens": 40 * i, "elapsed_ms": 800 + 150 * i, "ok": i != 1}))
    qtbot.waitUntil(lambda: console.window.pages["dashboard"].feed.count() == 3)
    window = console.window
    window.resize(1360, 820)
    console.ctx.i18n.set_language(language)
    OUT.mkdir(parents=True, exist_ok=True)
    for page_id, page in window.pages.items():
        window.show_page(page_id)
        page.reload()
        wait_idle(qtbot, console.ctx.ops)
        qtbot.wait(50)
        if page_id in ("channels", "logs"):
            page.table.selectRow(0)
        path = OUT / f"{language}-{page_id}.png"
        assert window.grab().save(str(path))
        assert path.stat().st_size > 10_000


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_the_edit_dialogs_and_the_dark_theme_are_written_as_screenshots(qtbot, qapp, console, language):
    seed()
    console.ctx.i18n.set_language(language)
    OUT.mkdir(parents=True, exist_ok=True)
    apply_theme(qapp, "dark", console.ctx.prefs.accent)
    try:
        window = console.window
        window.resize(1360, 820)
        window.show_page("dashboard")
        window.current_page().reload()
        wait_idle(qtbot, console.ctx.ops)
        assert window.grab().save(str(OUT / f"{language}-dark-dashboard.png"))
        channels = window.pages["channels"]
        window.show_page("channels")
        wait_idle(qtbot, console.ctx.ops)
        editor = channels.edit_channel(channels.model.row_at(0))
        qtbot.waitExposed(editor)
        assert editor.grab().save(str(OUT / f"{language}-dark-channel-editor.png"))
        json_dialog = editor.mapping.open_editor()
        json_dialog.editor.set_mode(1)
        json_dialog.editor.text.setPlainText('{"gpt-4": "gpt-4o",\n  "bad": }')
        qtbot.waitExposed(json_dialog)
        assert json_dialog.grab().save(str(OUT / f"{language}-dark-json-editor.png"))
        json_dialog.reject()
        editor.reject()
    finally:
        apply_theme(qapp, "light", console.ctx.prefs.accent)


def test_the_channels_page_with_a_cooling_channel_is_written_as_a_screenshot(qtbot, qapp, gateway_on):
    console = gateway_on
    apply_theme(qapp, "light", console.ctx.prefs.accent)
    seed()
    window = console.window
    window.resize(1360, 820)
    window.show_page("channels")
    page = window.pages["channels"]
    page.reload()
    wait_idle(qtbot, console.ctx.ops)
    cooling = next(c for c in page.model.rows() if c.name == "openai-main")
    console.gateway._serving.state.breaker.hold(cooling.id, 42)  # nothing relays meanwhile
    page.poll_cooldowns()
    wait_idle(qtbot, console.ctx.ops)
    assert page.model.cooling_seconds(cooling)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "en-channels-cooldown.png"
    assert page.grab().save(str(path))
    assert path.stat().st_size > 10_000
