"""Create or edit a user; add quota to a balance."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QWidget

from ...store.users import ROLE_ADMIN, ROLE_ROOT, ROLE_USER, UserInfo
from ..context import Context
from .form_dialog import FormDialog


class UserEditor(FormDialog):
    def __init__(self, ctx: Context, user: UserInfo | None = None, parent: QWidget | None = None):
        super().__init__(ctx, "user.edit.title" if user else "user.add.title", parent)
        self.user = user
        self.username = self.add_row("user.field.username", QLineEdit())
        self.password = None
        if user is None:
            self.password = self.add_row("user.field.password", QLineEdit(echoMode=QLineEdit.Password))
            self.password.setPlaceholderText(ctx.tr("user.field.password.hint"))
        self.display_name = self.add_row("user.field.display_name", QLineEdit())
        self.email = self.add_row("user.field.email", QLineEdit())
        self.role = self.add_row("user.field.role", QComboBox())
        roles = (ROLE_USER, ROLE_ADMIN) + ((ROLE_ROOT,) if user and user.role == ROLE_ROOT else ())
        for role in roles:
            self.role.addItem(ctx.tr({ROLE_USER: "role.user", ROLE_ADMIN: "role.admin", ROLE_ROOT: "role.root"}[role]),
                              role)
        self.group = self.add_row("user.field.group", QLineEdit("default"))
        self.quota = None
        if user is None:
            self.quota = self.add_row("user.field.quota", QDoubleSpinBox(decimals=2, maximum=1e9,
                                                                         suffix=f" {ctx.money_unit()}"))
        else:
            self._fill(user)

    def _fill(self, u: UserInfo) -> None:
        self.username.setText(u.username)
        self.username.setReadOnly(True)
        self.display_name.setText(u.display_name)
        self.email.setText(u.email)
        self.role.setCurrentIndex(max(self.role.findData(u.role), 0))
        self.group.setText(u.group)

    def fields(self) -> dict:
        values = {"display_name": self.display_name.text().strip(), "email": self.email.text().strip(),
                  "role": self.role.currentData(), "group": self.group.text().strip()}
        if self.user is None:
            values.update(username=self.username.text().strip(), password=self.password.text(),
                          quota=self.ctx.to_quota(self.quota.value()))
        return values


class QuotaDialog(FormDialog):
    """Amount in the display currency (negative deducts) and a note for the log."""

    def __init__(self, ctx: Context, user: UserInfo, parent: QWidget | None = None):
        super().__init__(ctx, "user.quota.title", parent, name=user.username)
        self.user = user
        self.amount = self.add_row("user.quota.amount", QDoubleSpinBox(decimals=2, minimum=-1e9, maximum=1e9,
                                                                       suffix=f" {ctx.money_unit()}"))
        self.reason = self.add_row("user.quota.reason", QLineEdit())

    def fields(self) -> dict:
        quota = self.ctx.to_quota(self.amount.value())
        if quota == 0:
            raise ValueError(self.ctx.tr("user.quota.zero"))
        return {"quota": quota, "reason": self.reason.text().strip()}
