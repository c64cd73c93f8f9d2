"""The portal's languages: built-in catalogs (en, zh_CN) plus custom ones in <data dir>/i18n/portal.

A catalog is resources/portal/i18n/<code>.json merged with every resources/portal/i18n/<code>/*.json
(one fragment per page, so pages can be written side by side), flat key -> text with str.format
fields. A custom file <data dir>/i18n/portal/<code>.json (same keys) adds or overrides a language;
"_language" is its name in the switcher. A missing key falls back to English, then to the key.

The visitor's language: the `lang` cookie (set by /lang?to=<code>), else the best match of
Accept-Language (any zh -> zh_CN), else English.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

log = logging.getLogger(__name__)

BUILT_IN = Path(__file__).resolve().parents[2] / "resources" / "portal" / "i18n"
FALLBACK = "en"
COOKIE = "lang"


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("ignoring portal language file %s: %s", path.name, exc)
        return {}
    return {str(k): str(v) for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}


def load_catalogs(custom_dir: Path | None = None) -> dict[str, dict[str, str]]:
    """Every language by code: built-in catalogs and fragments, then custom files on top."""
    catalogs: dict[str, dict[str, str]] = {}
    for base in sorted(BUILT_IN.glob("*.json")):
        catalog = _read(base)
        for fragment in sorted((BUILT_IN / base.stem).glob("*.json")):
            catalog.update(_read(fragment))
        catalogs[base.stem] = catalog
    if custom_dir is not None and custom_dir.is_dir():
        for path in sorted(custom_dir.glob("*.json")):
            catalogs.setdefault(path.stem, {}).update(_read(path))
    return catalogs


def choose_language(codes: list[str], cookie: str | None, accept_language: str) -> str:
    """The cookie's language when known, else the first Accept-Language match, else English."""
    if cookie in codes:
        return cookie
    for part in accept_language.split(","):
        tag = part.split(";")[0].strip().replace("-", "_")
        if not tag:
            continue
        if tag in codes:
            return tag
        if tag.lower().startswith("zh") and "zh_CN" in codes:
            return "zh_CN"
        prefix = [code for code in codes if code.split("_")[0].lower() == tag.split("_")[0].lower()]
        if prefix:
            return prefix[0]
    return FALLBACK


def translator(catalogs: dict[str, dict[str, str]], code: str) -> Callable[..., str]:
    """t(key, **fields): the text in `code`, else English, else the key itself."""
    chosen, english = catalogs.get(code, {}), catalogs.get(FALLBACK, {})

    def t(key: str, **fields) -> str:
        text = chosen.get(key) or english.get(key) or key
        if fields:
            try:
                return text.format(**fields)
            except (KeyError, IndexError, ValueError):
                return text
        return text
    return t
