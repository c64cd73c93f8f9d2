"""Small helpers shared by the end-to-end tests."""

from __future__ import annotations

import socket

import openai

from voapi_desktop.store.logs import CONSUME, list_logs


def sdk(gateway, key: str, **options) -> openai.OpenAI:
    """The official client against the live gateway; no SDK retries, so every call is one request."""
    options.setdefault("max_retries", 0)
    options.setdefault("timeout", 20)
    return openai.OpenAI(base_url=gateway.base_url, api_key=key, **options)


def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (connections are refused)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def consume_logs(gateway) -> list[dict]:
    """The consume rows of the ledger, newest first, once everything queued is committed."""
    gateway.flush()
    return list_logs(type=CONSUME)


def sse_data(raw: bytes) -> list[bytes]:
    """The payloads of the `data:` lines of an SSE body, in order."""
    return [line[5:].strip() for line in raw.split(b"\n") if line.startswith(b"data:")]


def token_id(key: str) -> int:
    """The id of the token behind a full key (sk-...)."""
    from voapi_desktop.store.tables import Token
    return Token.get(Token.key == key.removeprefix("sk-")).id
