"""Read-only text with a Copy button (base URLs, new keys, snippets)."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPushButton, QWidget

from ..i18n import I18n


def copy_text(text: str) -> None:
    QGuiApplication.clipboard().setText(text)


class CopyField(QWidget):
    def __init__(self, i18n: I18n, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.line = QLineEdit(text, readOnly=True)
        self.button = QPushButton()
        i18n.bind(self.button, "setText", "common.copy")
        self.button.clicked.connect(lambda: copy_text(self.line.text()))
        layout.addWidget(self.line, 1)
        layout.addWidget(self.button)

    def text(self) -> str:
        return self.line.text()

    def set_text(self, text: str) -> None:
        self.line.setText(text)
