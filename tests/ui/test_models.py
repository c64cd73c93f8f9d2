"""Every table model and proxy passes pytest-qt's model tester, with real rows from the store."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.model_checks import check_with_rows_and_empty, proxied
from tests.ui.seed import seed
from voapi_desktop.store import channels, tokens, users
from voapi_desktop.ui.models.channel_table import ChannelTableModel
from voapi_desktop.ui.models.log_table import LogTableModel
from voapi_desktop.ui.models.proxy import SearchProxy
from voapi_desktop.ui.models.table_model import ROW_ROLE
from voapi_desktop.ui.models.token_table import TokenTableModel
from voapi_desktop.ui.models.user_table import UserTableModel
from voapi_desktop.store.log_queries import LogFilter, query_logs


def _rows(kind: str) -> list:
    return {"channel": channels.list_channels, "token": tokens.list_tokens, "user": users.list_users,
            "log": lambda: query_logs(LogFilter())[0]}[kind]()


MODELS = [(ChannelTableModel, "channel"), (TokenTableModel, "token"), (UserTableModel, "user"),
          (LogTableModel, "log")]


@pytest.mark.parametrize("model_class, kind", MODELS)
def test_table_model_passes_the_model_tester(qtmodeltester, console, model_class, kind):
    seed()
    check_with_rows_and_empty(qtmodeltester, model_class(console.ctx), _rows(kind))


@pytest.mark.parametrize("model_class, kind", MODELS)
def test_search_and_page_proxies_pass_the_model_tester(qtmodeltester, console, model_class, kind):
    seed()
    model = model_class(console.ctx)
    search, page = proxied(model, page_size=2)
    model.set_rows(_rows(kind))
    search.sort(1, Qt.DescendingOrder)
    search.set_search("a")
    page.set_page(1)
    qtmodeltester.check(search)
    qtmodeltester.check(page)


def test_channel_rows_show_status_and_sort_by_priority(console):
    seed()
    model = ChannelTableModel(console.ctx)
    proxy = SearchProxy()
    proxy.setSourceModel(model)
    model.set_rows(channels.list_channels())
    column = model.column_keys().index("channels.col.priority")
    proxy.sort(column, Qt.DescendingOrder)
    names = [proxy.index(r, 1).data() for r in range(proxy.rowCount())]
    assert names == ["openai-main", "deepseek", "claude-backup"]
    status = model.column_keys().index("channels.col.status")
    assert proxy.index(2, status).data() == "Auto-disabled"


def test_search_words_and_predicates_filter_rows(console):
    seed()
    model = UserTableModel(console.ctx)
    proxy = SearchProxy()
    proxy.setSourceModel(model)
    model.set_rows(users.list_users())
    proxy.set_search("alice example")
    assert [proxy.index(r, 0).data(ROW_ROLE).username for r in range(proxy.rowCount())] == ["alice"]
    proxy.set_search("")
    proxy.set_predicate("role", lambda u: u.role == users.ROLE_ADMIN)
    assert [proxy.index(r, 0).data(ROW_ROLE).username for r in range(proxy.rowCount())] == ["bob"]


def test_page_proxy_shows_one_page_of_the_sorted_rows(console):
    seed()
    model = LogTableModel(console.ctx)
    _search, page = proxied(model, page_size=25)
    model.set_rows(query_logs(LogFilter(), page_size=60)[0])
    assert (page.rowCount(), page.page_count()) == (25, 3)
    page.set_page(2)
    assert page.rowCount() == 10
    page.set_page(99)
    assert page.page == 2


def test_revealing_a_token_shows_its_full_key(console):
    seed()
    model = TokenTableModel(console.ctx)
    model.set_rows(tokens.list_tokens())
    key_column = model.column_keys().index("tokens.col.key")
    token = model.row_at(0)
    assert model.index(0, key_column).data() != "sk-" + token.key
    assert "****" in model.index(0, key_column).data()
    model.toggle_revealed([token.id])
    assert model.index(0, key_column).data() == "sk-" + token.key
