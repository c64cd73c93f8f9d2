"""Imports point down only: core <- store <- gateway <- ui; only ui imports Qt; the console reaches the
gateway through gateway.server (and the service functions it shares with the REST API) only."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "voapi_desktop"
RANK = {"core": 0, "store": 1, "gateway": 2, "ui": 3}
# DESIGN.md: ui uses gateway.server; the GUI and the REST API share one service layer (a rule lives once).
UI_GATEWAY_MODULES = {"voapi_desktop.gateway.server", "voapi_desktop.gateway.channel_admin",
                      "voapi_desktop.gateway.channel_test"}
FRAMEWORKS = {"quart", "uvicorn", "peewee", "aiohttp", "httpx", "PySide6", "diskcache", "redis", "playhouse"}


def _imported(path: Path) -> list[tuple[str, list[str]]]:
    """(absolute module, names imported from it) for each import of a file (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [alias.name for alias in node.names]
            if node.level:
                base = parts[: len(parts) - node.level]
                found.append((".".join(base + ((node.module,) if node.module else ())), names))
            else:
                found.append((node.module or "", names))
    return found


def _imports(path: Path) -> list[str]:
    """Absolute module names imported by a file (relative imports resolved)."""
    return [module for module, _ in _imported(path)]


def _gateway_modules(path: Path) -> set[str]:
    """The voapi_desktop.gateway modules a file imports, `from ..gateway import x` counted as gateway.x."""
    found = set()
    for module, names in _imported(path):
        if module == "voapi_desktop.gateway":
            found |= {f"{module}.{name}" for name in names}
        elif module.startswith("voapi_desktop.gateway."):
            found.add(module)
    return found


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


def test_the_console_uses_the_gateway_only_through_gateway_server_and_the_shared_services():
    wrong = [f"{path.relative_to(PACKAGE.parent)} imports {module}"
             for path in (PACKAGE / "ui").rglob("*.py") for module in sorted(_gateway_modules(path))
             if module not in UI_GATEWAY_MODULES]
    assert wrong == []
