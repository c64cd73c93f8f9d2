"""Framed cards for the dashboard: a titled box, and a box of named numbers."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from ..i18n import I18n


class Card(QFrame):
    """A framed box with a title; put content in `.body` (a QVBoxLayout)."""

    def __init__(self, i18n: I18n, title_key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("card")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(14, 10, 14, 12)
        self.title = QLabel(objectName="cardTitle")
        i18n.bind(self.title, "setText", title_key)
        outer.addWidget(self.title)
        self.body = QVBoxLayout()
        outer.addLayout(self.body, 1)


class StatCard(Card):
    """Named numbers in a grid: `set_value(name, text)`; `.values[name]` is the label."""

    def __init__(self, i18n: I18n, title_key: str, names: list[tuple[str, str]], parent: QWidget | None = None):
        super().__init__(i18n, title_key, parent)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.values: dict[str, QLabel] = {}
        for i, (name, key) in enumerate(names):
            caption = QLabel(objectName="muted")
            i18n.bind(caption, "setText", key)
            value = QLabel("—", objectName="cardValue")
            grid.addWidget(caption, (i // 2) * 2, i % 2)
            grid.addWidget(value, (i // 2) * 2 + 1, i % 2)
            self.values[name] = value
        self.body.addLayout(grid)

    def set_value(self, name: str, text: str) -> None:
        self.values[name].setText(text)
