"""Console admin actions write MANAGE rows as "console" through Ops.run(audit=...) (store/audit.py)."""

from __future__ import annotations

from tests.ui.conftest import wait_idle
from voapi_desktop.store.logs import MANAGE
from voapi_desktop.store.tables import Log


def test_a_console_change_is_audited_once_it_succeeded(qtbot, store, ops):
    ops.run(lambda: 1, audit="update channel 4", writes=("channel",))

    def fail():
        raise ValueError("refused")
    ops.run(fail, audit="delete channel 5", failure=lambda exc: None)
    wait_idle(qtbot, ops)
    rows = [(r.username, r.content) for r in Log.select().where(Log.type == MANAGE)]
    assert rows == [("console", "update channel 4")]
