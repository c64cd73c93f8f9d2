"""API keys: create, edit, reveal / copy, enable / disable, delete; filter by state and owner."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ...core import clock
from ...store.tokens import TokenInfo
from ..actions import tokens as actions
from ..context import Context
from ..dialogs.key_dialog import KeyDialog
from ..dialogs.token_editor import TokenEditor
from ..models.token_table import STATE_COLORS, TokenTableModel
from ..widgets.copy_field import copy_text
from ..widgets.list_page import ONE, SOME, ListPage
from ..widgets.prompts import ask


class TokensPage(ListPage):
    page_id = "tokens"
    title_key = "nav.tokens"
    kinds = ("token", "user")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, TokenTableModel(ctx), parent)
        self.dialog: TokenEditor | None = None
        self.key_dialog: KeyDialog | None = None
        self.add_action("tokens.add", self.add_token, primary=True)
        self.add_action("tokens.edit", self.edit_selected, ONE)
        self.add_action("tokens.reveal", self.reveal_selected, SOME)
        self.add_action("tokens.copy", self.copy_selected, ONE)
        self.add_action("tokens.enable", lambda: self.set_enabled(True), SOME, more=True)
        self.add_action("tokens.disable", lambda: self.set_enabled(False), SOME, more=True)
        self.add_action("tokens.delete", self.delete_selected, SOME)
        self.state_filter = self.add_choice_filter(
            "state", "tokens.filter.all", [(f"status.{state}", state) for state in STATE_COLORS],
            lambda t, state: t.state(clock.now()) == state)

    def fetch(self, params: dict) -> list[TokenInfo]:
        return actions.load_tokens()

    # one method per user action ---------------------------------------------------------------

    def add_token(self) -> None:
        self.ctx.ops.run(actions.load_usernames, success=self._open_editor, failure=self.fail, owner=self)

    def _open_editor(self, usernames: list[str]) -> TokenEditor:
        dialog = self.keep_dialog(TokenEditor(self.ctx, usernames, self))
        dialog.submitted.connect(lambda fields: actions.create_token(
            self.ctx, fields, success=lambda t: self._created(dialog, t), failure=dialog.fail))
        dialog.open()
        return dialog

    def _created(self, dialog: TokenEditor, token: TokenInfo) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("tokens.created", name=token.name))
        self.key_dialog = KeyDialog(self.ctx.i18n, token.name, "sk-" + token.key, self)
        self.key_dialog.open()

    def on_activated(self, row: TokenInfo) -> None:
        self.edit_token(row)

    def edit_selected(self) -> None:
        if self.selected_row() is not None:
            self.edit_token(self.selected_row())

    def edit_token(self, token: TokenInfo) -> TokenEditor:
        dialog = self.keep_dialog(TokenEditor(self.ctx, [], self, token))
        dialog.submitted.connect(lambda fields: actions.update_token(
            self.ctx, token.id, fields, success=lambda t: self._saved(dialog, t), failure=dialog.fail))
        dialog.open()
        return dialog

    def _saved(self, dialog: TokenEditor, token: TokenInfo) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("tokens.saved", name=token.name))

    def reveal_selected(self) -> None:
        """Show (or mask again) the selected keys; showing one is recorded like the REST API's reveal."""
        ids = [t.id for t in self.selected_rows()]
        shown = [i for i in ids if i not in self.model.revealed]
        self.model.toggle_revealed(ids)
        if shown:
            actions.key_shown(self.ctx, shown, failure=self.fail)

    def copy_selected(self) -> None:
        token = self.selected_row()
        if token is not None:
            copy_text("sk-" + token.key)
            actions.key_shown(self.ctx, [token.id], copied=True, failure=self.fail)
            self.notify(self.ctx.tr("tokens.copied", name=token.name))

    def set_enabled(self, enabled: bool) -> None:
        actions.set_enabled(self.ctx, [t.id for t in self.selected_rows()], enabled, failure=self.fail,
                            success=lambda n: self.notify(self.ctx.tr(
                                "tokens.enabled" if enabled else "tokens.disabled", count=n)))

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            ask(self, self.ctx.i18n, self.ctx.tr("tokens.delete.confirm", count=len(rows),
                                                  names=", ".join(t.name for t in rows[:5])),
                lambda: actions.delete_tokens(self.ctx, [t.id for t in rows], failure=self.fail,
                                              success=lambda n: self.notify(self.ctx.tr("tokens.deleted", count=n))))
