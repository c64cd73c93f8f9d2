"""Fuzz the relay routes over a real socket: OpenAI JSON routes, Anthropic /v1/messages (+ count_tokens),
Gemini generateContent / streamGenerateContent / embedContent / batchEmbedContents.

Bodies come from each dialect's request shape, bent (tests/fuzz/strategies.py), plus raw bytes, wrong
content types and odd headers. For every answer:

* the status is below 500: every channel is a healthy fake upstream, so nothing may fail on the gateway's side;
* no traceback in the body; an error is JSON in the route's dialect, with a message;
* a refusal (4xx) costs nothing: the user's and the key's balances and used quota are unchanged and no
  consume row is written;
* a success is billed consistently: what the user paid equals what the key paid, the used counters and the
  sum of the new consume rows (at most one).
"""

from __future__ import annotations

import http.client
from urllib.parse import quote, urlencode

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import Account, assert_no_traceback, fuzz_settings
from tests.fuzz.strategies import (GEMINI_ACTIONS, GEMINI_MODELS, OPENAI_ROUTES, anthropic_bodies, bent, dumps,
                                   gemini_embed_bodies, gemini_generate_bodies, json_values, texts)

pytestmark = pytest.mark.slow

JSON = "application/json"
CONTENT_TYPES = [JSON, JSON, JSON, "application/json; charset=utf-8", "application/vnd.api+json", "text/plain", "",
                 "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "APPLICATION/JSON",
                 "application/json; charset=latin-1", "application/json\u00e9"]
# The HTTP server's own answer to a request it cannot parse (a control character in a header value): a plain
# 400 before the gateway's code runs, so it cannot be in a dialect's envelope; it still spends nothing.
HTTP_LAYER_REFUSAL = b"Invalid HTTP request received."
ALL_ROUTES = [*OPENAI_ROUTES, "/v1/messages", "/v1/messages/count_tokens",
              "/v1beta/models/gemini-2.5-flash:generateContent", "/v1beta/models/gpt-4o-mini:streamGenerateContent",
              "/v1beta/models/text-embedding-004:embedContent", "/v1/models/gemini-2.5-flash:batchEmbedContents"]


def send(account: Account, path: str, body: bytes, headers: dict, params: dict | None = None):
    """Send one request; check the answer and the books; return the status."""
    before = account.books()
    status, content = post(account, path + ("?" + urlencode(params) if params else ""), body, headers)
    after = account.books()
    text = content.decode("utf-8", "replace")
    assert status < 500, (path, status, text[:2000])
    assert_no_traceback(text)
    spent = after.spent_since(before)
    if status >= 400:
        assert_error_envelope(content)
        assert spent == 0 and after.consume_rows == before.consume_rows, (path, status, text[:500])
    return status


