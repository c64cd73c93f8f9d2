"""Value editors for the settings page, one per setting type; all speak the options table's text.

`make_editor(i18n, setting, reveal)` picks the editor: bool -> check box, choice -> combo box,
json -> the JSON editor (summary + dialog), secret -> masked line with a reveal toggle,
multi-line text -> text box, anything else (int, float, str, list) -> a line whose range is
shown as its placeholder. Values are checked by the service on save, not here.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QWidget

from ...core.settings import Setting, mask_secret
from ..i18n import I18n
from .json_field import JsonField


class ValueEditor(QWidget):
    """Signals:
        edited(): the operator changed the value.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.box = QHBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)

    def text(self) -> str:
        raise NotImplementedError

    def set_text(self, text: str) -> None:
        raise NotImplementedError

    def set_editable(self, editable: bool) -> None:
        self.setEnabled(editable)


class BoolEditor(ValueEditor):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.check = QCheckBox()
        self.check.toggled.connect(lambda _: self.edited.emit())
        self.box.addWidget(self.check)
        self.box.addStretch(1)

    def text(self) -> str:
        return "true" if self.check.isChecked() else "false"

    def set_text(self, text: str) -> None:
        self.check.blockSignals(True)
        self.check.setChecked(text == "true")
        self.check.blockSignals(False)


class ChoiceEditor(ValueEditor):
    def __init__(self, choices: tuple[str, ...], parent: QWidget | None = None):
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.addItems(list(choices))
        self.combo.currentIndexChanged.connect(lambda _: self.edited.emit())
        self.box.addWidget(self.combo)
        self.box.addStretch(1)

    def text(self) -> str:
        return self.combo.currentText()

    def set_text(self, text: str) -> None:
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(max(self.combo.findText(text), 0))
        self.combo.blockSignals(False)


class LineEditor(ValueEditor):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.line = QLineEdit(placeholderText=placeholder)
        self.line.textEdited.connect(lambda _: self.edited.emit())
        self.box.addWidget(self.line)

    def text(self) -> str:
        return self.line.text()

    def set_text(self, text: str) -> None:
        self.line.setText(text)

    def set_editable(self, editable: bool) -> None:
        self.line.setEnabled(editable)


class TextEditor(ValueEditor):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QPlainTextEdit()
        self.edit.setFixedHeight(84)
        self.edit.textChanged.connect(lambda: self.edit.hasFocus() and self.edited.emit())
        self.box.addWidget(self.edit)

    def text(self) -> str:
        return self.edit.toPlainText()

    def set_text(self, text: str) -> None:
        self.edit.setPlainText(text)

    def set_editable(self, editable: bool) -> None:
        self.edit.setEnabled(editable)


class JsonValueEditor(ValueEditor):
    """The shared JSON field: a one-line summary and an Edit… button opening the tree/text editor."""

    def __init__(self, i18n: I18n, setting: Setting, parent: QWidget | None = None):
        super().__init__(parent)
        expect = dict if isinstance(setting.default, dict) else None
        self.field = JsonField(i18n, setting.name, expect=expect)  # the title is the setting's name
        self.field.edit_button.clicked.connect(self._watch_dialog)
        self.box.addWidget(self.field)

    def _watch_dialog(self) -> None:
        if self.field.dialog is not None:
            self.field.dialog.accepted.connect(self.edited.emit)

    def text(self) -> str:
        return json.dumps(self.field.value(), separators=(",", ":"), ensure_ascii=False)

    def set_text(self, text: str) -> None:
        self.field.set_value(json.loads(text))

    def set_editable(self, editable: bool) -> None:
        self.field.edit_button.setEnabled(editable)


class SecretEditor(ValueEditor):
    """Masked (mask_secret, read-only) until revealed; `reveal` (OFF_SETTING_KEY_HIDE) shows it from the start."""

    def __init__(self, i18n: I18n, reveal: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n, self._value, self._editable = i18n, "", True
        self.line = QLineEdit()
        self.line.textEdited.connect(self._typed)
        self.toggle = QPushButton(checkable=True, checked=reveal)
        self.toggle.setVisible(not reveal)
        self.toggle.toggled.connect(lambda _: self._show())
        i18n.changed.connect(lambda _: self._show())
        self.box.addWidget(self.line, 1)
        self.box.addWidget(self.toggle)
        self._show()

    @property
    def revealed(self) -> bool:
        return self.toggle.isChecked()

    def _typed(self, text: str) -> None:
        self._value = text
        self.edited.emit()

    def _show(self) -> None:
        self.toggle.setText(self._i18n.tr("secret.hide" if self.revealed else "secret.show"))
        self.line.setText(self._value if self.revealed else mask_secret(self._value) if self._value else "")
        self.line.setEnabled(self._editable)
        self.line.setReadOnly(not self.revealed)

    def text(self) -> str:
        return self._value

    def set_text(self, text: str) -> None:
        self._value = text
        self._show()

    def set_editable(self, editable: bool) -> None:
        self._editable = editable
        self._show()


def make_editor(i18n: I18n, setting: Setting, reveal: bool) -> ValueEditor:
    """The editor for one setting of the table."""
    if setting.secret:
        return SecretEditor(i18n, reveal)
    if setting.type == "bool":
        return BoolEditor()
    if setting.type == "choice":
        return ChoiceEditor(setting.choices)
    if setting.type == "json":
        return JsonValueEditor(i18n, setting)
    if setting.type == "str" and is_multiline(setting):
        return TextEditor()
    return LineEditor(range_hint(i18n, setting))


def is_multiline(setting: Setting) -> bool:
    """Texts kept one item per line, or Markdown, get a text box."""
    return "\n" in str(setting.default) or "per line" in setting.help or "Markdown" in setting.help


def range_hint(i18n: I18n, setting: Setting) -> str:
    low, high = setting.minimum, setting.maximum
    if setting.type not in ("int", "float"):
        return ""
    if low is not None and high is not None:
        return i18n.tr("settings.range.between", low=f"{low:g}", high=f"{high:g}")
    if low is not None:
        return i18n.tr("settings.range.min", low=f"{low:g}")
    return i18n.tr("settings.range.max", high=f"{high:g}") if high is not None else ""
