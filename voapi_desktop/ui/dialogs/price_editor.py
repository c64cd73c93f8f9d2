"""Pricing dialogs: one model's price (ratios or a fixed price per call), one group's ratio, and the
MODEL_INFO / VENDOR_INFO JSON editors that keep themselves open until the store took the value."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QRadioButton, QWidget

from ...store.prices import PriceRow
from ..context import Context
from ..errors import is_known, known_message
from ..widgets.json_field import JsonEditorDialog
from .form_dialog import FormDialog

RATIO_FIELDS = ("ratio", "completion_ratio", "cache_ratio", "cache_write_ratio")


def _text(value: float | None) -> str:
    return "" if value is None else format(value, ".12g")


class PriceEditor(FormDialog):
    """Add a price (row None) or edit one; the model name is fixed when editing."""

    def __init__(self, ctx: Context, row: PriceRow | None = None, parent: QWidget | None = None):
        super().__init__(ctx, "pricing.edit.title" if row else "pricing.add.title", parent,
                         model=row.model if row else "")
        self.model = self.add_row("pricing.field.model", QLineEdit(row.model if row else ""))
        self.model.setReadOnly(row is not None)
        self.model.setPlaceholderText(ctx.tr("pricing.field.model.hint"))
        kind = QWidget()
        box = QHBoxLayout(kind)
        box.setContentsMargins(0, 0, 0, 0)
        self.by_ratio = QRadioButton(ctx.tr("pricing.field.by_ratio"))
        self.by_price = QRadioButton(ctx.tr("pricing.field.by_price"))
        self._kinds = QButtonGroup(self)
        for button in (self.by_ratio, self.by_price):
            self._kinds.addButton(button)
            box.addWidget(button)
        box.addStretch(1)
        self.add_row("pricing.field.kind", kind)
        self.inputs: dict[str, QLineEdit] = {}
        for name in RATIO_FIELDS + ("price",):
            line = self.add_row(f"pricing.field.{name}", QLineEdit(_text(getattr(row, name) if row else None)))
            line.setPlaceholderText(ctx.tr(f"pricing.field.{name}.hint"))
            self.inputs[name] = line
        self.by_ratio.toggled.connect(self._kind_changed)
        (self.by_price if row is not None and row.price is not None else self.by_ratio).setChecked(True)
        self._kind_changed()

    def _kind_changed(self) -> None:
        fixed = self.by_price.isChecked()
        for name, line in self.inputs.items():
            line.setEnabled(fixed == (name == "price"))

    def fields(self) -> dict:
        model = self.model.text().strip()
        if not model:
            raise ValueError(self.ctx.tr("pricing.error.model"))
        names = ("price",) if self.by_price.isChecked() else RATIO_FIELDS
        values = {name: self.inputs[name].text().strip() for name in names}
        if not values[names[0]]:
            raise ValueError(self.ctx.tr(f"pricing.error.{names[0]}"))
        return {"model": model, **{k: v for k, v in values.items() if v}}


class GroupRatioDialog(FormDialog):
    """Set one group's price multiplier (a new group, or a selected one)."""

    def __init__(self, ctx: Context, group: str = "", ratio: str = "", parent: QWidget | None = None):
        super().__init__(ctx, "pricing.group.title", parent)
        self.setMinimumWidth(380)
        self.group = self.add_row("pricing.group.field.group", QLineEdit(group))
        self.group.setReadOnly(bool(group))
        self.ratio = self.add_row("pricing.group.field.ratio", QLineEdit(ratio))
        self.ratio.setPlaceholderText(ctx.tr("pricing.group.field.ratio.hint"))

    def fields(self) -> dict:
        group, ratio = self.group.text().strip(), self.ratio.text().strip()
        if not group:
            raise ValueError(self.ctx.tr("pricing.group.error.group"))
        if not ratio:
            raise ValueError(self.ctx.tr("pricing.group.error.ratio"))
        return {"group": group, "ratio": ratio}


class InfoDialog(JsonEditorDialog):
    """MODEL_INFO or VENDOR_INFO in the JSON editor; Save hands the value to the page (`submitted`),
    which closes the dialog once stored (`done_ok`) or shows the shape error (`fail`)."""

    submitted = Signal(object)

    def __init__(self, ctx: Context, key: str, value: object, parent: QWidget | None = None):
        name = "model" if key == "MODEL_INFO" else "vendor"
        super().__init__(ctx.i18n, ctx.tr(f"pricing.info.{name}.title"), value, dict, parent)
        self.ctx, self.key = ctx, key
        self.resize(640, 480)
        hint = QLabel(ctx.tr(f"pricing.info.{name}.hint"), objectName="muted")
        hint.setWordWrap(True)
        self.problem = QLabel(objectName="errorText")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout = self.layout()
        layout.insertWidget(layout.indexOf(self.buttons), hint)
        layout.insertWidget(layout.indexOf(self.buttons), self.problem)
        self.save_button = self.buttons.button(QDialogButtonBox.Save)
        self.editor.validity_changed.connect(lambda _: self.problem.hide())

    def _save(self) -> None:
        try:
            value = self.editor.value()
        except ValueError:
            return  # the editor already shows where the JSON is wrong
        self.problem.hide()
        self.save_button.setEnabled(False)
        self.submitted.emit(value)

    @property
    def saving(self) -> bool:
        return not self.save_button.isEnabled() and self.editor.valid

    def done_ok(self, _result=None) -> None:
        self.save_button.setEnabled(True)
        self.accept()

    def fail(self, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        if not is_known(exc):
            self.ctx.ops.failed.emit(exc)
            return
        self.problem.setText(known_message(self.ctx.i18n, exc)[1])
        self.problem.show()
