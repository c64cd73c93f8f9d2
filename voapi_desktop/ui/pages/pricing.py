"""Pricing: every priced model (ratios, fixed price, price per 1M tokens in the display unit), add / edit /
delete a price, group ratios, the display unit and exchange rate, MODEL_INFO and VENDOR_INFO."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ...core.settings import Settings
from ...store.prices import PriceRow
from ..actions import pricing as actions
from ..context import Context
from ..dialogs.price_editor import GroupRatioDialog, InfoDialog, PriceEditor
from ..models.price_table import GroupRatioModel, PriceTableModel
from ..widgets.list_page import ONE, SOME, ListPage
from ..widgets.pricing_panel import PricingPanel
from ..widgets.prompts import ask

SOURCES = ("default", "custom")


class PricingPage(ListPage):
    page_id = "pricing"
    title_key = "nav.pricing"
    kinds = ("price", "option")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, PriceTableModel(ctx), parent)
        self.dialog = None
        self.add_action("pricing.add", self.add_price, primary=True)
        self.add_action("pricing.edit", self.edit_selected, ONE)
        self.add_action("pricing.delete", self.delete_selected, SOME)
        self.add_action("pricing.model_info", lambda: self.edit_info("MODEL_INFO"))
        self.add_action("pricing.vendor_info", lambda: self.edit_info("VENDOR_INFO"))
        self.source_filter = self.add_choice_filter(
            "source", "pricing.filter.all", [(f"pricing.source.{source}", source) for source in SOURCES],
            lambda r, source: r.source == source)
        self.panel = PricingPanel(ctx.i18n, GroupRatioModel(ctx, self))
        self.body.addWidget(self.panel)
        self.body.setStretchFactor(0, 1)
        self.panel.unit_chosen.connect(self.set_unit)
        self.panel.rate_chosen.connect(self.set_rate)
        self.panel.set_group.connect(self.set_group_ratio)
        self.panel.remove_group.connect(self.remove_group_ratio)

    def fetch(self, params: dict) -> list[PriceRow]:
        return actions.load_prices(self.ctx)

    def loaded(self) -> None:
        actions.load_settings(self.ctx, success=self._settings_loaded, failure=self.fail, owner=self)

    def _settings_loaded(self, settings: Settings) -> None:
        self.panel.show_settings(settings, self.ctx.money_unit())
        self.model.refresh_rows()  # amounts follow the display unit

    def on_activated(self, row: PriceRow) -> None:
        self.edit_price(row)

    # one method per user action ---------------------------------------------------------------

    def add_price(self) -> PriceEditor:
        return self._open_editor(None)

    def edit_selected(self) -> None:
        if self.selected_row() is not None:
            self.edit_price(self.selected_row())

    def edit_price(self, row: PriceRow) -> PriceEditor:
        return self._open_editor(row)

    def _open_editor(self, row: PriceRow | None) -> PriceEditor:
        dialog = self.keep_dialog(PriceEditor(self.ctx, row, self))
        dialog.submitted.connect(lambda fields: actions.save_price(
            self.ctx, fields, failure=dialog.fail, success=lambda _: self._done(
                dialog, self.ctx.tr("pricing.saved", model=fields["model"]))))
        dialog.open()
        return dialog

    def _done(self, dialog, text: str) -> None:
        dialog.done_ok()
        self.notify(text)

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        own = [r.model for r in rows if r.source == "custom"]
        if rows and not own:
            self.notify(self.ctx.tr("pricing.delete.defaults_only"), error=True)
        elif own:
            ask(self, self.ctx.i18n, self.ctx.tr("pricing.delete.confirm", count=len(own), names=", ".join(own[:5])),
                lambda: actions.delete_prices(self.ctx, own, failure=self.fail, success=lambda n: self.notify(
                    self.ctx.tr("pricing.deleted", count=n))))

    def edit_info(self, key: str) -> None:
        actions.load_settings(self.ctx, success=lambda s: self._open_info(key, s[key]), failure=self.fail,
                              owner=self)

    def _open_info(self, key: str, value: object) -> InfoDialog:
        dialog = self.keep_dialog(InfoDialog(self.ctx, key, value, self))
        dialog.submitted.connect(lambda data: actions.save_info(
            self.ctx, key, data, failure=dialog.fail,
            success=lambda _: self._done(dialog, self.ctx.tr("pricing.info.saved", setting=key))))
        dialog.open()
        return dialog

    def set_group_ratio(self, group: str) -> GroupRatioDialog:
        current = next((g.ratio for g in self.panel.groups.rows() if g.group == group), "")
        dialog = self.keep_dialog(GroupRatioDialog(self.ctx, group, current, self))
        dialog.submitted.connect(lambda f: actions.set_group_ratio(
            self.ctx, f["group"], f["ratio"], failure=dialog.fail, success=lambda _: self._done(
                dialog, self.ctx.tr("pricing.group.saved", group=f["group"], ratio=f["ratio"]))))
        dialog.open()
        return dialog

    def remove_group_ratio(self, group: str) -> None:
        ask(self, self.ctx.i18n, self.ctx.tr("pricing.group.remove.confirm", group=group),
            lambda: actions.delete_group_ratio(self.ctx, group, failure=self.fail, success=lambda _: self.notify(
                self.ctx.tr("pricing.group.removed", group=group))))

    def set_unit(self, unit: str) -> None:
        actions.set_display_unit(self.ctx, unit, failure=self.fail, success=lambda _: self.notify(
            self.ctx.tr("pricing.display.saved", unit=self.ctx.tr(f"pricing.unit.{unit}"))))

    def set_rate(self, rate: str) -> None:
        actions.set_exchange_rate(self.ctx, rate, failure=self.fail, success=lambda _: self.notify(
            self.ctx.tr("pricing.display.rate_saved", rate=rate)))
