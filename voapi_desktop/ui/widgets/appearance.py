"""The sidebar's bottom: language, light / dark / system, accent color, keep serving in the tray."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QCheckBox, QColorDialog, QComboBox, QPushButton, QVBoxLayout, QWidget

from ..context import Context
from ..prefs import THEMES
from ..theme import apply_theme


class AppearancePanel(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        self.language = QComboBox()
        self.theme = QComboBox()
        self.accent = QPushButton()
        self.tray = QCheckBox()
        self.tray.setChecked(ctx.prefs.close_to_tray)
        ctx.i18n.bind(self.accent, "setText", "appearance.accent")
        ctx.i18n.bind(self.tray, "setText", "appearance.close_to_tray")
        for widget in (self.language, self.theme, self.accent, self.tray):
            layout.addWidget(widget)
        self.fill()
        self.language.currentIndexChanged.connect(lambda _: self.choose_language(self.language.currentData()))
        self.theme.currentIndexChanged.connect(lambda _: self.choose_theme(self.theme.currentData()))
        self.accent.clicked.connect(self.pick_accent)
        self.tray.toggled.connect(self._tray_toggled)
        ctx.i18n.changed.connect(lambda _: self.fill())

    def fill(self) -> None:
        """(Re)list languages (custom files included) and themes in the current language."""
        for box in (self.language, self.theme):
            box.blockSignals(True)
            box.clear()
        for code, name in self.ctx.i18n.languages():
            self.language.addItem(name, code)
        self.language.setCurrentIndex(max(self.language.findData(self.ctx.i18n.language), 0))
        for theme in THEMES:
            self.theme.addItem(self.ctx.tr(f"appearance.theme.{theme}"), theme)
        self.theme.setCurrentIndex(max(self.theme.findData(self.ctx.prefs.theme), 0))
        for box in (self.language, self.theme):
            box.blockSignals(False)

    def choose_language(self, code: str) -> None:
        if code and code != self.ctx.i18n.language:
            self.ctx.prefs.language = code
            self.ctx.i18n.set_language(code)

    def choose_theme(self, theme: str) -> None:
        self.ctx.prefs.theme = theme
        apply_theme(QApplication.instance(), theme, self.ctx.prefs.accent)

    def pick_accent(self) -> QColorDialog:
        dialog = QColorDialog(QColor(self.ctx.prefs.accent), self)
        dialog.colorSelected.connect(lambda color: self.set_accent(color.name()))
        dialog.open()
        return dialog

    def set_accent(self, color: str) -> None:
        self.ctx.prefs.accent = color
        apply_theme(QApplication.instance(), self.ctx.prefs.theme, color)

    def _tray_toggled(self, on: bool) -> None:
        self.ctx.prefs.close_to_tray = on
