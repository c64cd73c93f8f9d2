"""Helpers shared by the fake upstream and its per-dialect route modules.

Everything here is re-exported by ``tests.fakes.upstream`` under the same
names, so ``from tests.fakes.upstream import _vector`` keeps working.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

FIXTURES_ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "upstream"
FIXTURES_DIR = FIXTURES_ROOT / "openai"

DEFAULT_REPLY = "Hello from fake upstream."

def load_fixture(name: str, vendor: str = "openai") -> bytes:
    """Raw bytes of ``tests/fixtures/upstream/<vendor>/<name>``."""
    return (FIXTURES_ROOT / vendor / name).read_bytes()

def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)

def _words(text: Any) -> int:
    return len(text.split()) if isinstance(text, str) else 0

def _content_words(content: Any) -> int:
    if isinstance(content, str):
        return _words(content)
    if isinstance(content, list):
        n = 0
        for part in content:
            if isinstance(part, str):
                n += _words(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                n += _words(part["text"])
        return n
    return 0

def _as_list(x: Any) -> list:
    if x is None:
        return []
    return x if isinstance(x, list) else [x]

def _limit(body: dict, *names: str) -> int | None:
    for name in names:
        v = body.get(name)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None

def _truncate(reply: str, limit: int | None) -> tuple[list[str], bool]:
    words = reply.split()
    if limit is not None and limit < len(words):
        return words[: max(limit, 0)], True
    return words, False

def _word_pieces(words: list[str]) -> list[str]:
    """Each word with a trailing space, except the last one."""
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]

def _merge_usage(computed: dict, override: dict | None, a: str, b: str, total: str = "total_tokens") -> dict:
    out = dict(computed)
    if override:
        out.update(override)
        if total not in override and total in out:
            out[total] = out.get(a, 0) + out.get(b, 0)
    return out

def _vector(text: str, dims: int = 8) -> list[float]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [round((digest[i] - 128) / 1280.0, 6) for i in range(dims)]

def _sse(obj: Any, event: str | None = None) -> bytes:
    data = obj if isinstance(obj, str) else _compact(obj)
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {data}\n\n".encode()

def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex[:24]



def _tool_reply(reply: str) -> tuple[str | None, dict]:
    """``"TOOL:name {json}"`` -> (name, arguments object).  The name is None
    when the reply has none (the caller then uses its request's first tool);
    missing or unparsable JSON, or JSON that is not an object, gives ``{}``."""
    rest = reply[len("TOOL:"):].strip()
    name, _, args = rest.partition(" ")
    if not name or name.startswith("{"):
        name, args = "", rest
    try:
        obj = json.loads(args) if args.strip() else {}
    except ValueError:
        obj = {}
    return (name or None), (obj if isinstance(obj, dict) else {})


def _pieces(text: str, n: int = 3) -> list[str]:
    """``text`` cut into (at most) ``n`` consecutive non-empty fragments."""
    if not text:
        return []
    step = max(1, -(-len(text) // n))
    return [text[i : i + step] for i in range(0, len(text), step)]
