"""Settings, generated from the settings table: one section per group, an editor per type; and About."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QPushButton,
                               QScrollArea, QStackedWidget, QVBoxLayout, QWidget)

from ...core.settings import GROUPS, SETTINGS, Settings
from ...store.options import InvalidOption
from ..actions import settings as actions
from ..context import Context
from ..widgets.about_panel import AboutPanel
from ..widgets.outcome_line import OutcomeLine
from ..widgets.setting_row import SettingRow

ABOUT = "about"


class SettingsPage(QWidget):
    page_id = "settings"
    title_key = "nav.settings"

    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.settings: Settings | None = None
        self.loaded_once = self._stale = False
        self.rows: dict[str, SettingRow] = {}
        self.sections: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        title = QLabel(objectName="pageTitle")
        ctx.i18n.bind(title, "setText", self.title_key)
        layout.addWidget(title)
        layout.addLayout(self._toolbar())
        self.message = OutcomeLine()
        layout.addWidget(self.message)
        body = QHBoxLayout()
        self.nav = QListWidget(objectName="settingsNav")
        self.nav.setFixedWidth(200)
        self.nav.setSpacing(3)
        self.nav.setWordWrap(True)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        layout.addLayout(body, 1)
        reveal = bool(ctx.settings["OFF_SETTING_KEY_HIDE"])
        for group in GROUPS:
            self._add_section(group, [s for s in SETTINGS if s.group == group], reveal)
        self.about = AboutPanel(ctx)
        self._add_page(ABOUT, self.about)
        self.nav.currentRowChanged.connect(self.stack.setCurrentIndex)
        self.nav.setCurrentRow(0)
        ctx.ops.data_changed.connect(self._data_changed)

    def _toolbar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.save_button = QPushButton(objectName="primary")
        self.ctx.i18n.bind(self.save_button, "setText", "settings.save")
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton()
        self.ctx.i18n.bind(self.discard_button, "setText", "settings.discard")
        self.discard_button.clicked.connect(self.discard)
        self.search = QLineEdit(clearButtonEnabled=True)
        self.search.setMaximumWidth(240)
        self.ctx.i18n.bind(self.search, "setPlaceholderText", "settings.search")
        self.search.textChanged.connect(self._filter)
        for widget in (self.save_button, self.discard_button):
            bar.addWidget(widget)
        bar.addStretch(1)
        bar.addWidget(self.search)
        return bar

    def _add_section(self, group: str, settings: list, reveal: bool) -> None:
        inner = QWidget()
        box = QVBoxLayout(inner)
        box.setContentsMargins(4, 0, 12, 0)
        for setting in settings:
            row = SettingRow(self.ctx.i18n, setting, reveal)
            row.reset_requested.connect(self.reset_setting)
            self.rows[setting.name] = row
            box.addWidget(row)
        box.addStretch(1)
        self._add_page(group, inner)

    def _add_page(self, section: str, widget: QWidget) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setWidget(widget)
        self.stack.addWidget(scroll)
        item = QListWidgetItem()
        self.ctx.i18n.bind(self.nav, lambda text, item=item: item.setText(text), f"settings.group.{section}")
        self.nav.addItem(item)
        self.sections.append(section)

    # loading ---------------------------------------------------------------------------------

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale or not self.loaded_once:
            self.reload()

    def _data_changed(self, kind: str) -> None:
        if kind == "option":
            self._stale = True
            if self.isVisible():
                self.reload()

    def reload(self) -> None:
        self._stale = False
        runtime = self.ctx.runtime
        self.ctx.ops.run(lambda: actions.load_settings(runtime), success=self._loaded, failure=self.fail, owner=self)

    def _loaded(self, settings: Settings) -> None:
        first, self.settings, self.loaded_once = not self.loaded_once, settings, True
        for row in self.rows.values():
            pending = row.text() if not first and row.is_dirty() else None
            row.show_value(settings)
            if pending is not None:  # a reload (someone else saved) keeps what the operator typed
                row.editor.set_text(pending)
        self.about.set_update_url(str(settings["UPDATE_CHECK_URL"]))

    def dirty_rows(self) -> list[SettingRow]:
        return [row for row in self.rows.values() if row.is_dirty()]

    # one method per user action ---------------------------------------------------------------

    def save(self) -> None:
        rows = self.dirty_rows()
        for row in self.rows.values():
            row.show_error("")
        if not rows:
            self.notify(self.ctx.tr("settings.unchanged"))
            return
        values = {row.setting.name: row.text() for row in rows}
        actions.save_settings(self.ctx, values, success=self._saved, failure=self._save_failed)

    def _saved(self, saved: dict) -> None:
        self.notify(self.ctx.tr("settings.saved", count=len(saved), names=", ".join(list(saved)[:6])))
        self.reload()

    def _save_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, InvalidOption) or exc.name not in self.rows:
            self.fail(exc)
            return
        row = self.rows[exc.name]
        row.show_error(str(exc))
        self.show_section(row.setting.group)
        self.stack.currentWidget().ensureWidgetVisible(row)
        self.notify(self.ctx.tr("settings.invalid", name=exc.name, message=str(exc)), error=True)

    def discard(self) -> None:
        if self.settings is not None:
            for row in self.rows.values():
                row.show_value(self.settings)
        self.notify("")

    def reset_setting(self, name: str) -> None:
        row = self.rows[name]
        row.editor.set_text(row.original)  # the reset value replaces any unsaved edit
        actions.reset_setting(self.ctx, name, failure=self.fail,
                              success=lambda n: self.notify(self.ctx.tr("settings.was_reset", name=n)))

    def show_section(self, section: str) -> None:
        self.nav.setCurrentRow(self.sections.index(section))

    def _filter(self, text: str) -> None:
        first = None
        for row in self.rows.values():
            row.setVisible(row.matches(text))
            if first is None and text.strip() and row.matches(text):
                first = row.setting.group
        if first is not None:
            self.show_section(first)

    # messages --------------------------------------------------------------------------------

    def notify(self, text: str, error: bool = False) -> None:
        self.message.show_text(text, error)

    def fail(self, exc: BaseException) -> None:
        self.message.show_failure(self.ctx, exc)
