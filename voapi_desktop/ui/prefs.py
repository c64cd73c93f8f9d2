"""The console's own preferences (QSettings): window geometry, last page, language, theme, tray."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

THEMES = ("system", "light", "dark")
DEFAULT_ACCENT = "#3b6ef5"


class Preferences:
    """Typed access to a QSettings store (the platform's by default, a file in tests)."""

    def __init__(self, settings: QSettings | None = None):
        self._s = settings if settings is not None else QSettings("VoAPI", "VoAPI Desktop")

    def _get(self, key: str, default, kind=str):
        value = self._s.value(key, default)
        if kind is bool and isinstance(value, str):  # INI files store booleans as text
            return value.lower() in ("1", "true", "yes")
        try:
            return kind(value)
        except (TypeError, ValueError):
            return default

    @property
    def geometry(self) -> QByteArray | None:
        value = self._s.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    @geometry.setter
    def geometry(self, value: QByteArray) -> None:
        self._s.setValue("window/geometry", value)

    @property
    def page(self) -> str:
        return self._get("window/page", "dashboard")

    @page.setter
    def page(self, value: str) -> None:
        self._s.setValue("window/page", value)

    @property
    def language(self) -> str:
        return self._get("ui/language", "")

    @language.setter
    def language(self, value: str) -> None:
        self._s.setValue("ui/language", value)

    @property
    def theme(self) -> str:
        value = self._get("ui/theme", "system")
        return value if value in THEMES else "system"

    @theme.setter
    def theme(self, value: str) -> None:
        self._s.setValue("ui/theme", value)

    @property
    def accent(self) -> str:
        return self._get("ui/accent", DEFAULT_ACCENT)

    @accent.setter
    def accent(self, value: str) -> None:
        self._s.setValue("ui/accent", value)

    @property
    def close_to_tray(self) -> bool:
        return self._get("tray/close_to_tray", True, bool)

    @close_to_tray.setter
    def close_to_tray(self, value: bool) -> None:
        self._s.setValue("tray/close_to_tray", bool(value))

    def sync(self) -> None:
        self._s.sync()
