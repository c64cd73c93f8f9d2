"""Risk control: sensitive-word hits (filter by user and time) and bans (lift them), one tab each."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from ...core import clock
from ...store.risk import BanInfo, RiskEventInfo
from ..actions import risk as actions
from ..context import Context
from ..models.risk_table import BanTableModel, RiskEventTableModel
from ..widgets.list_page import SOME, ListPage

RANGES = {"all": 0, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}


class _Tab(ListPage):
    """A list inside the risk page: the page shows the title, the tab needs none."""

    def _build(self) -> None:
        super()._build()
        self.title.hide()
        self.layout().setContentsMargins(8, 8, 8, 4)


class RiskEventsList(_Tab):
    title_key = "risk.tab.events"
    kinds = ("log",)  # a hit is recorded like a log row

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, RiskEventTableModel(ctx), parent)
        self.add_action("risk.refresh", self.reload)
        self.user_filter = self.add_filter(QComboBox())
        self.range_filter = self.add_filter(QComboBox())
        ctx.i18n.changed.connect(lambda _: self._fill_filters())
        self._fill_filters()
        self.user_filter.currentIndexChanged.connect(self._filter)
        self.range_filter.currentIndexChanged.connect(self._filter)

    def _fill_filters(self, usernames: list[str] | None = None) -> None:
        for box, items in ((self.user_filter, [(self.ctx.tr("risk.filter.all_users"), None)] +
                            [(name, name) for name in (usernames if usernames is not None else self._usernames())]),
                           (self.range_filter, [(self.ctx.tr(f"risk.range.{r}"), r) for r in RANGES])):
            current = box.currentData()
            box.blockSignals(True)
            box.clear()
            for text, data in items:
                box.addItem(text, data)
            box.setCurrentIndex(max(box.findData(current), 0))
            box.blockSignals(False)

    def _usernames(self) -> list[str]:
        return sorted({e.username for e in self.model.rows() if e.username})

    def _filter(self) -> None:
        user, seconds = self.user_filter.currentData(), RANGES.get(self.range_filter.currentData(), 0)
        self.search_proxy.set_predicate("user", None if user is None else lambda e: e.username == user)
        since = clock.now() - seconds
        self.search_proxy.set_predicate("range", None if not seconds else lambda e: e.created_at >= since)
        self._update_pager()

    def fetch(self, params: dict) -> list[RiskEventInfo]:
        return actions.load_events()

    def loaded(self) -> None:
        self._fill_filters(self._usernames())
        self._filter()


class BansList(_Tab):
    title_key = "risk.tab.bans"
    kinds = ("user", "log")

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx, BanTableModel(ctx), parent)
        self.add_action("risk.unban", self.unban_selected, SOME, primary=True)
        self.add_action("risk.refresh", self.reload)

    def fetch(self, params: dict) -> list[BanInfo]:
        return actions.load_bans()

    def unban_selected(self) -> None:
        rows = self.selected_rows()
        if rows:
            actions.unban(self.ctx, [b.user_id for b in rows], failure=self.fail,
                          success=lambda n: self.notify(self.ctx.tr("risk.unbanned", count=n,
                                                                    names=", ".join(b.username for b in rows[:5]))))


class RiskPage(QWidget):
    page_id = "risk"
    title_key = "nav.risk"

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        self.title = QLabel(objectName="pageTitle")
        ctx.i18n.bind(self.title, "setText", self.title_key)
        layout.addWidget(self.title)
        self.tabs = QTabWidget()
        self.events = RiskEventsList(ctx)
        self.bans = BansList(ctx)
        for index, tab in enumerate((self.events, self.bans)):
            self.tabs.addTab(tab, "")
            ctx.i18n.bind(self.tabs, lambda text, i=index: self.tabs.setTabText(i, text), tab.title_key)
        layout.addWidget(self.tabs, 1)

    def reload(self) -> None:
        self.events.reload()
        self.bans.reload()
