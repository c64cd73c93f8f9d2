"""Translate between the OpenAI chat/embeddings dialect and Google's Gemini API (v1beta).

Pure functions and small stateful stream converters: no I/O, standard library + orjson only.

Two directions:

* OpenAI client -> Gemini channel: :func:`openai_request_to_gemini`, :func:`gemini_response_to_openai`,
  :class:`GeminiStreamToOpenAI`, :func:`openai_embeddings_to_gemini`, :func:`gemini_embeddings_to_openai`.
* Gemini-native client (``POST /v1beta/models/{model}:generateContent``) -> OpenAI-type channel:
  :func:`gemini_request_to_openai`, :func:`openai_response_to_gemini`, :class:`OpenAIStreamToGemini`,
  :func:`format_sse`, :func:`gemini_models_list`, :func:`gemini_error`.

Choices made here (documented because a client can notice them):

* JSON schemas sent to Gemini (tool ``parameters``, ``responseSchema``) lose the keys Gemini rejects:
  ``additionalProperties``, ``$schema`` and ``strict`` (:data:`SCHEMA_KEYS_GEMINI_REJECTS`), at every
  nesting level but never inside ``properties`` maps, where they are property names. A function whose
  parameters are an object without properties is declared without ``parameters`` (Gemini rejects an
  OBJECT with empty ``properties``).
* ``reasoning_effort`` -> ``thinkingConfig.thinkingBudget``: :data:`THINKING_BUDGETS` (low 1024,
  medium 8192, high 24576; minimal 128; none 0). Back (Gemini -> OpenAI): a positive budget maps to the
  smallest effort whose budget covers it; a budget of 0 or -1 (dynamic) sends no ``reasoning_effort``,
  because non-reasoning OpenAI models reject the parameter.
* Thought signatures: Gemini's ``thoughtSignature`` sibling of a ``functionCall`` part travels in the
  OpenAI tool call as ``tool_calls[i].extra_content.google.thought_signature`` (as Google's own
  OpenAI-compatible endpoint does) and is put back on the way in. Signatures on text parts are dropped
  (Gemini documents them as optional to return).
* ``executableCode`` / ``codeExecutionResult`` parts (the code-execution tool) are rendered into the
  text as fenced blocks: ```` ```python ```` with the code and ```` ```output ```` with the result;
  ``inlineData`` in a response (image output) becomes a Markdown image with a data URL.
* Tool call ids generated for Gemini function calls are ``call_<n>`` (n counts from 0 per choice);
  function names of ``role: tool`` messages are looked up from the nearest earlier tool call with that id.
* OpenAI image URLs: ``data:`` URLs become ``inlineData``; http(s) URLs become ``fileData`` with the
  MIME type guessed from the extension (default ``image/jpeg``) and are fetched by Google. Gemini
  ``fileData`` of a non-image type has no chat.completions equivalent and is passed on as a text note.
* Dropped on the way to OpenAI: ``safetySettings``, ``topK``, ``cachedContent`` and Gemini-native tools
  (``googleSearch``, ``codeExecution``, ...); thought parts of earlier model turns are not resent.
  OpenAI-type tools of another type than ``function`` are dropped on the way to Gemini, but an entry
  that already is a Gemini-native tool (``{"googleSearch": {}}``) is passed through. OpenAI fields
  with no Gemini counterpart (``logprobs``, ``parallel_tool_calls``, ``user``, ``store``, ...) are dropped.
* Embeddings: Gemini reports no token counts, so ``usage`` is 0/0 and the gateway counts locally.
* Gemini REST accepts snake_case field names as well as camelCase; the inbound converter reads both.
"""

from __future__ import annotations

import base64
import re
import struct
import time
from typing import Any

import orjson

SCHEMA_KEYS_GEMINI_REJECTS = frozenset({"additionalProperties", "$schema", "strict"})
THINKING_BUDGETS = {"none": 0, "minimal": 128, "low": 1024, "medium": 8192, "high": 24576}

_FINISH_TO_OPENAI = {
    "STOP": "stop", "MAX_TOKENS": "length",
    "SAFETY": "content_filter", "RECITATION": "content_filter", "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter", "SPII": "content_filter", "LANGUAGE": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}
_FINISH_TO_GEMINI = {"stop": "STOP", "length": "MAX_TOKENS", "tool_calls": "STOP", "function_call": "STOP",
                     "content_filter": "SAFETY"}
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
    405: "INVALID_ARGUMENT", 408: "DEADLINE_EXCEEDED", 409: "ABORTED", 413: "INVALID_ARGUMENT",
    415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED", 500: "INTERNAL", 501: "UNIMPLEMENTED", 502: "UNAVAILABLE", 503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MIME_BY_EXT = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp", "pdf": "application/pdf",
    "mp3": "audio/mp3", "wav": "audio/wav", "ogg": "audio/ogg", "flac": "audio/flac", "aac": "audio/aac",
    "mp4": "video/mp4", "mov": "video/mov", "webm": "video/webm", "txt": "text/plain",
}
_DATA_URL = re.compile(r"^data:([^;,]*)((?:;[^;,]*)*),(.*)$", re.S)
_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


