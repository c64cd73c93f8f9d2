"""The GUI thread never waits on the store: with a slow store the event loop keeps running."""

from __future__ import annotations

import time

from PySide6.QtCore import QElapsedTimer, QTimer

from tests.ui.conftest import wait_idle
from voapi_desktop.ui.actions import channels as channel_actions

SLOW = 1.5
LONGEST_PAUSE_MS = 500  # a blocked GUI thread would pause for the whole SLOW seconds


def _tick_gaps(qtbot, until) -> list[int]:
    """Milliseconds between ticks of a 10 ms timer while waiting for `until()`."""
    gaps, clock = [], QElapsedTimer()
    clock.start()

    def tick() -> None:
        gaps.append(clock.restart())
    timer = QTimer(interval=10)
    timer.timeout.connect(tick)
    timer.start()
    qtbot.waitUntil(until, timeout=int(SLOW * 1000) + 5000)
    timer.stop()
    return gaps[1:]  # the first one also holds the timer's start-up


def test_a_slow_store_read_does_not_block_the_event_loop(qtbot, console, monkeypatch):
    def slow_list():
        time.sleep(SLOW)
        return []
    monkeypatch.setattr(channel_actions, "load_channels", slow_list)
    page = console.window.pages["channels"]
    page.loaded_once = False
    started = time.monotonic()
    page.reload()
    assert time.monotonic() - started < 0.1  # handed to the worker, not run here
    assert console.ctx.ops.busy
    gaps = _tick_gaps(qtbot, lambda: not console.ctx.ops.busy)
    assert len(gaps) >= SLOW * 1000 / 50
    assert max(gaps) < LONGEST_PAUSE_MS


def test_a_slow_write_does_not_block_and_its_outcome_arrives_later(qtbot, console, monkeypatch):
    from voapi_desktop.store import channels as service
    real_create = service.create_channel

    def slow_create(**fields):
        time.sleep(SLOW)
        return real_create(**fields)
    monkeypatch.setattr(service, "create_channel", slow_create)
    results = []
    started = time.monotonic()
    channel_actions.create_channel(console.ctx, {"type": 1, "name": "slow", "key": "k", "models": "m"},
                                   success=results.append)
    assert time.monotonic() - started < 0.1 and results == []
    gaps = _tick_gaps(qtbot, lambda: bool(results))
    assert results[0].name == "slow"
    assert max(gaps) < LONGEST_PAUSE_MS
    wait_idle(qtbot, console.ctx.ops)


def test_steady_writes_still_refresh_a_visible_page(qtbot, console, monkeypatch):
    """The ledger announces a write every 0.2 s under load: the page reloads at a steady pace, not never."""
    loads = []
    monkeypatch.setattr(channel_actions, "load_channels", lambda: loads.append(1) or [])
    page = console.window.pages["channels"]
    console.window.show_page("channels")
    wait_idle(qtbot, console.ctx.ops)
    loads.clear()
    ticker = QTimer(interval=100)
    ticker.timeout.connect(lambda: console.ctx.ops.data_changed.emit("channel"))
    ticker.start()
    qtbot.wait(1500)
    ticker.stop()
    assert 3 <= len(loads) <= 8
