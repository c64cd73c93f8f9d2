"""Top-up orders: migration 7, the terms of an order, completing it once and only for its own money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from voapi_desktop.core.settings import Settings
from voapi_desktop.store import migrations, topup, users
from voapi_desktop.store.db import open_database
from voapi_desktop.store.errors import InvalidInput, NotFound
from voapi_desktop.store.tables import TopUpOrder, User


def test_migration_7_adds_the_order_table_and_keeps_users(tmp_path):
    db = open_database(tmp_path)
    migrations.migrate(db, upto=6)
    assert "top_up" not in db.get_tables()
    User.create(username="old", password="x", quota=7)
    assert migrations.migrate(db, upto=7) == 7
    assert "top_up" in db.get_tables()
    assert {c.name for c in db.get_columns("top_up")} >= {"trade_no", "user_id", "amount", "money", "quota",
                                                          "payment_method", "status", "create_time", "complete_time"}
    assert User.get(User.username == "old").quota == 7
    db.close()


def _settings(**options) -> Settings:
    return Settings.load(env={}, options={"MIN_TOP_UP": "5", "EPAY_PRICE": "7.3", **options})


@pytest.mark.parametrize("amount, says", [(4, "smallest"), (True, "whole number"), (2.0, "whole number"),
                                          (topup.MAX_AMOUNT + 1, "largest")])
def test_order_terms_refuse_bad_amounts(amount, says):
    with pytest.raises(InvalidInput, match=says):
        topup.order_terms(amount, _settings())


def test_order_terms_are_exact():
    assert topup.order_terms(5, _settings()) == (Decimal("36.50"), 2_500_000)
    with pytest.raises(InvalidInput, match="EPAY_PRICE"):
        topup.order_terms(5, _settings(EPAY_PRICE="0"))


def test_an_order_completes_once_and_only_for_its_money_and_provider(store):
    user = users.create_user("payer", "password-123")
    order = topup.create_order(user.id, 5, Decimal("36.50"), 2_500_000, "alipay")
    assert order.trade_no.startswith(f"USR{user.id}NO") and order.status == topup.PENDING
    with pytest.raises(InvalidInput, match="costs 36.50"):
        topup.complete_order(order.trade_no, Decimal("36.49"))
    with pytest.raises(InvalidInput, match="not placed with stripe"):
        topup.complete_order(order.trade_no, Decimal("36.50"), provider="stripe")
    with pytest.raises(NotFound):
        topup.complete_order("USR1NOnothing", Decimal("36.50"))
    assert User.get_by_id(user.id).quota == 0
    assert topup.complete_order(order.trade_no, Decimal("36.5"), "EP1") is True
    assert topup.complete_order(order.trade_no, Decimal("36.50"), "EP1") is False
    assert User.get_by_id(user.id).quota == 2_500_000
    assert TopUpOrder.get(TopUpOrder.trade_no == order.trade_no).status == topup.SUCCESS
