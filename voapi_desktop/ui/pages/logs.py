"""Usage logs: filters (time range, type, model, user, token, channel, request id), a detail pane, CSV export,
how many days logs are kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QWidget)

from ...core import periods
from ...store.logs import TYPE_NAMES
from ..actions import logs as actions
from ..context import Context
from ..models.log_table import LogTableModel
from ..models.table_model import ROW_ROLE
from ...store.log_queries import LogFilter
from ..widgets.list_page import ListPage
from ..widgets.log_detail import LogDetail

RANGES = ("today", "7d", "30d", "all", "custom")


class LogsPage(ListPage):
    page_id = "logs"
    title_key = "nav.logs"
    kinds = ("log",)
    remote = True

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, LogTableModel(ctx), parent)
        self.add_action("logs.refresh", self.reload)
        self.add_action("logs.export", self.choose_export_file)
        self._build_retention()
        self.range_box = self.add_filter(QComboBox(), second_row=True)
        self.since = self.add_filter(QDateTimeEdit(QDateTime.currentDateTime().addDays(-1), calendarPopup=True),
                                     second_row=True)
        self.until = self.add_filter(QDateTimeEdit(QDateTime.currentDateTime().addDays(1), calendarPopup=True),
                                     second_row=True)
        self.type_box = self.add_filter(QComboBox(), second_row=True)
        self.texts: dict[str, QLineEdit] = {}
        for name in ("model", "username", "token_name", "channel", "request_id"):
            self.texts[name] = self.add_filter(QLineEdit(clearButtonEnabled=True), second_row=True)
            ctx.i18n.bind(self.texts[name], "setPlaceholderText", f"logs.filter.{name}")
            self.texts[name].editingFinished.connect(self._filters_changed)
        self.texts["channel"].setMaximumWidth(90)
        for edit in (self.since, self.until):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.dateTimeChanged.connect(self._filters_changed)
        ctx.i18n.changed.connect(lambda _: self._fill_boxes())
        self._fill_boxes()
        self.range_box.currentIndexChanged.connect(self._range_changed)
        self.type_box.currentIndexChanged.connect(self._filters_changed)
        self.range_box.setCurrentIndex(RANGES.index("7d"))
        self._range_changed()
        self.detail = LogDetail(ctx)
        self.body.addWidget(self.detail)
        self.body.setSizes([700, 300])
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _: self.detail.show_row(current.data(ROW_ROLE) if current.isValid() else None))
        self.detail.show_row(None)
        self._names_stale = True

    def _build_retention(self) -> None:
        """"Keep logs: [N] days (0 = forever) [Save]" beside the actions."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(12, 0, 0, 0)
        self.retention = QLineEdit(maximumWidth=56)
        self.retention.returnPressed.connect(self.save_retention)
        self.retention_save = QPushButton()
        self.retention_save.clicked.connect(self.save_retention)
        labels = (QLabel(), QLabel(objectName="muted"))
        for widget, key in ((labels[0], "logs.retention"), (labels[1], "logs.retention.suffix"),
                            (self.retention_save, "logs.retention.save")):
            self.ctx.i18n.bind(widget, "setText", key)
        self.ctx.i18n.bind(box, "setToolTip", "logs.retention.tip")
        for widget in (labels[0], self.retention, labels[1], self.retention_save):
            row.addWidget(widget)
        self.toolbar.insertWidget(self.toolbar.indexOf(self.more_button) + 1, box)
        self.show_retention()

    def show_retention(self) -> None:
        """The stored value, unless the operator is typing a new one."""
        if not self.retention.isModified():
            self.retention.setText(str(self.ctx.settings["LOG_RETENTION_DAYS"]))

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.show_retention()  # the Settings page may have changed it meanwhile

    def _fill_boxes(self) -> None:
        for box, items in ((self.range_box, [(r, f"logs.range.{r}") for r in RANGES]),
                           (self.type_box, [(None, "logs.filter.all_types")]
                            + [(t, f"logtype.{name}") for t, name in TYPE_NAMES.items()])):
            current = box.currentData() if box.count() else items[0][0]
            box.blockSignals(True)
            box.clear()
            for value, key in items:
                box.addItem(self.ctx.tr(key), value)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)

    def _range_changed(self) -> None:
        custom = self.range_box.currentData() == "custom"
        self.since.setVisible(custom)
        self.until.setVisible(custom)
        self._filters_changed()

    def _filters_changed(self) -> None:
        self.remote_page = 0
        if self.isVisible():  # a hidden page loads with the current filters when shown
            self._debounce.start()

    def log_filter(self) -> LogFilter:
        """The filter the widgets describe (read on the GUI thread)."""
        since, until = self._time_range()
        channel = self.texts["channel"].text().strip()
        return LogFilter(since=since, until=until, type=self.type_box.currentData(),
                         model=self.texts["model"].text(), username=self.texts["username"].text(),
                         token_name=self.texts["token_name"].text(),
                         channel_id=int(channel) if channel.isdigit() else None,
                         request_id=self.texts["request_id"].text(), search=self.search.text())

    def _time_range(self) -> tuple[int | None, int | None]:
        choice = self.range_box.currentData()
        if choice == "custom":
            return self.since.dateTime().toSecsSinceEpoch(), self.until.dateTime().toSecsSinceEpoch()
        if choice == "all":
            return None, None
        today = periods.period_start(datetime.now().astimezone(), "DAY", self.ctx.tz())
        days = {"today": 0, "7d": 6, "30d": 29}[choice]
        return int((today - timedelta(days=days)).timestamp()), None

    def params(self) -> dict:
        return {"filter": self.log_filter()}

    def fetch(self, params: dict):
        return actions.load_logs(params["filter"], params["page"], params["page_size"])

    def _data_changed(self, kind: str) -> None:
        if kind == "channel":
            self._names_stale = True
        super()._data_changed(kind)

    def loaded(self) -> None:
        if self._names_stale:  # channel names for the detail pane, fetched again only after channel writes
            self._names_stale = False
            self.ctx.ops.run(actions.load_channel_names, success=self._names_loaded, owner=self)
        index = self.table.model().index(0, 0)
        if self.detail.row is None and index.isValid():
            self.table.selectRow(0)

    def _names_loaded(self, names: dict[int, str]) -> None:
        self.detail.channel_names = names
        self.detail.show_row(self.detail.row)

    # one method per user action ---------------------------------------------------------------

    def save_retention(self) -> None:
        actions.save_retention(self.ctx, self.retention.text().strip(), failure=self.fail,
                               success=self._retention_saved)

    def _retention_saved(self, days: int) -> None:
        self.retention.setModified(False)
        self.retention.setText(str(days))
        self.notify(self.ctx.tr("logs.retention.saved", days=days) if days
                    else self.ctx.tr("logs.retention.saved_forever"))

    def choose_export_file(self) -> None:
        dialog = QFileDialog(self, self.ctx.tr("logs.export"), "voapi-logs.csv", "CSV (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.fileSelected.connect(self.export_to)
        dialog.open()

    def export_to(self, path: str) -> None:
        actions.export_csv(self.ctx, path, self.log_filter(), failure=self.fail,
                           success=lambda count: self.notify(self.ctx.tr("logs.exported", count=count, path=path)))
