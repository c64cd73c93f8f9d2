"""The bad-input matrix: every malformed request gets a 4xx that says what to fix, never an upstream call.

One row per bad input, sent over a real socket to a live gateway whose body limit is 1 MB. The same table,
human-readable, lives in docs/bad-inputs.md; `test_every_row_is_documented` keeps the two in step.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import Gateway, add_channel, make_token
from voapi_desktop.core.settings import Settings
from voapi_desktop.gateway.server import GatewayServer
from voapi_desktop.gateway.state import open_state
from voapi_desktop.store.options import load_options

DOC = Path(__file__).resolve().parents[2] / "docs" / "bad-inputs.md"
LIMIT_MB = 1
CHAT = "/v1/chat/completions"
JSON = {"Content-Type": "application/json"}
KEY = "{key}"  # replaced by the valid token's key when the row is sent
BEARER = {"Authorization": "Bearer " + KEY}
SQL_KEY = "sk-' OR 1=1 --"


def chat(**fields) -> bytes:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    body.update(fields)
    return orjson.dumps({k: v for k, v in body.items() if v is not ...})


def chat_raw(content: bytes) -> bytes:
    """A chat body whose message content is the raw JSON string literal `content` (bytes as given)."""
    return b'{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "' + content + b'"}]}'


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    lines = []
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        lines.append(b"--XBOUNDARY\r\nContent-Disposition: " + disposition.encode() + b"\r\n\r\n" + data + b"\r\n")
    return b"".join(lines) + b"--XBOUNDARY--\r\n"


MULTIPART = {"Content-Type": "multipart/form-data; boundary=XBOUNDARY"}


def nested(depth: int) -> bytes:
    """A valid chat body whose message content is a list nested `depth` levels deep."""
    return chat_raw(b"").replace(b'"content": ""', b'"content": ' + b"[" * depth + b"]" * depth)


@dataclass(frozen=True)
class Case:
    id: str
    method: str
    path: str
    body: bytes | None
    status: int
    says: str  # a substring of the error message
    headers: dict = field(default_factory=lambda: {**JSON, **BEARER})
    param: str | None = None
    code: str | None = None
    chunked: bool = False
    via_http_client: bool = False  # httpx (h11) refuses header values with trailing spaces


CASES = [
    # --- the body is not a JSON object ---
    Case("malformed-json", "POST", CHAT, b'{"model": gpt-4o-mini}', 400, "not valid JSON"),
    Case("truncated-json", "POST", CHAT, chat()[:-7], 400, "not valid JSON"),
    Case("trailing-garbage", "POST", CHAT, chat() + b"}", 400, "not valid JSON"),
    Case("json-array", "POST", CHAT, b"[" + chat() + b"]", 400, "must be a JSON object"),
    Case("json-string", "POST", CHAT, b'"hello"', 400, "must be a JSON object"),
    Case("empty-body", "POST", CHAT, b"", 400, "body is empty"),
    Case("whitespace-body", "POST", CHAT, b" \r\n\t ", 400, "body is empty"),
    # --- content type ---
    Case("text-plain", "POST", CHAT, chat(), 415, "Content-Type: application/json",
         headers={"Content-Type": "text/plain", **BEARER}),
    Case("form-urlencoded", "POST", CHAT, b"model=gpt-4o-mini&messages=hi", 415, "Content-Type: application/json",
         headers={"Content-Type": "application/x-www-form-urlencoded", **BEARER}),
    Case("no-content-type", "POST", CHAT, chat(), 415, "Content-Type: application/json", headers=dict(BEARER)),
    # --- model ---
    Case("missing-model", "POST", CHAT, chat(model=...), 400, "'model' is required", param="model"),
    Case("empty-model", "POST", CHAT, chat(model=""), 400, "'model' is required", param="model"),
    Case("model-not-string", "POST", CHAT, chat(model=123), 400, "'model' must be a model name", param="model"),
    Case("model-is-list", "POST", CHAT, chat(model=[]), 400, "'model' must be a model name", param="model"),
    Case("unknown-model", "POST", CHAT, chat(model="no-such-model"), 404, "'no-such-model' does not exist",
         param="model", code="model_not_found"),
    Case("model-not-allowed", "POST", CHAT, chat(model="gpt-4o"), 403, "may not use the model 'gpt-4o'",
         headers={**JSON, "Authorization": "Bearer {limited}"}, code="model_not_allowed"),
    # --- messages ---
    Case("messages-missing", "POST", CHAT, chat(messages=...), 400, "'messages' is required", param="messages"),
    Case("messages-null", "POST", CHAT, chat(messages=None), 400, "'messages' is required", param="messages"),
    Case("messages-empty", "POST", CHAT, chat(messages=[]), 400, "'messages' must not be empty", param="messages"),
    Case("messages-not-list", "POST", CHAT, chat(messages="hi"), 400, "'messages' must be a list",
         param="messages"),
    Case("message-without-role", "POST", CHAT, chat(messages=[{"content": "hi"}]), 400,
         "messages[0] must be an object with a string 'role'", param="messages"),
    Case("message-not-object", "POST", CHAT, chat(messages=["hi"]), 400,
         "messages[0] must be an object with a string 'role'", param="messages"),
    # --- max_tokens, n, stream ---
    Case("max-tokens-negative", "POST", CHAT, chat(max_tokens=-1), 400, "'max_tokens' must be at least 1",
         param="max_tokens"),
    Case("max-tokens-zero", "POST", CHAT, chat(max_tokens=0), 400, "'max_tokens' must be at least 1",
         param="max_tokens"),
    Case("max-tokens-float", "POST", CHAT, chat(max_tokens=1.5), 400, "'max_tokens' must be an integer",
         param="max_tokens"),
    Case("max-tokens-string", "POST", CHAT, chat(max_tokens="10"), 400, "'max_tokens' must be an integer",
         param="max_tokens"),
    Case("max-tokens-bool", "POST", CHAT, chat(max_tokens=True), 400, "'max_tokens' must be an integer",
         param="max_tokens"),
    Case("max-tokens-huge", "POST", CHAT, chat(max_tokens=2**40), 400, "'max_tokens' is too large",
         param="max_tokens"),
    Case("max-tokens-beyond-64-bit", "POST", CHAT, chat_raw(b"hi")[:-1] + b', "max_tokens": ' + b"9" * 30 + b"}",
         400, "'max_tokens' must be an integer", param="max_tokens"),
    Case("max-completion-tokens-negative", "POST", CHAT, chat(max_completion_tokens=-5), 400,
         "'max_completion_tokens' must be at least 1", param="max_completion_tokens"),
    Case("n-zero", "POST", CHAT, chat(n=0), 400, "'n' must be at least 1", param="n"),
    Case("stream-not-bool", "POST", CHAT, chat(stream="yes"), 400, "'stream' must be true or false",
         param="stream"),
    Case("stream-on-embeddings", "POST", "/v1/embeddings",
         orjson.dumps({"model": "text-embedding-3-small", "input": "hi", "stream": True}), 400,
         "streaming is not supported on /embeddings", param="stream"),
    Case("embeddings-input-missing", "POST", "/v1/embeddings", orjson.dumps({"model": "text-embedding-3-small"}),
         400, "'input' is required", param="input"),
    # --- encoding ---
    Case("invalid-utf8", "POST", CHAT, chat_raw(b"caf\xe9 \xff\xfe"), 400, "not valid UTF-8"),
    Case("lone-surrogate-escape", "POST", CHAT, chat_raw(b"\\ud800"), 400, "surrogate"),
    Case("nul-byte-in-string", "POST", CHAT, chat_raw(b"a\x00b"), 400, "control character"),
    Case("nul-bytes-body", "POST", CHAT, b"\x00" * 16, 400, "not valid JSON"),
    Case("utf16-body", "POST", CHAT, chat().decode().encode("utf-16"), 400, "UTF-8"),
    Case("nan-literal", "POST", CHAT, chat_raw(b"hi")[:-1] + b', "temperature": NaN}', 400,
         "not valid JSON"),
    # --- size and shape ---
    Case("deeply-nested", "POST", CHAT, b"[" * 100_000, 400, "nested too deeply"),
    Case("nested-beyond-encoder", "POST", CHAT, nested(300), 400, "nested too deeply"),
    Case("body-over-limit", "POST", CHAT, chat(messages=[{"role": "user", "content": "x" * (LIMIT_MB << 20)}]),
         413, f"larger than {LIMIT_MB} MB"),
    Case("chunked-body-over-limit", "POST", CHAT,
         chat(messages=[{"role": "user", "content": "x" * (LIMIT_MB << 20)}]), 413, f"larger than {LIMIT_MB} MB",
         chunked=True),
    # --- multipart endpoints ---
    Case("multipart-endpoint-sent-json", "POST", "/v1/audio/transcriptions",
         orjson.dumps({"model": "whisper-1", "file": "audio.mp3"}), 415, "multipart/form-data"),
    Case("multipart-without-file", "POST", "/v1/audio/transcriptions", multipart(("model", None, b"whisper-1")),
         400, "'file' is required", headers={**MULTIPART, **BEARER}, param="file"),
    Case("multipart-without-boundary", "POST", "/v1/audio/transcriptions",
         multipart(("model", None, b"whisper-1"), ("file", "a.mp3", b"ID3")), 400, "boundary",
         headers={"Content-Type": "multipart/form-data", **BEARER}),
    Case("multipart-truncated", "POST", "/v1/audio/transcriptions",
         multipart(("model", None, b"whisper-1"), ("file", "a.mp3", b"ID3" * 100))[:-40], 400,
         "multipart body is incomplete", headers={**MULTIPART, **BEARER}),
    Case("multipart-over-limit", "POST", "/v1/audio/transcriptions",
         multipart(("model", None, b"whisper-1"), ("file", "a.mp3", b"x" * (LIMIT_MB << 20))), 413,
         f"larger than {LIMIT_MB} MB", headers={**MULTIPART, **BEARER}),
    # --- routes and methods ---
    Case("unknown-route", "POST", "/v1/nope", chat(), 404, "Invalid URL (POST /v1/nope)", code="unknown_url"),
    Case("get-on-post-route", "GET", CHAT, None, 405, "GET is not allowed on /v1/chat/completions",
         code="method_not_allowed"),
    # --- authentication ---
    Case("missing-authorization", "POST", CHAT, chat(), 401, "no API key", headers=dict(JSON),
         code="invalid_api_key"),
    Case("empty-bearer", "POST", CHAT, chat(), 401, "no API key", headers={**JSON, "Authorization": "Bearer "},
         code="invalid_api_key", via_http_client=True),
    Case("bearer-word-only", "POST", CHAT, chat(), 401, "no API key", headers={**JSON, "Authorization": "Bearer"},
         code="invalid_api_key"),
    Case("unknown-key", "POST", CHAT, chat(), 401, "incorrect API key provided: abcd****wxyz",
         headers={**JSON, "Authorization": "Bearer sk-abcdefghijklmnopqrstuvwxyz"}, code="invalid_api_key"),
    Case("sql-in-key", "POST", CHAT, chat(), 401, "incorrect API key provided",
         headers={**JSON, "Authorization": "Bearer " + SQL_KEY}, code="invalid_api_key"),
    Case("bad-channel-pin", "POST", CHAT, chat(), 401, "channel pin",
         headers={**JSON, "Authorization": "Bearer " + KEY + "-abc"}, code="invalid_api_key"),
]


def small_limit_gateway(store) -> Gateway:
    """A live gateway like conftest's, but with MAX_REQUEST_BODY_MB = LIMIT_MB (read at app creation)."""
    settings = Settings.load(env=store.env, options=load_options(),
                             overrides={**store.overrides, "MAX_REQUEST_BODY_MB": LIMIT_MB})
    state = open_state(store.env, store.overrides, ledger_interval=0.05)
    server = GatewayServer(state, settings, "127.0.0.1", 0)
    server.start()
    return Gateway(server, state, store)


