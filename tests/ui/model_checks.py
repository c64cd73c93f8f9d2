"""What the table-model tests share: pytest-qt's model tester over a model with rows and empty, and a
model behind the search and page proxies the pages use."""

from __future__ import annotations

from voapi_desktop.ui.models.proxy import PageProxy, SearchProxy


def check_with_rows_and_empty(qtmodeltester, model, rows: list) -> None:
    """The model tester (C++ and Python) passes with `rows` (at least one) shown, then with none."""
    model.set_rows(rows)
    assert model.rowCount() == len(rows) > 0
    qtmodeltester.check(model)
    qtmodeltester.check(model, force_py=True)
    model.set_rows([])
    qtmodeltester.check(model)


def proxied(model, page_size: int) -> tuple[SearchProxy, PageProxy]:
    """`model` behind a SearchProxy behind a PageProxy of `page_size` rows, as the pages stack them."""
    search = SearchProxy()
    search.setSourceModel(model)
    page = PageProxy(page_size=page_size)
    page.setSourceModel(search)
    return search, page
