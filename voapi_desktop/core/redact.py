"""Keys never reach a log: one redaction rule, applied to every log record of the process.

`redact(text)` masks what looks like a credential: `sk-...` keys (OpenAI, Anthropic `sk-ant-`, this
gateway's own tokens), Google `AIza...` keys, `Bearer <anything>`, the values of `x-api-key`,
`x-goog-api-key`, `api-key`, `authorization` and `api_key` / `password` / `secret` fields written as
headers, JSON or repr, and `key=` / `api_key=` / `access_token=` URL query values.

`install()` (called by cli.setup_logging and the console's logging setup) puts `RedactingFilter` on
every handler of the root logger and wraps the log record factory, so records are masked when they are
made: handlers added later (pytest's capture, the console's log pane) see masked records too.
Exceptions are formatted and masked at that point as well (a traceback repeats a URL with `?key=`).
peewee's DEBUG query log shows parameters: string parameters of 16 characters or more are masked
(tokens, channel keys, password hashes), short ones (names, ids) kept.
"""

from __future__ import annotations

import logging
import re
import traceback

MASK = "***"

_PATTERNS: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"\b(sk-(?:ant-)?)[A-Za-z0-9_\-]{6,}"), r"\1" + MASK),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"), "AIza" + MASK),
    (re.compile(r"\b(Bearer|Basic)\s+[^\s'\",;]+", re.IGNORECASE), r"\1 " + MASK),
    (re.compile(r"""((?:x-api-key|x-goog-api-key|api-key|api_key|apikey|authorization|password|secret|"""
                r"""client_secret|access_token|refresh_token)['"]?\s*[:=]\s*['"]?)(?!\*\*\*|Bearer\b|Basic\b)[^\s'",&;}]+""",
                re.IGNORECASE), r"\1" + MASK),
    (re.compile(r"([?&](?:key|api_key|access_token|token)=)[^&\s'\"#]+", re.IGNORECASE), r"\1" + MASK),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _masked_param(value):
    """A SQL parameter as peewee's debug log may show it: long strings (keys, hashes, bodies) masked."""
    return MASK if isinstance(value, (str, bytes)) and len(value) >= 16 else value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Mask the record in place: its message (args merged in), its exception text and stack."""
    if getattr(record, "_voapi_redacted", False):
        return record
    if record.name == "peewee" and isinstance(record.msg, tuple) and len(record.msg) == 2:
        sql, params = record.msg  # peewee logs (sql, params) at DEBUG: keys and hashes are params
        record.msg = (sql, [_masked_param(p) for p in params or ()])
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: keep what we can, masked
        message = f"{record.msg} {record.args}"
    record.msg, record.args = redact(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    record._voapi_redacted = True
    return record


class RedactingFilter(logging.Filter):
    """A handler filter that masks keys in every record it passes (it never drops one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_FILTER = RedactingFilter()


def install() -> None:
    """Mask every record of this process, whichever logger and handler (idempotent)."""
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_voapi_redacting", False):
        return

    def make(*args, **kwargs):
        return redact_record(factory(*args, **kwargs))
    make._voapi_redacting = True
    logging.setLogRecordFactory(make)
