"""The docs page's code examples: curl, Python and Node for each client dialect this gateway speaks.

Examples are plain text with KEY where the visitor's key goes, so the page can show a masked key there
and the browser can swap in the full one (fetched on purpose) to reveal or copy it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from string import Template

KEY = "\x00KEY\x00"  # where the key goes; never part of a base URL or a model name
PLACEHOLDER_KEY = "sk-your-key"
FALLBACK_MODEL = "gpt-4o-mini"
_SAFE_MODEL = re.compile(r"[\w.:/@+-]{1,128}")


@dataclass(frozen=True)
class Example:
    language: str  # "curl", "python", "node"
    code: str


@dataclass(frozen=True)
class Dialect:
    id: str  # "openai", "anthropic", "gemini"
    path: str  # the request path the examples call
    examples: tuple[Example, ...]


def example_model(models: list[str]) -> str:
    """The first model name that is safe to paste into shell, Python and JS examples."""
    return next((m for m in models if _SAFE_MODEL.fullmatch(m)), FALLBACK_MODEL)


# Each dialect's request path and its examples as string.Template text: $base is the gateway's address,
# $key the key slot, $model the model; the *_json forms are JSON-quoted (a Python and JS string literal).
_DIALECTS = (
    ("openai", "/v1/chat/completions", {
        "curl": r"""curl $base/v1/chat/completions \
  -H "Content-Type: application/json" \
  -H "Authorization: Bearer $key" \
  -d '{"model": $model_json, "messages": [{"role": "user", "content": "Hello"}]}'""",
        "python": """from openai import OpenAI

client = OpenAI(base_url=$base_v1_json, api_key="$key")
reply = client.chat.completions.create(
    model=$model_json,
    messages=[{"role": "user", "content": "Hello"}],
)
print(reply.choices[0].message.content)""",
        "node": """import OpenAI from "openai";

const client = new OpenAI({ baseURL: $base_v1_json, apiKey: "$key" });
const reply = await client.chat.completions.create({
  model: $model_json,
  messages: [{ role: "user", content: "Hello" }],
});
console.log(reply.choices[0].message.content);""",
    }),
    ("anthropic", "/v1/messages", {
        "curl": r"""curl $base/v1/messages \
  -H "content-type: application/json" \
  -H "x-api-key: $key" \
  -H "anthropic-version: 2023-06-01" \
  -d '{"model": $model_json, "max_tokens": 1024, "messages": [{"role": "user", "content": "Hello"}]}'""",
        "python": """import anthropic

client = anthropic.Anthropic(base_url=$base_json, api_key="$key")
message = client.messages.create(
    model=$model_json,
    max_tokens=1024,
    messages=[{"role": "user", "content": "Hello"}],
)
print(message.content[0].text)""",
        "node": """import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic({ baseURL: $base_json, apiKey: "$key" });
const message = await client.messages.create({
  model: $model_json,
  max_tokens: 1024,
  messages: [{ role: "user", content: "Hello" }],
});
console.log(message.content[0].text);""",
    }),
    ("gemini", "/v1beta/models/$model:generateContent", {
        "curl": r"""curl "$base/v1beta/models/$model:generateContent" \
  -H "Content-Type: application/json" \
  -H "x-goog-api-key: $key" \
  -d '{"contents": [{"parts": [{"text": "Hello"}]}]}'""",
        "python": """from google import genai
from google.genai import types

client = genai.Client(api_key="$key", http_options=types.HttpOptions(base_url=$base_json))
reply = client.models.generate_content(model=$model_json, contents="Hello")
print(reply.text)""",
        "node": """import { GoogleGenAI } from "@google/genai";

const ai = new GoogleGenAI({ apiKey: "$key", httpOptions: { baseUrl: $base_json } });
const reply = await ai.models.generateContent({ model: $model_json, contents: "Hello" });
console.log(reply.text);""",
    }),
)


def dialects(base: str, model: str) -> tuple[Dialect, ...]:
    """Examples for the OpenAI, Anthropic and Gemini dialects against `base` (no trailing slash)."""
    base = base.rstrip("/")
    values = {"base": base, "base_json": json.dumps(base), "base_v1_json": json.dumps(base + "/v1"),
              "model": model, "model_json": json.dumps(model), "key": KEY}

    def fill(text: str) -> str:
        return Template(text).substitute(values)
    return tuple(Dialect(dialect_id, fill(path), tuple(Example(lang, fill(code)) for lang, code in codes.items()))
                 for dialect_id, path, codes in _DIALECTS)
