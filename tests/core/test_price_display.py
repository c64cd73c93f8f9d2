"""Price list figures: exact decimal text, tiny amounts never shown as zero."""

from __future__ import annotations

from fractions import Fraction

from voapi_desktop.core.price_display import decimal_text, price_figures
from voapi_desktop.core.pricing import ModelPrice


def test_decimal_text_rounds_half_up_trims_and_keeps_tiny_amounts_visible():
    assert decimal_text(Fraction(3, 20)) == "0.15"
    assert decimal_text(Fraction(1, 10**9)) == "0.000000001"
    assert decimal_text(Fraction(12345675, 10**7)) == "1.234568"
    assert decimal_text(Fraction(0)) == "0" and decimal_text(Fraction(1234567)) == "1,234,567"


def test_a_per_call_price_has_the_same_figure_per_1k_and_per_1m_and_takes_the_group_ratio():
    figures = price_figures(ModelPrice(price=Fraction("0.04")), Fraction("0.5"), 500_000, 7.3)
    assert figures.per_call and figures.texts == {"call-usd": "$0.02", "call-cny": "¥0.146"}
    assert figures.ratios == {"group": "0.5"}
