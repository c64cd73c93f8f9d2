"""The reusable list page: a toolbar at the top (actions, filters, search), a sortable table, a pager.

Subclasses give the model, add their actions and filters, and implement
`fetch(params)`, which runs in the store worker: it returns every row (paged
here, in a proxy) or, for `remote` pages such as the logs, `(rows, total)` for
the page asked for in `params`.
"""

from __future__ import annotations

from typing import Callable

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
                               QPushButton, QSplitter, QTableView, QToolButton, QVBoxLayout, QWidget)

from ..context import Context
from ..models.proxy import PageProxy, SearchProxy
from ..models.table_model import ROW_ROLE, RowsTableModel
from .outcome_line import OutcomeLine
from .pager import Pager

NONE, ONE, SOME = "none", "one", "some"


class ListPage(QWidget):
    page_id = ""
    title_key = ""
    kinds: tuple[str, ...] = ()  # data_changed kinds that make this page reload
    remote = False

    def __init__(self, ctx: Context, model: RowsTableModel, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.model = model
        self.search_proxy = SearchProxy(self)
        self.search_proxy.setSourceModel(model)
        self.page_proxy = PageProxy(parent=self)
        self.page_proxy.setSourceModel(self.search_proxy)
        self._actions: list[tuple[QPushButton | QAction, str]] = []
        self._loading = self._again = self._dirty = False
        self.loaded_once = False
        self.total = 0
        self.remote_page = 0
        self._sized = False
        self._build()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._debounce.timeout.connect(self.reload)
        ctx.ops.data_changed.connect(self._data_changed)

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        self.title = QLabel(objectName="pageTitle")
        self.ctx.i18n.bind(self.title, "setText", self.title_key)
        layout.addWidget(self.title)
        self.toolbar = QHBoxLayout()
        self.actions_bar = QHBoxLayout()
        self.filters_bar = QHBoxLayout()
        self.search = QLineEdit(clearButtonEnabled=True)
        self.search.setMinimumWidth(140)
        self.search.setMaximumWidth(240)
        self.ctx.i18n.bind(self.search, "setPlaceholderText", "list.search")
        self.toolbar.addLayout(self.actions_bar)
        self.more_menu = QMenu(self)
        self.more_button = QToolButton(popupMode=QToolButton.InstantPopup)
        self.more_button.setMenu(self.more_menu)
        self.ctx.i18n.bind(self.more_button, "setText", "list.more")
        self.more_button.hide()
        self.toolbar.addWidget(self.more_button)
        self.toolbar.addStretch(1)
        self.toolbar.addLayout(self.filters_bar)
        self.toolbar.addWidget(self.search)
        layout.addLayout(self.toolbar)
        self.more_filters = QHBoxLayout()  # a second row for pages with many filters (logs)
        layout.addLayout(self.more_filters)
        self.message = OutcomeLine()
        layout.addWidget(self.message)
        self.table = QTableView()
        self.table.setModel(self.page_proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda index: self.on_activated(index.data(ROW_ROLE)))
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.body = QSplitter(Qt.Horizontal)  # pages may add a detail pane beside the table
        self.body.setChildrenCollapsible(False)
        self.body.addWidget(self.table)
        layout.addWidget(self.body, 1)
        self.pager = Pager(self.ctx.i18n)
        self.pager.page_requested.connect(self._go_to_page)
        layout.addWidget(self.pager)
        self.search.textChanged.connect(self._search_changed)
        for signal in (self.page_proxy.modelReset, self.page_proxy.layoutChanged):
            signal.connect(self._update_actions)

    # building blocks for subclasses ----------------------------------------------------------

    def add_action(self, key: str, slot, needs: str = NONE, primary: bool = False, more: bool = False):
        """A toolbar button (or, `more`, an entry of the "More" menu); `needs` one or some selected rows."""
        if more:
            action = QAction(self)
            self.ctx.i18n.bind(action, "setText", key)
            action.triggered.connect(lambda: slot())
            self.more_menu.addAction(action)
            self.more_button.show()
            self._actions.append((action, needs))
            self._update_actions()
            return action
        button = QPushButton()
        self.ctx.i18n.bind(button, "setText", key)
        if primary:
            button.setObjectName("primary")
        button.clicked.connect(lambda: slot())
        self.actions_bar.addWidget(button)
        self._actions.append((button, needs))
        self._update_actions()
        return button

    def add_filter(self, widget: QWidget, second_row: bool = False) -> QWidget:
        if isinstance(widget, QComboBox):  # let long item texts elide instead of widening the window
            widget.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            widget.setMinimumContentsLength(9)
        (self.more_filters if second_row else self.filters_bar).addWidget(widget)
        return widget

    def add_choice_filter(self, name: str, all_key: str, choices: list[tuple[str, object]],
                          matches: Callable[[object, object], bool]) -> QComboBox:
        """A toolbar combo: "all" (`all_key`), then one item per (text key, value); choosing one keeps the
        rows where `matches(row, value)`. Re-labelled when the language changes, keeping the choice."""
        combo = self.add_filter(QComboBox())

        def fill() -> None:
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(self.ctx.tr(all_key), None)
            for key, value in choices:
                combo.addItem(self.ctx.tr(key), value)
            combo.setCurrentIndex(max(combo.findData(current), 0))
            combo.blockSignals(False)

        def chosen() -> None:
            value = combo.currentData()
            self.search_proxy.set_predicate(name, None if value is None else lambda row: matches(row, value))
            self._update_pager()
        fill()
        self.ctx.i18n.changed.connect(lambda _: fill())
        combo.currentIndexChanged.connect(chosen)
        return combo

    def keep_dialog(self, dialog: QWidget) -> QWidget:
        """Remember the page's open dialog; the previous one goes once it is closed and not saving."""
        old = getattr(self, "dialog", None)
        if old is not None and shiboken6.isValid(old) and not old.isVisible() and not getattr(old, "saving", False):
            old.deleteLater()
        self.dialog = dialog
        return dialog

    def selected_rows(self) -> list:
        rows = {index.row(): index.data(ROW_ROLE) for index in self.table.selectionModel().selectedRows()}
        return [rows[r] for r in sorted(rows)]

    def selected_row(self):
        rows = self.selected_rows()
        return rows[0] if len(rows) == 1 else None

    def notify(self, text: str, error: bool = False) -> None:
        """An inline line under the toolbar: the outcome of the last action."""
        self.message.show_text(text, error)

    def fail(self, exc: BaseException) -> None:
        """Failure callback of actions: known errors inline, bugs to the app's bug dialog."""
        self.message.show_failure(self.ctx, exc)

    # to override -----------------------------------------------------------------------------

    def params(self) -> dict:
        """What `fetch` needs, read from the widgets on the GUI thread."""
        return {}

    def fetch(self, params: dict):
        raise NotImplementedError

    def on_activated(self, row) -> None:
        """Double click on a row."""

    def loaded(self) -> None:
        """Called after new rows arrived."""

    # loading ---------------------------------------------------------------------------------

    def reload(self) -> None:
        if self._loading:
            self._again = True
            return
        self._loading, self._dirty = True, False
        params = self.params()
        if self.remote:
            params.update(page=self.remote_page, page_size=self.pager.page_size, search=self.search.text())
        self.ctx.ops.run(lambda: self.fetch(params), success=self._loaded, failure=self._load_failed, owner=self)

    def _loaded(self, result) -> None:
        self._loading = False
        if self.remote:
            rows, self.total = result
        else:
            rows, self.total = result, len(result)
        self.model.set_rows(rows)
        if not self._sized:
            self._size_columns()
        self.loaded_once = True
        self._update_pager()
        self.loaded()
        if self._again:
            self._again = False
            self.reload()

    def _size_columns(self) -> None:
        """Fit columns to their contents once there are rows (capped, so one long cell cannot push the rest out)."""
        self.table.resizeColumnsToContents()
        header = self.table.horizontalHeader()
        for column in range(header.count()):
            header.resizeSection(column, min(max(header.sectionSize(column), 60), 260))
        self._sized = self.model.rowCount() > 0

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = self._again = False
        self.fail(exc)

    def _data_changed(self, kind: str) -> None:
        if kind not in self.kinds:
            return
        if not self.isVisible():
            self._dirty = True
        elif not self._debounce.isActive():  # at most one reload per interval, even under steady writes
            self._debounce.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty or not self.loaded_once:
            self.reload()

    def _search_changed(self, text: str) -> None:
        if self.remote:
            self.remote_page = 0
            self._debounce.start()
        else:
            self.search_proxy.set_search(text)
            self.page_proxy.set_page(0)
            self._update_pager()

    def _go_to_page(self, page: int, size: int) -> None:
        if self.remote:
            self.remote_page = page
            self.reload()
        else:
            self.page_proxy.set_page(page, size)
            self._update_pager()

    def _update_pager(self) -> None:
        if self.remote:
            pages = max((self.total + self.pager.page_size - 1) // self.pager.page_size, 1)
            self.pager.set_state(self.remote_page, pages, self.total)
            self.page_proxy.set_page(0, max(len(self.model.rows()), 1))
        else:
            self.page_proxy.set_page(self.page_proxy.page, self.pager.page_size)
            self.pager.set_state(self.page_proxy.page, self.page_proxy.page_count(), self.page_proxy.total())

    def _update_actions(self, *args) -> None:
        count = len(self.table.selectionModel().selectedRows()) if self.table.selectionModel() else 0
        for button, needs in self._actions:
            button.setEnabled(needs == NONE or (needs == ONE and count == 1) or (needs == SOME and count >= 1))
