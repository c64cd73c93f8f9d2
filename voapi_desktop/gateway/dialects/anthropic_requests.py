"""Request bodies between the Anthropic Messages and the OpenAI Chat Completions dialects.

Pure functions on parsed JSON (no I/O). Choices that follow new-api (``relay/channel/claude``):

* OpenAI -> Anthropic: every system/developer message, wherever it stands, is hoisted into the
  top-level ``system`` string (joined with a blank line); consecutive same-role messages are merged
  (Anthropic requires alternation); a message left without content gets the text ``"..."`` (Anthropic
  rejects empty text blocks); a conversation whose first message is from the assistant gets a user
  ``"..."`` message before it; a trailing empty assistant message is dropped. Images are never fetched:
  data URLs become base64 sources, http(s) URLs become url sources. OpenAI-only fields (``n``,
  penalties, ``logit_bias``, ``seed``, ``stream_options``, ``response_format``, ``reasoning_effort`` ...)
  are dropped; ``response_format`` is not emulated with a forced tool as LiteLLM does.
* Anthropic -> OpenAI: thinking blocks, ``top_k``, ``thinking`` and server tools (tools without an
  ``input_schema``, e.g. ``web_search_20250305``) are dropped; ``cache_control`` disappears with them.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from .tool_args import tool_input

PLACEHOLDER = "..."  # stands in for empty content, as new-api does
_NOT_ID = re.compile(r"[^a-zA-Z0-9_-]")

_TOOL_CHOICE_TO_OPENAI = {"auto": "auto", "any": "required", "none": "none"}
_TOOL_CHOICE_TO_ANTHROPIC = {"auto": "auto", "required": "any", "none": "none"}


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _text_of(content: Any, sep: str = "\n") -> str:
    """The text of a string or of a list of text blocks/parts (other block types ignored)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return sep.join(b.get("text") or "" for b in content
                        if isinstance(b, dict) and b.get("type") in ("text", "input_text", "output_text")
                        and b.get("text"))
    return ""


# ---------------------------------------------------------------- Anthropic -> OpenAI


def _image_part(source: dict) -> dict | None:
    kind = source.get("type")
    if kind == "base64" and source.get("data"):
        media = source.get("media_type") or "image/png"
        return {"type": "image_url", "image_url": {"url": f"data:{media};base64,{source['data']}"}}
    if kind == "url" and source.get("url"):
        return {"type": "image_url", "image_url": {"url": source["url"]}}
    return None


def _document_part(block: dict) -> dict | None:
    source = block.get("source") or {}
    if source.get("type") == "base64" and source.get("data"):
        media = source.get("media_type") or "application/pdf"
        file = {"file_data": f"data:{media};base64,{source['data']}"}
        file["filename"] = block.get("title") or "document.pdf"
        return {"type": "file", "file": file}
    if source.get("type") == "text" and source.get("data"):
        return {"type": "text", "text": source["data"]}
    return None


def _openai_parts(blocks: list) -> list[dict]:
    parts: list[dict] = []
    for block in blocks:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        part = None
        if kind == "text" and block.get("text"):
            part = {"type": "text", "text": block["text"]}
        elif kind == "image":
            part = _image_part(block.get("source") or {})
        elif kind == "document":
            part = _document_part(block)
        if part is not None:
            parts.append(part)
    return parts


def _collapse(parts: list[dict]) -> str | list[dict]:
    """Text-only content becomes a plain string: many OpenAI-compatible servers accept nothing else."""
    if all(p["type"] == "text" for p in parts):
        return "\n".join(p["text"] for p in parts)
    return parts


def _tool_message(block: dict, extra_parts: list[dict]) -> dict:
    content = block.get("content")
    if isinstance(content, list):
        text = _text_of(content)
        extra_parts.extend(p for p in _openai_parts(content) if p["type"] != "text")
    else:
        text = content if isinstance(content, str) else ""
    if block.get("is_error"):
        text = f"Error: {text}" if text else "Error"
    return {"role": "tool", "tool_call_id": block.get("tool_use_id", ""), "content": text}


def _user_messages(content: Any) -> list[dict]:
    if not isinstance(content, list):
        return [{"role": "user", "content": content if isinstance(content, str) else ""}]
    out: list[dict] = []
    parts: list[dict] = []
    for block in content:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            out.append(_tool_message(block, parts))  # images in a tool result move to the user message
        else:
            parts.extend(_openai_parts([block]))
    if parts:
        out.append({"role": "user", "content": _collapse(parts)})
    return out