@pytest.fixture
def small_gateway(store):
    gateway = small_limit_gateway(store)
    yield gateway
    gateway.server.stop()
    gateway.state.close()


@pytest.fixture
def keys(upstream) -> dict[str, str]:
    add_channel(upstream, models="gpt-4o-mini,gpt-4o,text-embedding-3-small,whisper-1")
    return {"key": make_token(), "limited": make_token("limited", models=["gpt-4o-mini"])}


def _send(gateway: Gateway, case: Case, keys: dict[str, str]) -> httpx.Response:
    headers = {name: value.format(**keys) for name, value in case.headers.items()}
    content = case.body
    if case.via_http_client:
        return _send_with_http_client(gateway, case.method, case.path, headers, content or b"")
    if case.chunked and content is not None:
        data = content
        content = (data[i:i + 65536] for i in range(0, len(data), 65536))
    with httpx.Client(base_url=gateway.url, timeout=20) as client:
        return client.request(case.method, case.path, headers=headers, content=content)


def _send_with_http_client(gateway: Gateway, method: str, path: str, headers: dict, body: bytes) -> httpx.Response:
    connection = http.client.HTTPConnection(gateway.server.host, gateway.server.port, timeout=20)
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        return httpx.Response(answer.status, headers=answer.getheaders(), content=answer.read())
    finally:
        connection.close()


