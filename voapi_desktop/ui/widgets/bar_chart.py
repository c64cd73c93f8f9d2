"""A horizontal bar chart painted with QPainter (no QtCharts): one bar per label."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

BAR_HEIGHT, GAP, LABEL_WIDTH = 20, 8, 150


class BarChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.items: list[tuple[str, float, str]] = []  # label, value, value text
        self.empty_text = ""
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)

    def set_items(self, items: list[tuple[str, float, str]], empty_text: str = "") -> None:
        self.items = list(items)
        self.empty_text = empty_text
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(420, max(len(self.items), 3) * (BAR_HEIGHT + GAP) + GAP)

    def minimumSizeHint(self) -> QSize:
        return QSize(240, 3 * (BAR_HEIGHT + GAP))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        palette = self.palette()
        text_color = palette.color(QPalette.WindowText)
        if not self.items:
            painter.setPen(palette.color(QPalette.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignCenter, self.empty_text)
            return
        top = max(value for _, value, _ in self.items) or 1
        metrics = painter.fontMetrics()
        value_width = max(metrics.horizontalAdvance(shown) for _, _, shown in self.items) + 8
        bar_area = max(self.width() - LABEL_WIDTH - value_width - 8, 20)
        accent = palette.color(QPalette.Highlight)
        track = palette.color(QPalette.AlternateBase)
        for i, (label, value, shown) in enumerate(self.items):
            y = GAP + i * (BAR_HEIGHT + GAP)
            painter.setPen(text_color)
            elided = metrics.elidedText(label, Qt.ElideMiddle, LABEL_WIDTH - 8)
            painter.drawText(QRectF(0, y, LABEL_WIDTH - 8, BAR_HEIGHT), Qt.AlignRight | Qt.AlignVCenter, elided)
            painter.setPen(Qt.NoPen)
            painter.setBrush(track)
            painter.drawRoundedRect(QRectF(LABEL_WIDTH, y + 3, bar_area, BAR_HEIGHT - 6), 4, 4)
            painter.setBrush(accent)
            painter.drawRoundedRect(QRectF(LABEL_WIDTH, y + 3, max(bar_area * value / top, 4), BAR_HEIGHT - 6), 4, 4)
            painter.setPen(text_color)
            painter.drawText(QRectF(LABEL_WIDTH + bar_area + 8, y, value_width, BAR_HEIGHT),
                             Qt.AlignLeft | Qt.AlignVCenter, shown)
        painter.end()
