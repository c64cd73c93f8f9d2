"""The tray icon: show / hide the window, start / stop the gateway, copy the base URL, quit."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from .context import Context
from .icon import app_icon
from .main_window import MainWindow
from .widgets.copy_field import copy_text


class Tray(QObject):
    """Signals:
        quit_requested(): the operator chose Quit.
    """

    quit_requested = Signal()

    def __init__(self, ctx: Context, window: MainWindow, parent: QObject | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.window = window
        self.icon = QSystemTrayIcon(app_icon(ctx.prefs.accent, running=False), self)
        self.menu = QMenu()
        self.show_action = QAction(self.menu)
        self.gateway_action = QAction(self.menu)
        self.copy_action = QAction(self.menu)
        self.quit_action = QAction(self.menu)
        for action in (self.show_action, self.gateway_action, self.copy_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.show_action.triggered.connect(self.toggle_window)
        self.gateway_action.triggered.connect(ctx.gateway.toggle)
        self.copy_action.triggered.connect(self.copy_base_url)
        self.quit_action.triggered.connect(self.quit_requested.emit)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        ctx.gateway.state_changed.connect(lambda _: self.refresh())
        ctx.i18n.changed.connect(lambda _: self.refresh())
        self.refresh()

    @staticmethod
    def available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        if self.available():
            self.icon.show()

    def refresh(self) -> None:
        gateway, tr = self.ctx.gateway, self.ctx.tr
        self.show_action.setText(tr("tray.hide" if self.window.isVisible() else "tray.show"))
        self.gateway_action.setText(tr("gateway.stop" if gateway.running else "gateway.start"))
        self.gateway_action.setEnabled(gateway.state in ("running", "stopped"))
        self.copy_action.setText(tr("tray.copy_url"))
        self.copy_action.setEnabled(gateway.running)
        self.quit_action.setText(tr("tray.quit"))
        self.icon.setIcon(app_icon(self.ctx.prefs.accent, running=gateway.running))
        self.icon.setToolTip(tr(f"gateway.state.{gateway.state}", url=gateway.base_url))

    def toggle_window(self) -> None:
        if self.window.isVisible():
            self.window.save_state()
            self.window.hide()
        else:
            self.window.raise_to_front()
        self.refresh()

    def copy_base_url(self) -> None:
        if self.ctx.gateway.running:
            copy_text(self.ctx.gateway.base_url + "/v1")

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.Trigger, QSystemTrayIcon.DoubleClick):
            self.toggle_window()
