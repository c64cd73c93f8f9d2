"""Users: create, edit, add quota, reset password, ban / unban; filter by role and status."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QWidget

from ...store.users import ROLE_NAMES, ROLE_ROOT, UserInfo
from ..actions import users as actions
from ..context import Context
from ..dialogs.user_editor import QuotaDialog, UserEditor
from ..models.user_table import UserTableModel
from ..widgets.list_page import ONE, SOME, ListPage
from ..widgets.prompts import ask_text


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
        self.add_action("users.ban", self.ban_selected, SOME)
        self.add_action("users.unban", self.unban_selected, SOME, more=True)
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

    def ban_selected(self) -> None:
        """Asks for the reason (also the confirmation); the ban is recorded for the Risk page."""
        rows = self.selected_rows()
        if rows:
            ask_text(self, self.ctx.i18n, self.ctx.tr("users.ban"),
                     self.ctx.tr("users.ban.reason", names=_names(rows)),
                     lambda reason: actions.ban(self.ctx, [u.id for u in rows], reason, failure=self.fail,
                                                success=lambda ids: self._banned(rows, ids)))

    def _banned(self, rows: list[UserInfo], ids: list[int]) -> None:
        skipped = [u for u in rows if u.id not in ids]
        lines = [self.ctx.tr("users.banned", count=len(ids))]
        if any(u.role == ROLE_ROOT for u in skipped):
            lines.append(self.ctx.tr("users.ban.root"))
        if others := [u for u in skipped if u.role != ROLE_ROOT]:
            lines.append(self.ctx.tr("users.ban.skipped", names=_names(others)))
        self.notify(" ".join(lines), error=bool(skipped))

    def unban_selected(self) -> None:
        rows = self.selected_rows()
        actions.unban(self.ctx, [u.id for u in rows], failure=self.fail, success=lambda ids: self._unbanned(rows, ids))

    def _unbanned(self, rows: list[UserInfo], ids: list[int]) -> None:
        skipped = [u for u in rows if u.id not in ids]
        text = self.ctx.tr("users.unbanned", count=len(ids))
        if skipped:
            text += " " + self.ctx.tr("users.unban.skipped", names=_names(skipped))
        self.notify(text, error=bool(skipped))


def _names(rows: list[UserInfo]) -> str:
    return ", ".join(u.username for u in rows[:5]) + ("…" if len(rows) > 5 else "")