def post(account: Account, target: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """POST with http.client: unlike httpx (h11) it sends any header value a client could, trailing spaces and
    non-ASCII bytes included."""
    server = account.gateway.server
    connection = http.client.HTTPConnection(server.host, server.port, timeout=30)
    try:
        connection.putrequest("POST", target, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode("utf-8") if isinstance(value, str) else value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, answer.read()
    finally:
        connection.close()


def assert_error_envelope(content: bytes) -> None:
    if content == HTTP_LAYER_REFUSAL:
        return
    body = orjson.loads(content)
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict) and isinstance(error.get("message"), str) and error["message"], content[:500]


def openai_headers(account: Account, content_type: str = JSON) -> dict:
    headers = {"Authorization": f"Bearer {account.key}"}
    if content_type:
        headers["Content-Type"] = content_type
    return headers


@fuzz_settings(150)
@given(data=st.data(), path=st.sampled_from(sorted(OPENAI_ROUTES)), ascii_only=st.booleans())
def test_openai_json_routes_answer_bent_bodies_cleanly(account, data, path, ascii_only):
    body = data.draw(bent(OPENAI_ROUTES[path]), label="body")
    send(account, path, dumps(body, ascii_only), openai_headers(account))


@fuzz_settings(100)
@given(body=bent(anthropic_bodies), count=st.booleans(), bearer=st.booleans())
def test_anthropic_messages_answer_bent_bodies_cleanly(account, body, count, bearer):
    auth = {"Authorization": f"Bearer {account.key}"} if bearer else {"x-api-key": account.key}
    path = "/v1/messages/count_tokens" if count else "/v1/messages"
    send(account, path, dumps(body), {**auth, "anthropic-version": "2023-06-01", "Content-Type": JSON})


@fuzz_settings(100)
@given(data=st.data(), model=st.sampled_from(GEMINI_MODELS), action=st.sampled_from(GEMINI_ACTIONS),
       version=st.sampled_from(["v1beta", "v1"]), alt=st.sampled_from([None, "sse", "json", "x"]),
       key_in_query=st.booleans())
def test_gemini_routes_answer_bent_bodies_cleanly(account, data, model, action, version, alt, key_in_query):
    shape = gemini_embed_bodies if "mbed" in action else gemini_generate_bodies
    body = data.draw(bent(shape), label="body")
    params = {"alt": alt} if alt else {}
    headers = {"Content-Type": JSON}
    if key_in_query:
        params["key"] = account.key
    else:
        headers["x-goog-api-key"] = account.key
    send(account, f"/{version}/models/{model}:{action}", dumps(body), headers, params)


@fuzz_settings(120)
@given(path=st.sampled_from(ALL_ROUTES), raw=st.binary(max_size=200) | st.builds(
    lambda value, cut: dumps(value)[:cut], json_values, st.integers(min_value=0, max_value=200)),
       content_type=st.sampled_from(CONTENT_TYPES))
def test_raw_garbage_and_wrong_content_types_are_refused_cleanly(account, path, raw, content_type):
    headers = openai_headers(account, content_type)
    headers["x-goog-api-key"] = account.key
    send(account, path, raw, headers)


ODD_AUTH = st.sampled_from(["Bearer {key}", "bearer {key}", "Bearer  {key}", "Bearer {key} ", "{key}",
                            "Basic {key}", "Bearer {key}-abc", "Bearer {key}-1", "Bearer {key}-99999999999999999999",
                            "Bearer {key}--1", "Bearer sk-", "Bearer", "", "Bearer {key},{key}",
                            "Bearer \u00e9\u00e8", "Bearer \x00", "Bearer \x7f"]) | texts.filter(
    lambda t: "\r" not in t and "\n" not in t).map(lambda t: "Bearer " + t)  # a line break would be a new header
ODD_HEADERS = st.dictionaries(
    st.sampled_from(["anthropic-version", "anthropic-beta", "x-api-key", "x-goog-api-key", "X-Forwarded-For",
                     "X-Real-IP", "New-Api-User", "Accept", "Accept-Encoding", "X-Request-Id", "OpenAI-Organization",
                     "Content-Encoding", "Expect", "Transfer-Encoding-Hint", "Cookie"]),
    st.sampled_from(["", "gzip", "1", "-1", "2023-06-01", "*/*", "text/event-stream", "127.0.0.1, 10.0.0.1",
                     "::1", "999.999.999.999", "sk-unknown", "deflate, br", "x" * 2000, "\u00e9t\u00e9", "100-continue",
                     "session=garbage"]),
    max_size=4)


@fuzz_settings(100)
@given(path=st.sampled_from(ALL_ROUTES), auth=ODD_AUTH, extra=ODD_HEADERS, stream=st.booleans())
def test_odd_headers_are_refused_or_served_cleanly(account, path, auth, extra, stream):
    model = "claude-sonnet-4-5" if "messages" in path else "gpt-4o-mini"
    body = {"model": model, "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}], "stream": stream,
            "prompt": "hi", "input": "hi", "query": "q", "documents": ["d"],
            "contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    headers = {"Content-Type": JSON, **extra}
    if auth:
        headers["Authorization"] = auth.replace("{key}", account.key)
    send(account, path, dumps(body), headers)


@fuzz_settings(40)
@given(model=texts, action=st.sampled_from(GEMINI_ACTIONS) | texts)
def test_gemini_paths_with_any_model_and_method_are_refused_cleanly(account, model, action):
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    path = "/v1beta/models/" + quote(model, safe="") + ":" + quote(action, safe="")
    send(account, path, dumps(body), {"Content-Type": JSON, "x-goog-api-key": account.key})
