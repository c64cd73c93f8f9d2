"""Small non-blocking questions: confirm, type a line of text. They open window-modal and call back."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from ..i18n import I18n


def ask(parent: QWidget, i18n: I18n, text: str, on_yes: Callable[[], None], destructive: bool = True) -> QMessageBox:
    """A Yes / No question; `on_yes()` runs only after Yes."""
    box = QMessageBox(QMessageBox.Warning if destructive else QMessageBox.Question, i18n.tr("confirm.title"),
                      text, QMessageBox.Yes | QMessageBox.No, parent)
    box.button(QMessageBox.Yes).setText(i18n.tr("common.yes"))
    box.button(QMessageBox.No).setText(i18n.tr("common.no"))
    box.setDefaultButton(QMessageBox.No)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.buttonClicked.connect(lambda button: box.buttonRole(button) == QMessageBox.YesRole and on_yes())
    box.open()
    return box


def ask_text(parent: QWidget, i18n: I18n, title: str, label: str, on_text: Callable[[str], None],
             value: str = "", password: bool = False) -> QInputDialog:
    """One line of text; `on_text(text)` after OK."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(value)
    dialog.setOkButtonText(i18n.tr("common.ok"))
    dialog.setCancelButtonText(i18n.tr("common.cancel"))
    if password:
        dialog.setTextEchoMode(QLineEdit.Password)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.textValueSelected.connect(on_text)
    dialog.open()
    return dialog
