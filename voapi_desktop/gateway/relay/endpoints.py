"""The OpenAI-dialect relay endpoints and what each one needs from a request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # upstream path after /v1
    body: str = "json"  # "json" or "multipart"
    can_stream: bool = False
    default_model: str = ""
    required: tuple[str, ...] = ()  # fields that must be present besides the model
    binary_response: bool = False


ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (
    Endpoint("chat", "/chat/completions", can_stream=True, required=("messages",)),
    Endpoint("completions", "/completions", can_stream=True, required=("prompt",)),
    Endpoint("embeddings", "/embeddings", required=("input",)),
    Endpoint("moderations", "/moderations", default_model="omni-moderation-latest", required=("input",)),
    Endpoint("images", "/images/generations", default_model="dall-e-2", required=("prompt",)),
    Endpoint("image_edits", "/images/edits", body="multipart", default_model="dall-e-2",
             required=("prompt", "image")),
    Endpoint("speech", "/audio/speech", required=("input",), binary_response=True),
    Endpoint("transcriptions", "/audio/transcriptions", body="multipart", required=("file",)),
    Endpoint("translations", "/audio/translations", body="multipart", required=("file",)),
    Endpoint("rerank", "/rerank", required=("query", "documents")),
    Endpoint("responses", "/responses", can_stream=True, required=("input",)),
)}

# Native front doors of the other dialects (their routes live in routes_anthropic.py / routes_gemini.py).
MESSAGES = Endpoint("messages", "/messages", can_stream=True, required=("messages",))
GEMINI_GENERATE = Endpoint("generate", "/models:generateContent", can_stream=True)
GEMINI_EMBED = Endpoint("gemini_embed", "/models:embedContent")
