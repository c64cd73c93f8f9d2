"""A JSON editor: a tree view and a plain-text view with a toggle; invalid JSON is shown inline
with its line and column, and the editor reports itself invalid so it cannot be saved.

Leaf values can be edited in the tree (their JSON type is kept); keys and
structure are edited in the text view.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QButtonGroup, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QStackedWidget,
                               QTreeWidget, QVBoxLayout, QWidget)

from ..i18n import I18n
from .json_tree import fill_tree, read_tree

TREE, TEXT = 0, 1


class JsonEditor(QWidget):
    """Signals:
        validity_changed(bool): whether the current text parses (and has the expected type).
    """

    validity_changed = Signal(bool)

    def __init__(self, i18n: I18n, value: object = None, expect: type | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n = i18n
        self._expect = expect
        self.valid = True
        self._build()
        self.set_value({} if value is None and expect is dict else value)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        switch = QHBoxLayout()
        self.tree_button, self.text_button = QPushButton(), QPushButton()
        self._i18n.bind(self.tree_button, "setText", "json.tree")
        self._i18n.bind(self.text_button, "setText", "json.text")
        self._modes = QButtonGroup(self)
        for mode, button in ((TREE, self.tree_button), (TEXT, self.text_button)):
            button.setCheckable(True)
            self._modes.addButton(button, mode)
            switch.addWidget(button)
        switch.addStretch(1)
        layout.addLayout(switch)
        self.stack = QStackedWidget()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self._i18n.bind(self.tree, lambda _: self.tree.setHeaderLabels(
            [self._i18n.tr("json.key"), self._i18n.tr("json.value"), self._i18n.tr("json.type")]), "json.key")
        self.tree.setEditTriggers(QTreeWidget.NoEditTriggers)
        self.tree.itemDoubleClicked.connect(lambda item, _: item.childCount() == 0 and self.tree.editItem(item, 1))
        self.tree.itemChanged.connect(lambda *_: self._tree_edited())
        self.text = QPlainTextEdit()
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.text.textChanged.connect(self._check)
        self.stack.addWidget(self.tree)
        self.stack.addWidget(self.text)
        layout.addWidget(self.stack, 1)
        self.error = QLabel(objectName="errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        self._modes.idToggled.connect(lambda mode, on: on and self.set_mode(mode))

    # public API ------------------------------------------------------------------------------

    def set_value(self, value: object) -> None:
        self.text.setPlainText(json.dumps(value, ensure_ascii=False, indent=2))
        self.set_mode(TREE)

    def value(self) -> object:
        """The parsed value; ValueError when the text is not valid."""
        if self.mode == TREE:
            return read_tree(self.tree)
        parsed, error = self._parse(self.text.toPlainText())
        if error:
            raise ValueError(error)
        return parsed

    @property
    def mode(self) -> int:
        return self.stack.currentIndex()

    def set_mode(self, mode: int) -> None:
        """Switch views; leaving a view whose content is invalid is refused (the error stays shown)."""
        if mode == TREE:
            parsed, error = self._parse(self.text.toPlainText())
            if error:
                self._check_button(self.mode)
                return
            self.tree.blockSignals(True)
            fill_tree(self.tree, parsed)
            self.tree.blockSignals(False)
        elif self.mode == TREE:
            try:
                value = read_tree(self.tree)
            except ValueError:
                self._check_button(TREE)
                return
            self.text.setPlainText(json.dumps(value, ensure_ascii=False, indent=2))
        self.stack.setCurrentIndex(mode)
        self._check_button(mode)

    def _check_button(self, mode: int) -> None:
        self._modes.blockSignals(True)
        self._modes.button(mode).setChecked(True)
        self._modes.blockSignals(False)

    # checking --------------------------------------------------------------------------------

    def _parse(self, text: str) -> tuple[object, str]:
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            return None, self._i18n.tr("json.invalid", line=exc.lineno, column=exc.colno, message=exc.msg)
        if self._expect is dict and not isinstance(parsed, dict):
            return None, self._i18n.tr("json.need_object")
        return parsed, ""

    def _check(self) -> None:
        _, error = self._parse(self.text.toPlainText())
        self._set_valid(not error, error)

    def _tree_edited(self) -> None:
        try:
            read_tree(self.tree)
        except ValueError as exc:
            self._set_valid(False, str(exc))
            return
        self._set_valid(True, "")

    def _set_valid(self, valid: bool, error: str) -> None:
        self.error.setText(error)
        self.error.setVisible(bool(error))
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)

