"""A key field that is hidden until the operator asks to see it; one key per line when shown."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QPlainTextEdit, QPushButton, QStackedWidget, QWidget

from ..i18n import I18n

HIDDEN, SHOWN = 0, 1


class SecretField(QWidget):
    """Hidden: a password line (editable while it holds at most one key). Shown: a text box."""

    def __init__(self, i18n: I18n, shown: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n = i18n
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.line = QLineEdit(echoMode=QLineEdit.Password)
        self.box = QPlainTextEdit()
        self.box.setMaximumHeight(90)
        i18n.bind(self.box, "setPlaceholderText", "secret.one_per_line")
        self.stack.addWidget(self.line)
        self.stack.addWidget(self.box)
        self.toggle = QPushButton(checkable=True)
        self.toggle.toggled.connect(self.set_shown)
        self.line.textEdited.connect(self.box.setPlainText)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.toggle)
        self.set_shown(shown)
        i18n.changed.connect(lambda _: self._label())

    def value(self) -> str:
        return self.box.toPlainText().strip()

    def set_value(self, text: str) -> None:
        self.box.setPlainText(text)
        self._sync_line()

    @property
    def shown(self) -> bool:
        return self.stack.currentIndex() == SHOWN

    def set_shown(self, shown: bool) -> None:
        if self.toggle.isChecked() != shown:
            self.toggle.setChecked(shown)  # comes back here through toggled
            return
        self.stack.setCurrentIndex(SHOWN if shown else HIDDEN)
        if not shown:
            self._sync_line()
        self._label()

    def _sync_line(self) -> None:
        keys = [k for k in self.box.toPlainText().splitlines() if k.strip()]
        several = len(keys) > 1
        self.line.setReadOnly(several)
        self.line.setEchoMode(QLineEdit.Normal if several else QLineEdit.Password)
        self.line.setText(self._i18n.tr("secret.keys", count=len(keys)) if several else (keys[0] if keys else ""))

    def _label(self) -> None:
        self.toggle.setText(self._i18n.tr("secret.hide" if self.shown else "secret.show"))
        if not self.shown:
            self._sync_line()
