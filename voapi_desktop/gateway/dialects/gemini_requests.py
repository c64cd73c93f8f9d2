"""Gemini <-> OpenAI request bodies: chat both ways and the embeddings request.

OpenAI client -> Gemini channel: :func:`openai_request_to_gemini`, :func:`openai_embeddings_to_gemini`.
Gemini-native client -> OpenAI-type channel: :func:`gemini_request_to_openai`.
The choices made (schemas, thinking budgets, media, dropped fields) are listed in ``gemini_openai``.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import orjson

from .gemini_common import _dumps, _g, _render_part_text, _text_of
from .tool_args import tool_input

SCHEMA_KEYS_GEMINI_REJECTS = frozenset({"additionalProperties", "$schema", "strict"})
THINKING_BUDGETS = {"none": 0, "minimal": 128, "low": 1024, "medium": 8192, "high": 24576}

_MIME_BY_EXT = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
    "heic": "image/heic", "heif": "image/heif", "bmp": "image/bmp", "pdf": "application/pdf",
    "mp3": "audio/mp3", "wav": "audio/wav", "ogg": "audio/ogg", "flac": "audio/flac", "aac": "audio/aac",
    "mp4": "video/mp4", "mov": "video/mov", "webm": "video/webm", "txt": "text/plain",
}
_DATA_URL = re.compile(r"^data:([^;,]*)((?:;[^;,]*)*),(.*)$", re.S)


def _clean_schema(schema: Any) -> Any:
    """A JSON schema without the keys Gemini rejects (see ``gemini_openai``'s docstring)."""
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
                part: dict = {"functionCall": {"name": name, "args": tool_input(function.get("arguments"))}}
                signature = ((call.get("extra_content") or {}).get("google") or {}).get("thought_signature")
                if signature:
                    part["thoughtSignature"] = signature
                parts.append(part)
            legacy = message.get("function_call")
            if isinstance(legacy, dict) and legacy.get("name"):
                parts.append({"functionCall": {"name": legacy["name"],
                                               "args": tool_input(legacy.get("arguments"))}})
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
