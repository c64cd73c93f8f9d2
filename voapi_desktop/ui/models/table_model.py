"""A thin read-only table model over a list of dataclasses, described by columns.

No queries here: the page loads rows through ops and hands them over with
`set_rows` (vorta's event_log_table_model). Sorting and filtering live in the
proxies of `proxy.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from ..i18n import I18n

SORT_ROLE = Qt.UserRole + 1
ROW_ROLE = Qt.UserRole + 2
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    """One column: its header's i18n key, its text, and optionally a sort key, color and tooltip."""
    key: str
    text: Callable[[Any], str]
    sort: Callable[[Any], Any] | None = None
    align_right: bool = False
    color: Callable[[Any], str | None] | None = None
    tooltip: Callable[[Any], str] | None = None


class RowsTableModel(QAbstractTableModel):
    """Rows are dataclasses; the columns say how to show them."""

    def __init__(self, columns: Sequence[Column], i18n: I18n, parent=None):
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list = []
        self._i18n = i18n
        i18n.changed.connect(self._retranslate)

    # our API ---------------------------------------------------------------------------------

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list:
        return list(self._rows)

    def row_at(self, row: int):
        return self._rows[row]

    def refresh_rows(self) -> None:
        """Repaint every cell (a value the columns compute from outside state changed)."""
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(self._columns) - 1))

    def column_keys(self) -> list[str]:
        return [c.key for c in self._columns]

    def _retranslate(self) -> None:
        if self._columns:
            self.headerDataChanged.emit(Qt.Horizontal, 0, len(self._columns) - 1)
        self.refresh_rows()

    # Qt overrides ----------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows) or index.column() >= len(self._columns):
            return None
        row, column = self._rows[index.row()], self._columns[index.column()]
        if role == Qt.DisplayRole:
            return column.text(row)
        if role == SORT_ROLE:
            return _sortable(column.sort(row) if column.sort else column.text(row))
        if role == ROW_ROLE:
            return row
        if role == Qt.TextAlignmentRole:
            return int((Qt.AlignRight if column.align_right else Qt.AlignLeft) | Qt.AlignVCenter)
        if role == Qt.ForegroundRole and column.color is not None:
            color = column.color(row)
            return QColor(color) if color else None
        if role == Qt.ToolTipRole and column.tooltip is not None:
            return column.tooltip(row)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.DisplayRole) -> Any:
        if orientation == Qt.Horizontal and role == Qt.DisplayRole and 0 <= section < len(self._columns):
            return self._i18n.tr(self._columns[section].key)
        return None

    def flags(self, index: Index) -> Qt.ItemFlags:
        if not index.isValid():
            return Qt.NoItemFlags
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemNeverHasChildren


def _sortable(value: Any) -> Any:
    """Qt compares sort-role values itself: give it numbers or text, never None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str)):
        return value
    return str(value)
