"""Users: create, edit, add quota, reset password, ban / unban; filter by role and status."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from ...store.users import ROLE_NAMES, UserInfo
from ..actions import users as actions
from ..context import Context
from ..dialogs.user_editor import QuotaDialog, UserEditor
from ..models.user_table import UserTableModel
from ..widgets.list_page import ONE, SOME, ListPage
from ..widgets.prompts import ask, ask_text


class UsersPage(ListPage):
    page_id = "users"
    title_key = "nav.users"
    kinds = ("user",)

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, UserTableModel(ctx), parent)
        self.dialog = None
        self.add_action("users.add", self.add_user, primary=True)
        self.add_action("users.edit", self.edit_selected, ONE)
        self.add_action("users.quota", self.add_quota, ONE)
        self.add_action("users.password", self.reset_password, ONE, more=True)
        self.add_action("users.ban", lambda: self.set_enabled(False), SOME)
        self.add_action("users.unban", lambda: self.set_enabled(True), SOME, more=True)
        self.role_filter = self.add_filter(QComboBox())
        ctx.i18n.changed.connect(lambda _: self._fill_filter())
        self._fill_filter()
        self.role_filter.currentIndexChanged.connect(self._filter)

    def _fill_filter(self) -> None:
        current = self.role_filter.currentData()
        self.role_filter.blockSignals(True)
        self.role_filter.clear()
        self.role_filter.addItem(self.ctx.tr("users.filter.all"), None)
        for role, name in ROLE_NAMES.items():
            self.role_filter.addItem(self.ctx.tr(f"role.{name}"), role)
        self.role_filter.setCurrentIndex(max(self.role_filter.findData(current), 0))
        self.role_filter.blockSignals(False)

    def _filter(self) -> None:
        role = self.role_filter.currentData()
        self.search_proxy.set_predicate("role", None if role is None else lambda u: u.role == role)
        self._update_pager()

    def fetch(self, params: dict) -> list[UserInfo]:
        return actions.load_users()

    def on_activated(self, row: UserInfo) -> None:
        self.edit_user(row)

    # one method per user action ---------------------------------------------------------------

    def add_user(self) -> UserEditor:
        dialog = self.keep_dialog(UserEditor(self.ctx, None, self))
        dialog.submitted.connect(lambda fields: actions.create_user(
            self.ctx, fields, success=lambda u: self._saved(dialog, u), failure=dialog.fail))
        dialog.open()
        return dialog

    def edit_selected(self) -> None:
        if self.selected_row() is not None:
            self.edit_user(self.selected_row())

    def edit_user(self, user: UserInfo) -> UserEditor:
        dialog = self.keep_dialog(UserEditor(self.ctx, user, self))
        dialog.submitted.connect(lambda fields: actions.update_user(
            self.ctx, user.id, fields, success=lambda u: self._saved(dialog, u), failure=dialog.fail))
        dialog.open()
        return dialog

    def _saved(self, dialog: UserEditor, user: UserInfo) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("users.saved", name=user.username))

    def add_quota(self) -> None:
        user = self.selected_row()
        if user is None:
            return
        dialog = self.keep_dialog(QuotaDialog(self.ctx, user, self))
        dialog.submitted.connect(lambda fields: actions.add_quota(
            self.ctx, user.id, fields["quota"], fields["reason"], failure=dialog.fail,
            success=lambda balance: self._topped_up(dialog, user, balance)))
        dialog.open()

    def _topped_up(self, dialog: QuotaDialog, user: UserInfo, balance: int) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("users.quota_done", name=user.username, balance=self.ctx.money(balance)))

    def reset_password(self) -> None:
        user = self.selected_row()
        if user is not None:
            ask_text(self, self.ctx.i18n, self.ctx.tr("users.password"),
                     self.ctx.tr("users.password.label", name=user.username),
                     lambda password: actions.reset_password(
                         self.ctx, user.id, password, failure=self.fail,
                         success=lambda _: self.notify(self.ctx.tr("users.password_done", name=user.username))),
                     password=True)

    def set_enabled(self, enabled: bool) -> None:
        rows = self.selected_rows()

        def run() -> None:
            actions.set_enabled(self.ctx, [u.id for u in rows], enabled, failure=self.fail,
                                success=lambda n: self.notify(self.ctx.tr(
                                    "users.unbanned" if enabled else "users.banned", count=n)))
        if enabled:
            run()
        elif rows:
            ask(self, self.ctx.i18n, self.ctx.tr("users.ban.confirm", names=", ".join(u.username for u in rows[:5])),
                run)
