"""The ASGI fast path in front of Quart: which routes it takes, and that it keeps Quart's manners."""

from __future__ import annotations

import re

import httpx

from tests.conftest import add_channel, make_token
from tests.gateway.test_bad_input import LIMIT_MB, small_limit_gateway
from voapi_desktop.gateway.app import new_request_id
from voapi_desktop.gateway.fastpath import ROUTES, Headers
from voapi_desktop.gateway.relay.endpoints import ENDPOINTS


def test_every_json_relay_endpoint_and_anthropic_messages_take_the_fast_path():
    json_paths = {"/v1" + e.path for e in ENDPOINTS.values() if e.body == "json"}
    assert set(ROUTES) == json_paths | {"/v1/messages"}
    assert "/v1/audio/transcriptions" not in ROUTES, "uploads stay with Quart's form parser"
    assert ROUTES["/v1/messages"][1] == "anthropic" and ROUTES["/v1/chat/completions"][1] == "openai"


def test_headers_are_looked_up_whatever_their_case():
    headers = Headers([(b"Content-Type", b"application/json"), (b"X-Api-Key", b"k"), (b"x-api-key", b"k2")])
    assert headers.get("content-type") == headers["CONTENT-TYPE"] == "application/json"
    assert "X-API-KEY" in headers and "anthropic-version" not in headers and 3 not in headers
    assert headers.get("x-api-key") == "k2" and headers.get("missing", "d") == "d"
    forwarded = Headers([(b"X-Forwarded-For", b"203.0.113.9"), (b"x-forwarded-for", b"10.0.0.1, 10.0.0.2")])
    assert forwarded.getlist("X-Forwarded-For") == ["203.0.113.9", "10.0.0.1, 10.0.0.2"]


def test_a_chunked_body_over_the_limit_is_refused_in_the_callers_dialect(store, upstream):
    gateway = small_limit_gateway(store)
    try:
        add_channel(upstream)
        key = make_token()
        big = b'{"model": "gpt-4o-mini", "messages": [' + b" " * (LIMIT_MB << 20) + b"]}"

        def chunks():  # no Content-Length: the limit is enforced as the body arrives
            for start in range(0, len(big), 65536):
                yield big[start:start + 65536]
        for path, key_header, envelope in (("/chat/completions", "authorization", "error"),
                                           ("/messages", "x-api-key", "type")):
            answer = httpx.post(gateway.base_url + path, content=chunks(), timeout=20,
                                headers={key_header: f"Bearer {key}" if key_header == "authorization" else key,
                                         "content-type": "application/json", "anthropic-version": "2023-06-01"})
            assert answer.status_code == 413
            assert f"larger than {LIMIT_MB} MB" in answer.text and envelope in answer.json()
            assert answer.headers["x-request-id"]
        assert upstream.requests == []
    finally:
        gateway.server.stop()
        gateway.state.close()


def test_other_routes_still_reach_quart(gateway, upstream):
    add_channel(upstream)
    key = make_token()
    models = httpx.get(gateway.base_url + "/models", headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert models.status_code == 200 and models.headers["x-request-id"]
    wrong_method = httpx.put(gateway.base_url + "/chat/completions", headers={"Authorization": f"Bearer {key}"},
                             timeout=10)
    assert wrong_method.status_code == 405 and wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_request_ids_are_unique_and_keep_their_shape():
    ids = [new_request_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{14}[0-9a-f]{12}", i) for i in ids)
