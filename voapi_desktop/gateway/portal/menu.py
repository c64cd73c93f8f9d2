"""The public pages' top menu: (path, text key). One line per page; the operator's own entries come
from the portal settings on top of these."""

from __future__ import annotations

PUBLIC_MENU = (
    ("/", "menu.home"),
    ("/pricing", "menu.pricing"),
    ("/docs", "menu.docs"),
    ("/playground", "menu.playground"),
    ("/chat", "menu.chat"),
    ("/lines", "menu.lines"),
    ("/status", "menu.status"),
)
