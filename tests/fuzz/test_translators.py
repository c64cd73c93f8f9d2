"""Properties of the request translators (gateway/dialects/): whatever body the parser accepts, translating it
raises nothing but the client's BadRequest, and what comes out can be sent (orjson writes it).

The relay translates in both directions: a client's Anthropic or Gemini body into the OpenAI chat shape
(RelayContext.openai_body), and that shape into an Anthropic or Gemini channel's body (TranslatedWire.request).
Both run on what the client sent, after the same checks as here.
"""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.strategies import (anthropic_bodies, bent, chat_bodies, dumps, embedding_bodies, gemini_generate_bodies,
                                   json_objects)
from voapi_desktop.gateway.dialects.anthropic_openai import anthropic_request_to_openai, openai_request_to_anthropic
from voapi_desktop.gateway.dialects.gemini_openai import (gemini_request_to_openai, openai_embeddings_to_gemini,
                                                          openai_request_to_gemini)
from voapi_desktop.gateway.errors import BadRequest
from voapi_desktop.gateway.relay.endpoints import ENDPOINTS, MESSAGES
from voapi_desktop.gateway.relay.parse import check_generation_config, parse_json_body, translated, validate

EXAMPLES = 300


def accepted(body: dict, endpoint) -> dict | None:
    """The body as the relay has it after its checks, or None when they refuse it (a 400 before translation)."""
    try:
        return validate(parse_json_body(dumps(body), "application/json"), endpoint).body
    except BadRequest:
        return None


def translate(convert, *args):
    """Translate as the relay does; only a BadRequest may come out, and the result must be writable."""
    try:
        out = translated(convert, *args)
    except BadRequest as exc:
        assert exc.status == 400 and exc.message
        return None
    orjson.dumps(out)  # what goes upstream (or on to the next translator)
    return out


@fuzz_settings(EXAMPLES)
@given(body=bent(anthropic_bodies) | json_objects)
def test_an_accepted_anthropic_body_translates_to_openai_and_on_to_any_channel(body):
    body = accepted(body, MESSAGES)
    if body is None:
        return
    openai = translate(anthropic_request_to_openai, body)
    if openai is not None:
        assert isinstance(openai.get("messages"), list)
        outbound(openai)


@fuzz_settings(EXAMPLES)
@given(body=bent(gemini_generate_bodies) | json_objects, stream=st.booleans())
def test_an_accepted_gemini_body_translates_to_openai_and_on_to_any_channel(body, stream):
    try:  # the checks of routes_gemini.call_model
        body = parse_json_body(dumps(body), "application/json")
        check_generation_config(body)
    except BadRequest:
        return
    if not isinstance(body.get("contents"), list | dict):
        return
    openai = translate(gemini_request_to_openai, body, "gemini-2.5-flash", stream)
    if openai is not None:
        assert isinstance(openai.get("messages"), list)
        outbound(openai)


@fuzz_settings(EXAMPLES)
@given(body=bent(chat_bodies) | json_objects)
def test_an_accepted_openai_chat_body_translates_to_anthropic_and_gemini(body):
    body = accepted(body, ENDPOINTS["chat"])
    if body is not None:
        outbound(body)


@fuzz_settings(EXAMPLES // 2)
@given(body=bent(embedding_bodies) | json_objects)
def test_an_accepted_openai_embeddings_body_translates_to_gemini(body):
    body = accepted(body, ENDPOINTS["embeddings"])
    if body is not None:
        translate(openai_embeddings_to_gemini, body, "text-embedding-004")


def outbound(openai: dict) -> None:
    """An OpenAI chat body on its way to an Anthropic and to a Gemini channel (TranslatedWire.request)."""
    translate(openai_request_to_anthropic, dict(openai), 8192)
    translate(openai_request_to_gemini, dict(openai))