def _assistant_message(content: Any) -> dict:
    if not isinstance(content, list):
        return {"role": "assistant", "content": content if isinstance(content, str) else ""}
    texts: list[str] = []
    calls: list[dict] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and block.get("text"):
            texts.append(block["text"])
        elif block.get("type") == "tool_use":
            calls.append({"id": block.get("id", ""), "type": "function",
                          "function": {"name": block.get("name", ""),
                                       "arguments": _dumps(block.get("input") or {})}})
    message: dict = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return message


def anthropic_request_to_openai(body: dict) -> dict:
    """An Anthropic ``/v1/messages`` body as a ``/v1/chat/completions`` body."""
    out: dict = {}
    if "model" in body:
        out["model"] = body["model"]
    messages: list[dict] = []
    system = _text_of(body.get("system"), "\n\n")
    if system:
        messages.append({"role": "system", "content": system})
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        if message.get("role") == "assistant":
            messages.append(_assistant_message(message.get("content")))
        else:
            messages.extend(_user_messages(message.get("content")))
    out["messages"] = messages
    if body.get("max_tokens") is not None:
        out["max_tokens"] = body["max_tokens"]
    stops = body.get("stop_sequences")
    if stops:
        out["stop"] = [stops] if isinstance(stops, str) else list(stops)
    for key in ("temperature", "top_p"):
        if body.get(key) is not None:
            out[key] = body[key]
    tools = [{"type": "function", "function": {k: v for k, v in (
                 ("name", t.get("name", "")), ("description", t.get("description")),
                 ("parameters", t["input_schema"])) if v is not None}}
             for t in body.get("tools") or [] if isinstance(t, dict) and "input_schema" in t]
    if tools:
        out["tools"] = tools
        choice = body.get("tool_choice")
        if isinstance(choice, dict):
            kind = choice.get("type")
            if kind == "tool":
                out["tool_choice"] = {"type": "function", "function": {"name": choice.get("name", "")}}
            elif kind in _TOOL_CHOICE_TO_OPENAI:
                out["tool_choice"] = _TOOL_CHOICE_TO_OPENAI[kind]
            if choice.get("disable_parallel_tool_use"):
                out["parallel_tool_calls"] = False
    if body.get("stream"):
        out["stream"] = True
        out["stream_options"] = {"include_usage": True}
    user = (body.get("metadata") or {}).get("user_id") if isinstance(body.get("metadata"), dict) else None
    if user:
        out["user"] = user
    return out


# ---------------------------------------------------------------- OpenAI -> Anthropic


def _image_block(url: str) -> dict | None:
    if url.startswith("data:"):
        header, _, data = url.partition(",")
        media = header[5:].split(";")[0] or "image/png"
        if not data:
            return None
        kind = "document" if media == "application/pdf" else "image"
        return {"type": kind, "source": {"type": "base64", "media_type": media, "data": data}}
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    return None


