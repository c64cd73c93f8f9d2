"""A model's vendor guessed from its name, for models MODEL_INFO does not place."""

from __future__ import annotations

import pytest

from voapi_desktop.core.vendor_match import match_vendor, vendor_name


@pytest.mark.parametrize("model, vendor", [
    ("gpt-4o-mini", "openai"), ("chatgpt-4o-latest", "openai"), ("o1-mini", "openai"), ("o3", "openai"),
    ("o4-mini-2025-04-16", "openai"), ("dall-e-3", "openai"), ("whisper-1", "openai"), ("tts-1-hd", "openai"),
    ("text-embedding-3-small", "openai"),
    ("claude-3-5-sonnet-20241022", "anthropic"), ("anthropic/claude-sonnet-4", "anthropic"),
    ("gemini-2.0-flash", "google"), ("models/gemini-1.5-pro", "google"), ("gemma-2-9b-it", "google"),
    ("deepseek-chat", "deepseek"), ("deepseek-ai/DeepSeek-V3", "deepseek"),
    ("qwen-max", "alibaba"), ("Qwen/Qwen2.5-72B-Instruct", "alibaba"), ("qwq-32b", "alibaba"),
    ("glm-4-plus", "zhipu"), ("chatglm_turbo", "zhipu"),
    ("moonshot-v1-8k", "moonshot"), ("kimi-k2-0711-preview", "moonshot"),
    ("mistral-large-latest", "mistral"), ("mixtral-8x7b-32768", "mistral"), ("codestral-latest", "mistral"),
    ("llama-3.1-70b-versatile", "meta"), ("meta-llama/Llama-3.3-70B-Instruct", "meta"), ("codellama-34b", "meta"),
    ("grok-2-1212", "xai"), ("flux-schnell", "black-forest-labs"), ("black-forest-labs/flux-1.1-pro", "black-forest-labs"),
    ("ERNIE-4.0-8K", "baidu"), ("doubao-pro-32k", "bytedance"), ("yi-large", "01-ai"), ("granite-3.0-8b", "ibm"),
])
def test_known_names_match_their_vendor(model, vendor):
    assert match_vendor(model) == vendor


@pytest.mark.parametrize("model", ["", "   ", "my-custom-model", "pro1-turbo", "hello/world", "zero3"])
def test_unknown_names_match_no_vendor(model):
    """Short tokens like o1/o3 only count at the start of a name or after a separator."""
    assert match_vendor(model) == ""


def test_an_owner_prefix_names_the_vendor_when_the_model_name_does_not():
    assert match_vendor("openai/some-new-model") == "openai"
    assert match_vendor("nobody/some-new-model") == ""


def test_vendor_names_are_display_names_and_unknown_keys_stay_as_typed():
    assert vendor_name("openai") == "OpenAI"
    assert vendor_name("black-forest-labs") == "Black Forest Labs"
    assert vendor_name("acme") == "acme"
