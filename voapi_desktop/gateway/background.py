"""Periodic jobs of a running gateway: snapshot sync, channel tests, quota clear,
log retention, refunds of reservations a crash left behind, and expired mail codes."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone

from ..core import clock
from ..store.billing import release_stale_reservations
from ..store.channels import list_channels
from ..store.leases import make_leases
from ..store.log_archive import delete_logs_before
from ..store.quota_clear import run_quota_clear
from ..store.quota_notice import QuotaReminder
from ..store.verification import delete_expired_codes
from .channel_test import test_all
from .state import GatewayState

log = logging.getLogger(__name__)

HOUSEKEEPING_EVERY = 60.0  # seconds between quota-clear / retention / reservation checks
# A reservation this old belongs to a request that can no longer be running (a crash left it):
# streams are cut by STREAMING_TIMEOUT long before, so refunding it cannot undercharge a live one.
STALE_RESERVATION_SECONDS = 24 * 3600


async def run_periodic_jobs(state: GatewayState, tick: float = 1.0) -> None:
    """Every `tick` seconds, run whatever job is due (settings may change while running)."""
    last_sync = last_test = time.monotonic()
    last_housekeeping = -HOUSEKEEPING_EVERY
    reminder = QuotaReminder()  # low-balance mails, off the relay
    # Jobs for the whole cluster run on one instance per period (a lease in Redis or the database);
    # a slave runs none of them. The snapshot sync is every instance's own.
    leases = make_leases(state.snapshots.current.settings)
    leader = state.snapshots.current.settings["NODE_TYPE"] != "slave"

    async def ours(job: str, period: float) -> bool:
        return leader and await asyncio.to_thread(leases.claim, job, max(period - 2 * tick, tick))

    while True:
        settings = state.snapshots.current.settings
        now = time.monotonic()
        if now - last_housekeeping >= HOUSEKEEPING_EVERY:
            last_housekeeping = now
            if await _guarded(ours("housekeeping", HOUSEKEEPING_EVERY), "housekeeping lease"):
                await _guarded(asyncio.to_thread(housekeeping, settings), "housekeeping")
                await _guarded(asyncio.to_thread(reminder.run, settings), "quota notices")
        if settings["SYNC_FREQUENCY"] and now - last_sync >= settings["SYNC_FREQUENCY"]:
            last_sync = now
            await _guarded(asyncio.to_thread(state.snapshots.reload), "snapshot sync")
        minutes = settings["CHANNEL_TEST_FREQUENCY"]
        if minutes and now - last_test >= minutes * 60:
            last_test = now
            if await _guarded(ours("channel-tests", minutes * 60), "channel tests lease"):
                channels = await asyncio.to_thread(list_channels)
                await _guarded(test_all(channels, settings), "channel tests")
        await asyncio.sleep(tick)


def housekeeping(settings) -> None:
    """The blocking daily-ish jobs (run in a worker thread)."""
    cleared = run_quota_clear(settings, datetime.now(timezone.utc))  # also forgets its state when off
    if cleared:
        log.info("cleared the balances of %d users", cleared)
    if settings["LOG_RETENTION_DAYS"]:
        deleted = delete_logs_before(clock.now() - settings["LOG_RETENTION_DAYS"] * 86400)
        if deleted:
            log.info("deleted %d log rows older than %d days", deleted, settings["LOG_RETENTION_DAYS"])
    released = release_stale_reservations(clock.now() - STALE_RESERVATION_SECONDS)
    if released:
        log.warning("refunded %d reservations left by an earlier crash", released)
    delete_expired_codes()


async def _guarded(job, name: str):
    try:
        return await job
    except Exception:  # a failed round must not stop later rounds
        log.exception("periodic job %s failed", name)
        return None