# ---------------------------------------------------------------------------------------------- helpers

def _dumps(obj: Any) -> str:
    return orjson.dumps(obj).decode()


def _g(d: Any, key: str, default: Any = None) -> Any:
    """``d[key]`` for a camelCase key, also accepting its snake_case spelling (Gemini REST takes both)."""
    if not isinstance(d, dict):
        return default
    if key in d:
        return d[key]
    snake = _CAMEL.sub("_", key).lower()
    return d.get(snake, default)


def _clean_schema(schema: Any) -> Any:
    """A JSON schema without the keys Gemini rejects (see the module docstring)."""
    if isinstance(schema, list):
        return [_clean_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key in SCHEMA_KEYS_GEMINI_REJECTS:
            continue
        if key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
            out[key] = {name: _clean_schema(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf", "oneOf", "allOf", "not", "prefixItems", "additionalItems"):
            out[key] = _clean_schema(value)
        else:
            out[key] = value
    return out


def _lower_schema_types(schema: Any) -> Any:
    """Gemini schemas may spell types in upper case (``OBJECT``); JSON schema wants lower case."""
    if isinstance(schema, list):
        return [_lower_schema_types(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "type" and isinstance(value, str):
            out[key] = value.lower()
        elif key == "type" and isinstance(value, list):
            out[key] = [v.lower() if isinstance(v, str) else v for v in value]
        elif key in ("properties", "$defs", "definitions", "patternProperties") and isinstance(value, dict):
            out[key] = {name: _lower_schema_types(sub) for name, sub in value.items()}
        elif key in ("items", "anyOf", "oneOf", "allOf", "not", "prefixItems"):
            out[key] = _lower_schema_types(value)
        else:
            out[key] = value
    return out


def _parse_json_object(text: Any) -> dict:
    """Tool-call arguments as an object; anything unparsable or not an object -> {}."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def _guess_mime(url: str, default: str = "image/jpeg") -> str:
    path = url.split("?", 1)[0].split("#", 1)[0]
    ext = path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    return _MIME_BY_EXT.get(ext, default)


def _media_part(url: str, default_mime: str = "image/jpeg") -> dict | None:
    """An OpenAI image/file URL as a Gemini part: data URL -> inlineData, http(s) -> fileData."""
    match = _DATA_URL.match(url)
    if match:
        mime = match.group(1) or default_mime
        if ";base64" in match.group(2):
            data = match.group(3)
        else:  # a percent-encoded data URL: Gemini wants base64
            from urllib.parse import unquote_to_bytes
            data = base64.b64encode(unquote_to_bytes(match.group(3))).decode()
        return {"inlineData": {"mimeType": mime, "data": data}}
    if url.startswith(("http://", "https://", "gs://")):
        return {"fileData": {"mimeType": _guess_mime(url, default_mime), "fileUri": url}}
    return None


def _text_of(content: Any) -> str:
    """Plain text of an OpenAI message content (string or list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") in ("text", "input_text", "output_text")
                       and isinstance(p.get("text"), str))
    return str(content)


def _content_parts(content: Any) -> list[dict]:
    """OpenAI user content -> Gemini parts (text, images, audio, files)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict] = []
    for item in content if isinstance(content, list) else [content]:
        if isinstance(item, str):
            parts.append({"text": item})
            continue
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind in ("text", "input_text", "output_text"):
            if item.get("text"):
                parts.append({"text": item["text"]})
        elif kind == "image_url":
            image = item.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            part = _media_part(url) if isinstance(url, str) else None
            if part:
                parts.append(part)
        elif kind == "input_audio" and isinstance(item.get("input_audio"), dict):
            audio = item["input_audio"]
            parts.append({"inlineData": {"mimeType": f"audio/{audio.get('format') or 'wav'}",
                                         "data": audio.get("data", "")}})
        elif kind == "file" and isinstance(item.get("file"), dict):
            data = item["file"].get("file_data")
            part = _media_part(data, "application/pdf") if isinstance(data, str) else None
            if part:
                parts.append(part)
    return parts


def _merge_roles(contents: list[dict]) -> list[dict]:
    merged: list[dict] = []
    for content in contents:
        if not content["parts"]:
            continue
        if merged and merged[-1]["role"] == content["role"]:
            merged[-1]["parts"].extend(content["parts"])
        else:
            merged.append({"role": content["role"], "parts": list(content["parts"])})
    return merged


# ------------------------------------------------------------------ OpenAI client -> Gemini channel

def openai_request_to_gemini(body: dict) -> dict:
    """A chat.completions request body as a Gemini ``generateContent`` request body."""
    system_parts: list[dict] = []
    contents: list[dict] = []
    names_by_id: dict[str, str] = {}
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role in ("system", "developer"):
            text = _text_of(message.get("content"))
            if text:
                system_parts.append({"text": text})
        elif role == "assistant":
            parts = [{"text": t} for t in [_text_of(message.get("content"))] if t]
            for call in message.get("tool_calls") or []:
                if not isinstance(call, dict) or not isinstance(call.get("function"), dict):
                    continue
                function = call["function"]
                name = function.get("name", "")
                if call.get("id"):
                    names_by_id[call["id"]] = name
                part: dict = {"functionCall": {"name": name, "args": _parse_json_object(function.get("arguments"))}}
                signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
                if signature:
                    part["thoughtSignature"] = signature
                parts.append(part)
            legacy = message.get("function_call")
            if isinstance(legacy, dict) and legacy.get("name"):
                parts.append({"functionCall": {"name": legacy["name"],
                                               "args": _parse_json_object(legacy.get("arguments"))}})
            contents.append({"role": "model", "parts": parts})
        elif role in ("tool", "function"):
            name = names_by_id.get(message.get("tool_call_id") or "") or message.get("name") or ""
            content = message.get("content")
            text = content if isinstance(content, str) else _text_of(content)
            try:  # a JSON object or array goes as structured data, anything else as the text it is
                value = orjson.loads(text) if text.lstrip().startswith(("{", "[")) else text
            except orjson.JSONDecodeError:
                value = text
            contents.append({"role": "user", "parts": [
                {"functionResponse": {"name": name, "response": {"content": value}}}]})
        else:  # user (and anything unknown)
            contents.append({"role": "user", "parts": _content_parts(message.get("content"))})

    out: dict = {"contents": _merge_roles(contents)}
    if system_parts:
        out["systemInstruction"] = {"parts": system_parts}

    declarations = []
    native_tools = []
    for tool in body.get("tools") or []:
        if not isinstance(tool, dict):
            continue
        if tool.get("type") == "function" and isinstance(tool.get("function"), dict):
            fn = tool["function"]
            decl: dict = {"name": fn.get("name", "")}
            if fn.get("description"):
                decl["description"] = fn["description"]
            params = fn.get("parameters")
            if isinstance(params, dict) and (params.get("properties") or params.get("type") not in (None, "object")):
                decl["parameters"] = _clean_schema(params)
            declarations.append(decl)
        elif any(k in tool for k in ("googleSearch", "codeExecution", "urlContext", "google_search",
                                     "code_execution", "url_context")):
            native_tools.append(tool)  # a Gemini-native tool passed through as is
    if declarations or native_tools:
        out["tools"] = ([{"functionDeclarations": declarations}] if declarations else []) + native_tools

    choice = body.get("tool_choice")
    if choice is not None and declarations:
        config: dict | None = None
        if choice == "auto":
            config = {"mode": "AUTO"}
        elif choice == "none":
            config = {"mode": "NONE"}
        elif choice == "required":
            config = {"mode": "ANY"}
        elif isinstance(choice, dict):
            name = (choice.get("function") or {}).get("name") or choice.get("name")
            config = {"mode": "ANY", "allowedFunctionNames": [name]} if name else {"mode": "ANY"}
        if config:
            out["toolConfig"] = {"functionCallingConfig": config}

    gen: dict = {}
    for src, dst in (("temperature", "temperature"), ("top_p", "topP"), ("top_k", "topK"), ("seed", "seed"),
                     ("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty"),
                     ("n", "candidateCount")):
        if body.get(src) is not None:
            gen[dst] = body[src]
    max_tokens = body.get("max_completion_tokens")
    if max_tokens is None:
        max_tokens = body.get("max_tokens")
    if max_tokens is not None:
        gen["maxOutputTokens"] = max_tokens
    stop = body.get("stop")
    if stop:
        gen["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    fmt = body.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") in ("json_object", "json_schema"):
        gen["responseMimeType"] = "application/json"
        schema = (fmt.get("json_schema") or {}).get("schema") if fmt["type"] == "json_schema" else None
        if isinstance(schema, dict):
            gen["responseSchema"] = _clean_schema(schema)
    effort = body.get("reasoning_effort")
    if isinstance(effort, str) and effort in THINKING_BUDGETS:
        gen["thinkingConfig"] = {"thinkingBudget": THINKING_BUDGETS[effort]}
    google = body.get("google") or (body.get("extra_body") or {}).get("google")
    thinking = google.get("thinking_config") if isinstance(google, dict) else None
    if isinstance(thinking, dict):  # Google's OpenAI-compat extension, wins over reasoning_effort
        config = gen.setdefault("thinkingConfig", {})
        if thinking.get("thinking_budget") is not None:
            config["thinkingBudget"] = thinking["thinking_budget"]
        if thinking.get("include_thoughts") is not None:
            config["includeThoughts"] = bool(thinking["include_thoughts"])
    if gen:
        out["generationConfig"] = gen
    return out


def _render_part_text(part: dict) -> str | None:
    """Text for a non-function part, or None if the part carries no text for the client."""
    if isinstance(part.get("text"), str):
        return part["text"]
    code = _g(part, "executableCode")
    if isinstance(code, dict):
        language = str(code.get("language") or "python").lower()
        language = "python" if language in ("python", "language_unspecified") else language
        return f"\n```{language}\n{code.get('code', '')}\n```\n"
    result = _g(part, "codeExecutionResult")
    if isinstance(result, dict):
        outcome = result.get("outcome", "OUTCOME_OK")
        note = "" if outcome in ("OUTCOME_OK", None) else f"{outcome}\n"
        return f"\n```output\n{note}{result.get('output', '')}\n```\n"
    inline = _g(part, "inlineData")
    if isinstance(inline, dict) and inline.get("data"):
        mime = _g(inline, "mimeType") or "application/octet-stream"
        return f"![image](data:{mime};base64,{inline['data']})"
    return None


def _tool_call(part: dict, n: int) -> dict:
    call = _g(part, "functionCall") or {}
    out = {"id": call.get("id") or f"call_{n}", "type": "function",
           "function": {"name": call.get("name", ""), "arguments": _dumps(call.get("args") or {})}}
    signature = _g(part, "thoughtSignature")
    if signature:
        out["extra_content"] = {"google": {"thought_signature": signature}}
    return out


def _finish_to_openai(reason: str | None, has_tool_calls: bool) -> str:
    mapped = _FINISH_TO_OPENAI.get(reason or "STOP", "stop")
    return "tool_calls" if has_tool_calls and mapped == "stop" else mapped


def _usage_to_openai(meta: Any) -> dict:
    meta = meta if isinstance(meta, dict) else {}
    prompt = int(meta.get("promptTokenCount") or 0) + int(meta.get("toolUsePromptTokenCount") or 0)
    thoughts = int(meta.get("thoughtsTokenCount") or 0)
    completion = int(meta.get("candidatesTokenCount") or 0) + thoughts
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": int(meta.get("cachedContentTokenCount") or 0)},
            "completion_tokens_details": {"reasoning_tokens": thoughts}}


def gemini_response_to_openai(resp: dict, model: str) -> dict:
    """A Gemini ``GenerateContentResponse`` as an OpenAI ``chat.completion``."""
    choices = []
    for position, candidate in enumerate(resp.get("candidates") or []):
        texts, thoughts, calls = [], [], []
        for part in (candidate.get("content") or {}).get("parts") or []:
            if not isinstance(part, dict):
                continue
            if _g(part, "functionCall"):
                calls.append(_tool_call(part, len(calls)))
                continue
            text = _render_part_text(part)
            if text is None:
                continue
            (thoughts if part.get("thought") else texts).append(text)
        message: dict = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
        if thoughts:
            message["reasoning_content"] = "".join(thoughts)
        if calls:
            message["tool_calls"] = calls
        choices.append({"index": candidate.get("index", position), "message": message,
                        "finish_reason": _finish_to_openai(candidate.get("finishReason"), bool(calls)),
                        "logprobs": None})
    if not choices:  # promptFeedback.blockReason (or an empty answer)
        blocked = bool((resp.get("promptFeedback") or {}).get("blockReason"))
        choices.append({"index": 0, "message": {"role": "assistant", "content": ""},
                        "finish_reason": "content_filter" if blocked else "stop", "logprobs": None})
    return {"id": f"chatcmpl-{resp.get('responseId') or 'gemini'}", "object": "chat.completion",
            "created": int(time.time()), "model": model, "choices": choices,
            "usage": _usage_to_openai(resp.get("usageMetadata"))}


class GeminiStreamToOpenAI:
    """Parsed ``streamGenerateContent?alt=sse`` data objects in, OpenAI ``chat.completion.chunk`` dicts out.

    Gemini's ``usageMetadata`` is cumulative and the last object may revise it, so :attr:`usage` is
    always the last one seen. After an ``error`` object, :attr:`error` is set and :meth:`finish`
    returns nothing (the caller reports the error, as OpenAI ends a broken stream without a finish).
    """

    def __init__(self, model: str, include_usage: bool) -> None:
        self.model = model
        self.include_usage = include_usage
        self.error: dict | None = None
        self.id = "chatcmpl-gemini"
        self.created = int(time.time())
        self._started = False
        self._meta: dict | None = None
        self._calls: dict[int, int] = {}  # choice index -> tool calls so far
        self._finished: set[int] = set()

    def _chunk(self, choices: list[dict], **extra: Any) -> dict:
        return {"id": self.id, "object": "chat.completion.chunk", "created": self.created,
                "model": self.model, "choices": choices, **extra}

    def _delta(self, index: int, delta: dict, finish: str | None = None) -> dict:
        return self._chunk([{"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}])

    def _start(self) -> list[dict]:
        if self._started:
            return []
        self._started = True
        return [self._delta(0, {"role": "assistant", "content": ""})]

    def feed(self, data: dict) -> list[dict]:
        if not isinstance(data, dict):
            return []
        if "error" in data:
            self.error = data["error"] if isinstance(data["error"], dict) else {"message": str(data["error"])}
            return []
        if not self._started and data.get("responseId"):
            self.id = f"chatcmpl-{data['responseId']}"
        out = self._start()
        if isinstance(data.get("usageMetadata"), dict):
            self._meta = data["usageMetadata"]
        for position, candidate in enumerate(data.get("candidates") or []):
            index = candidate.get("index", position)
            for part in (candidate.get("content") or {}).get("parts") or []:
                if not isinstance(part, dict):
                    continue
                if _g(part, "functionCall"):
                    n = self._calls.get(index, 0)
                    self._calls[index] = n + 1
                    out.append(self._delta(index, {"tool_calls": [{"index": n, **_tool_call(part, n)}]}))
                    continue
                text = _render_part_text(part)
                if text:
                    key = "reasoning_content" if part.get("thought") else "content"
                    out.append(self._delta(index, {key: text}))
            reason = candidate.get("finishReason")
            if reason and index not in self._finished:
                self._finished.add(index)
                out.append(self._delta(index, {}, _finish_to_openai(reason, self._calls.get(index, 0) > 0)))
        if not data.get("candidates") and (data.get("promptFeedback") or {}).get("blockReason") \
                and 0 not in self._finished:
            self._finished.add(0)
            out.append(self._delta(0, {}, "content_filter"))
        return out

    @property
    def usage(self) -> dict | None:
        """``{prompt_tokens, completion_tokens, cached_tokens}`` from the last usageMetadata; None if none came."""
        if self._meta is None:
            return None
        full = _usage_to_openai(self._meta)
        return {"prompt_tokens": full["prompt_tokens"], "completion_tokens": full["completion_tokens"],
                "cached_tokens": full["prompt_tokens_details"]["cached_tokens"]}

    def finish(self) -> list[dict]:
        """Call when the upstream closed: a finish chunk if none was seen, then the usage chunk if asked."""
        if self.error is not None:
            return []
        out = self._start()
        if not self._finished:
            self._finished.add(0)
            out.append(self._delta(0, {}, "tool_calls" if self._calls.get(0) else "stop"))
        if self.include_usage and self._meta is not None:
            out.append(self._chunk([], usage=_usage_to_openai(self._meta)))
        return out


def _model_path(model: str) -> str:
    return model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"


def openai_embeddings_to_gemini(body: dict, model: str) -> tuple[str, dict]:
    """An OpenAI embeddings request as (``"embedContent"`` | ``"batchEmbedContents"``, Gemini body)."""
    inputs = body.get("input")
    dims = body.get("dimensions")

    def request(text: str, with_model: bool) -> dict:
        req: dict = {"model": _model_path(model)} if with_model else {}
        req["content"] = {"parts": [{"text": text}]}
        if dims is not None:
            req["outputDimensionality"] = dims
        return req

    if isinstance(inputs, str):
        return "embedContent", request(inputs, False)
    if isinstance(inputs, list) and inputs and all(isinstance(i, str) for i in inputs):
        return "batchEmbedContents", {"requests": [request(i, True) for i in inputs]}
    raise ValueError("Gemini embeddings need text input")


def gemini_embeddings_to_openai(resp: dict, model: str, encoding_format: str | None) -> dict:
    """``embedContent`` / ``batchEmbedContents`` reply as an OpenAI embeddings list.

    Gemini reports no token counts: ``usage`` is zero and the gateway counts the input locally.
    """
    if isinstance(resp.get("embedding"), dict):
        vectors = [resp["embedding"].get("values") or []]
    else:
        vectors = [(e or {}).get("values") or [] for e in resp.get("embeddings") or []]
    data = []
    for i, values in enumerate(vectors):
        embedding: Any = values
        if encoding_format == "base64":
            embedding = base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode()
        data.append({"object": "embedding", "index": i, "embedding": embedding})
    return {"object": "list", "data": data, "model": model, "usage": {"prompt_tokens": 0, "total_tokens": 0}}


# ------------------------------------------------------- Gemini-native client -> OpenAI-type channel

def _openai_media(part: dict) -> dict | None:
    """A Gemini inlineData / fileData part as an OpenAI content part."""
    inline = _g(part, "inlineData")
    if isinstance(inline, dict):
        mime = _g(inline, "mimeType") or "application/octet-stream"
        data = inline.get("data", "")
        if mime.startswith("audio/"):
            return {"type": "input_audio", "input_audio": {"data": data, "format": mime.split("/", 1)[1]}}
        if mime.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{data}"}}
        return {"type": "file", "file": {"file_data": f"data:{mime};base64,{data}"}}
    file = _g(part, "fileData")
    if isinstance(file, dict) and _g(file, "fileUri"):
        uri, mime = _g(file, "fileUri"), _g(file, "mimeType") or ""
        if not mime or mime.startswith("image/"):
            return {"type": "image_url", "image_url": {"url": uri}}
        return {"type": "text", "text": f"[{mime} file: {uri}]"}  # chat.completions takes no file URLs
    return None


def _tool_content(response: Any) -> str:
    """A functionResponse.response as tool message text (the inverse of ``{"content": ...}``)."""
    if isinstance(response, dict) and set(response) == {"content"}:
        response = response["content"]
    return response if isinstance(response, str) else _dumps(response)


def _effort_for_budget(budget: Any) -> str | None:
    if not isinstance(budget, int) or isinstance(budget, bool) or budget <= 0:
        return None  # 0 = off, -1 = dynamic: send nothing (non-reasoning models reject the field)
    for effort in ("low", "medium", "high"):
        if budget <= THINKING_BUDGETS[effort]:
            return effort
    return "high"


def gemini_request_to_openai(body: dict, model: str, stream: bool) -> dict:
    """A Gemini ``generateContent`` request body as a chat.completions request body."""
    messages: list[dict] = []
    system = _g(body, "systemInstruction")
    if isinstance(system, str):
        system = {"parts": [{"text": system}]}
    if isinstance(system, dict):
        text = "\n\n".join(p["text"] for p in system.get("parts") or []
                           if isinstance(p, dict) and isinstance(p.get("text"), str))
        if text:
            messages.append({"role": "system", "content": text})

    counter = 0
    pending: dict[str, list[str]] = {}  # function name -> ids of calls not answered yet
    for content in _g(body, "contents") or []:
        if not isinstance(content, dict):
            continue
        parts = [p for p in content.get("parts") or [] if isinstance(p, dict)]
        if content.get("role") == "model":
            texts, calls = [], []
            for part in parts:
                call = _g(part, "functionCall")
                if isinstance(call, dict):
                    call_id = call.get("id") or f"call_{counter}"
                    counter += 1
                    pending.setdefault(call.get("name", ""), []).append(call_id)
                    tool_call: dict = {"id": call_id, "type": "function", "function": {
                        "name": call.get("name", ""), "arguments": _dumps(call.get("args") or {})}}
                    signature = _g(part, "thoughtSignature")
                    if signature:
                        tool_call["extra_content"] = {"google": {"thought_signature": signature}}
                    calls.append(tool_call)
                elif not part.get("thought"):
                    text = _render_part_text(part)
                    if text:
                        texts.append(text)
            message: dict = {"role": "assistant", "content": "".join(texts) if texts else None}
            if calls:
                message["tool_calls"] = calls
            if texts or calls:
                messages.append(message)
            continue
        user_parts: list[dict] = []
        for part in parts:
            response = _g(part, "functionResponse")
            if isinstance(response, dict):
                name = response.get("name", "")
                queue = pending.get(name) or []
                if response.get("id"):
                    call_id = response["id"]
                    if call_id in queue:
                        queue.remove(call_id)
                elif queue:
                    call_id = queue.pop(0)
                else:  # an answer to a call we never saw: give it an id of its own
                    call_id = f"call_{counter}"
                    counter += 1
                messages.append({"role": "tool", "tool_call_id": call_id,
                                 "content": _tool_content(response.get("response"))})
            elif isinstance(part.get("text"), str):
                user_parts.append({"type": "text", "text": part["text"]})
            else:
                media = _openai_media(part)
                if media:
                    user_parts.append(media)
        if user_parts:
            only_text = all(p["type"] == "text" for p in user_parts)
            messages.append({"role": "user", "content": "".join(p["text"] for p in user_parts)
                             if only_text else user_parts})

    out: dict = {"model": model, "messages": messages}
    if stream:
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}

    tools = []
    for tool in _g(body, "tools") or []:
        for decl in _g(tool, "functionDeclarations") or []:
            if not isinstance(decl, dict):
                continue
            fn: dict = {"name": decl.get("name", "")}
            if decl.get("description"):
                fn["description"] = decl["description"]
            params = _g(decl, "parametersJsonSchema") or decl.get("parameters")
            fn["parameters"] = _lower_schema_types(params) if isinstance(params, dict) else \
                {"type": "object", "properties": {}}
            tools.append({"type": "function", "function": fn})
    if tools:  # Gemini-native tools (googleSearch, codeExecution, ...) have no OpenAI equivalent: dropped
        out["tools"] = tools
        config = _g(_g(body, "toolConfig") or {}, "functionCallingConfig") or {}
        mode = str(config.get("mode") or "").upper()
        allowed = _g(config, "allowedFunctionNames") or []
        if mode == "AUTO":
            out["tool_choice"] = "auto"
        elif mode == "NONE":
            out["tool_choice"] = "none"
        elif mode in ("ANY", "VALIDATED"):
            out["tool_choice"] = {"type": "function", "function": {"name": allowed[0]}} \
                if len(allowed) == 1 else "required"

    gen = _g(body, "generationConfig") or {}
    for src, dst in (("temperature", "temperature"), ("topP", "top_p"), ("seed", "seed"),
                     ("presencePenalty", "presence_penalty"), ("frequencyPenalty", "frequency_penalty"),
                     ("maxOutputTokens", "max_tokens"), ("candidateCount", "n")):
        value = _g(gen, src)
        if value is not None:
            out[dst] = value
    stop = _g(gen, "stopSequences")
    if stop:
        out["stop"] = list(stop)
    if _g(gen, "responseMimeType") == "application/json":
        schema = _g(gen, "responseJsonSchema") or _g(gen, "responseSchema")
        out["response_format"] = {"type": "json_schema", "json_schema": {
            "name": "response", "schema": _lower_schema_types(schema)}} if isinstance(schema, dict) \
            else {"type": "json_object"}
    thinking = _g(gen, "thinkingConfig") or {}
    level = _g(thinking, "thinkingLevel")
    effort = str(level).lower() if isinstance(level, str) and str(level).lower() in THINKING_BUDGETS \
        else _effort_for_budget(_g(thinking, "thinkingBudget"))
    if effort and effort != "none":
        out["reasoning_effort"] = effort
    return out


def _gemini_usage(usage: Any) -> dict:
    usage = usage if isinstance(usage, dict) else {}
    prompt = int(usage.get("prompt_tokens") or usage.get("input_tokens") or 0)
    completion = int(usage.get("completion_tokens") or usage.get("output_tokens") or 0)
    reasoning = int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    meta = {"promptTokenCount": prompt, "candidatesTokenCount": completion - reasoning,
            "totalTokenCount": int(usage.get("total_tokens") or prompt + completion),
            "cachedContentTokenCount": cached}
    if reasoning:
        meta["thoughtsTokenCount"] = reasoning
    return meta


def _function_call_part(name: str, arguments: Any, extra: Any) -> dict:
    part: dict = {"functionCall": {"name": name, "args": _parse_json_object(arguments)}}
    signature = ((extra or {}).get("google") or {}).get("thought_signature") if isinstance(extra, dict) else None
    if signature:
        part["thoughtSignature"] = signature
    return part


def openai_response_to_gemini(resp: dict, model: str) -> dict:
    """A ``chat.completion`` as a Gemini ``GenerateContentResponse``."""
    candidates = []
    for position, choice in enumerate(resp.get("choices") or []):
        message = choice.get("message") or {}
        parts: list[dict] = []
        if message.get("reasoning_content"):
            parts.append({"text": message["reasoning_content"], "thought": True})
        text = _text_of(message.get("content")) or message.get("refusal") or ""
        if text:
            parts.append({"text": text})
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            parts.append(_function_call_part(function.get("name", ""), function.get("arguments"),
                                             call.get("extra_content")))
        if not parts:
            parts.append({"text": ""})
        candidates.append({"content": {"role": "model", "parts": parts},
                           "finishReason": _FINISH_TO_GEMINI.get(choice.get("finish_reason") or "stop", "STOP"),
                           "index": choice.get("index", position)})
    out: dict = {"candidates": candidates, "usageMetadata": _gemini_usage(resp.get("usage")),
                 "modelVersion": model}
    if resp.get("id"):
        out["responseId"] = resp["id"]
    return out


class OpenAIStreamToGemini:
    """OpenAI ``chat.completion.chunk`` dicts in, Gemini ``streamGenerateContent`` objects out.

    Text and reasoning deltas become one object each. Tool calls are buffered until their arguments are
    complete and sent as whole ``functionCall`` parts on the object that carries ``finishReason``
    (Gemini never splits a call). That last object is held back until the usage chunk (or
    :meth:`finish`) so it can carry ``usageMetadata``.
    """

    def __init__(self, model: str) -> None:
        self.model = model
        self.error: dict | None = None
        self.response_id: str | None = None
        self._calls: dict[int, dict[int, dict]] = {}  # choice -> tool-call index -> {name, args, extra}
        self._finished: dict[int, str] = {}  # choice -> Gemini finishReason
        self._held: dict | None = None  # the finishing object, waiting for usage
        self._usage: dict | None = None
        self._sent_final = False

    def _object(self, candidates: list[dict]) -> dict:
        obj: dict = {"candidates": candidates, "modelVersion": self.model}
        if self.response_id:
            obj["responseId"] = self.response_id
        return obj

    def _flush_calls(self, index: int) -> list[dict]:
        calls = self._calls.pop(index, {})
        return [_function_call_part(c["name"], "".join(c["args"]), c["extra"]) for _, c in sorted(calls.items())]

    def feed(self, chunk: dict) -> list[dict]:
        if not isinstance(chunk, dict):
            return []
        if "error" in chunk:
            self.error = chunk["error"] if isinstance(chunk["error"], dict) else {"message": str(chunk["error"])}
            return []
        if self.response_id is None and chunk.get("id"):
            self.response_id = chunk["id"]
        if isinstance(chunk.get("usage"), dict):
            self._usage = chunk["usage"]
        out: list[dict] = []
        finishing: list[dict] = []
        for position, choice in enumerate(chunk.get("choices") or []):
            index = choice.get("index", position)
            delta = choice.get("delta") or {}
            parts: list[dict] = []
            if delta.get("reasoning_content"):
                parts.append({"text": delta["reasoning_content"], "thought": True})
            text = _text_of(delta.get("content"))
            if text:
                parts.append({"text": text})
            for call in delta.get("tool_calls") or []:
                slot = self._calls.setdefault(index, {}).setdefault(
                    call.get("index", 0), {"name": "", "args": [], "extra": None})
                function = call.get("function") or {}
                if function.get("name"):
                    slot["name"] = function["name"]
                if function.get("arguments"):
                    slot["args"].append(function["arguments"])
                if call.get("extra_content"):
                    slot["extra"] = call["extra_content"]
            reason = choice.get("finish_reason")
            if reason:
                self._finished[index] = _FINISH_TO_GEMINI.get(reason, "STOP")
                parts += self._flush_calls(index)
                finishing.append({"content": {"role": "model", "parts": parts or [{"text": ""}]},
                                  "finishReason": self._finished[index], "index": index})
            elif parts:
                out.append(self._object([{"content": {"role": "model", "parts": parts}, "index": index}]))
        if finishing:
            held = self._held or self._object([])
            held["candidates"].extend(finishing)
            self._held = held
        if self._held is not None and self._usage is not None:
            out.append(self._release())
        return out

    def _release(self) -> dict:
        obj, self._held = self._held, None
        if self._usage is not None:
            obj["usageMetadata"] = _gemini_usage(self._usage)
        self._sent_final = True
        return obj

    @property
    def usage(self) -> dict | None:
        """The OpenAI usage object the upstream reported, if any (for billing)."""
        return self._usage

    def finish(self) -> list[dict]:
        """Call when the upstream closed: buffered tool calls and the finishing object, if still held."""
        if self.error is not None:
            return []
        if self._held is None and not self._sent_final:  # closed without a finish_reason
            indexes = sorted(set(self._calls) | {0})
            self._held = self._object([{"content": {"role": "model", "parts": self._flush_calls(i) or [{"text": ""}]},
                                        "finishReason": "STOP", "index": i} for i in indexes])
        return [self._release()] if self._held is not None else []


def format_sse(obj: dict) -> bytes:
    """One Gemini ``alt=sse`` frame: compact JSON and CRLF line endings, as Google sends."""
    return b"data: " + orjson.dumps(obj) + b"\r\n\r\n"


def gemini_models_list(models: list[str]) -> dict:
    """``GET /v1beta/models`` body for the given model ids."""
    out = []
    for model in models:
        name = model.split("/", 1)[1] if model.startswith("models/") else model
        methods = ["generateContent", "streamGenerateContent"]
        if "embedding" in name:
            methods.append("embedContent")
        out.append({"name": f"models/{name}", "version": "001", "displayName": name,
                    "supportedGenerationMethods": methods})
    return {"models": out}


def gemini_error(status: int, message: str) -> dict:
    """A Google-style error body: ``{"error": {"code", "message", "status"}}``."""
    name = _STATUS_NAMES.get(status) or ("FAILED_PRECONDITION" if 400 <= status < 500 else "INTERNAL")
    return {"error": {"code": status, "message": message, "status": name}}
