"""One setting on the settings page: name, editor, reset button, description, where the value comes from."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...core.settings import Setting, Settings, format_value
from ..i18n import I18n
from .setting_editors import ValueEditor, make_editor


class SettingRow(QFrame):
    """Signals:
        reset_requested(str): the operator asked to forget the stored value of this setting.
        edited(): the value in the editor changed.
    """

    reset_requested = Signal(str)
    edited = Signal()

    def __init__(self, i18n: I18n, setting: Setting, reveal: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("settingRow")
        self.setting = setting
        self._i18n = i18n
        self.original = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 6)
        layout.setSpacing(3)
        head = QHBoxLayout()
        self.name = QLabel(setting.name, objectName="settingName")
        self.name.setStyleSheet("font-weight: 600;")
        self.badge = QLabel(objectName="muted")
        head.addWidget(self.name)
        head.addWidget(self.badge)
        head.addStretch(1)
        layout.addLayout(head)
        line = QHBoxLayout()
        self.editor: ValueEditor = make_editor(i18n, setting, reveal)
        self.editor.edited.connect(self._edited)
        self.reset = QPushButton()
        i18n.bind(self.reset, "setText", "settings.reset")
        i18n.bind(self.reset, "setToolTip", "settings.reset.tip")
        self.reset.clicked.connect(lambda: self.reset_requested.emit(setting.name))
        line.addWidget(self.editor, 1)
        line.addWidget(self.reset)
        layout.addLayout(line)
        self.help = QLabel(setting.help, objectName="muted")  # descriptions come from the table (English)
        self.help.setWordWrap(True)
        layout.addWidget(self.help)
        self.note = QLabel(objectName="muted")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.error = QLabel(objectName="errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self._source = "default"
        i18n.changed.connect(lambda _: self._describe())

    @property
    def editable(self) -> bool:
        return self.setting.scope == "runtime" and self._source != "override"

    def show_value(self, settings: Settings) -> None:
        """Show the current value and its source (drops unsaved edits)."""
        self._source = settings.source(self.setting.name)
        self.original = format_value(self.setting, settings[self.setting.name])
        self.editor.set_text(self.original)
        self.editor.set_editable(self.editable)
        self.reset.setVisible(self.editable)  # boot and flag-set settings have nothing stored to reset
        self.reset.setEnabled(self._source == "option")
        self.show_error("")
        self._describe()

    def text(self) -> str:
        return self.editor.text()

    def is_dirty(self) -> bool:
        return self.editable and self.text() != self.original

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def matches(self, needle: str) -> bool:
        needle = needle.strip().lower()
        return not needle or needle in self.setting.name.lower() or needle in self.setting.help.lower()

    def _edited(self) -> None:
        self._describe()
        self.edited.emit()

    def _describe(self) -> None:
        tr, env = self._i18n.tr, self.setting.env
        badges = []
        if self.setting.scope == "boot":
            badges.append(tr("settings.badge.restart"))
        if self.is_dirty():
            badges.append(tr("settings.badge.modified"))
        self.badge.setText("  ·  ".join(badges))
        if self._source == "override":
            note = tr("settings.source.override")
        elif self.setting.scope == "boot":
            note = tr("settings.source.boot_env" if self._source == "env" else "settings.source.boot", env=env)
        elif self._source == "env":
            note = tr("settings.source.env", env=env)
        elif self._source == "option":
            note = tr("settings.source.option")
        else:
            note = ""
        self.note.setText(note)
        self.note.setVisible(bool(note))
