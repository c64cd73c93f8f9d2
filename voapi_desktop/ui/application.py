"""Start the console: one instance, open the store off the GUI thread, the window, the tray, the gateway."""

from __future__ import annotations

import logging
import os
import signal
import sys

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from ..core import redact
from ..store.runtime import StoreRuntime, default_data_dir, open_store
from .bridge import Bridge
from .context import Context
from .errors import show_error
from .gateway_ctl import GatewayController
from .i18n import I18n
from .icon import app_icon
from .main_window import MainWindow
from .ops import Ops
from .prefs import Preferences
from .single_instance import SingleInstance, server_name
from .theme import apply_theme
from .tray import Tray

log = logging.getLogger(__name__)


class Console(QObject):
    """Everything that lives while the console runs, wired together."""

    def __init__(self, runtime: StoreRuntime, ops: Ops, i18n: I18n, prefs: Preferences,
                 host: str | None = None, port: int | None = None):
        super().__init__()
        self.bridge = Bridge(self)
        self.gateway = GatewayController(ops, self.bridge, runtime, self, host=host, port=port)
        self.ctx = Context(runtime, ops, i18n, prefs, self.bridge, self.gateway)
        i18n.load_custom_dir(runtime.data_dir / "i18n")
        self.window = MainWindow(self.ctx, tray_available=Tray.available())
        self.tray = Tray(self.ctx, self.window, self)
        self.window.close_requested.connect(self.quit)
        self.tray.quit_requested.connect(self.quit)
        self.gateway.start_failed.connect(lambda exc: show_error(i18n, exc, self.window))
        ops.failed.connect(lambda exc: show_error(i18n, exc, self.window))
        self.bridge.channel_disabled.connect(self._channel_disabled)
        self._quitting = False

    def start(self, gateway: bool = True) -> None:
        self.window.show()
        self.tray.show()
        if gateway:
            self.gateway.start()

    def _channel_disabled(self, data: dict) -> None:
        if self.tray.available():
            self.tray.icon.showMessage("VoAPI Desktop", self.ctx.tr(
                "tray.channel_disabled", name=data.get("name", ""), reason=data.get("reason", "")))

    def shutdown(self) -> None:
        """Stop serving and finish background work (the window stays)."""
        if self._quitting:
            return
        self._quitting = True
        self.window.save_state()
        self.tray.icon.hide()
        self.gateway.shutdown()
        self.ctx.ops.shutdown()

    def quit(self) -> None:
        """Shut down, close the store, leave the event loop."""
        self.shutdown()
        self.ctx.runtime.close()
        QApplication.instance().quit()


def _follow_system_theme(app: QApplication, prefs: Preferences) -> None:
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "colorSchemeChanged"):
        hints.colorSchemeChanged.connect(lambda _: prefs.theme == "system" and apply_theme(app, "system",
                                                                                             prefs.accent))


def _install_excepthook(i18n: I18n) -> None:
    """Exceptions that escape a slot are bugs: show them with their traceback instead of dying."""
    def hook(kind, value, tb) -> None:
        log.error("unhandled exception", exc_info=(kind, value, tb))
        show_error(i18n, value.with_traceback(tb), QApplication.activeWindow())
    sys.excepthook = hook


def _quit_on_signals(app: QApplication, consoles: list[Console]) -> None:
    """SIGINT / SIGTERM shut down like Quit (the ledger is flushed); a timer lets Python see them."""
    def stop(*_) -> None:
        consoles[0].quit() if consoles else app.exit(130)
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop)
    timer = QTimer(app, interval=300)
    timer.timeout.connect(lambda: None)
    timer.start()


def run(argv: list[str]) -> int:
    """The GUI entry: returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact.install()  # keys never reach a log line (core/redact.py)
    app = QApplication.instance() or QApplication(argv)
    app.setOrganizationName("VoAPI")
    app.setApplicationName("VoAPI Desktop")
    app.setQuitOnLastWindowClosed(False)
    prefs = Preferences()
    i18n = I18n(prefs.language)
    apply_theme(app, prefs.theme, prefs.accent)
    app.setWindowIcon(app_icon(prefs.accent))
    _follow_system_theme(app, prefs)
    instance = SingleInstance(server_name(os.environ.get("DATA_DIR") or str(default_data_dir())))
    if instance.notify_running():
        log.info("VoAPI Desktop is already running; raised its window")
        return 0
    instance.listen()
    _install_excepthook(i18n)
    ops = Ops()
    consoles: list[Console] = []

    def opened(runtime: StoreRuntime) -> None:
        console = Console(runtime, ops, i18n, prefs)
        instance.raise_requested.connect(console.window.raise_to_front)
        consoles.append(console)
        console.start()

    def failed(exc: BaseException) -> None:
        log.error("cannot start: %s", exc)
        box = show_error(i18n, exc)
        box.finished.connect(lambda _: app.exit(2))

    ops.run(open_store, success=opened, failure=failed)
    _quit_on_signals(app, consoles)
    code = app.exec()
    if not consoles:
        ops.shutdown()
    instance.close()
    return code