def _anthropic_blocks(content: Any) -> list[dict]:
    """OpenAI string or multi-part content as Anthropic blocks; empty text never becomes a block."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    blocks: list[dict] = []
    for part in content if isinstance(content, list) else []:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        block = None
        if kind in ("text", "input_text", "output_text") and part.get("text"):
            block = {"type": "text", "text": part["text"]}
        elif kind == "refusal" and part.get("refusal"):
            block = {"type": "text", "text": part["refusal"]}
        elif kind == "image_url":
            image = part.get("image_url")
            url = image.get("url") if isinstance(image, dict) else image
            block = _image_block(url) if isinstance(url, str) else None
        elif kind == "file":
            data = (part.get("file") or {}).get("file_data")
            block = _image_block(data) if isinstance(data, str) else None
        if block is not None:
            blocks.append(block)
    return blocks


def _tool_id(value: Any) -> str:
    """Anthropic tool ids must match ``^[a-zA-Z0-9_-]+$``; some OpenAI-compatible servers use ids like
    ``functions.get_weather:0``. Applied to tool_use ids and tool_result references alike."""
    return _NOT_ID.sub("_", value) if isinstance(value, str) else ""


def _tool_result(message: dict) -> dict:
    block: dict = {"type": "tool_result", "tool_use_id": _tool_id(message.get("tool_call_id"))}
    content = message.get("content")
    if isinstance(content, list):
        blocks = _anthropic_blocks(content)
        if blocks:
            block["content"] = blocks
    elif isinstance(content, str) and content:
        block["content"] = content
    return block


def _turns(messages: list) -> tuple[list[str], list[tuple[str, list[dict]]]]:
    system: list[str] = []
    turns: list[tuple[str, list[dict]]] = []
    for message in messages:
        if not isinstance(message, dict):
            continue
        role = message.get("role")
        if role in ("system", "developer"):
            text = _text_of(message.get("content"), "\n\n")
            if text:
                system.append(text)
            continue
        if role == "tool":
            turns.append(("user", [_tool_result(message)]))
        elif role == "assistant":
            blocks = _anthropic_blocks(message.get("content"))
            for call in message.get("tool_calls") or []:
                if not isinstance(call, dict):
                    continue
                function = call.get("function") or {}
                blocks.append({"type": "tool_use", "id": _tool_id(call.get("id")), "name": function.get("name", ""),
                               "input": tool_input(function.get("arguments"))})
            turns.append(("assistant", blocks))
        else:
            turns.append(("user", _anthropic_blocks(message.get("content"))))
    return system, turns


def _merged(turns: list[tuple[str, list[dict]]]) -> list[dict]:
    out: list[dict] = []
    for role, blocks in turns:
        if out and out[-1]["role"] == role:
            out[-1]["content"].extend(blocks)
        else:
            out.append({"role": role, "content": list(blocks)})
    for message in out:
        if message["role"] == "user":  # tool results must lead the user turn that answers the tool calls
            message["content"].sort(key=lambda b: b.get("type") != "tool_result")
    if out and out[-1]["role"] == "assistant" and not out[-1]["content"]:
        out.pop()
    for message in out:
        if not message["content"]:
            message["content"] = [{"type": "text", "text": PLACEHOLDER}]
    if out and out[0]["role"] == "assistant":
        out.insert(0, {"role": "user", "content": [{"type": "text", "text": PLACEHOLDER}]})
    return out


def _anthropic_tool(tool: dict) -> dict | None:
    function = tool.get("function") if tool.get("type", "function") == "function" else None
    if not isinstance(function, dict) or not function.get("name"):
        return None
    schema = dict(function.get("parameters") or {})
    schema.setdefault("type", "object")
    if schema["type"] == "object":
        schema.setdefault("properties", {})
    out = {"name": function["name"], "input_schema": schema}
    if function.get("description"):
        out["description"] = function["description"]
    return out


def _tool_choice(choice: Any, parallel: Any) -> dict | None:
    if isinstance(choice, str):
        mapped: dict | None = {"type": _TOOL_CHOICE_TO_ANTHROPIC[choice]} if choice in _TOOL_CHOICE_TO_ANTHROPIC \
            else None
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        mapped = {"type": "tool", "name": choice["function"].get("name", "")}
    else:
        mapped = None
    if parallel is False and (mapped is None or mapped["type"] != "none"):
        mapped = {**(mapped or {"type": "auto"}), "disable_parallel_tool_use": True}
    return mapped


def openai_request_to_anthropic(body: dict, default_max_tokens: int = 8192) -> dict:
    """A ``/v1/chat/completions`` body as an Anthropic ``/v1/messages`` body."""
    out: dict = {}
    if "model" in body:
        out["model"] = body["model"]
    system, turns = _turns(body.get("messages") or [])
    if system:
        out["system"] = "\n\n".join(system)
    out["messages"] = _merged(turns)
    limit = body.get("max_completion_tokens")
    if limit is None:
        limit = body.get("max_tokens")
    out["max_tokens"] = limit if isinstance(limit, int) and limit > 0 else default_max_tokens
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    stops = [s for s in stops if isinstance(s, str) and s.strip()]  # Anthropic rejects whitespace-only ones
    if stops:
        out["stop_sequences"] = stops
    if isinstance(body.get("temperature"), (int, float)):
        out["temperature"] = min(max(float(body["temperature"]), 0.0), 1.0)
    if body.get("top_p") is not None:
        out["top_p"] = body["top_p"]
    if isinstance(body.get("top_k"), int):
        out["top_k"] = body["top_k"]
    tools = [t for t in (_anthropic_tool(t) for t in body.get("tools") or [] if isinstance(t, dict)) if t]
    if tools:
        out["tools"] = tools
        choice = _tool_choice(body.get("tool_choice"), body.get("parallel_tool_calls"))
        if choice is not None:
            out["tool_choice"] = choice
    if body.get("stream"):
        out["stream"] = True
    if isinstance(body.get("user"), str) and body["user"]:
        out["metadata"] = {"user_id": body["user"]}
    return out
