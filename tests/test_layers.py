"""Imports point down only: core <- store <- gateway <- ui; only ui imports Qt."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voapi_desktop"
RANK = {"core": 0, "store": 1, "gateway": 2, "ui": 3}
FRAMEWORKS = {"quart", "uvicorn", "peewee", "aiohttp", "httpx", "PySide6", "diskcache", "redis", "playhouse"}


def _imports(path: Path) -> list[str]:
    """Absolute module names imported by a file (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = parts[: len(parts) - node.level]
                names.append(".".join(base + ((node.module,) if node.module else ())))
            else:
                names.append(node.module or "")
    return names


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "voapi_desktop" and parts[1] in RANK else None


def test_imports_never_point_up_a_layer():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        own = _layer(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if own is None:
            continue
        for module in _imports(path):
            target = _layer(module)
            if target is not None and RANK[target] > RANK[own]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)} imports {module}")
    assert wrong == []


def test_only_ui_imports_pyside6_and_core_imports_no_framework():
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent)
        own = _layer(".".join(rel.with_suffix("").parts))
        for module in _imports(path):
            top = module.split(".")[0]
            if top == "PySide6" and own != "ui" and rel.name != "app.py":
                wrong.append(f"{rel} imports {module}")
            if own == "core" and top in FRAMEWORKS:
                wrong.append(f"{rel} (core) imports {module}")
    assert wrong == []
