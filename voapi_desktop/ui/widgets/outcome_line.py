"""One line under a toolbar or a form that says how the last action went."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget


class OutcomeLine(QLabel):
    """Muted text for a done action, red text for a refused one; hidden while empty."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, objectName="muted")
        self.setWordWrap(True)
        self.hide()

    def show_text(self, text: str, error: bool = False) -> None:
        self.setObjectName("errorText" if error else "muted")
        self.setStyleSheet("")  # re-polish for the new object name
        self.setText(text)
        self.setVisible(bool(text))

    def show_failure(self, ctx, exc: BaseException) -> None:
        """A known error (bad input, a busy database, ...) inline; a bug to the app's bug dialog."""
        from ..errors import is_known, known_message
        if is_known(exc):
            self.show_text(known_message(ctx.i18n, exc)[1], error=True)
        else:
            ctx.ops.failed.emit(exc)
