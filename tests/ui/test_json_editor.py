"""The JSON editor: tree and text views round-trip a value; invalid JSON is shown with its position and
cannot be saved."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from voapi_desktop.ui.widgets.json_editor import TEXT, TREE, JsonEditor
from voapi_desktop.ui.widgets.json_field import JsonEditorDialog, JsonField

VALUE = {"gpt-4o": "gpt-4o-2024-08-06", "limits": {"rpm": 60, "burst": 1.5, "on": True, "note": None},
         "models": ["a", "b"], "名字": "值"}


def test_a_value_round_trips_through_both_views(qtbot, i18n):
    editor = JsonEditor(i18n, VALUE)
    qtbot.addWidget(editor)
    assert editor.mode == TREE
    assert editor.tree.topLevelItemCount() == 4
    assert editor.value() == VALUE
    editor.set_mode(TEXT)
    assert editor.value() == VALUE
    editor.set_mode(TREE)
    assert editor.value() == VALUE


def test_the_toggle_buttons_switch_views(qtbot, i18n):
    editor = JsonEditor(i18n, VALUE)
    qtbot.addWidget(editor)
    qtbot.mouseClick(editor.text_button, Qt.LeftButton)
    assert editor.mode == TEXT and '"rpm": 60' in editor.text.toPlainText()
    qtbot.mouseClick(editor.tree_button, Qt.LeftButton)
    assert editor.mode == TREE


def test_a_leaf_edited_in_the_tree_keeps_its_type(qtbot, i18n):
    editor = JsonEditor(i18n, VALUE)
    qtbot.addWidget(editor)
    limits = next(editor.tree.topLevelItem(i) for i in range(4) if editor.tree.topLevelItem(i).text(0) == "limits")
    limits.child(0).setText(1, "120")
    editor.set_mode(TEXT)
    assert editor.value()["limits"]["rpm"] == 120


def test_a_wrong_leaf_in_the_tree_is_reported_and_keeps_the_tree(qtbot, i18n):
    editor = JsonEditor(i18n, {"rpm": 60})
    qtbot.addWidget(editor)
    editor.tree.topLevelItem(0).setText(1, "sixty")
    assert not editor.valid and "rpm" in editor.error.text()
    editor.set_mode(TEXT)
    assert editor.mode == TREE


def test_invalid_json_is_shown_with_line_and_column_and_blocks_the_tree(qtbot, i18n):
    editor = JsonEditor(i18n, {})
    qtbot.addWidget(editor)
    editor.show()
    editor.set_mode(TEXT)
    with qtbot.waitSignal(editor.validity_changed) as signal:
        editor.text.setPlainText('{\n  "a": 1,\n  "b": \n}')
    assert signal.args == [False]
    assert editor.error.isVisible()
    assert "line 4, column 1" in editor.error.text()
    editor.set_mode(TREE)
    assert editor.mode == TEXT
    try:
        editor.value()
    except ValueError as exc:
        assert "line 4" in str(exc)
    else:
        raise AssertionError("invalid JSON gave a value")


def test_the_dialog_cannot_save_invalid_json_and_saves_valid_json(qtbot, i18n):
    dialog = JsonEditorDialog(i18n, "mapping", {"a": "b"}, expect=dict)
    qtbot.addWidget(dialog)
    dialog.open()
    save = dialog.buttons.button(QDialogButtonBox.Save)
    dialog.editor.set_mode(TEXT)
    dialog.editor.text.setPlainText('["not", "an", "object"]')
    assert not save.isEnabled() and "object" in dialog.editor.error.text()
    dialog._save()
    assert dialog.isVisible()
    dialog.editor.text.setPlainText('{"x": "y"}')
    assert save.isEnabled()
    qtbot.mouseClick(save, Qt.LeftButton)
    assert not dialog.isVisible() and dialog.result_value == {"x": "y"}


def test_a_json_field_takes_the_value_saved_in_its_editor(qtbot, i18n):
    field = JsonField(i18n, "channel.field.mapping", {"a": "b"})
    qtbot.addWidget(field)
    dialog = field.open_editor()
    dialog.editor.set_mode(TEXT)
    dialog.editor.text.setPlainText('{"gpt-4": "gpt-4o"}')
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.Save), Qt.LeftButton)
    assert field.value() == {"gpt-4": "gpt-4o"}
    assert field.summary.text() == '{"gpt-4": "gpt-4o"}'
