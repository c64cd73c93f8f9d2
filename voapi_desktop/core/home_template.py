"""The portal home page's template: the seed's fields, their shapes, and what a browser may be given.

A template is a JSON object with exactly these fields (all optional; `{}` means the built-in page):
`name`, `desc`, `bgImg`, `notes` [text], `hideAiModels`, `aiTitle`, `aiModels` [{name, link, img}],
`hidePlatforms`, `platformsTitle`, `platforms` [{name, link, img}], `stepsImg`, `steps` [{name, desc}],
`qas` [{q, a}], `hideAdvantages`, `advantageImg`, `advantages` [{content, extra, icon, color}].

Links and images are http(s) URLs or paths on this site (`/...`); images may also be
`data:image/(png|jpeg|gif|webp);base64,...` (no SVG: an SVG data URL can carry script).
Colours are #rgb / #rrggbb(aa), rgb()/rgba()/hsl()/hsla() or a CSS colour name; icons are class names.
Text is plain text (the page escapes it); only the answers of `qas` are Markdown, sanitized when shown.
"""

from __future__ import annotations

import re

TEXT_FIELDS = ("name", "desc", "aiTitle", "platformsTitle")
IMAGE_FIELDS = ("bgImg", "stepsImg", "advantageImg")
FLAG_FIELDS = ("hideAiModels", "hidePlatforms", "hideAdvantages")
_CARD = {"name": "text", "link": "link", "img": "image"}
LISTS = {  # list field -> (shape of one entry, at most this many entries)
    "aiModels": (_CARD, 60),
    "platforms": (_CARD, 60),
    "steps": ({"name": "text", "desc": "text"}, 20),
    "qas": ({"q": "text", "a": "text"}, 50),
    "advantages": ({"content": "text", "extra": "text", "icon": "icon", "color": "color"}, 20),
}
FIELDS = (*TEXT_FIELDS, *IMAGE_FIELDS, *FLAG_FIELDS, "notes", *LISTS)
MAX_NOTES, MAX_TEXT, MAX_URL, MAX_DATA_IMAGE = 20, 2000, 2048, 200_000

_LINK = re.compile(r"(https?://[^\s\"'<>\\`]+|/(?![/\\])[^\s\"'<>\\`]*)", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}", re.IGNORECASE)
_COLOR = re.compile(r"#[0-9a-f]{3,4}|#[0-9a-f]{6}|#[0-9a-f]{8}|[a-z]{3,20}"
                    r"|(rgb|hsl)a?\(\s*[0-9.%]+(\s*[, ]\s*[0-9.%]+){2}(\s*[,/]\s*[0-9.%]+)?\s*\)", re.IGNORECASE)
_ICON = re.compile(r"[A-Za-z][\w-]{0,63}( [A-Za-z][\w-]{0,63}){0,3}")


class TemplateError(ValueError):
    """The template does not have the seed's shape; the message names the field and what to fix."""


def is_link(text: str) -> bool:
    """An http(s) URL or a path on this site; never javascript:, data: or a protocol-relative //host."""
    return len(text) <= MAX_URL and _LINK.fullmatch(text) is not None


def is_image(text: str) -> bool:
    """A link, or a base64 raster data URL (no SVG) of a reasonable size."""
    return is_link(text) or (len(text) <= MAX_DATA_IMAGE and _DATA_IMAGE.fullmatch(text) is not None)


def is_color(text: str) -> bool:
    return len(text) <= 64 and _COLOR.fullmatch(text) is not None


def _value(where: str, kind: str, value: object) -> object:
    if kind == "flag":
        if not isinstance(value, bool):
            raise TemplateError(f"{where} must be true or false")
        return value
    if not isinstance(value, str):
        raise TemplateError(f"{where} must be text")
    text = value.strip()
    if kind == "text" and len(text) > MAX_TEXT:
        raise TemplateError(f"{where} is longer than {MAX_TEXT} characters")
    if not text or kind == "text":
        return text
    if kind == "link" and not is_link(text):
        raise TemplateError(f"{where} must be an http(s) URL or a path on this site (/...)")
    if kind == "image" and not is_image(text):
        raise TemplateError(f"{where} must be an image URL (http(s) or /...) or a data:image/png|jpeg|gif|webp "
                            f"base64 URL")
    if kind == "color" and not is_color(text):
        raise TemplateError(f"{where} must be a CSS colour such as #1664ff, rgb(22, 100, 255) or teal")
    if kind == "icon" and not _ICON.fullmatch(text):
        raise TemplateError(f"{where} must be icon class names (letters, digits, - and _)")
    return text


def _entries(field: str, value: object) -> list[dict]:
    shape, limit = LISTS[field]
    if not isinstance(value, list):
        raise TemplateError(f"{field} must be a list")
    if len(value) > limit:
        raise TemplateError(f"{field} has {len(value)} entries; at most {limit}")
    entries = []
    for number, entry in enumerate(value, 1):
        if not isinstance(entry, dict):
            raise TemplateError(f"{field} entry {number} must be an object with {', '.join(shape)}")
        unknown = sorted(set(entry) - set(shape))
        if unknown:
            raise TemplateError(f"{field} entry {number}: unknown field {unknown[0]!r} ({', '.join(shape)})")
        entries.append({key: _value(f"{field} entry {number}: {key!r}", kind, entry.get(key, ""))
                        for key, kind in shape.items()})
    return entries


def _notes(value: object) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_NOTES:
        raise TemplateError(f"notes must be a list of at most {MAX_NOTES} lines of text")
    notes = [_value(f"notes line {number}", "text", line) for number, line in enumerate(value, 1)]
    return [line for line in notes if line]


def parse_home_template(value: object) -> dict:
    """Every field of the template, checked and filled in (missing text "", lists [], flags false)."""
    if not isinstance(value, dict):
        raise TemplateError("the home page template must be a JSON object")
    unknown = sorted(set(value) - set(FIELDS))
    if unknown:
        raise TemplateError(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    parsed: dict = {name: _value(repr(name), "text", value.get(name, "")) for name in TEXT_FIELDS}
    parsed |= {name: _value(repr(name), "image", value.get(name, "")) for name in IMAGE_FIELDS}
    parsed |= {name: _value(repr(name), "flag", value.get(name, False)) for name in FLAG_FIELDS}
    parsed["notes"] = _notes(value.get("notes", []))
    parsed |= {name: _entries(name, value.get(name, [])) for name in LISTS}
    return parsed


def check_home_template(value: object) -> None:
    """The HOME_PAGE_TEMPLATE setting's check: raise ValueError when the shape is wrong."""
    parse_home_template(value)


def choose_template(stored: object, default: dict) -> tuple[dict, str | None]:
    """The template to show and, when the stored one is refused, why: `{}` or nothing means the default."""
    if stored in (None, "", {}):
        return default, None
    try:
        return parse_home_template(stored), None
    except TemplateError as exc:
        return default, str(exc)
