"""Admin actions as MANAGE log rows: who, what, from where. The one place that writes them.

The REST API writes one through `api_route(..., audit="update channel {id}")` with the signed-in
user and the client's address; the console through `Ops.run(..., audit="...")` as CONSOLE and the
command line through `commands.audited(...)` as CLI (with the OS account in `other.os_user`), both
from LOCAL, since neither comes over the network. The row
names the changed fields, never their values (a channel key or a secret setting is a field like any
other), and the action text goes through the log redaction as well.
"""

from __future__ import annotations

from ..core.redact import redact
from .changes import publish
from .logs import MANAGE, LogEntry
from .tables import Log

CONSOLE = "console"
CLI = "cli"
LOCAL = "local"  # the "IP" of a change made on this machine (console, command line)
MAX_ACTION = 200


def record(actor: str, action: str, *, ip: str = "", user_id: int = 0, fields: list[str] | tuple = (),
           os_user: str = "") -> None:
    """Write one MANAGE row: `actor` (a username, CONSOLE or CLI) did `action` from `ip`."""
    other = {"fields": sorted(set(fields))} if fields else {}
    if os_user:
        other["os_user"] = os_user[:64]
    Log.insert(LogEntry(MANAGE, user_id=user_id, username=actor, ip=ip, content=redact(action)[:MAX_ACTION],
                        other=other).row()).execute()
    publish("log")


def describe(template: str, values: dict) -> str:
    """`template` with {name} filled from `values` (path params, body fields); a missing name stays empty."""
    class Missing(dict):
        def __missing__(self, key):
            return ""
    safe = Missing({k: str(v)[:64] for k, v in values.items() if isinstance(v, (str, int, float))})
    return template.format_map(safe).strip()
