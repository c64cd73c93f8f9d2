"""The detail pane of the logs page: every field of one row, its price ratios and its retry chain."""

from __future__ import annotations

import html
import json

from PySide6.QtWidgets import QTextBrowser, QWidget

from ..context import Context
from ..models.log_table import type_text
from ...store.log_queries import LogRow

RATIO_KEYS = ("model_ratio", "completion_ratio", "cache_ratio", "group_ratio", "model_price")
SHOWN_ELSEWHERE = set(RATIO_KEYS) | {"retry_chain"}


class LogDetail(QTextBrowser):
    def __init__(self, ctx: Context, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.row: LogRow | None = None
        self.channel_names: dict[int, str] = {}
        self.setOpenLinks(False)
        self.setMinimumWidth(280)
        ctx.i18n.changed.connect(lambda _: self.show_row(self.row))

    def show_row(self, row: LogRow | None) -> None:
        self.row = row
        if row is None:
            self.setHtml(f"<p style='color:gray'>{html.escape(self.ctx.tr('logs.detail.empty'))}</p>")
            return
        tr = self.ctx.tr
        fields = [
            (tr("logs.col.time"), self.ctx.time(row.created_at, seconds=True)),
            (tr("logs.col.type"), type_text(self.ctx, row.type)),
            (tr("logs.col.request_id"), row.request_id), (tr("logs.col.user"), row.username),
            (tr("logs.col.token"), row.token_name), (tr("logs.col.model"), row.model_name),
            (tr("logs.col.channel"), self._channel(row.channel_id) if row.channel_id else ""),
            (tr("logs.detail.group"), row.group), (tr("logs.col.prompt"), str(row.prompt_tokens)),
            (tr("logs.col.completion"), str(row.completion_tokens)), (tr("logs.col.quota"), self.ctx.money(row.quota)),
            (tr("logs.col.time_ms"), f"{row.use_time} ms"), (tr("logs.col.stream"), "✓" if row.is_stream else "—"),
            (tr("logs.detail.ip"), row.ip), (tr("logs.detail.content"), row.content),
        ]
        parts = [self._table(fields)]
        ratios = [(tr(f"logs.ratio.{name}"), str(row.other[name])) for name in RATIO_KEYS if name in row.other]
        if ratios:
            parts.append(f"<h4>{html.escape(tr('logs.detail.ratios'))}</h4>" + self._table(ratios))
        chain = row.other.get("retry_chain") or []
        if chain:
            steps = " → ".join(html.escape(self._channel(c)) for c in chain)
            parts.append(f"<h4>{html.escape(tr('logs.detail.retry_chain'))}</h4><p>{steps}</p>")
        rest = {k: v for k, v in row.other.items() if k not in SHOWN_ELSEWHERE}
        if rest:
            text = html.escape(json.dumps(rest, ensure_ascii=False, indent=2))
            parts.append(f"<h4>{html.escape(tr('logs.detail.other'))}</h4><pre>{text}</pre>")
        self.setHtml("".join(parts))

    def _channel(self, channel_id: int) -> str:
        name = self.channel_names.get(channel_id)
        return f"#{channel_id} {name}" if name else f"#{channel_id}"

    def _table(self, rows: list[tuple[str, str]]) -> str:
        # one fixed line height for both cells: a CJK label (fallback font, taller line) would sit lower than its value
        line = f"line-height:{round(self.fontMetrics().height() * 1.4)}px"
        cells = "".join(f"<tr><td style='color:gray;padding-right:12px;{line}'>{html.escape(k)}</td>"
                        f"<td style='{line}'>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<table cellspacing='2'>{cells}</table>"
