"""Redemption codes: create in batches, copy / reveal, disable, delete; filter by state. Rewards panel beside."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..actions import redemptions as actions
from ..context import Context
from ..dialogs.redemption_editor import CodesDialog, RedemptionEditor
from ..models.redemption_table import STATE_COLORS, CodeRow, RedemptionTableModel
from ..widgets.copy_field import copy_text
from ..widgets.list_page import SOME, ListPage
from ..widgets.prompts import ask
from .rewards import RewardsPanel


class RedemptionsPage(ListPage):
    page_id = "redemptions"
    title_key = "nav.redemptions"
    kinds = ("redemption", "user")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, RedemptionTableModel(ctx), parent)
        self.dialog: RedemptionEditor | None = None
        self.codes_dialog: CodesDialog | None = None
        self.add_action("redemptions.add", self.add_codes, primary=True)
        self.add_action("redemptions.copy", self.copy_selected, SOME)
        self.add_action("redemptions.reveal", self.reveal_selected, SOME, more=True)
        self.add_action("redemptions.disable", self.disable_selected, SOME)
        self.add_action("redemptions.delete", self.delete_selected, SOME)
        self.state_filter = self.add_choice_filter(
            "state", "redemptions.filter.all", [(f"redemptions.state.{state}", state) for state in STATE_COLORS],
            lambda r, state: r.state() == state)
        self.rewards = RewardsPanel(ctx)
        self.rewards.setMaximumWidth(360)
        self.body.addWidget(self.rewards)
        self.body.setStretchFactor(0, 3)
        self.body.setStretchFactor(1, 1)

    def fetch(self, params: dict) -> list[CodeRow]:
        return actions.load_codes()

    def reload(self) -> None:
        super().reload()
        self.rewards.reload()

    # one method per user action ---------------------------------------------------------------

    def add_codes(self) -> RedemptionEditor:
        dialog = self.keep_dialog(RedemptionEditor(self.ctx, self))
        dialog.submitted.connect(lambda fields: actions.create_codes(
            self.ctx, fields, success=lambda codes: self._created(dialog, fields, codes), failure=dialog.fail))
        dialog.open()
        return dialog

    def _created(self, dialog: RedemptionEditor, fields: dict, codes: list[str]) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("redemptions.created", count=len(codes)))
        self.codes_dialog = CodesDialog(self.ctx, fields["name"], fields["quota"], codes, self)
        self.codes_dialog.open()

    def copy_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            copy_text("\n".join(r.code.key for r in rows))
            self.notify(self.ctx.tr("redemptions.copied", count=len(rows)))

    def reveal_selected(self) -> None:
        self.model.toggle_revealed([r.code.id for r in self.selected_rows()])

    def disable_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            actions.disable_codes(self.ctx, [r.code for r in rows], failure=self.fail, success=self._disabled)

    def _disabled(self, outcome: tuple[int, int]) -> None:
        done, refused = outcome
        text = self.ctx.tr("redemptions.disabled", count=done)
        if refused:
            text += " " + self.ctx.tr("redemptions.not_disabled", count=refused)
        self.notify(text, error=bool(refused) and not done)

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            names = ", ".join(f"#{r.code.id}" + (f" {r.code.name}" if r.code.name else "") for r in rows[:5])
            ask(self, self.ctx.i18n, self.ctx.tr("redemptions.delete.confirm", count=len(rows), names=names),
                lambda: actions.delete_codes(self.ctx, [r.code.id for r in rows], failure=self.fail,
                                             success=lambda n: self.notify(self.ctx.tr("redemptions.deleted",
                                                                                       count=n))))
