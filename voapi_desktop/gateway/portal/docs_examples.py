"""The docs page's code examples: curl, Python and Node for each client dialect this gateway speaks.

Examples are plain text with KEY where the visitor's key goes, so the page can show a masked key there
and the browser can swap in the full one (fetched on purpose) to reveal or copy it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

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


def _openai(base: str, model: str) -> Dialect:
    q = json.dumps
    return Dialect("openai", "/v1/chat/completions", (
        Example("curl", f"curl {base}/v1/chat/completions \\\n"
                        f"  -H \"Content-Type: application/json\" \\\n"
                        f"  -H \"Authorization: Bearer {KEY}\" \\\n"
                        f"  -d '{{\"model\": {q(model)}, \"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'"),
        Example("python", f"from openai import OpenAI\n\n"
                          f"client = OpenAI(base_url={q(base + '/v1')}, api_key=\"{KEY}\")\n"
                          f"reply = client.chat.completions.create(\n"
                          f"    model={q(model)},\n"
                          f"    messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\n"
                          f"print(reply.choices[0].message.content)"),
        Example("node", f"import OpenAI from \"openai\";\n\n"
                        f"const client = new OpenAI({{ baseURL: {q(base + '/v1')}, apiKey: \"{KEY}\" }});\n"
                        f"const reply = await client.chat.completions.create({{\n"
                        f"  model: {q(model)},\n"
                        f"  messages: [{{ role: \"user\", content: \"Hello\" }}],\n}});\n"
                        f"console.log(reply.choices[0].message.content);"),
    ))


def _anthropic(base: str, model: str) -> Dialect:
    q = json.dumps
    return Dialect("anthropic", "/v1/messages", (
        Example("curl", f"curl {base}/v1/messages \\\n"
                        f"  -H \"content-type: application/json\" \\\n"
                        f"  -H \"x-api-key: {KEY}\" \\\n"
                        f"  -H \"anthropic-version: 2023-06-01\" \\\n"
                        f"  -d '{{\"model\": {q(model)}, \"max_tokens\": 1024, "
                        f"\"messages\": [{{\"role\": \"user\", \"content\": \"Hello\"}}]}}'"),
        Example("python", f"import anthropic\n\n"
                          f"client = anthropic.Anthropic(base_url={q(base)}, api_key=\"{KEY}\")\n"
                          f"message = client.messages.create(\n"
                          f"    model={q(model)},\n    max_tokens=1024,\n"
                          f"    messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\n"
                          f"print(message.content[0].text)"),
        Example("node", f"import Anthropic from \"@anthropic-ai/sdk\";\n\n"
                        f"const client = new Anthropic({{ baseURL: {q(base)}, apiKey: \"{KEY}\" }});\n"
                        f"const message = await client.messages.create({{\n"
                        f"  model: {q(model)},\n  max_tokens: 1024,\n"
                        f"  messages: [{{ role: \"user\", content: \"Hello\" }}],\n}});\n"
                        f"console.log(message.content[0].text);"),
    ))


def _gemini(base: str, model: str) -> Dialect:
    q = json.dumps
    return Dialect("gemini", f"/v1beta/models/{model}:generateContent", (
        Example("curl", f"curl \"{base}/v1beta/models/{model}:generateContent\" \\\n"
                        f"  -H \"Content-Type: application/json\" \\\n"
                        f"  -H \"x-goog-api-key: {KEY}\" \\\n"
                        f"  -d '{{\"contents\": [{{\"parts\": [{{\"text\": \"Hello\"}}]}}]}}'"),
        Example("python", f"from google import genai\nfrom google.genai import types\n\n"
                          f"client = genai.Client(api_key=\"{KEY}\", "
                          f"http_options=types.HttpOptions(base_url={q(base)}))\n"
                          f"reply = client.models.generate_content(model={q(model)}, contents=\"Hello\")\n"
                          f"print(reply.text)"),
        Example("node", f"import {{ GoogleGenAI }} from \"@google/genai\";\n\n"
                        f"const ai = new GoogleGenAI({{ apiKey: \"{KEY}\", httpOptions: {{ baseUrl: {q(base)} }} }});\n"
                        f"const reply = await ai.models.generateContent({{ model: {q(model)}, contents: \"Hello\" }});\n"
                        f"console.log(reply.text);"),
    ))


def dialects(base: str, model: str) -> tuple[Dialect, ...]:
    """Examples for the OpenAI, Anthropic and Gemini dialects against `base` (no trailing slash)."""
    base = base.rstrip("/")
    return _openai(base, model), _anthropic(base, model), _gemini(base, model)
