"""The public home page (/), drawn from the operator's HOME_PAGE_TEMPLATE (the seed's JSON fields).

An empty template shows the built-in one (resources/portal/home_default[.<lang>].json). A stored
template that fails the shape check (saved before the check existed, or written into the database
by hand) also shows the built-in page, with a notice saying why for signed-in admins only.
"""

from __future__ import annotations

import functools
import json

from ...core.home_template import choose_template, parse_home_template
from .blueprint import RESOURCES, portal_routes
from .context import language_context, page, render, settings


@functools.lru_cache(maxsize=8)
def default_template(lang: str) -> dict:
    """The built-in template in `lang` when there is one, else in English."""
    path = RESOURCES / f"home_default.{lang}.json"
    if not path.is_file():
        path = RESOURCES / "home_default.json"
    return parse_home_template(json.loads(path.read_text("utf-8")))


def initial(name: str) -> str:
    """The tile letter shown for a card without an image."""
    return name.strip()[:1].upper() or "?"


@portal_routes.get("/")
@page
async def home_page():
    lang = language_context()["lang"]
    home, _ = choose_template(settings()["HOME_PAGE_TEMPLATE"], default_template(lang))
    problem = settings().ignored("HOME_PAGE_TEMPLATE")  # a stored template that fails its check
    return await render("home.html", title="", home=home, template_problem=problem, initial=initial)
