"""The risk page: sensitive-word hits recorded by the service show up and filter by user and time;
bans show who, why and since when, and Unban reaches the store."""

from __future__ import annotations

import openai
import pytest
from PySide6.QtCore import Qt

from tests.conftest import add_channel, make_token
from tests.ui.model_checks import check_with_rows_and_empty
from tests.ui.conftest import wait_idle
from voapi_desktop.core import clock
from voapi_desktop.store import risk, users
from voapi_desktop.store.logs import SYSTEM, list_logs
from voapi_desktop.store.options import set_option
from voapi_desktop.ui.models.risk_table import BanTableModel, RiskEventTableModel


def _page(qtbot, console):
    console.window.show_page("risk")
    wait_idle(qtbot, console.ctx.ops)
    return console.window.pages["risk"]


def _cell(table, row, key):
    return table.page_proxy.index(row, table.model.column_keys().index(key)).data()


def _hit(user, words, created_at=None, **fields):
    return risk.record_risk_event(user_id=user.id, username=user.username, token_id=3, token_name="ci-key",
                                  ip="10.0.0.9", model="gpt-4o-mini", words=words, excerpt="…please " +
                                  " ".join(words) + "\nnow…", dialect="openai", created_at=created_at, **fields)


def test_both_risk_table_models_pass_the_model_tester(qtmodeltester, console):
    alice = users.create_user("alice", "password-alice")
    _hit(alice, ["坏词", "bad"])
    risk.record_risk_event(words=["x"])  # no user, no key
    risk.ban_user(alice.id, "too many hits")
    for model, rows in ((RiskEventTableModel(console.ctx), risk.list_risk_events()),
                        (BanTableModel(console.ctx), risk.list_bans())):
        check_with_rows_and_empty(qtmodeltester, model, rows)


def test_a_hit_recorded_by_the_service_appears_with_its_words_and_filters_by_user_and_time(qtbot, console):
    alice = users.create_user("alice", "password-alice")
    bob = users.create_user("bob", "password-bob")
    page = _page(qtbot, console)
    events = page.events
    _hit(bob, ["old"], created_at=clock.now() - 3 * 86400)
    _hit(alice, ["坏词", "forbidden"], action="refused,banned")
    qtbot.waitUntil(lambda: events.model.rowCount() == 2, timeout=5000)
    events.table.sortByColumn(0, Qt.DescendingOrder)
    assert (_cell(events, 0, "risk.col.user"), _cell(events, 0, "risk.col.token"),
            _cell(events, 0, "risk.col.words")) == ("alice", "ci-key", "坏词, forbidden")
    assert _cell(events, 0, "risk.col.excerpt") == "…please 坏词 forbidden now…"  # one line in the table
    assert (_cell(events, 0, "risk.col.action"), _cell(events, 1, "risk.col.action")) == \
        ("refused, user banned", "not recorded")
    events.user_filter.setCurrentIndex(events.user_filter.findData("bob"))
    assert events.page_proxy.rowCount() == 1 and _cell(events, 0, "risk.col.words") == "old"
    events.range_filter.setCurrentIndex(events.range_filter.findData("24h"))
    assert events.page_proxy.rowCount() == 0
    events.user_filter.setCurrentIndex(0)
    assert events.page_proxy.rowCount() == 1 and _cell(events, 0, "risk.col.user") == "alice"


def test_a_request_refused_by_the_console_gateway_appears_as_a_hit(qtbot, gateway_on, upstream):
    console = gateway_on
    add_channel(upstream)
    set_option("SENSITIVE_WORDS", "forbidden\nsecret")
    key = make_token("ci-key")
    page = _page(qtbot, console)
    with openai.OpenAI(base_url=console.gateway.base_url + "/v1", api_key=key, max_retries=0) as client:
        with pytest.raises(openai.BadRequestError, match="forbidden"):
            client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[{"role": "user", "content": "tell me the forbidden word"}])
    events = page.events
    qtbot.waitUntil(lambda: events.model.rowCount() == 1, timeout=5000)
    assert (_cell(events, 0, "risk.col.user"), _cell(events, 0, "risk.col.token"), _cell(events, 0, "risk.col.words"),
            _cell(events, 0, "risk.col.action")) == ("root", "ci-key", "forbidden", "refused")
    assert "forbidden" in _cell(events, 0, "risk.col.excerpt")
    assert upstream.requests == []


def test_bans_show_reason_and_time_and_unban_reaches_the_store(qtbot, console):
    alice = users.create_user("alice", "password-alice")
    bob = users.create_user("bob", "password-bob")
    risk.ban_user(alice.id, "3 sensitive-word hits on 2025-03-01 (last: bad)")
    users.set_user_enabled(bob.id, False)
    page = _page(qtbot, console)
    page.tabs.setCurrentWidget(page.bans)
    bans = page.bans
    qtbot.waitUntil(lambda: bans.model.rowCount() == 2, timeout=5000)
    bans.table.sortByColumn(0, Qt.AscendingOrder)
    assert _cell(bans, 0, "risk.bans.col.user") == "alice"
    assert _cell(bans, 0, "risk.bans.col.reason").startswith("3 sensitive-word hits")
    assert _cell(bans, 0, "risk.bans.col.since") == console.ctx.time(risk.list_bans()[0].since)
    assert _cell(bans, 1, "risk.bans.col.reason") == "banned on the Users page (no reason recorded)"
    assert _cell(bans, 1, "risk.bans.col.until") == "until unbanned"
    bans.table.selectRow(0)
    bans.unban_selected()
    qtbot.waitUntil(lambda: bans.model.rowCount() == 1, timeout=5000)
    assert "Unbanned 1 users: alice" in bans.message.text()
    assert users.get_user(alice.id).enabled and not users.get_user(bob.id).enabled
    assert any(row["type"] == SYSTEM and row["content"] == "user enabled: ban lifted"
               for row in list_logs(username="alice"))


def test_the_page_speaks_chinese(qtbot, console):
    page = _page(qtbot, console)
    console.ctx.i18n.set_language("zh_CN")
    assert (page.title.text(), page.tabs.tabText(0), page.tabs.tabText(1)) == ("风控", "敏感词命中", "封禁")
    assert page.events.model.headerData(3, Qt.Horizontal) == "命中词"
    console.ctx.i18n.set_language("en")
    assert page.tabs.tabText(1) == "Bans"
