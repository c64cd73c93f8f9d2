"""The main window: sidebar navigation, the pages, the status bar. No queries and no rules here."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMainWindow, QStackedWidget,
                               QVBoxLayout, QWidget)

from .context import Context
from .pages.channels import ChannelsPage
from .pages.dashboard import DashboardPage
from .pages.logs import LogsPage
from .pages.pricing import PricingPage
from .pages.redemptions import RedemptionsPage
from .pages.risk import RiskPage
from .pages.settings import SettingsPage
from .pages.tokens import TokensPage
from .pages.users import UsersPage
from .status_bar import GatewayStatusBar
from .widgets.appearance import AppearancePanel

PAGES = (DashboardPage, ChannelsPage, TokensPage, UsersPage, LogsPage, PricingPage, RedemptionsPage, RiskPage,
         SettingsPage)


class MainWindow(QMainWindow):
    """Signals:
        close_requested(): the window was closed and should not hide to the tray (quit).
    """

    close_requested = Signal()

    def __init__(self, ctx: Context, tray_available: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.tray_available = tray_available
        self.setWindowTitle("VoAPI Desktop")
        self.resize(1240, 780)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self._sidebar())
        self.stack = QStackedWidget()
        self.pages = {}
        for page_class in PAGES:
            page = page_class(ctx)
            self.pages[page.page_id] = page
            self.stack.addWidget(page)
            item = QListWidgetItem()
            ctx.i18n.bind(self.nav, lambda text, item=item: item.setText(text), page.title_key)
            self.nav.addItem(item)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.setStatusBar(GatewayStatusBar(ctx))
        self.nav.currentRowChanged.connect(self._nav_changed)
        self._restore()

    def _sidebar(self) -> QWidget:
        panel = QWidget(objectName="sidebarPanel")
        panel.setFixedWidth(200)
        box = QVBoxLayout(panel)
        box.setContentsMargins(0, 0, 0, 8)
        box.addWidget(QLabel("VoAPI Desktop", objectName="brand"))
        self.nav = QListWidget(objectName="sidebar")
        box.addWidget(self.nav, 1)
        self.appearance = AppearancePanel(self.ctx)
        box.addWidget(self.appearance)
        return panel

    def _restore(self) -> None:
        if self.ctx.prefs.geometry is not None:
            self.restoreGeometry(self.ctx.prefs.geometry)
        self.show_page(self.ctx.prefs.page)

    def show_page(self, page_id: str) -> QWidget:
        ids = list(self.pages)
        self.nav.setCurrentRow(ids.index(page_id) if page_id in ids else 0)
        return self.current_page()

    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _nav_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)
            self.ctx.prefs.page = list(self.pages)[row]

    def save_state(self) -> None:
        self.ctx.prefs.geometry = self.saveGeometry()
        self.ctx.prefs.sync()

    def closeEvent(self, event) -> None:
        self.save_state()
        if self.tray_available and self.ctx.prefs.close_to_tray:
            event.ignore()
            self.hide()
            return
        event.accept()
        self.close_requested.emit()

    def raise_to_front(self) -> None:
        """Show, un-minimize and focus (a second launch or the tray asked for it)."""
        self.showNormal() if self.isMinimized() else self.show()
        self.raise_()
        self.activateWindow()
