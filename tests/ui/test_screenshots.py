"""Every page in both built-in languages, written to build/screenshots/ (not committed) for a look."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.conftest import wait_idle
from tests.ui.seed import seed
from voapi_desktop.ui.theme import apply_theme

OUT = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.mark.parametrize("language", ["en", "zh_CN"])
def test_every_page_is_written_as_a_screenshot(qtbot, qapp, console, language):
    apply_theme(qapp, "light", console.ctx.prefs.accent)
    seed()
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
