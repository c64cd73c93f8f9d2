"""The README documents every setting of the settings table."""

from __future__ import annotations

from pathlib import Path

from voapi_desktop.core.settings import SETTINGS, docs_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_has_the_settings_table_as_generated():
    assert docs_markdown().strip() in README.read_text(), \
        "README.md's settings table is stale: run scripts/update-readme-settings"


def test_every_setting_is_named_in_the_readme():
    text = README.read_text()
    assert [s.name for s in SETTINGS if f"`{s.name}`" not in text] == []
