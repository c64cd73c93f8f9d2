"""The gateway card of the dashboard: state, start / stop, base URL(s) with copy buttons, a curl snippet."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from ..context import Context
from .cards import Card
from .copy_field import CopyField, copy_text

CURL = """curl {base}/v1/chat/completions \\
  -H "Authorization: Bearer sk-your-key" \\
  -H "Content-Type: application/json" \\
  -d '{{"model": "gpt-4o-mini", "messages": [{{"role": "user", "content": "Hello"}}]}}'"""


class GatewayBox(Card):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(ctx.i18n, "dashboard.gateway", parent)
        self.ctx = ctx
        top = QHBoxLayout()
        self.state = QLabel()
        self.toggle = QPushButton(objectName="primary")
        self.toggle.clicked.connect(ctx.gateway.toggle)
        top.addWidget(self.state, 1)
        top.addWidget(self.toggle)
        self.body.addLayout(top)
        self.urls = QVBoxLayout()
        self.body.addLayout(self.urls)
        self.snippet_title = QLabel(objectName="muted")
        ctx.i18n.bind(self.snippet_title, "setText", "dashboard.curl")
        self.body.addWidget(self.snippet_title)
        row = QHBoxLayout()
        self.snippet = QPlainTextEdit(readOnly=True)
        self.snippet.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.snippet.setFixedHeight(82)
        self.copy_snippet = QPushButton()
        ctx.i18n.bind(self.copy_snippet, "setText", "common.copy")
        self.copy_snippet.clicked.connect(lambda: copy_text(self.snippet.toPlainText()))
        row.addWidget(self.snippet, 1)
        row.addWidget(self.copy_snippet)
        self.body.addLayout(row)
        self.url_fields: list[CopyField] = []
        ctx.gateway.state_changed.connect(lambda _: self.refresh())
        ctx.i18n.changed.connect(lambda _: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        gateway, tr = self.ctx.gateway, self.ctx.tr
        self.state.setText(tr(f"gateway.state.{gateway.state}", url=gateway.base_url))
        self.toggle.setText(tr("gateway.stop" if gateway.running else "gateway.start"))
        self.toggle.setEnabled(gateway.state in ("running", "stopped"))
        for field in self.url_fields:
            field.deleteLater()
        self.url_fields = [CopyField(self.ctx.i18n, url + "/v1") for url in gateway.base_urls()]
        for field in self.url_fields:
            self.urls.addWidget(field)
        base = gateway.base_url or f"http://127.0.0.1:{gateway.wanted_port or 3000}"
        self.snippet.setPlainText(CURL.format(base=base))
