"""Languages: built-in catalogs complete, switching at run time re-labels the window, custom files listed,
missing keys fall back to English."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import Qt

from voapi_desktop.ui.application import Console
from voapi_desktop.ui.i18n import I18n, builtin_catalog

UI = Path(__file__).resolve().parents[2] / "voapi_desktop" / "ui"


def _catalog(code: str) -> dict:
    return builtin_catalog(code)


def test_both_built_in_catalogs_have_the_same_keys_and_placeholders():
    en, zh = _catalog("en"), _catalog("zh_CN")
    assert set(en) == set(zh)
    for key, text in en.items():
        assert set(re.findall(r"{(\w+)}", text)) == set(re.findall(r"{(\w+)}", zh[key])), key


def test_every_literal_key_the_code_uses_is_in_the_english_catalog():
    en = _catalog("en")
    used = set()
    for path in UI.rglob("*.py"):
        used |= set(re.findall(r"""["']((?:[a-z_]+)(?:\.[a-z0-9_]+)+)["']""", path.read_text()))
    used = {key for key in used if key.split(".")[0] in {k.split(".")[0] for k in en}}
    assert sorted(used - set(en)) == []


def test_switching_language_changes_what_the_window_shows(qtbot, console):
    window = console.window
    channels = window.pages["channels"]
    window.show_page("channels")
    header = channels.model.headerData(1, Qt.Horizontal)
    assert (window.nav.item(1).text(), channels.title.text(), header) == ("Channels", "Channels", "Name")
    index = window.appearance.language.findData("zh_CN")
    window.appearance.language.setCurrentIndex(index)
    assert console.ctx.i18n.language == "zh_CN" and console.ctx.prefs.language == "zh_CN"
    assert window.nav.item(1).text() == "渠道"
    assert channels.title.text() == "渠道"
    assert channels.model.headerData(1, Qt.Horizontal) == "名称"
    assert channels.search.placeholderText() == "搜索…"
    assert "网关已停止" in window.statusBar().state.text()
    assert window.appearance.theme.itemText(0) == "跟随系统"
    console.ctx.i18n.set_language("en")
    assert window.nav.item(1).text() == "Channels"


def test_a_custom_language_file_in_the_data_dir_is_listed_and_falls_back_to_english(qtbot, store, ops, prefs):
    folder = store.data_dir / "i18n"
    folder.mkdir()
    (folder / "fr.json").write_text(json.dumps({"_language": "Français", "nav.channels": "Canaux"}), "utf-8")
    (folder / "broken.json").write_text("{not json", "utf-8")
    console = Console(store, ops, I18n("en"), prefs, host="127.0.0.1", port=0)
    try:
        combo = console.window.appearance.language
        names = [combo.itemText(i) for i in range(combo.count())]
        assert names == ["English", "简体中文", "Français"]
        combo.setCurrentIndex(2)
        assert console.window.nav.item(1).text() == "Canaux"
        assert console.window.nav.item(0).text() == "Dashboard"  # missing in fr.json: English
    finally:
        console.shutdown()
        console.window.deleteLater()


def test_an_unknown_language_falls_back_to_english(qapp):
    i18n = I18n("xx_YY")
    assert i18n.language == "en"
    assert i18n.tr("no.such.key") == "no.such.key"
    assert i18n.tr("pager.summary", page=1, pages=2, total=3) == "Page 1 of 2 · 3 rows"


def test_the_system_locale_picks_the_catalog(monkeypatch):
    import voapi_desktop.ui.i18n as module

    class Locale:
        def __init__(self, name):
            self._name = name

        def name(self):
            return self._name
    for system, expected in (("zh_CN", "zh_CN"), ("zh_TW", "zh_CN"), ("en_GB", "en"), ("de_DE", "en")):
        monkeypatch.setattr(module.QLocale, "system", staticmethod(lambda s=system: Locale(s)))
        assert module.system_language(["en", "zh_CN"]) == expected
