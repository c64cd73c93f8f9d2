"""Periodic jobs of a running gateway: snapshot sync, channel tests."""

from __future__ import annotations

import asyncio
import logging
import time

from ..store.channels import list_channels
from .channel_test import test_all
from .state import GatewayState

log = logging.getLogger(__name__)


async def run_periodic_jobs(state: GatewayState, tick: float = 1.0) -> None:
    """Every `tick` seconds, run whatever job is due (settings may change while running)."""
    last_sync = last_test = time.monotonic()
    while True:
        await asyncio.sleep(tick)
        settings = state.snapshots.current.settings
        now = time.monotonic()
        if settings["SYNC_FREQUENCY"] and now - last_sync >= settings["SYNC_FREQUENCY"]:
            last_sync = now
            await _guarded(asyncio.to_thread(state.snapshots.reload), "snapshot sync")
        minutes = settings["CHANNEL_TEST_FREQUENCY"]
        if minutes and now - last_test >= minutes * 60:
            last_test = now
            channels = await asyncio.to_thread(list_channels)
            await _guarded(test_all(channels, settings), "channel tests")


async def _guarded(job, name: str) -> None:
    try:
        await job
    except Exception:  # a failed round must not stop later rounds
        log.exception("periodic job %s failed", name)
