"""The layout's site chrome from the settings: SEO tags, theme colour, menus, notice banner, operator code.

HEADER_STYLE and FOOTER_SCRIPT are the root operator's own CSS and JavaScript (the options API and
the settings table allow only root to set them); they are emitted as written, with only the closing
tag neutralised so they cannot end their element early. Everything else is escaped by the template
or, for the notice, rendered as sanitized Markdown.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from markupsafe import Markup
from quart import request

from ...core.site_settings import neutralise_end_tag, parse_menu
from .markdown import render_markdown
from .menu import PUBLIC_MENU

CONSOLE_MENU = (("/console/wallet", "nav.wallet"), ("/console/keys", "nav.keys"), ("/console/usage", "nav.usage"))
DEFAULT_THEME = "#1664ff"
# Texts portal.js shows (toasts), handed over in the body's data-texts attribute.
SCRIPT_TEXTS = ("js.no_answer", "js.failed", "js.done", "js.copied", "js.email_first", "js.code_sent",
                "js.too_many")


def current_path() -> str:
    """This page's path and query, for links that come back here."""
    return request.full_path.rstrip("?")


def lang_url(code: str) -> str:
    return "/lang?" + urlencode({"to": code, "next": current_path()})


def notice_banner(text: str) -> tuple[Markup, str]:
    """The NOTICE as sanitized HTML and an id that changes with its text (a dismissal lasts until then)."""
    html = render_markdown(text)
    return html, hashlib.sha256(text.encode()).hexdigest()[:12] if html else ""


def chrome_context(current, t) -> dict:
    """What base.html needs besides the user: head tags, menus, banner, operator code, script texts."""
    notice, notice_id = notice_banner(current["NOTICE"])
    return {
        "seo": {"title": current["SEO_TITLE"].strip(), "description": current["SEO_DESCRIPTION"].strip(),
                "keywords": current["SEO_KEYWORDS"].strip()},
        "theme_color": current["THEME_COLOR"].strip(), "default_theme": DEFAULT_THEME,
        "menu": PUBLIC_MENU, "nav": CONSOLE_MENU,
        "top_menu": parse_menu(current["PORTAL_TOP_MENU"]), "sidebar_menu": parse_menu(current["PORTAL_SIDEBAR_MENU"]),
        "notice_banner": notice, "notice_id": notice_id, "lang_url": lang_url,
        "header_style": Markup(neutralise_end_tag(current["HEADER_STYLE"], "style")),
        "footer_script": Markup(neutralise_end_tag(current["FOOTER_SCRIPT"], "script")),
        "script_texts": {key: t(key) for key in SCRIPT_TEXTS},
        "footer": render_markdown(current["FOOTER"]),
    }
