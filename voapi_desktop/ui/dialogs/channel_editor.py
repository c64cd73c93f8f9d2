"""Add or edit a channel: type presets with their default base URL, keys hidden by default."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QWidget

from ...core.channel_types import BY_ID, CHANNEL_TYPES
from ...store.channels import ChannelInfo
from ..context import Context
from ..errors import is_known, known_message
from ..widgets.json_field import JsonField
from ..widgets.secret_field import SecretField
from .form_dialog import FormDialog


class ChannelEditor(FormDialog):
    fetch_requested = Signal(dict)  # type, base_url, key: the page asks the upstream for its models

    def __init__(self, ctx: Context, channel: ChannelInfo | None = None, parent: QWidget | None = None):
        super().__init__(ctx, "channel.edit.title" if channel else "channel.add.title", parent)
        self.channel = channel
        self.type_box = self.add_row("channel.field.type", QComboBox())
        for kind in CHANNEL_TYPES:
            self.type_box.addItem(kind.name, kind.id)
        self.name = self.add_row("channel.field.name", QLineEdit())
        self.base_url = self.add_row("channel.field.base_url", QLineEdit())
        self.key = self.add_row("channel.field.key", SecretField(ctx.i18n, shown=bool(
            ctx.settings["OFF_PRIVATE_KEY_HIDE"])))
        self.models = QLineEdit(placeholderText="gpt-4o-mini, gpt-4o")
        self.fetch_button = QPushButton(ctx.tr("channel_admin.fetch"))
        self.fetch_button.clicked.connect(self.request_fetch)
        self.add_row("channel.field.models", _beside(self.models, self.fetch_button))
        self.fetch_status = QLabel(wordWrap=True)
        self.fetch_status.hide()
        self.form.addRow("", self.fetch_status)
        self.groups = self.add_row("channel.field.groups", QLineEdit("default"))
        self.priority = self.add_row("channel.field.priority", _spin(-1000, 1000))
        self.weight = self.add_row("channel.field.weight", _spin(0, 10000))
        self.tag = self.add_row("channel.field.tag", QLineEdit())
        self.test_model = self.add_row("channel.field.test_model", QLineEdit())
        self.mapping = self.add_row("channel.field.mapping", JsonField(ctx.i18n, "channel.field.mapping"))
        self.params = self.add_row("channel.field.params", JsonField(ctx.i18n, "channel.field.params"))
        self.auto_ban = self.add_row("channel.field.auto_ban", QCheckBox())
        self.auto_ban.setChecked(True)
        self.remark = self.add_row("channel.field.remark", QLineEdit())
        self.type_box.currentIndexChanged.connect(self._type_changed)
        if channel is not None:
            self._fill(channel)
        self._type_changed()

    def _fill(self, c: ChannelInfo) -> None:
        self.type_box.setCurrentIndex(max(self.type_box.findData(c.type), 0))
        self.name.setText(c.name)
        self.base_url.setText(c.base_url)
        self.key.set_value("\n".join(c.keys))
        self.models.setText(", ".join(c.models))
        self.groups.setText(", ".join(c.groups))
        self.priority.setValue(int(c.priority))
        self.weight.setValue(c.weight)
        self.tag.setText(c.tag)
        self.test_model.setText(c.test_model)
        self.mapping.set_value(dict(c.model_mapping))
        self.params.set_value(dict(c.param_override))
        self.auto_ban.setChecked(c.auto_ban)
        self.remark.setText(c.remark)

    def _type_changed(self) -> None:
        kind = BY_ID[self.type_box.currentData()]
        hint = kind.default_base_url or self.ctx.tr("channel.base_url.required")
        self.base_url.setPlaceholderText(hint)

    def request_fetch(self) -> None:
        """Fill the models from the upstream, with the type, base URL and key as typed now."""
        self.fetch_button.setEnabled(False)
        self._fetch_note("channel_admin.fetching", error=False)
        self.fetch_requested.emit({"type": self.type_box.currentData(), "base_url": self.base_url.text().strip(),
                                   "key": self.key.value()})

    def models_fetched(self, models: list[str]) -> None:
        self.fetch_button.setEnabled(True)
        if models:
            self.models.setText(", ".join(models))
        self._fetch_note("channel_admin.fetched" if models else "channel_admin.fetched_none", error=not models,
                         count=len(models))

    def fetch_failed(self, exc: BaseException) -> None:
        self.fetch_button.setEnabled(True)
        if not is_known(exc):
            self.fetch_status.hide()
            self.ctx.ops.failed.emit(exc)
            return
        self._fetch_note("channel_admin.fetch_failed", error=True, reason=known_message(self.ctx.i18n, exc)[1])

    def _fetch_note(self, key: str, error: bool, **fields) -> None:
        self.fetch_status.setText(self.ctx.tr(key, **fields))
        self.fetch_status.setObjectName("errorText" if error else "muted")
        self._restyle()

    def _restyle(self) -> None:
        self.fetch_status.style().unpolish(self.fetch_status)
        self.fetch_status.style().polish(self.fetch_status)
        self.fetch_status.show()
        self.layout().activate()  # a wrapped message needs the dialog to grow, not to be clipped
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))

    def fields(self) -> dict:
        values = {"type": self.type_box.currentData(), "name": self.name.text().strip(),
                  "base_url": self.base_url.text().strip(), "models": self.models.text(),
                  "group": self.groups.text(), "priority": self.priority.value(), "weight": self.weight.value(),
                  "tag": self.tag.text().strip(), "test_model": self.test_model.text().strip(),
                  "model_mapping": self.mapping.value(), "param_override": self.params.value(),
                  "auto_ban": self.auto_ban.isChecked(), "remark": self.remark.text().strip()}
        key = self.key.value()
        if self.channel is None or key != "\n".join(self.channel.keys):
            values["key"] = key
        return values


def _beside(field: QWidget, button: QPushButton) -> QWidget:
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(field, 1)
    layout.addWidget(button)
    return row


def _spin(low: int, high: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    return box
