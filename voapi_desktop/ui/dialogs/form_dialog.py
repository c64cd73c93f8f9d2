"""The base of the edit dialogs: a form, an inline error line, Save / Cancel.

Save emits `submitted(fields)`; the page runs the action and either closes the
dialog (`done_ok`) or shows the service's message inline (`fail`), keeping
what the operator typed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ..context import Context
from ..errors import is_known, known_message


class FormDialog(QDialog):
    submitted = Signal(dict)

    def __init__(self, ctx: Context, title_key: str, parent: QWidget | None = None, **title_fields):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(ctx.tr(title_key, **title_fields))
        self.setMinimumWidth(520)
        outer = QVBoxLayout(self)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.ExpandingFieldsGrow)
        outer.addLayout(self.form)
        self.error = QLabel(objectName="errorText")
        self.error.setWordWrap(True)
        self.error.hide()
        outer.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.save_button = self.buttons.button(QDialogButtonBox.Save)
        self.save_button.setText(ctx.tr("common.save"))
        self.save_button.setObjectName("primary")
        self.buttons.button(QDialogButtonBox.Cancel).setText(ctx.tr("common.cancel"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        outer.addWidget(self.buttons)

    def add_row(self, label_key: str, widget: QWidget) -> QWidget:
        self.form.addRow(self.ctx.tr(label_key), widget)
        return widget

    def fields(self) -> dict:
        """The values to save, as the service function takes them; ValueError for a local check."""
        raise NotImplementedError

    def submit(self) -> None:
        try:
            fields = self.fields()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        self.save_button.setEnabled(False)
        self.submitted.emit(fields)

    @property
    def saving(self) -> bool:
        """A save was handed to the worker and its outcome has not come back yet."""
        return not self.save_button.isEnabled()

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def done_ok(self, _result=None) -> None:
        self.save_button.setEnabled(True)
        self.accept()

    def fail(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if is_known(exc):
            self.show_error(known_message(self.ctx.i18n, exc)[1])
        else:
            self.ctx.ops.failed.emit(exc)