def assert_says_what_to_fix(response: httpx.Response, status: int, says: str, *, param=None, code=None) -> dict:
    """The status, the OpenAI envelope with a useful message, a request id and no traceback."""
    text = response.text
    assert response.status_code == status, text
    assert "Traceback" not in text and 'File "' not in text
    request_id = response.headers.get("X-Request-Id", "")
    assert re.fullmatch(r"\w{10,64}", request_id), response.headers
    assert response.headers["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(response.json()) == {"error"}
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and isinstance(error["type"], str) and error["type"]
    assert says in error["message"], error["message"]
    assert error["message"].endswith(f"(request id: {request_id})")
    if param is not None:
        assert error["param"] == param
    if code is not None:
        assert error["code"] == code
    if status < 500 and status != 429:
        assert response.headers.get("x-should-retry") in (None, "false")
    return error


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_gets_a_4xx_that_says_what_to_fix(small_gateway, upstream, keys, case: Case):
    response = _send(small_gateway, case, keys)
    error = assert_says_what_to_fix(response, case.status, case.says, param=case.param, code=case.code)
    if case.status < 500:
        assert error["type"] in ("invalid_request_error", "permission_error")
    assert upstream.requests == [], "a bad request reached the upstream"
    for secret in (SQL_KEY, "OR 1=1", keys["key"], keys["limited"]):
        assert secret not in response.text


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


def test_every_row_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*`([a-z0-9-]+)`\s*\|", doc, re.MULTILINE))
    missing = [case.id for case in CASES if case.id not in documented]
    assert not missing, f"rows missing from {DOC.name}: {missing}"
    stale = sorted(documented - {case.id for case in CASES})
    assert not stale, f"{DOC.name} documents rows the table no longer has: {stale}"
    for case in CASES:
        row = re.search(rf"^\|\s*`{re.escape(case.id)}`\s*\|(.*)$", doc, re.MULTILINE).group(1)
        assert f"| {case.status} |" in f"|{row}", f"{case.id}: the doc should give status {case.status}"


def test_client_routing_fields_are_not_forwarded(gateway, upstream):
    add_channel(upstream)
    key = make_token()
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
            "api_base": "http://evil.example/v1", "base_url": "http://evil.example/v1", "api_key": "sk-evil",
            "api_version": "2024-01-01", "organization": "org-evil", "extra_headers": {"X-Evil": "1"},
            "temperature": 0.5}
    response = httpx.post(gateway.base_url + "/chat/completions", json=body,
                          headers={"Authorization": f"Bearer {key}"}, timeout=20)
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"]
    [sent] = upstream.requests
    for name in ("api_base", "base_url", "api_key", "api_version", "organization", "extra_headers"):
        assert name not in sent.json
    assert sent.json["temperature"] == 0.5  # other unknown-to-us params pass through
    assert sent.key == "upstream-key"
    assert b"evil" not in sent.body and "x-evil" not in sent.headers


def test_valid_json_escapes_are_relayed(gateway, upstream):
    """An escaped NUL or a proper surrogate pair is valid JSON: relayed as it is, not refused."""
    add_channel(upstream)
    key = make_token()
    raw = chat_raw(b"a\\u0000b \\ud83d\\ude00")
    response = httpx.post(gateway.base_url + "/chat/completions", content=raw,
                          headers={"Authorization": f"Bearer {key}", **JSON}, timeout=20)
    assert response.status_code == 200, response.text
    assert upstream.requests[0].json["messages"][0]["content"] == "a\x00b \U0001F600"


def test_json_content_type_with_charset_is_accepted(gateway, upstream):
    add_channel(upstream)
    key = make_token()
    response = httpx.post(gateway.base_url + "/chat/completions", content=chat(),
                          headers={"Authorization": f"Bearer {key}",
                                   "Content-Type": "Application/JSON; charset=utf-8"}, timeout=20)
    assert response.status_code == 200, response.text
    assert len(upstream.requests) == 1
