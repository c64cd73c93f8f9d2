"""The error catalogue and its renderers, one per API dialect.

    RelayError                      500 server_error          (a bug: never shows a traceback)
    +-- BadRequest                  400 invalid_request_error (malformed JSON, bad field, ...)
    |   +-- UnsupportedMediaType    415
    |   +-- PayloadTooLarge         413
    +-- Unauthorized                401 invalid_api_key
    +-- Forbidden                   403 permission denied (model / IP / group / pin not allowed)
    +-- ModelNotFound               404 model_not_found
    +-- QuotaExhausted              429 insufficient_quota   (x-should-retry: false)
    +-- NoChannel                   503 no channel serves the model right now
    +-- UpstreamFailed              502 / 504 every channel failed and no usable upstream body
    +-- UpstreamResponse            the upstream's own error status and body, passed on

Each class knows its HTTP status, its OpenAI `type` / `code`, its Anthropic
`type`, and whether a client should retry.
"""

from __future__ import annotations

import html
import re

import orjson


GEMINI_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                 405: "INVALID_ARGUMENT", 413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
                 504: "DEADLINE_EXCEEDED"}


class RelayError(Exception):
    status = 500
    type = "server_error"
    code: str | None = None
    anthropic_type = "api_error"
    should_retry: bool | None = None

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 status: int | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.param = param
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.headers = dict(headers or {})

    def openai_body(self, request_id: str) -> dict:
        return {"error": {"message": f"{self.message} (request id: {request_id})", "type": self.type,
                          "param": self.param, "code": self.code}}

    def anthropic_body(self, request_id: str) -> dict:
        return {"type": "error", "error": {"type": self.anthropic_type, "message": self.message},
                "request_id": request_id}

    def gemini_body(self, request_id: str) -> dict:
        return {"error": {"code": self.status, "message": f"{self.message} (request id: {request_id})",
                          "status": GEMINI_STATUS.get(self.status, "UNKNOWN")}}

    def body_for(self, dialect: str, request_id: str) -> dict:
        """The error body in the caller's dialect: openai, anthropic or gemini."""
        if dialect == "anthropic":
            return self.anthropic_body(request_id)
        if dialect == "gemini":
            return self.gemini_body(request_id)
        return self.openai_body(request_id)

    def response_headers(self) -> dict[str, str]:
        headers = dict(self.headers)
        if self.should_retry is not None:
            headers["x-should-retry"] = "true" if self.should_retry else "false"
        return headers


class BadRequest(RelayError):
    status = 400
    type = "invalid_request_error"
    anthropic_type = "invalid_request_error"
    should_retry = False


class UnsupportedMediaType(BadRequest):
    status = 415


class PayloadTooLarge(BadRequest):
    status = 413
    anthropic_type = "request_too_large"


class Unauthorized(RelayError):
    status = 401
    type = "invalid_request_error"
    code = "invalid_api_key"
    anthropic_type = "authentication_error"
    should_retry = False


class Forbidden(RelayError):
    status = 403
    type = "permission_error"
    code = "permission_denied"
    anthropic_type = "permission_error"
    should_retry = False


class ModelNotFound(RelayError):
    status = 404
    type = "invalid_request_error"
    code = "model_not_found"
    anthropic_type = "not_found_error"
    should_retry = False


class QuotaExhausted(RelayError):
    status = 429
    type = "insufficient_quota"
    code = "insufficient_quota"
    anthropic_type = "rate_limit_error"
    should_retry = False


class NoChannel(RelayError):
    status = 503
    type = "server_error"
    code = "no_available_channel"
    anthropic_type = "overloaded_error"


class UpstreamFailed(RelayError):
    status = 502
    type = "upstream_error"
    code = "bad_upstream_response"


ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
                   404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
                   529: "overloaded_error"}


class UpstreamResponse(RelayError):
    """An upstream error answer relayed to the client (status possibly remapped).

    In the upstream's own dialect the body goes through as it came; in another
    dialect the client gets its own envelope around the upstream's message.
    """
    type = "upstream_error"

    def __init__(self, status: int, body: bytes, content_type: str, message: str, wire: str = "openai"):
        super().__init__(message, status=status)
        self.body = body
        self.content_type = content_type
        self.wire = wire
        self.anthropic_type = ANTHROPIC_TYPES.get(status, "api_error")

    def body_for(self, dialect: str, request_id: str) -> dict:
        try:
            parsed = orjson.loads(self.body)
        except orjson.JSONDecodeError:
            parsed = None
        if dialect != self.wire or not isinstance(parsed, dict) or not isinstance(parsed.get("error"), dict):
            return super().body_for(dialect, request_id)
        if dialect == "anthropic":
            return {**parsed, "request_id": request_id}
        error = dict(parsed["error"])
        error["message"] = f"{error.get('message', '')} (request id: {request_id})"
        return {**parsed, "error": error}


def upstream_message(body: bytes, limit: int = 300) -> str:
    """A short, safe description of an upstream error body."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "upstream answered a non-JSON body: " + _plain_snippet(body, limit)
    if isinstance(parsed, dict):
        error = parsed.get("error", parsed)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:limit]
        if isinstance(error, str):
            return error[:limit]
    return "upstream error"


def _plain_snippet(body: bytes, limit: int) -> str:
    """A non-JSON body as one short line of text: an HTML page (a proxy's 502) by its title, else its
    text with the markup taken out, so no HTML reaches a client's error message."""
    text = body[:4096].decode("utf-8", "replace")
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    if title and title.group(1).strip():
        text = title.group(1)
    text = html.unescape(re.sub(r"<[^>]*>?", " ", text)).replace("<", " ").replace(">", " ")
    return " ".join(text.split())[:limit]


def error_fields(body: bytes) -> tuple[str, str, str]:
    """(type, code, message) of an upstream OpenAI-style error body, lower-cased type/code."""
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "", "", body[:500].decode("utf-8", "replace")
    error = parsed.get("error") if isinstance(parsed, dict) else None
    if not isinstance(error, dict):
        return "", "", str(parsed)[:500]
    return str(error.get("type") or "").lower(), str(error.get("code") or "").lower(), str(error.get("message") or "")
