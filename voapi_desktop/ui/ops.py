"""Work off the GUI thread: store calls on one worker, network calls on a small pool.

The GUI thread hands a function to `Ops.run`; the result (or the exception)
comes back on the GUI thread through a queued signal and goes to the
`success` / `failure` callback (anki's CollectionOp / QueryOp). Every store
write, from any thread, is re-emitted as `data_changed(kind)` so each page
decides for itself whether to reload.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Iterable

import shiboken6
from PySide6.QtCore import QObject, Signal

from ..store import audit as audit_log
from ..store import changes

log = logging.getLogger(__name__)


class Ops(QObject):
    """Runs callables in the background and delivers their outcome on the GUI thread.

    Signals:
        data_changed(str): a write of this kind (channel, token, user, log, option, ...) committed.
        failed(object): an exception no failure callback took (the app shows it).
        busy_changed(bool): whether any op is queued or running.
    """

    data_changed = Signal(str)
    failed = Signal(object)
    busy_changed = Signal(bool)
    _delivered = Signal(object)
    _changed = Signal(str)  # from any thread; re-emitted on the GUI thread as data_changed

    def __init__(self, parent: QObject | None = None, network_workers: int = 4):
        super().__init__(parent)
        self._store = ThreadPoolExecutor(max_workers=1, thread_name_prefix="voapi-store")
        self._network = ThreadPoolExecutor(max_workers=network_workers, thread_name_prefix="voapi-net")
        self._pending = 0
        self._lock = threading.Lock()
        self._closed = False
        self._delivered.connect(self._deliver)
        self._changed.connect(self._relay_change)
        self._unsubscribe = changes.subscribe(self._store_changed)

    @property
    def busy(self) -> bool:
        return self._pending > 0

    def run(self, fn: Callable[[], object], *, success: Callable[[object], None] | None = None,
            failure: Callable[[BaseException], None] | None = None, writes: tuple[str, ...] = (),
            network: bool = False, owner: QObject | None = None, audit: str = "",
            audit_fields: Iterable[str] = ()) -> Future | None:
        """Run `fn()` in the background; `success(result)` or `failure(exc)` later on the GUI thread.

        `writes`: data kinds to announce after success. `network`: use the network pool
        (channel tests) instead of the store worker. `owner`: drop the outcome when this
        widget is gone by then. `audit`: an admin change to record as a MANAGE row by "console"
        from "local" once `fn` succeeded, in the same job (store/audit.py); `audit_fields`: the names
        of the fields it changed, never their values, read when `fn` has returned (so an edit may
        fill the list as it runs; see actions.Edit).
        """
        if self._closed:
            return None
        self._pending += 1
        if self._pending == 1:
            self.busy_changed.emit(True)
        pool = self._network if network else self._store

        def job() -> None:
            try:
                result = fn()
                if audit:
                    audit_log.record(audit_log.CONSOLE, audit, ip=audit_log.LOCAL, fields=list(audit_fields))
            except BaseException as exc:  # delivered to the GUI thread, never lost
                self._delivered.emit(_Outcome(failure, exc, True, writes, owner))
                return
            self._delivered.emit(_Outcome(success, result, False, writes, owner))
        return pool.submit(job)

    def _deliver(self, outcome: "_Outcome") -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busy_changed.emit(False)
        if outcome.owner is not None and not shiboken6.isValid(outcome.owner):
            return
        if outcome.failed:
            if outcome.callback is not None:
                outcome.callback(outcome.value)
            else:
                self.failed.emit(outcome.value)
            return
        for kind in outcome.writes:
            self.data_changed.emit(kind)
        if outcome.callback is not None:
            outcome.callback(outcome.value)

    def _store_changed(self, kind: str) -> None:
        """Called in whichever thread wrote; the signal is queued to the GUI thread."""
        if not self._closed:
            self._changed.emit(kind)

    def _relay_change(self, kind: str) -> None:
        self.data_changed.emit(kind)

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking work; let what runs finish (at quit, and in tests)."""
        self._closed = True
        self._unsubscribe()
        self._network.shutdown(wait=wait, cancel_futures=True)
        self._store.shutdown(wait=wait, cancel_futures=True)


class _Outcome:
    __slots__ = ("callback", "value", "failed", "writes", "owner")

    def __init__(self, callback, value, failed, writes, owner):
        self.callback, self.value, self.failed, self.writes, self.owner = callback, value, failed, writes, owner
