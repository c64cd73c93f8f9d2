"""Property tests of request parsing: whatever the client sends, the answer is a 400/415 or a request
that can be forwarded, never another exception."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voapi_desktop.gateway.errors import BadRequest, UnsupportedMediaType
from voapi_desktop.gateway.relay.endpoints import ENDPOINTS
from voapi_desktop.gateway.relay.parse import ROUTING_FIELDS, ParsedRequest, parse_json_body, validate

FAST = settings(max_examples=200, deadline=None, database=None)
JSON_ENDPOINTS = [e for e in ENDPOINTS.values() if e.body == "json"]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                 "application/vnd.api+json", "text/plain", "", "multipart/form-data; boundary=x",
                 "application/x-www-form-urlencoded"]
FIELDS = ["model", "messages", "max_tokens", "max_completion_tokens", "max_output_tokens", "n", "stream",
          "input", "prompt", "query", "documents", "role", "content", *ROUTING_FIELDS]

scalars = (st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**64 - 1)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4),
                           max_leaves=20)
json_objects = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), json_values, max_size=8)


def parse_and_validate_every_endpoint(raw: bytes, content_type: str) -> None:
    """Parse, then validate against each JSON endpoint; only a BadRequest may come out."""
    try:
        body = parse_json_body(raw, content_type)
    except BadRequest as exc:
        assert_is_a_client_error(exc)
        return
    assert isinstance(body, dict)
    for endpoint in JSON_ENDPOINTS:
        try:
            parsed = validate(orjson.loads(orjson.dumps(body)), endpoint)
        except BadRequest as exc:
            assert_is_a_client_error(exc)
            continue
        assert_forwardable(parsed)


def assert_is_a_client_error(exc: BadRequest) -> None:
    assert type(exc) in (BadRequest, UnsupportedMediaType)
    assert exc.status in (400, 415)
    assert exc.message.strip()


def assert_forwardable(parsed: ParsedRequest) -> None:
    assert isinstance(parsed.model, str) and parsed.model.strip() == parsed.model and parsed.model
    assert isinstance(parsed.stream, bool)
    assert not set(ROUTING_FIELDS) & set(parsed.body)
    orjson.dumps(parsed.body)  # what the relay sends upstream


@FAST
@given(raw=st.binary(max_size=300), content_type=st.sampled_from(CONTENT_TYPES))
def test_arbitrary_bytes_give_a_request_or_a_client_error(raw, content_type):
    parse_and_validate_every_endpoint(raw, content_type)


@FAST
@given(obj=json_objects, cut=st.integers(min_value=0, max_value=400), junk=st.binary(max_size=4))
def test_mangled_json_gives_a_request_or_a_client_error(obj, cut, junk):
    raw = orjson.dumps(obj)
    parse_and_validate_every_endpoint(raw[:cut] + junk + raw[cut:], "application/json")


@FAST
@given(obj=json_objects)
def test_arbitrary_json_objects_give_a_request_or_a_client_error(obj):
    parse_and_validate_every_endpoint(orjson.dumps(obj), "application/json")


@FAST
@given(depth=st.integers(min_value=1, max_value=2000), opener=st.sampled_from([b"[", b'{"a":']))
def test_any_nesting_depth_gives_a_request_or_a_client_error(depth, opener):
    closer = b"]" if opener == b"[" else b"}"
    inner = opener * depth + b"1" + closer * depth
    parse_and_validate_every_endpoint(b'{"model":"m","messages":[{"role":"user","content":' + inner + b"}]}",
                                      "application/json")


@FAST
@given(value=json_values)
def test_max_tokens_is_refused_unless_a_positive_int32(value):
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "max_tokens": value}
    ok = value is None or (type(value) is int and 1 <= value <= 2**31 - 1)
    try:
        validate(body, ENDPOINTS["chat"])
    except BadRequest as exc:
        assert not ok, exc.message
        assert exc.param == "max_tokens"
    else:
        assert ok


roles = st.sampled_from(["system", "developer", "user", "assistant", "tool"])
contents = st.text(max_size=50) | st.lists(st.fixed_dictionaries({"type": st.just("text"),
                                                                   "text": st.text(max_size=20)}), max_size=3)
messages = st.lists(st.fixed_dictionaries({"role": roles, "content": contents}), min_size=1, max_size=5)
models = st.text(min_size=1, max_size=255).filter(lambda m: m.strip())


@FAST
@given(model=models, msgs=messages, stream=st.none() | st.booleans(),
       max_tokens=st.none() | st.integers(min_value=1, max_value=2**31 - 1),
       extra=st.dictionaries(st.sampled_from(ROUTING_FIELDS), st.text(max_size=20)),
       charset=st.sampled_from(["application/json", "application/json; charset=utf-8"]))
def test_a_valid_chat_body_always_validates(model, msgs, stream, max_tokens, extra, charset):
    body = {"model": model, "messages": msgs, **extra}
    if stream is not None:
        body["stream"] = stream
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    parsed = validate(parse_json_body(orjson.dumps(body), charset), ENDPOINTS["chat"])
    assert parsed.model == model.strip()
    assert parsed.stream is bool(stream)
    assert parsed.body["messages"] == msgs
    assert parsed.body.get("max_tokens") == max_tokens
    assert_forwardable(parsed)


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_a_non_json_content_type_is_415(content_type):
    with pytest.raises(UnsupportedMediaType) as caught:
        parse_json_body(b'{"model": "m"}', content_type)
    assert caught.value.status == 415
