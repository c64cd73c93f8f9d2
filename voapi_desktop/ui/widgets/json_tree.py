"""JSON <-> QTreeWidget: one item per key or index; leaves keep their JSON type when edited."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

KEY, VALUE, TYPE = 0, 1, 2


def type_name(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if value is None:
        return "null"
    return "string"


def _leaf_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def _add(parent, key: str, value: object) -> QTreeWidgetItem:
    item = QTreeWidgetItem(parent, [key, "", type_name(value)])
    if isinstance(value, dict):
        for child_key, child in value.items():
            _add(item, str(child_key), child)
        item.setText(VALUE, f"{{{len(value)}}}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _add(item, str(index), child)
        item.setText(VALUE, f"[{len(value)}]")
    else:
        item.setText(VALUE, _leaf_text(value))
        item.setFlags(item.flags() | Qt.ItemIsEditable)
    return item


def fill_tree(tree: QTreeWidget, value: object) -> None:
    """Show `value`; an object or array shows its members at the top level."""
    tree.clear()
    tree.setProperty("rootType", type_name(value))
    if isinstance(value, dict):
        for key, child in value.items():
            _add(tree, str(key), child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _add(tree, str(index), child)
    else:
        _add(tree, "", value)
    tree.expandToDepth(1)
    tree.resizeColumnToContents(KEY)


def _parse_leaf(item: QTreeWidgetItem, path: str) -> object:
    kind, text = item.text(TYPE), item.text(VALUE)
    if kind == "string":
        return text
    if kind == "number":
        try:
            return int(text)
        except ValueError:
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"{path}: {text!r} is not a number") from None
    if kind == "boolean":
        if text.strip().lower() not in ("true", "false"):
            raise ValueError(f"{path}: {text!r} is not true or false")
        return text.strip().lower() == "true"
    if text.strip() not in ("null", ""):
        raise ValueError(f"{path}: only null is allowed here")
    return None


def _read(item: QTreeWidgetItem, path: str) -> object:
    kind = item.text(TYPE)
    children = [item.child(i) for i in range(item.childCount())]
    if kind == "object":
        return {child.text(KEY): _read(child, f"{path}.{child.text(KEY)}") for child in children}
    if kind == "array":
        return [_read(child, f"{path}[{i}]") for i, child in enumerate(children)]
    return _parse_leaf(item, path or "value")


def read_tree(tree: QTreeWidget) -> object:
    """The value the tree shows; ValueError naming the path of a leaf that does not fit its type."""
    items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    root = tree.property("rootType")
    if root == "object":
        return {item.text(KEY): _read(item, item.text(KEY)) for item in items}
    if root == "array":
        return [_read(item, f"[{i}]") for i, item in enumerate(items)]
    return _read(items[0], "") if items else None
