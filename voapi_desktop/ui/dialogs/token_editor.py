"""Create or edit an API key: owner, name, quota or unlimited, expiry, model and IP allow-lists, group, status.

Editing leaves the quota and the expiry alone unless the operator changed them, so a remaining
quota finer than the field's two decimals, or a past expiry, survives a rename.
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateTimeEdit, QDoubleSpinBox, QHBoxLayout, QLineEdit,
                               QPlainTextEdit, QWidget)

from ...store.tokens import DISABLED, ENABLED, TokenInfo
from ..context import Context
from .form_dialog import FormDialog


class TokenEditor(FormDialog):
    def __init__(self, ctx: Context, usernames: list[str], parent: QWidget | None = None,
                 token: TokenInfo | None = None):
        super().__init__(ctx, "token.edit.title" if token else "token.add.title", parent,
                         **({"name": token.name} if token else {}))
        self.token = token
        self.owner = self.add_row("token.field.owner", QComboBox())
        self.owner.addItems([token.username] if token else usernames or ["root"])
        self.owner.setEnabled(token is None)  # a key stays with its owner
        self.name = self.add_row("token.field.name", QLineEdit())
        quota_row = QWidget()
        row = QHBoxLayout(quota_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.quota = QDoubleSpinBox(decimals=2, maximum=1e9, suffix=f" {ctx.money_unit()}")
        self.unlimited = QCheckBox(ctx.tr("token.field.unlimited"))
        self.unlimited.toggled.connect(lambda on: self.quota.setEnabled(not on))
        self.unlimited.setChecked(True)
        row.addWidget(self.quota, 1)
        row.addWidget(self.unlimited)
        self.add_row("token.field.quota", quota_row)
        expiry_row = QWidget()
        row = QHBoxLayout(expiry_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.expires = QDateTimeEdit(QDateTime.currentDateTime().addDays(30), calendarPopup=True)
        self.expires.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.never = QCheckBox(ctx.tr("tokens.never"))
        self.never.toggled.connect(lambda on: self.expires.setEnabled(not on))
        self.never.setChecked(True)
        row.addWidget(self.expires, 1)
        row.addWidget(self.never)
        self.add_row("token.field.expires", expiry_row)
        self.models = self.add_row("token.field.models", QLineEdit())
        self.models.setPlaceholderText(ctx.tr("token.field.models.hint"))
        self.allow_ips = self.add_row("token.field.ips", QPlainTextEdit())
        self.allow_ips.setMaximumHeight(70)
        self.allow_ips.setPlaceholderText(ctx.tr("token.field.ips.hint"))
        self.group = self.add_row("token.field.group", QLineEdit())
        self.group.setPlaceholderText(ctx.tr("tokens.owner_group"))
        self.enabled = QCheckBox()
        self.enabled.setChecked(True)
        if token is not None:
            self.add_row("token.field.status", self.enabled)
            self._fill(token)
        self._initial = (self.quota.value(), self.expires.dateTime())

    def _fill(self, t: TokenInfo) -> None:
        self.name.setText(t.name)
        self.unlimited.setChecked(t.unlimited_quota)
        self.quota.setValue(self.ctx.from_quota(t.remain_quota))
        self.never.setChecked(t.expired_time == -1)
        if t.expired_time != -1:
            self.expires.setDateTime(QDateTime.fromSecsSinceEpoch(t.expired_time))
        self.models.setText(", ".join(sorted(t.model_limits)))
        self.allow_ips.setPlainText(t.allow_ips)
        self.group.setText(t.group)
        self.enabled.setChecked(t.status == ENABLED)

    def fields(self) -> dict:
        unlimited = self.unlimited.isChecked()
        values = {"username": self.owner.currentText(), "name": self.name.text().strip(),
                  "quota": 0 if unlimited else self.ctx.to_quota(self.quota.value()), "unlimited": unlimited,
                  "models": [m.strip() for m in self.models.text().split(",") if m.strip()],
                  "expires_at": -1 if self.never.isChecked() else int(self.expires.dateTime().toSecsSinceEpoch()),
                  "allow_ips": ",".join(line.strip() for line in self.allow_ips.toPlainText().splitlines()
                                        if line.strip()),
                  "group": self.group.text().strip()}
        if self.token is None:
            return values
        del values["username"]
        values["status"] = ENABLED if self.enabled.isChecked() else DISABLED
        if unlimited or self.quota.value() == self._initial[0]:
            del values["quota"]
        if not self.never.isChecked() and self.expires.dateTime() == self._initial[1]:
            values["expires_at"] = self.token.expired_time
        return values
