"""Dashboard: today's, 7- and 30-day totals, requests per model, a live feed, base URLs and a curl snippet."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from ..context import Context
from ...store.log_queries import DashboardStats, PeriodStats, dashboard_stats
from ..widgets.bar_chart import BarChart
from ..widgets.cards import Card, StatCard
from ..widgets.feed import RequestFeed
from ..widgets.gateway_box import GatewayBox

PERIODS = (("today", "dashboard.today"), ("week", "dashboard.week"), ("month", "dashboard.month"))
NUMBERS = [("requests", "dashboard.requests"), ("tokens", "dashboard.tokens"), ("quota", "dashboard.quota"),
           ("error_rate", "dashboard.error_rate")]


class DashboardPage(QScrollArea):
    page_id = "dashboard"
    title_key = "nav.dashboard"

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.stats: DashboardStats | None = None
        self.loaded_once = self._dirty = False
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.NoFrame)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(20, 16, 20, 16)
        layout.setSpacing(12)
        title = QLabel(objectName="pageTitle")
        ctx.i18n.bind(title, "setText", self.title_key)
        layout.addWidget(title)
        self.gateway_box = GatewayBox(ctx)
        layout.addWidget(self.gateway_box)
        row = QHBoxLayout()
        self.cards = {name: StatCard(ctx.i18n, key, NUMBERS) for name, key in PERIODS}
        for card in self.cards.values():
            row.addWidget(card)
        layout.addLayout(row)
        bottom = QHBoxLayout()
        chart_card = Card(ctx.i18n, "dashboard.per_model")
        self.chart = BarChart()
        chart_card.body.addWidget(self.chart)
        feed_card = Card(ctx.i18n, "dashboard.feed")
        self.feed = RequestFeed(ctx)
        feed_card.body.addWidget(self.feed)
        bottom.addWidget(chart_card, 3)
        bottom.addWidget(feed_card, 2)
        layout.addLayout(bottom, 1)
        self.setWidget(inner)
        self._debounce = QTimer(self, singleShot=True, interval=1000)
        self._debounce.timeout.connect(self.reload)
        ctx.ops.data_changed.connect(self._data_changed)
        ctx.i18n.changed.connect(lambda _: self._show())

    def _data_changed(self, kind: str) -> None:
        if kind in ("log", "option"):
            if not self.isVisible():
                self._dirty = True
            elif not self._debounce.isActive():  # at most one reload a second under load
                self._debounce.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._dirty or not self.loaded_once:
            self.reload()

    def reload(self) -> None:
        self._dirty = False
        tz = self.ctx.tz()
        self.ctx.ops.run(lambda: dashboard_stats(tz), success=self._loaded, owner=self)

    def _loaded(self, stats: DashboardStats) -> None:
        self.stats = stats
        self.loaded_once = True
        self._show()

    def _show(self) -> None:
        if self.stats is None:
            return
        for name, _ in PERIODS:
            self._show_period(self.cards[name], getattr(self.stats, name))
        self.chart.set_items([(m.model, m.requests, f"{m.requests:,} · {self.ctx.money(m.quota)}")
                              for m in self.stats.models], self.ctx.tr("dashboard.no_data"))

    def _show_period(self, card: StatCard, period: PeriodStats) -> None:
        card.set_value("requests", f"{period.requests:,}")
        card.set_value("tokens", f"{period.tokens:,}")
        card.set_value("quota", self.ctx.money(period.quota))
        card.set_value("error_rate", f"{period.error_rate:.1%}")
