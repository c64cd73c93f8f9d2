"""Previous / next page, "page 2 of 7 · 321 rows", page size."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from ..i18n import I18n

PAGE_SIZES = (20, 50, 100, 200)


class Pager(QWidget):
    """Signals:
        page_requested(int, int): page index (from 0) and page size the user asked for.
    """

    page_requested = Signal(int, int)

    def __init__(self, i18n: I18n, page_size: int = 50, parent: QWidget | None = None):
        super().__init__(parent)
        self._i18n = i18n
        self.page, self.pages, self.total = 0, 1, 0
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setObjectName("muted")
        self.previous = QPushButton("‹")
        self.next = QPushButton("›")
        for button in (self.previous, self.next):
            button.setFixedWidth(32)
        self.size_box = QComboBox()
        for size in PAGE_SIZES:
            self.size_box.addItem(str(size), size)
        self.size_box.setCurrentIndex(PAGE_SIZES.index(page_size) if page_size in PAGE_SIZES else 1)
        self.size_label = QLabel()
        i18n.bind(self.size_label, "setText", "pager.size")
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.size_label)
        layout.addWidget(self.size_box)
        layout.addWidget(self.previous)
        layout.addWidget(self.next)
        self.previous.clicked.connect(lambda: self._request(self.page - 1))
        self.next.clicked.connect(lambda: self._request(self.page + 1))
        self.size_box.currentIndexChanged.connect(lambda _: self._request(0))
        i18n.changed.connect(lambda _: self._show())
        self._show()

    @property
    def page_size(self) -> int:
        return int(self.size_box.currentData())

    def _request(self, page: int) -> None:
        self.page_requested.emit(max(0, min(page, self.pages - 1)), self.page_size)

    def set_state(self, page: int, pages: int, total: int) -> None:
        self.page, self.pages, self.total = page, max(pages, 1), total
        self._show()

    def _show(self) -> None:
        self.summary.setText(self._i18n.tr("pager.summary", page=self.page + 1, pages=self.pages,
                                           total=self.total))
        self.previous.setEnabled(self.page > 0)
        self.next.setEnabled(self.page + 1 < self.pages)
