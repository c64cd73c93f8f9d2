"""The full key of a new token, shown once, with a Copy button."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from ..i18n import I18n
from ..widgets.copy_field import CopyField


class KeyDialog(QDialog):
    def __init__(self, i18n: I18n, name: str, key: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(i18n.tr("token.created.title"))
        self.setMinimumWidth(560)
        self.setAttribute(Qt.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        text = QLabel(i18n.tr("token.created.text", name=name))
        text.setWordWrap(True)
        layout.addWidget(text)
        self.key = CopyField(i18n, key)
        layout.addWidget(self.key)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
