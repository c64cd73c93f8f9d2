"""Translations: JSON catalogs (built in: en, zh_CN; more dropped into <data dir>/i18n), switchable at run time.

A built-in catalog is resources/i18n/<code>.json plus the fragments in resources/i18n/<code>/.
A catalog is a flat JSON object of key -> text, plus "_language" (the name shown
in the language list). Texts use str.format fields ("{count} channels").
A key missing from the chosen language falls back to English, then to the key.
Widgets register their texts with `bind`, so switching language re-labels them.
"""

from __future__ import annotations

import json
import logging
from importlib import resources
from pathlib import Path
from typing import Callable

import shiboken6
from PySide6.QtCore import QLocale, QObject, Signal

log = logging.getLogger(__name__)

BUILT_IN = ("en", "zh_CN")
FALLBACK = "en"


def builtin_catalog(code: str) -> dict[str, str]:
    """resources/i18n/<code>.json merged with every resources/i18n/<code>/*.json (one fragment per page)."""
    folder = resources.files("voapi_desktop.resources").joinpath("i18n")
    catalog = json.loads(folder.joinpath(f"{code}.json").read_text(encoding="utf-8"))
    fragments = folder.joinpath(code)
    if fragments.is_dir():
        for part in sorted(fragments.iterdir(), key=lambda p: p.name):
            if part.name.endswith(".json"):
                catalog.update(json.loads(part.read_text(encoding="utf-8")))
    return catalog


def read_catalog(path: Path) -> dict[str, str] | None:
    """A custom catalog file, or None (logged) when it is not a JSON object of strings."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring language file %s: %s", path.name, exc)
        return None
    if not isinstance(data, dict):
        log.warning("ignoring language file %s: not a JSON object", path.name)
        return None
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)}


class I18n(QObject):
    """The current language and its catalog.

    Signals:
        changed(str): the language code just switched to.
    """

    changed = Signal(str)

    def __init__(self, language: str = "", parent: QObject | None = None):
        super().__init__(parent)
        self._catalogs: dict[str, dict[str, str]] = {code: builtin_catalog(code) for code in BUILT_IN}
        self._bindings: list[tuple[object, Callable, str, dict]] = []
        self.language = FALLBACK
        self.set_language(language or system_language(self.codes()))

    def codes(self) -> list[str]:
        return list(self._catalogs)

    def languages(self) -> list[tuple[str, str]]:
        """(code, name in that language) of every known catalog, built-ins first."""
        return [(code, catalog.get("_language", code)) for code, catalog in self._catalogs.items()]

    def load_custom_dir(self, folder: Path) -> list[str]:
        """Pick up <code>.json files from `folder` (a missing folder is fine); returns their codes."""
        found = []
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            catalog = read_catalog(path)
            if catalog is not None and path.stem not in BUILT_IN:
                self._catalogs[path.stem] = catalog
                found.append(path.stem)
        return found

    def set_language(self, code: str) -> None:
        if code not in self._catalogs:
            code = FALLBACK
        self.language = code
        self._apply_bindings()
        self.changed.emit(code)

    def tr(self, key: str, **fields) -> str:
        """The text of `key` in the current language (English, then the key itself, when missing)."""
        text = self._catalogs[self.language].get(key)
        if text is None:
            text = self._catalogs[FALLBACK].get(key, key)
        if not fields:
            return text
        try:
            return text.format(**fields)
        except (KeyError, IndexError, ValueError):  # a custom catalog with a broken placeholder
            return self._catalogs[FALLBACK].get(key, key).format(**fields)

    def bind(self, obj: object, setter: Callable[[str], None] | str, key: str, **fields) -> None:
        """Call `setter(tr(key))` now and after every language switch, while `obj` lives."""
        if isinstance(setter, str):
            setter = getattr(obj, setter)
        self._bindings.append((obj, setter, key, fields))
        if len(self._bindings) % 500 == 0:  # closed dialogs leave dead bindings behind
            self._bindings = [b for b in self._bindings if _alive(b[0])]
        setter(self.tr(key, **fields))

    def _apply_bindings(self) -> None:
        alive = []
        for binding in self._bindings:
            obj, setter, key, fields = binding
            if not _alive(obj):
                continue
            setter(self.tr(key, **fields))
            alive.append(binding)
        self._bindings = alive


def _alive(obj: object) -> bool:
    return not isinstance(obj, QObject) or shiboken6.isValid(obj)


def system_language(codes: list[str]) -> str:
    """The catalog matching the system locale: exact (zh_CN), then by language (zh), else English."""
    name = QLocale.system().name()
    if name in codes:
        return name
    prefix = name.split("_")[0]
    for code in codes:
        if code.split("_")[0] == prefix:
            return code
    return FALLBACK
