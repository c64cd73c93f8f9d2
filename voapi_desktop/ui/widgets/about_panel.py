"""About: version, the data folder (open it), clear the local cache, check for a newer version."""

from __future__ import annotations

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ... import __version__
from ...store.local_cache import CacheCleared
from ..actions import settings as actions
from ..actions.settings import UpdateOutcome
from ..context import Context
from .cards import Card
from .prompts import ask


class AboutPanel(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.update_url = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        layout.addWidget(self._version_card())
        layout.addWidget(self._folder_card())
        layout.addWidget(self._cache_card())
        layout.addStretch(1)
        self.last_outcome: UpdateOutcome | None = None
        self.last_cleared: CacheCleared | None = None
        ctx.i18n.changed.connect(lambda _: self._refresh_texts())

    def _version_card(self) -> Card:
        card = Card(self.ctx.i18n, "about.version.title")
        self.version = QLabel(objectName="cardValue")
        self.ctx.i18n.bind(self.version, "setText", "about.version", version=__version__)
        row = QHBoxLayout()
        self.check_button = QPushButton()
        self.check_button.clicked.connect(self.check_updates)
        row.addWidget(self.version)
        row.addStretch(1)
        row.addWidget(self.check_button)
        card.body.addLayout(row)
        self.update_line = QLabel(objectName="muted")
        self.update_line.setWordWrap(True)
        self.update_line.setOpenExternalLinks(True)
        card.body.addWidget(self.update_line)
        return card

    def _folder_card(self) -> Card:
        card = Card(self.ctx.i18n, "about.folder.title")
        row = QHBoxLayout()
        self.folder = QLineEdit(str(self.ctx.runtime.data_dir), readOnly=True)
        self.open_button = QPushButton()
        self.ctx.i18n.bind(self.open_button, "setText", "about.folder.open")
        self.open_button.clicked.connect(self.open_folder)
        row.addWidget(self.folder, 1)
        row.addWidget(self.open_button)
        card.body.addLayout(row)
        return card

    def _cache_card(self) -> Card:
        card = Card(self.ctx.i18n, "about.cache.title")
        grid = QGridLayout()
        explain = QLabel(objectName="muted")
        explain.setWordWrap(True)
        self.ctx.i18n.bind(explain, "setText", "about.cache.explain")
        self.clear_button = QPushButton()
        self.ctx.i18n.bind(self.clear_button, "setText", "about.cache.clear")
        self.clear_button.clicked.connect(self.clear_cache)
        grid.addWidget(explain, 0, 0)
        grid.addWidget(self.clear_button, 0, 1)
        grid.setColumnStretch(0, 1)
        card.body.addLayout(grid)
        self.cache_line = QLabel(objectName="muted")
        self.cache_line.hide()
        card.body.addWidget(self.cache_line)
        return card

    # state from the settings ------------------------------------------------------------------

    def set_update_url(self, url: str) -> None:
        self.update_url = url.strip()
        self._refresh_texts()

    def _refresh_texts(self) -> None:
        tr = self.ctx.tr
        self.check_button.setEnabled(bool(self.update_url))
        self.check_button.setText(tr("about.update.check" if self.update_url else "about.update.off"))
        if self.last_outcome is None:
            self.update_line.setText("" if self.update_url else tr("about.update.off_hint"))
        else:
            self.update_line.setText(self._outcome_text(self.last_outcome))
        if self.last_cleared is not None:
            self.cache_line.setText(self._cleared_text(self.last_cleared))

    # actions ---------------------------------------------------------------------------------

    def open_folder(self) -> None:
        self.ctx.runtime.data_dir.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.ctx.runtime.data_dir)))

    def check_updates(self) -> None:
        self.check_button.setEnabled(False)
        self.update_line.setText(self.ctx.tr("about.update.checking"))
        actions.check_for_updates(self.ctx, self.update_url, success=self._checked)

    def _checked(self, outcome: UpdateOutcome) -> None:
        self.last_outcome = outcome
        self._refresh_texts()

    def _outcome_text(self, outcome: UpdateOutcome) -> str:
        tr = self.ctx.tr
        if outcome.status == "newer":
            link = f' <a href="{outcome.url}">{outcome.url}</a>' if outcome.url.startswith("http") else ""
            return tr("about.update.newer", latest=outcome.latest, version=__version__) + link
        if outcome.status == "current":
            return tr("about.update.current", version=__version__)
        if outcome.status == "off":
            return tr("about.update.off_hint")
        return tr("about.update.failed", detail=outcome.detail)

    def clear_cache(self) -> None:
        ask(self, self.ctx.i18n, self.ctx.tr("about.cache.confirm"),
            lambda: actions.clear_cache(self.ctx, success=self._cleared, failure=self._clear_failed))

    def _cleared(self, cleared: CacheCleared) -> None:
        self.last_cleared = cleared
        self.cache_line.setObjectName("muted")
        self.cache_line.setStyleSheet("")
        self.cache_line.setText(self._cleared_text(cleared))
        self.cache_line.show()

    def _clear_failed(self, exc: BaseException) -> None:
        from ..errors import is_known
        if not is_known(exc):
            self.ctx.ops.failed.emit(exc)
            return
        self.cache_line.setObjectName("errorText")
        self.cache_line.setStyleSheet("")
        self.cache_line.setText(self.ctx.tr("about.cache.failed", detail=str(exc)))
        self.cache_line.show()

    def _cleared_text(self, cleared: CacheCleared) -> str:
        if not cleared.folder:
            return self.ctx.tr("about.cache.nothing")
        return self.ctx.tr("about.cache.done", count=cleared.entries, size=human_size(cleared.bytes_freed))


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    return f"{size / 1024:.1f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"
