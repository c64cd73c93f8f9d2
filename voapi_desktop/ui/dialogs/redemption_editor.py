"""Create a batch of redemption codes (name, quota each, how many, expiry), then show the new codes once."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, Qt
from PySide6.QtWidgets import (QCheckBox, QDateTimeEdit, QDialog, QDialogButtonBox, QDoubleSpinBox, QHBoxLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ...store.redemptions import MAX_COUNT
from ..context import Context
from ..widgets.copy_field import copy_text
from .form_dialog import FormDialog


class RedemptionEditor(FormDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, "redemption.add.title", parent)
        self.name = self.add_row("redemption.field.name", QLineEdit(maxLength=64))
        self.quota = self.add_row("redemption.field.quota",
                                  QDoubleSpinBox(decimals=2, maximum=1e9, value=1, suffix=f" {ctx.money_unit()}"))
        self.count = self.add_row("redemption.field.count", QSpinBox(minimum=1, maximum=MAX_COUNT, value=1))
        expiry_row = QWidget()
        row = QHBoxLayout(expiry_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.expires = QDateTimeEdit(QDateTime.currentDateTime().addDays(30), calendarPopup=True)
        self.expires.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.never = QCheckBox(ctx.tr("redemptions.never"))
        self.never.toggled.connect(lambda on: self.expires.setEnabled(not on))
        self.never.setChecked(True)
        row.addWidget(self.expires, 1)
        row.addWidget(self.never)
        self.add_row("redemption.field.expires", expiry_row)

    def fields(self) -> dict:
        return {"name": self.name.text().strip(), "quota": self.ctx.to_quota(self.quota.value()),
                "count": self.count.value(),
                "expires_at": 0 if self.never.isChecked() else int(self.expires.dateTime().toSecsSinceEpoch())}


class CodesDialog(QDialog):
    """The codes just created, one per line, with Copy all: they are shown in full only here."""

    def __init__(self, ctx: Context, name: str, quota: int, codes: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(ctx.tr("redemption.created.title"))
        self.setMinimumSize(520, 360)
        self.setAttribute(Qt.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        text = QLabel(ctx.tr("redemption.created.text", count=len(codes), name=name or "-",
                             quota=ctx.money(quota)))
        text.setWordWrap(True)
        layout.addWidget(text)
        self.codes = QPlainTextEdit("\n".join(codes), readOnly=True)
        layout.addWidget(self.codes, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Close).setText(ctx.tr("redemption.created.close"))
        self.copy_button = QPushButton(ctx.tr("redemption.created.copy"), objectName="primary")
        self.copy_button.clicked.connect(lambda: copy_text(self.codes.toPlainText()))
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
