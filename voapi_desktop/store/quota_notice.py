"""The quota-low notice: mail a user when their balance falls below QUOTA_REMIND_THRESHOLD.

Run from the gateway's periodic housekeeping (a worker thread), never from the relay, so a
request never waits for a mail server. A notice goes out when a balance seen at or above the
threshold is next seen below it, at most once a day per user; the first look after a start only
records balances, so a restart does not mail everyone who is already low.
"""

from __future__ import annotations

import logging
import time
from typing import Callable

from ..core.mail import MailError, configuration_problem, send_mail
from ..core.mail_texts import quota_low
from ..core.pricing import to_display
from . import users
from .tables import User

log = logging.getLogger(__name__)

DAY = 24 * 3600


class QuotaReminder:
    """Remembers the balances it saw and when it last mailed each user."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self._last_seen: dict[int, int] = {}
        self._sent_at: dict[int, float] = {}

    def run(self, settings) -> int:
        """Mail the users whose balance crossed below the threshold since the last run; how many were mailed."""
        threshold = settings["QUOTA_REMIND_THRESHOLD"]
        if not threshold or configuration_problem(settings):
            self._last_seen.clear()  # turned on again later: start from a fresh look
            return 0
        rows = (User.select(User.id, User.username, User.email, User.quota)
                .where(User.deleted_at.is_null() & (User.status == users.STATUS_ENABLED)))
        sent = 0
        for user_id, username, email, quota in rows.tuples():
            before, self._last_seen[user_id] = self._last_seen.get(user_id), quota
            if before is None or before < threshold or quota >= threshold or not email:
                continue
            if self.clock() - self._sent_at.get(user_id, -DAY) < DAY:
                continue
            sent += self._notify(settings, user_id, username, email, quota, threshold)
        return sent

    def _notify(self, settings, user_id: int, username: str, email: str, quota: int, threshold: int) -> int:
        def shown(amount: int) -> str:
            return to_display(amount, settings["QUOTA_DISPLAY_TYPE"], settings["QUOTA_PER_UNIT"],
                              settings["USD_EXCHANGE_RATE"])
        base = settings["SERVER_ADDRESS"].strip().rstrip("/")
        mail = quota_low(settings["SYSTEM_NAME"], username, shown(quota), shown(threshold),
                         f"{base}/console/wallet" if base else "")
        try:
            send_mail(settings, email, *mail)
        except MailError as exc:
            log.warning("could not send the low-balance notice to user %d: %s", user_id, exc)
            return 0
        self._sent_at[user_id] = self.clock()
        return 1
