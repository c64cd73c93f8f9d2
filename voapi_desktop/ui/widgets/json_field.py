"""A JSON-typed form field: a one-line summary and an "Edit…" button that opens the JSON editor."""

from __future__ import annotations

import json

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout,
                               QWidget)

from ..i18n import I18n
from .json_editor import JsonEditor


class JsonEditorDialog(QDialog):
    """The editor with Save / Cancel; Save is disabled while the JSON is invalid."""

    def __init__(self, i18n: I18n, title: str, value: object, expect: type | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(560, 420)
        layout = QVBoxLayout(self)
        self.editor = JsonEditor(i18n, value, expect)
        layout.addWidget(self.editor, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Save).setText(i18n.tr("common.save"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(i18n.tr("common.cancel"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.editor.validity_changed.connect(self.buttons.button(QDialogButtonBox.Save).setEnabled)
        layout.addWidget(self.buttons)
        self.result_value: object = value

    def _save(self) -> None:
        try:
            self.result_value = self.editor.value()
        except ValueError:
            return  # the error is already shown under the editor
        self.accept()


class JsonField(QWidget):
    """Holds a JSON value (an object by default); edits it in a JsonEditorDialog."""

    def __init__(self, i18n: I18n, title_key: str, value: object = None, expect: type | None = dict,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n, self._title_key, self._expect = i18n, title_key, expect
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLineEdit(readOnly=True)
        self.edit_button = QPushButton()
        i18n.bind(self.edit_button, "setText", "common.edit_json")
        self.edit_button.clicked.connect(self.open_editor)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.edit_button)
        self.dialog: JsonEditorDialog | None = None
        self.set_value(value if value is not None else ({} if expect is dict else None))

    def value(self) -> object:
        return self._value

    def set_value(self, value: object) -> None:
        self._value = value
        self.summary.setText(json.dumps(value, ensure_ascii=False) if value not in ({}, None) else "")

    def open_editor(self) -> JsonEditorDialog:
        self.dialog = JsonEditorDialog(self._i18n, self._i18n.tr(self._title_key), self._value, self._expect, self)
        self.dialog.accepted.connect(lambda: self.set_value(self.dialog.result_value))
        self.dialog.open()
        return self.dialog
