"""Proxies over RowsTableModel: search + filters + sorting, and a page window on top."""

from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from .table_model import ROW_ROLE, SORT_ROLE

Index = QModelIndex | QPersistentModelIndex


def refilter(proxy: QSortFilterProxyModel, change: Callable[[], None] = lambda: None) -> None:
    """Apply `change` to what a proxy filters on and re-filter its rows (Qt 6.10 API when there)."""
    if hasattr(proxy, "beginFilterChange"):
        proxy.beginFilterChange()
        change()
        proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)
    else:
        change()
        proxy.invalidateRowsFilter()


class SearchProxy(QSortFilterProxyModel):
    """Sorts by each column's sort key; keeps rows whose text contains the search words and that pass
    every named predicate (the page's filter widgets)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseInsensitive)
        self.setDynamicSortFilter(True)
        self._words: list[str] = []
        self._predicates: dict[str, Callable[[object], bool]] = {}

    def set_search(self, text: str) -> None:
        refilter(self, lambda: setattr(self, "_words", text.lower().split()))

    def set_predicate(self, name: str, predicate: Callable[[object], bool] | None) -> None:
        """Add, replace or (None) remove one filter."""
        def change() -> None:
            if predicate is None:
                self._predicates.pop(name, None)
            else:
                self._predicates[name] = predicate
        refilter(self, change)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if model is None:
            return False
        row = model.data(model.index(source_row, 0, source_parent), ROW_ROLE)
        if not all(predicate(row) for predicate in self._predicates.values()):
            return False
        if not self._words:
            return True
        text = " ".join(str(model.data(model.index(source_row, c, source_parent)) or "")
                        for c in range(model.columnCount(source_parent))).lower()
        return all(word in text for word in self._words)


class PageProxy(QSortFilterProxyModel):
    """Shows rows [page * size, (page + 1) * size) of its source; sorting goes to the source."""

    def __init__(self, page_size: int = 50, parent=None):
        super().__init__(parent)
        self.page = 0
        self.page_size = page_size

    def setSourceModel(self, model) -> None:
        old = self.sourceModel()
        if old is not None:
            for signal in (old.modelReset, old.layoutChanged, old.rowsInserted, old.rowsRemoved):
                signal.disconnect(self._source_moved)
        super().setSourceModel(model)
        for signal in (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._source_moved)

    def _source_moved(self, *args) -> None:
        refilter(self, lambda: setattr(self, "page", min(self.page, max(self.page_count() - 1, 0))))

    def total(self) -> int:
        model = self.sourceModel()
        return model.rowCount() if model is not None else 0

    def page_count(self) -> int:
        return max((self.total() + self.page_size - 1) // self.page_size, 1)

    def set_page(self, page: int, page_size: int | None = None) -> None:
        def change() -> None:
            if page_size:
                self.page_size = page_size
            self.page = max(0, min(page, self.page_count() - 1))
        refilter(self, change)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        start = self.page * self.page_size
        return start <= source_row < start + self.page_size

    def sort(self, column: int, order: Qt.SortOrder = Qt.AscendingOrder) -> None:
        model = self.sourceModel()
        if model is not None:
            model.sort(column, order)  # -1 restores the order the rows were loaded in
