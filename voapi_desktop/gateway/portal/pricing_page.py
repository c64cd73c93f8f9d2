"""The public model pricing page: the models the visitor's group may use, grouped by vendor.

Models come from the snapshot's routes (models_by_group), prices from its PriceTable through
core.price_display (every figure rendered by the server; the page's script only switches between
them), descriptions from MODEL_INFO / VENDOR_INFO (Markdown, sanitized). A model MODEL_INFO does
not place is given the vendor its name suggests (core.vendor_match).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup
from quart import current_app

from ...core.price_display import PriceFigures, decimal_text, price_figures
from ...core.vendor_match import match_vendor, vendor_name
from .blueprint import portal_routes
from .context import language_context, page, render, signed_in_user
from .markdown import render_markdown

OTHER = "other"
_ICON_URL = re.compile(r"(https?://|/(?!/))[^\s\"'<>()\\]{0,500}")


@dataclass
class ModelCard:
    name: str
    vendor: str
    note: Markup
    icon: str
    tags: list[str]
    figures: PriceFigures | None  # None: the model has no price here


@dataclass
class Vendor:
    key: str
    name: str
    icon: str
    desc: Markup
    notice: Markup
    models: list[ModelCard] = field(default_factory=list)


def safe_icon(value: object) -> str:
    """An icon URL an <img> may load (http(s) or a path on this site), else ""."""
    text = str(value or "").strip()
    return text if _ICON_URL.fullmatch(text) else ""


def split_tags(value: object) -> list[str]:
    """MODEL_INFO tags: "chat|cheap" or ["chat", "cheap"]."""
    items = value if isinstance(value, list) else str(value or "").split("|")
    return [str(tag).strip()[:40] for tag in items if str(tag).strip()][:12]




def model_cards(models: list[str], model_info: dict, prices, group_ratio, current) -> list[ModelCard]:
    """One card per model, in name order, with its figures for the visitor's group."""
    cards = []
    for name in sorted(set(models)):
        info = model_info.get(name) or {}
        vendor = str(info.get("group") or "").strip().lower() or match_vendor(name) or OTHER
        price = prices.find(name)
        figures = None if price is None else price_figures(price, group_ratio, current["QUOTA_PER_UNIT"],
                                                           current["USD_EXCHANGE_RATE"])
        cards.append(ModelCard(name, vendor, render_markdown(str(info.get("note") or "")),
                               safe_icon(info.get("icon")), split_tags(info.get("tags")), figures))
    return cards


def vendors_of(cards: list[ModelCard], vendor_info: dict, other_name: str) -> list[Vendor]:
    """The vendors of these models, most models first, "other" last."""
    by_key = {str(k).strip().lower(): v for k, v in vendor_info.items()}
    vendors: dict[str, Vendor] = {}
    for card in cards:
        if card.vendor not in vendors:
            info = by_key.get(card.vendor) or {}
            fallback = other_name if card.vendor == OTHER else vendor_name(card.vendor)
            vendors[card.vendor] = Vendor(card.vendor, str(info.get("name") or fallback), safe_icon(info.get("icon")),
                                          render_markdown(str(info.get("desc") or "")),
                                          render_markdown(str(info.get("notice") or "")))
        vendors[card.vendor].models.append(card)
    return sorted(vendors.values(), key=lambda v: (v.key == OTHER, -len(v.models), v.name.lower()))


@portal_routes.get("/pricing")
@page
async def pricing_page():
    snapshot = current_app.config["VOAPI_STATE"].snapshots.current
    current = snapshot.settings
    user = await signed_in_user()
    group = user.group if user is not None and user.group else "default"
    group_ratio = snapshot.prices.group_ratio(group)
    cards = model_cards(snapshot.models_for(group), current["MODEL_INFO"] or {}, snapshot.prices,
                        group_ratio, current)
    t = language_context()["t"]
    vendors = vendors_of(cards, current["VENDOR_INFO"] or {}, t("pricing.vendor_other"))
    return await render("pricing.html", title=t("pricing.title"), cards=cards, vendors=vendors, group=group,
                        group_ratio=decimal_text(group_ratio, 4),
                        currency="cny" if current["QUOTA_DISPLAY_TYPE"] == "CNY" else "usd")
