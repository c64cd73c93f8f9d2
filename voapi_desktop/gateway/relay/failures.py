"""What a failed upstream attempt means: retry elsewhere? disable the channel or its key?"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import error_fields

# Error types / codes that say the channel's key itself is bad or out of money.
DISABLING_TYPES = {"insufficient_quota", "authentication_error", "permission_error", "forbidden"}
DISABLING_CODES = {"invalid_api_key", "account_deactivated", "billing_not_active", "insufficient_quota"}


@dataclass
class AttemptFailure:
    """One failed attempt on one channel."""
    channel_id: int
    reason: str
    status: int = 0  # 0 = no HTTP answer (connect error, timeout)
    body: bytes = b""
    content_type: str = ""
    retryable: bool = True
    disable_reason: str = ""  # non-empty: auto-disable the key / channel
    wire: str = "openai"  # the dialect of `body`
    empty: bool = False  # a 200 with no text and no tool calls
    retry_after: str = ""  # the upstream's Retry-After (429/503), passed on when this is the final error
    upstream_fault: bool = True  # False: the gateway's own limit (a dialect it cannot send, a chunk it
    # cannot translate), which says nothing about the upstream's health (cooldowns ignore it)

    @property
    def transient(self) -> bool:
        """A fault of the upstream's server or network that the next request soon would likely meet too:
        no answer (refused, reset, timed out), a 5xx, a 200 that is not JSON, a 429 without a wait."""
        if self.empty or not self.upstream_fault or not self.retryable:
            return False
        return self.status in (0, 200, 429) or self.status >= 500


def unreached(channel_id: int, exc: BaseException) -> AttemptFailure:
    """The request never got an HTTP answer: timed out, refused or reset (an `aiohttp.ClientError` or
    `OSError`), or aiohttp refused to send a header with CR/LF (a channel key or header override saved
    before saves checked it: the gateway's own limit, not the upstream's health)."""
    if isinstance(exc, TimeoutError):
        return AttemptFailure(channel_id, "timed out waiting for the upstream to answer")
    if isinstance(exc, ValueError):
        return AttemptFailure(channel_id, f"channel {channel_id}'s key or header overrides hold characters HTTP "
                                          "cannot send; edit the channel", upstream_fault=False)
    return AttemptFailure(channel_id, f"cannot reach the upstream: {type(exc).__name__}")


def retryable_status(status: int) -> bool:
    """Channel-level trouble another channel may not have; never the client's own 4xx."""
    return status == 429 or status >= 500 or status in (401, 403, 408)


def disable_reason(status: int, body: bytes, keywords: list[str]) -> str:
    """Why this answer should take the key out of service, or '' when it should not."""
    err_type, err_code, message = error_fields(body)
    if b"API_KEY_INVALID" in body:  # Gemini answers a bad key with HTTP 400
        return f"upstream rejected the key: {message[:200]}"
    if status == 401:
        return f"upstream answered 401: {message[:200]}"
    if err_type in DISABLING_TYPES or err_code in DISABLING_CODES:
        return f"upstream error {err_code or err_type}: {message[:200]}"
    if status == 429 and b"RetryInfo" in body:  # Gemini's rate limit says when to retry: it passes, keep the key
        return ""
    lowered = message.lower()
    for keyword in keywords:
        if keyword and keyword.lower() in lowered:
            return f"upstream message matched '{keyword}': {message[:200]}"
    return ""


def classify(channel_id: int, status: int, body: bytes, content_type: str, keywords: list[str],
             wire: str = "openai") -> AttemptFailure:
    """Turn an upstream error answer into an AttemptFailure."""
    reason = disable_reason(status, body, keywords)
    return AttemptFailure(channel_id, f"HTTP {status}", status, body, content_type,
                          retryable=retryable_status(status) or bool(reason), disable_reason=reason, wire=wire)


def empty_reply(channel_id: int) -> AttemptFailure:
    return AttemptFailure(channel_id, "the upstream answered with an empty reply", 200, empty=True)
