"""One function per risk-control action; each runs the service call off the GUI thread."""

from __future__ import annotations

from typing import Callable

from ...store import risk as service
from ..context import Context
from . import targets

Done = Callable[[object], None] | None
Failed = Callable[[BaseException], None] | None
EVENTS_SHOWN = 5000  # newest hits loaded; older ones stay in the store


def load_events() -> list[service.RiskEventInfo]:
    return service.list_risk_events(limit=EVENTS_SHOWN)


def load_bans() -> list[service.BanInfo]:
    return service.list_bans()


def unban(ctx: Context, user_ids: list[int], *, success: Done = None, failure: Failed = None) -> None:
    """Lift the bans; success gets how many users were enabled again."""
    ctx.ops.run(lambda: sum(service.unban_user(user_id) for user_id in user_ids), writes=("user", "log"),
                success=success, failure=failure, audit=f"unban {targets('user', user_ids)}", audit_fields=["status"])
