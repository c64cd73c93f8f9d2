"""Channels: add / edit (fetch models) / copy / test / enable / disable / tag / balances / delete; filters
(status, type, tag), so a tag's channels can be selected together; enable / disable a whole tag. While the page
is shown, the status column says which channels the running gateway passes over (cooldown) and for how long."""

from __future__ import annotations

import logging

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QWidget

from ...core.channel_types import CHANNEL_TYPES
from ...gateway.channel_admin import has_balance
from ...store.channels import MANUALLY_DISABLED, ChannelInfo
from ..actions import channels as actions
from ..context import Context
from ..dialogs.channel_editor import ChannelEditor
from ..models.channel_table import STATUS_KEYS, ChannelTableModel
from ..widgets.list_page import ONE, SOME, ListPage
from ..widgets.prompts import ask, ask_text

log = logging.getLogger(__name__)
COOLDOWN_POLL_MS = 2000  # cooldowns last seconds to minutes; only while the page is shown


class ChannelsPage(ListPage):
    page_id = "channels"
    title_key = "nav.channels"
    kinds = ("channel",)

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, ChannelTableModel(ctx), parent)
        self.dialog: ChannelEditor | None = None
        self.add_action("channels.add", self.add_channel, primary=True)
        self.add_action("channels.edit", self.edit_selected, ONE)
        self.add_action("channels.test", self.test_selected, SOME)
        self.add_action("channels.test_all", self.test_all)
        self.add_action("channels.enable", lambda: self.set_enabled(True), SOME, more=True)
        self.add_action("channels.disable", lambda: self.set_enabled(False), SOME, more=True)
        self.add_action("channels.tag", self.tag_selected, SOME, more=True)
        self.add_action("channels.enable_tag", lambda: self.set_tag_enabled(True), ONE, more=True)
        self.add_action("channels.disable_tag", lambda: self.set_tag_enabled(False), ONE, more=True)
        self.add_action("channels.copy", self.copy_selected, ONE, more=True)
        self.add_action("channel_admin.refresh_balance", self.refresh_selected_balances, SOME, more=True)
        self.add_action("channel_admin.refresh_all", self.refresh_all_balances, more=True)
        self.add_action("channels.delete", self.delete_selected, SOME)
        self.status_filter = self.add_filter(QComboBox())
        self.type_filter = self.add_filter(QComboBox())
        self.tag_filter = self.add_filter(QComboBox())
        ctx.i18n.changed.connect(lambda _: self._fill_filters())
        self._fill_filters()
        for box in (self.status_filter, self.type_filter, self.tag_filter):
            box.currentIndexChanged.connect(self._filter)
        self._polling = False
        self.cooldown_timer = QTimer(self, interval=COOLDOWN_POLL_MS)
        self.cooldown_timer.timeout.connect(self.poll_cooldowns)
        ctx.gateway.state_changed.connect(lambda _: self.poll_cooldowns())

    def _fill_filters(self) -> None:
        for box, items in ((self.status_filter, [(s, self.ctx.tr(k)) for s, k in STATUS_KEYS.items()]),
                           (self.type_filter, [(t.id, t.name) for t in CHANNEL_TYPES])):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(self.ctx.tr("channels.filter.all_status" if box is self.status_filter
                                    else "channels.filter.all_types"), None)
            for value, text in items:
                box.addItem(text, value)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)
        self._fill_tags()

    def _fill_tags(self) -> None:
        """All tags, no tag, then every tag the channels carry (a vanished tag falls back to all)."""
        box, current = self.tag_filter, self.tag_filter.currentData()
        box.blockSignals(True)
        box.clear()
        box.addItem(self.ctx.tr("channels.filter.all_tags"), None)
        box.addItem(self.ctx.tr("channels.filter.no_tag"), "")
        for tag in sorted({c.tag for c in self.model.rows() if c.tag}, key=str.casefold):
            box.addItem(tag, tag)
        index = box.findData(current)
        box.setCurrentIndex(max(index, 0))
        box.blockSignals(False)
        if index < 0:
            self._filter()

    def _filter(self) -> None:
        status, kind = self.status_filter.currentData(), self.type_filter.currentData()
        tag = self.tag_filter.currentData()
        self.search_proxy.set_predicate("status", None if status is None else lambda c: c.status == status)
        self.search_proxy.set_predicate("type", None if kind is None else lambda c: c.type == kind)
        self.search_proxy.set_predicate("tag", None if tag is None else lambda c: c.tag == tag)
        self._update_pager()

    def loaded(self) -> None:
        self._fill_tags()

    # cooldowns: read from the running gateway while the page is shown ------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.cooldown_timer.start()
        self.poll_cooldowns()

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self.cooldown_timer.stop()

    def poll_cooldowns(self) -> None:
        if not self.ctx.gateway.running:
            if self.model.cooling:
                self.model.set_cooldowns({})
            return
        if self._polling or not self.isVisible():
            return
        self._polling = True
        self.ctx.ops.run(self.ctx.gateway.cooldowns, network=True, owner=self, success=self._cooldowns,
                         failure=self._cooldowns_failed)

    def _cooldowns(self, seconds_left: dict[int, float]) -> None:
        self._polling = False
        newly = set(seconds_left) - set(self.model.cooling)
        self.model.set_cooldowns(seconds_left)
        if newly:
            self._widen_status_column()

    def _widen_status_column(self) -> None:
        """Room for "Enabled · cooling down 42 s" (the columns were fitted to the rows as first loaded)."""
        column, header = self.model.column_keys().index("channels.col.status"), self.table.horizontalHeader()
        before = header.sectionSize(column)
        self.table.resizeColumnToContents(column)
        header.resizeSection(column, min(max(header.sectionSize(column), before), 260))

    def _cooldowns_failed(self, exc: BaseException) -> None:
        self._polling = False  # the gateway's loop was busy or stopping: keep what is shown, ask again later
        log.warning("could not read the gateway's cooldowns: %r", exc)

    def fetch(self, params: dict) -> list[ChannelInfo]:
        return actions.load_channels()

    def on_activated(self, row: ChannelInfo) -> None:
        self.edit_channel(row)

    # one method per user action ---------------------------------------------------------------

    def add_channel(self) -> ChannelEditor:
        dialog = self._editor(None)
        dialog.submitted.connect(lambda fields: actions.create_channel(
            self.ctx, fields, success=lambda c: self._saved(dialog, c), failure=dialog.fail))
        dialog.open()
        return dialog

    def edit_selected(self) -> None:
        if self.selected_row() is not None:
            self.edit_channel(self.selected_row())

    def edit_channel(self, channel: ChannelInfo) -> ChannelEditor:
        dialog = self._editor(channel)
        dialog.submitted.connect(lambda fields: actions.update_channel(
            self.ctx, channel.id, fields, success=lambda c: self._saved(dialog, c), failure=dialog.fail))
        dialog.open()
        return dialog

    def _editor(self, channel: ChannelInfo | None) -> ChannelEditor:
        dialog = self.keep_dialog(ChannelEditor(self.ctx, channel, self))
        dialog.fetch_requested.connect(lambda draft: actions.fetch_models(
            self.ctx, draft, channel, success=dialog.models_fetched, failure=dialog.fetch_failed, owner=dialog))
        return dialog

    def _saved(self, dialog: ChannelEditor, channel: ChannelInfo) -> None:
        dialog.done_ok()
        self.notify(self.ctx.tr("channels.saved", name=channel.name))

    def test_selected(self) -> None:
        for channel in self.selected_rows():
            self.model.set_result(channel.id, "running")
            actions.test_channel(self.ctx, channel, success=self._tested,
                                 failure=lambda exc, cid=channel.id: self._test_failed(cid, exc))

    def _tested(self, result) -> None:
        self.model.set_result(result.channel_id, result)
        self.notify(self.ctx.tr("channels.test.one_done", id=result.channel_id,
                                outcome=self.model.result_text(result)),
                    error=not result.ok)

    def _test_failed(self, channel_id: int, exc: BaseException) -> None:
        self.model.results.pop(channel_id, None)
        self.fail(exc)

    def test_all(self) -> None:
        for channel in self.model.rows():
            if channel.status != MANUALLY_DISABLED:
                self.model.set_result(channel.id, "running")
        self.notify(self.ctx.tr("channels.test.all_running"))
        actions.test_all(self.ctx, success=self._all_tested, failure=self.fail)

    def _all_tested(self, results: list) -> None:
        for result in results:
            self.model.set_result(result.channel_id, result)
        passed = sum(1 for r in results if r.ok)
        self.notify(self.ctx.tr("channels.test.all_done", passed=passed, failed=len(results) - passed),
                    error=passed < len(results))

    def set_enabled(self, enabled: bool) -> None:
        ids = [c.id for c in self.selected_rows()]
        actions.set_enabled(self.ctx, ids, enabled, failure=self.fail, success=lambda n: self.notify(
            self.ctx.tr("channels.enabled" if enabled else "channels.disabled", count=n)))

    def copy_selected(self) -> None:
        source = self.selected_row()
        if source is not None:
            actions.copy_channel(self.ctx, source.id, failure=self.fail, success=lambda c: self.notify(
                self.ctx.tr("channels.copied", source=source.name, name=c.name)))

    def set_tag_enabled(self, enabled: bool) -> None:
        """Every channel with the selected row's tag, after a confirmation."""
        row = self.selected_row()
        if row is None:
            return
        if not row.tag:
            self.notify(self.ctx.tr("channels.tag.none"), error=True)
            return
        tag, word = row.tag, "enable" if enabled else "disable"
        ask(self, self.ctx.i18n, self.ctx.tr(f"channels.{word}_tag.confirm", tag=tag), destructive=not enabled,
            on_yes=lambda: actions.set_tag_enabled(self.ctx, tag, enabled, failure=self.fail, success=lambda n: (
                self.notify(self.ctx.tr(f"channels.tag_{word}d", count=n, tag=tag)))))

    def tag_selected(self) -> None:
        rows = self.selected_rows()
        ask_text(self, self.ctx.i18n, self.ctx.tr("channels.tag"), self.ctx.tr("channels.tag.label"),
                 lambda tag: actions.set_tag(self.ctx, [c.id for c in rows], tag.strip(), failure=self.fail),
                 value=rows[0].tag if rows else "")

    def delete_selected(self) -> None:
        rows = self.selected_rows()
        if not rows:
            return
        names = ", ".join(c.name for c in rows[:5]) + ("…" if len(rows) > 5 else "")
        ask(self, self.ctx.i18n, self.ctx.tr("channels.delete.confirm", count=len(rows), names=names),
            lambda: actions.delete_channels(self.ctx, [c.id for c in rows], failure=self.fail,
                                            success=lambda n: self.notify(self.ctx.tr("channels.deleted", count=n))))


    def refresh_selected_balances(self) -> None:
        rows = self.selected_rows()
        without = [c.name for c in rows if not has_balance(c)]
        if without and len(without) == len(rows):
            self.notify(self.ctx.tr("channel_admin.no_balance", names=", ".join(without[:5])), error=True)
            return
        self.notify(self.ctx.tr("channel_admin.refreshing"))
        actions.refresh_balances(self.ctx, [c.id for c in rows if has_balance(c)], failure=self.fail,
                                 success=lambda results: self._balances(results, without))

    def refresh_all_balances(self) -> None:
        self.notify(self.ctx.tr("channel_admin.refreshing"))
        actions.refresh_balances(self.ctx, None, success=lambda results: self._balances(results, []),
                                 failure=self.fail)

    def _balances(self, results: list, without: list[str]) -> None:
        failed = [r for r in results if r.error]
        text = self.ctx.tr("channel_admin.refreshed", ok=len(results) - len(failed), failed=len(failed))
        for result in failed[:3]:
            text += "\n" + self.ctx.tr("channel_admin.refresh_failed", name=result.name, reason=result.error)
        if without:
            text += "\n" + self.ctx.tr("channel_admin.no_balance", names=", ".join(without[:5]))
        self.notify(text, error=bool(failed))
