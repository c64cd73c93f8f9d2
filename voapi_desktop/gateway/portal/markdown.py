"""Operator-written Markdown made safe for a browser: rendered without raw HTML, then sanitized.

markdown-it renders with raw HTML disabled and unsafe link schemes refused; nh3 (ammonia)
then keeps only an allow-list of tags and attributes, so neither a `<script>`, an event
handler nor a `javascript:` link written into a notice ever reaches a user's page.
"""

from __future__ import annotations

import functools

from markupsafe import Markup

_TAGS = {"a", "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
         "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "img"}
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
_SCHEMES = {"http", "https", "mailto"}


@functools.lru_cache(maxsize=1)
def _parser():
    """Built at the first Markdown shown (imported then: the idle gateway does without it)."""
    from markdown_it import MarkdownIt
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table").enable("strikethrough")


@functools.lru_cache(maxsize=64)
def render_markdown(text: str) -> Markup:
    """`text` as sanitized HTML, ready for a template (Markup is not escaped again)."""
    if not text or not text.strip():
        return Markup("")
    import nh3
    html = _parser().render(text)
    clean = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, url_schemes=_SCHEMES,
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)
