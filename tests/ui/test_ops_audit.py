"""Console admin actions write MANAGE rows as "console" from "local" through Ops.run(audit=...) (store/audit.py);
each action is checked in test_console_audit.py."""

from __future__ import annotations

from tests.ui.conftest import wait_idle
from voapi_desktop.store.logs import MANAGE
from voapi_desktop.store.tables import Log


def test_a_console_change_is_audited_once_it_succeeded(qtbot, store, ops):
    changed: list[str] = []
    ops.run(lambda: changed.append("priority"), audit="update channel 4", audit_fields=changed, writes=("channel",))

    def fail():
        raise ValueError("refused")
    ops.run(fail, audit="delete channel 5", failure=lambda exc: None)
    wait_idle(qtbot, ops)
    rows = [(r.username, r.ip, r.content, r.other) for r in Log.select().where(Log.type == MANAGE)]
    assert rows == [("console", "local", "update channel 4", '{"fields":["priority"]}')]
