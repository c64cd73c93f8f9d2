"""Fixtures of the console tests: Qt offscreen, a fresh store, the console with its gateway on port 0."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is imported anywhere

import bcrypt  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from voapi_desktop.store import users  # noqa: E402
from voapi_desktop.ui.application import Console  # noqa: E402
from voapi_desktop.ui.i18n import I18n  # noqa: E402
from voapi_desktop.ui.ops import Ops  # noqa: E402
from voapi_desktop.ui.prefs import Preferences  # noqa: E402



def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/ui/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.gui)


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """A fresh store hashes root's password; bcrypt's default cost is not what these tests are about."""
    monkeypatch.setattr(users, "hash_password",
                        lambda password: bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode())


@pytest.fixture
def prefs(tmp_path) -> Preferences:
    return Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat))


@pytest.fixture
def i18n(qapp) -> I18n:
    return I18n("en")


@pytest.fixture
def ops(qapp):
    worker = Ops()
    yield worker
    worker.shutdown()


@pytest.fixture
def console(qtbot, store, ops, i18n, prefs):
    """The whole console on a fresh store; its gateway is not started (start it with `gateway_on`)."""
    made = Console(store, ops, i18n, prefs, host="127.0.0.1", port=0)
    made.start(gateway=False)
    qtbot.waitExposed(made.window)
    yield made
    made.shutdown()
    made.window.hide()
    made.window.deleteLater()


@pytest.fixture
def gateway_on(qtbot, console):
    """The console with its gateway serving on a free port."""
    console.gateway.start()
    qtbot.waitUntil(lambda: console.gateway.running, timeout=15000)
    return console


def wait_idle(qtbot, ops: Ops, timeout: int = 10000) -> None:
    """Until every op handed to the worker has delivered its outcome."""
    qtbot.waitUntil(lambda: not ops.busy, timeout=timeout)
