"""One console per data dir: a second launch asks the first to raise its window, then exits."""

from __future__ import annotations

import getpass
import hashlib

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

MESSAGE = b"raise\n"


def server_name(data_dir: str) -> str:
    """A per-user, per-data-dir name for the local socket."""
    digest = hashlib.sha256(f"{getpass.getuser()}|{data_dir}".encode()).hexdigest()[:12]
    return f"voapi-desktop-{digest}"


class SingleInstance(QObject):
    """Signals:
        raise_requested(): another launch wants this window in front.
    """

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.name = name
        self.server: QLocalServer | None = None

    def notify_running(self, timeout_ms: int = 500) -> bool:
        """True when another instance answered (and was asked to raise its window)."""
        socket = QLocalSocket()
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            return False
        socket.write(MESSAGE)
        socket.flush()
        socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return True

    def listen(self) -> bool:
        """Become the instance others find; a stale socket from a crash is removed first."""
        self.server = QLocalServer(self)
        self.server.newConnection.connect(self._connection)
        if self.server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        return self.server.listen(self.name)

    def _connection(self) -> None:
        while self.server is not None and self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            socket.readyRead.connect(self._ready_read)
            socket.disconnected.connect(socket.deleteLater)
            self._read(socket)

    def _ready_read(self) -> None:
        socket = self.sender()
        if isinstance(socket, QLocalSocket):
            self._read(socket)

    def _read(self, socket: QLocalSocket) -> None:
        if socket.bytesAvailable() and bytes(socket.readAll()).startswith(MESSAGE.strip()):
            self.raise_requested.emit()

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server.deleteLater()
            self.server = None
