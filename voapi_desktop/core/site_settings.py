"""Shape checks for the portal's site settings: theme colour, custom menus, header style and footer script.

The theme colour goes into a CSS variable and a <meta> tag, so it is held to a strict grammar (hex,
or rgb()/rgba()/hsl()/hsla() of numbers) rather than escaped. Menu entries are shown escaped; their
URLs may only be http(s) links or paths on this site. The header style and footer script are the
operator's own code (root only): they are checked only for the wrapper tags people paste by habit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .json_entries import text_fields

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3,4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})")
_NUMBER = r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:%|deg)?\s*"
_FUNCTION = re.compile(rf"(?:rgba?|hsla?)\((?:{_NUMBER},){{2}}{_NUMBER}(?:[,/]{_NUMBER})?\)", re.IGNORECASE)
_URL = re.compile(r"(?:https?://[^\s\"'<>`]+|/(?!/)[^\s\"'<>`\\]*)")
MAX_MENU_ENTRIES = 20


@dataclass(frozen=True)
class MenuEntry:
    name: str
    url: str
    icon: str = ""

    @property
    def external(self) -> bool:
        return self.url.startswith(("http://", "https://"))

    @property
    def icon_is_image(self) -> bool:
        return self.icon.startswith(("http://", "https://", "/"))


def check_theme_color(value: object) -> None:
    """Raise ValueError unless `value` is empty or a CSS colour of the accepted grammar."""
    text = value.strip() if isinstance(value, str) else value
    if text == "":
        return
    if not isinstance(text, str) or not (_HEX.fullmatch(text) or _FUNCTION.fullmatch(text)):
        raise ValueError("a CSS colour such as #1664ff, rgb(22, 100, 255) or hsl(220, 100%, 54%)")


def parse_menu(value: object) -> list[MenuEntry]:
    """The entries of a PORTAL_TOP_MENU / PORTAL_SIDEBAR_MENU value; ValueError names the bad one."""
    if not isinstance(value, list):
        raise ValueError("a JSON list of {name, url, icon} objects")
    if len(value) > MAX_MENU_ENTRIES:
        raise ValueError(f"at most {MAX_MENU_ENTRIES} entries")
    return [_entry(number, entry) for number, entry in enumerate(value, 1)]


def check_menu(value: object) -> None:
    parse_menu(value)


def _entry(number: int, entry: object) -> MenuEntry:
    fields = text_fields(number, entry, {"name": 40, "url": 1000, "icon": 1000})
    if not _URL.fullmatch(fields["url"]):
        raise ValueError(f"entry {number}: 'url' must be an http(s) link or a path on this site such as /pricing")
    icon = fields["icon"]
    if icon and not _URL.fullmatch(icon) and (len(icon) > 4 or any(c in icon for c in "<>\"'&")):
        raise ValueError(f"entry {number}: 'icon' must be an image URL or a short symbol such as an emoji")
    return MenuEntry(**fields)


def check_header_style(value: object) -> None:
    if isinstance(value, str) and re.search(r"<\s*/?\s*style", value, re.IGNORECASE):
        raise ValueError("the CSS rules themselves, without <style> tags")


def check_footer_script(value: object) -> None:
    if isinstance(value, str) and re.search(r"<\s*/?\s*script", value, re.IGNORECASE):
        raise ValueError("the JavaScript itself, without <script> tags")


def neutralise_end_tag(code: str, tag: str) -> str:
    """`code` safe to place inside a raw <style>/<script> element: it cannot end the element early."""
    text = re.sub(rf"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")
