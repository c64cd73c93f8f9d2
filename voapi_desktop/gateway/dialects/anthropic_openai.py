"""OpenAI Chat Completions <-> Anthropic Messages translation: the public API in one place.

Inbound Anthropic client on an OpenAI-type channel: ``anthropic_request_to_openai``,
``openai_response_to_anthropic``, ``OpenAIStreamToAnthropic`` (+ ``format_event``).
OpenAI client on an Anthropic channel: ``openai_request_to_anthropic``,
``anthropic_response_to_openai``, ``AnthropicStreamToOpenAI``; bill with ``anthropic_usage``.
The code lives in ``anthropic_requests``, ``anthropic_responses`` and ``anthropic_streams``.
"""

from __future__ import annotations

from .anthropic_requests import anthropic_request_to_openai, openai_request_to_anthropic
from .anthropic_responses import anthropic_response_to_openai, anthropic_usage, openai_response_to_anthropic
from .anthropic_streams import AnthropicStreamToOpenAI, OpenAIStreamToAnthropic, error_event, format_event

__all__ = ["AnthropicStreamToOpenAI", "OpenAIStreamToAnthropic", "anthropic_request_to_openai",
           "anthropic_response_to_openai", "anthropic_usage", "error_event", "format_event",
           "openai_request_to_anthropic", "openai_response_to_anthropic"]
