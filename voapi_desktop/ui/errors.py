"""Errors the operator can act on (a readable message) versus bugs (a dialog with the traceback).

Known: the database cannot be opened or is locked, the port is taken, the disk
is full, a service function refused the input. Anything else is our bug.
"""

from __future__ import annotations

import traceback

import peewee as pw
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QMessageBox, QPlainTextEdit, QPushButton,
                               QVBoxLayout, QWidget)

from ..gateway.server import PortInUse
from ..store.db import DatabaseUnavailable
from ..store.errors import ServiceError
from .i18n import I18n


def is_known(exc: BaseException) -> bool:
    """Whether the error comes from the environment or the input, not from a bug."""
    return isinstance(exc, (DatabaseUnavailable, PortInUse, ServiceError, pw.OperationalError, OSError))


def known_message(i18n: I18n, exc: BaseException) -> tuple[str, str]:
    """(title, text with what to do) for a known error."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, PortInUse):
        return i18n.tr("error.port.title"), f"{text}\n\n{i18n.tr('error.port.hint')}"
    if isinstance(exc, DatabaseUnavailable):
        return i18n.tr("error.database.title"), f"{text}\n\n{i18n.tr('error.database.hint')}"
    if isinstance(exc, pw.OperationalError) and "locked" in text.lower():
        return i18n.tr("error.locked.title"), i18n.tr("error.locked.text")
    if isinstance(exc, OSError) and not isinstance(exc, ServiceError):
        return i18n.tr("error.system.title"), text
    return i18n.tr("error.input.title"), text


def format_bug(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


class BugDialog(QDialog):
    """Something went wrong in our code: the traceback, a copy button, and the way to report it."""

    def __init__(self, i18n: I18n, details: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.details = details
        self.setWindowTitle(i18n.tr("bug.title"))
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(i18n.tr("bug.text"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.text = QPlainTextEdit(details)
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.NoWrap)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.copy_button = QPushButton(i18n.tr("bug.copy"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        self.copy_button.clicked.connect(self.copy)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details)


def show_error(i18n: I18n, exc: BaseException, parent: QWidget | None = None) -> QDialog:
    """Show an error without blocking: a message for known errors, the bug dialog otherwise."""
    if is_known(exc):
        title, text = known_message(i18n, exc)
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Ok, parent)
    else:
        box = BugDialog(i18n, format_bug(exc), parent)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
    return box
