"""The prediction `input` of an OpenAI request on a Replicate channel, per model family (see replicate.py).

Images (endpoint images): input {prompt} plus, by family (OpenAI `size` "WxH"; `n`; `output_format`):

    black-forest-labs/flux-pro, flux-1.1-pro  size -> aspect_ratio "custom" + width/height (multiples of 32,
                                              256..1440)
    other black-forest-labs/flux-*            size -> aspect_ratio, the closest of FLUX_RATIOS
    flux-schnell, flux-dev, *-lora            also n -> num_outputs (at most 4)
    every flux model                          output_format png (default) / jpg / webp (ultra: png or jpg)
    recraft-ai/recraft-v3[-svg]               size -> size when Recraft offers it, else aspect_ratio
                                              (closest of RECRAFT_RATIOS)
    ideogram-ai/ideogram-v2[-turbo]           size -> aspect_ratio (closest of IDEOGRAM_RATIOS)
    stability-ai/stable-diffusion-3*          size -> aspect_ratio (closest of SD3_RATIOS); output_format
    other stability-ai models (sdxl, ...)     size -> width/height (multiples of 8); n -> num_outputs (<= 4)
    any other owner                           size -> aspect_ratio (closest of FLUX_RATIOS)

Chat (endpoint chat; ibm-granite/*, meta/*, mistralai/* language models): input {prompt, system_prompt}:
system and developer messages joined into system_prompt; a single user message is the prompt itself,
longer conversations become a transcript ("User: ...", "Assistant: ...", ending in "Assistant:").
A channel with setting {"replicate_input": "messages"} sends input.messages ([{role, content}], text
only) instead. max_tokens / max_completion_tokens -> max_tokens (max_new_tokens for the older
LEGACY_MAX_NEW_TOKENS models); temperature, top_p, presence/frequency_penalty, seed as they are; stop ->
stop_sequences (comma-joined). ReplicateWire.request merges the channel's param_override into `input` last.
"""

from __future__ import annotations

import math
import re

from ....store.channels import ChannelInfo
from .shaping import apply_openai_system

FLUX_RATIOS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "3:4", "4:3", "9:16", "9:21")
SD3_RATIOS = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4", "9:16", "9:21")
IDEOGRAM_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3", "16:10", "10:16", "3:1", "1:3")
RECRAFT_RATIOS = ("1:1", "4:3", "3:4", "3:2", "2:3", "16:9", "9:16", "1:2", "2:1", "7:5", "5:7", "4:5", "5:4",
                  "3:5", "5:3")
RECRAFT_SIZES = ("1024x1024", "1365x1024", "1024x1365", "1536x1024", "1024x1536", "1820x1024", "1024x1820",
                 "1024x2048", "2048x1024", "1434x1024", "1024x1434", "1024x1280", "1280x1024", "1024x1707",
                 "1707x1024")
FLUX_CUSTOM_SIZE = ("flux-pro", "flux-1.1-pro")
FLUX_MULTI_OUTPUT = ("flux-schnell", "flux-dev")
OUTPUT_FORMATS = {"png": "png", "jpeg": "jpg", "jpg": "jpg", "webp": "webp"}
LEGACY_MAX_NEW_TOKENS = ("meta/llama-2-", "mistralai/mistral-7b-", "mistralai/mixtral-8x7b-")
SYSTEM_ROLES = ("system", "developer")
ROLE_NAMES = {"user": "User", "assistant": "Assistant", "tool": "Tool", "function": "Tool"}

_SIZE = re.compile(r"\s*(\d{1,5})\s*[xX×*]\s*(\d{1,5})\s*")


def split_model(model: str) -> tuple[str, str]:
    """("owner/name", version) of "owner/name" or "owner/name:version"."""
    name, _, version = model.partition(":")
    return name, version


def parse_size(size: object) -> tuple[int, int] | None:
    match = _SIZE.fullmatch(size) if isinstance(size, str) else None
    if not match or not int(match.group(1)) or not int(match.group(2)):
        return None
    return int(match.group(1)), int(match.group(2))


def closest_ratio(size: tuple[int, int], ratios: tuple[str, ...]) -> str:
    """The ratio "a:b" nearest to width:height (compared as logarithms, so 2:1 and 1:2 are as far from 1:1)."""
    target = math.log(size[0] / size[1])

    def distance(ratio: str) -> float:
        a, b = ratio.split(":")
        return abs(math.log(int(a) / int(b)) - target)
    return min(ratios, key=distance)


def _snap(value: int, step: int, low: int, high: int) -> int:
    return max(low, min(high, round(value / step) * step))


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 1


def image_input(model: str, body: dict) -> dict:
    """The prediction input of an OpenAI image request (the rules per family: module docstring)."""
    owner, _, name = split_model(model)[0].lower().partition("/")
    inputs: dict = {"prompt": body.get("prompt")}
    size = parse_size(body.get("size"))
    n = _count(body.get("n"))
    fmt = OUTPUT_FORMATS.get(str(body.get("output_format") or "png").lower(), "png")
    if owner == "black-forest-labs":
        if size and name in FLUX_CUSTOM_SIZE:
            inputs.update(aspect_ratio="custom", width=_snap(size[0], 32, 256, 1440),
                          height=_snap(size[1], 32, 256, 1440))
        elif size:
            inputs["aspect_ratio"] = closest_ratio(size, FLUX_RATIOS)
        if name in FLUX_MULTI_OUTPUT or name.endswith("-lora"):
            inputs["num_outputs"] = min(n, 4)
        inputs["output_format"] = "png" if name == "flux-1.1-pro-ultra" and fmt == "webp" else fmt
    elif owner == "recraft-ai":
        if size and f"{size[0]}x{size[1]}" in RECRAFT_SIZES:
            inputs["size"] = f"{size[0]}x{size[1]}"
        elif size:
            inputs["aspect_ratio"] = closest_ratio(size, RECRAFT_RATIOS)
    elif owner == "ideogram-ai":
        if size:
            inputs["aspect_ratio"] = closest_ratio(size, IDEOGRAM_RATIOS)
    elif owner == "stability-ai" and name.startswith("stable-diffusion-3"):
        if size:
            inputs["aspect_ratio"] = closest_ratio(size, SD3_RATIOS)
        inputs["output_format"] = fmt
    elif owner == "stability-ai":
        if size:
            inputs.update(width=_snap(size[0], 8, 64, 2048), height=_snap(size[1], 8, 64, 2048))
        inputs["num_outputs"] = min(n, 4)
    elif size:
        inputs["aspect_ratio"] = closest_ratio(size, FLUX_RATIOS)
    return inputs


def content_text(content: object) -> str:
    """The text of a message's content (a string, or the text parts of a list; images are dropped)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(part["text"] for part in content
                         if isinstance(part, dict) and isinstance(part.get("text"), str))
    return ""


def max_tokens(body: dict) -> int | None:
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def transcript(turns: list[tuple[str, str]]) -> str:
    """One user message as it is; a conversation as "User: ... / Assistant: ..." ending in "Assistant:"."""
    if len(turns) == 1 and turns[0][0] == "user":
        return turns[0][1]
    lines = [f"{ROLE_NAMES.get(role, role.title())}: {text}" for role, text in turns]
    return "\n\n".join(lines + ["Assistant:"])


def chat_input(model: str, body: dict, channel: ChannelInfo) -> dict:
    """The prediction input of an OpenAI chat request (the rules: module docstring)."""
    body = apply_openai_system(dict(body), channel)
    turns = [(str(m.get("role") or "user"), content_text(m.get("content")))
             for m in body.get("messages") or () if isinstance(m, dict)]
    turns = [(role, text) for role, text in turns if text]
    inputs: dict = {}
    if channel.setting.get("replicate_input") == "messages":
        inputs["messages"] = [{"role": role, "content": text} for role, text in turns]
    else:
        system = [text for role, text in turns if role in SYSTEM_ROLES]
        if system:
            inputs["system_prompt"] = "\n\n".join(system)
        inputs["prompt"] = transcript([(role, text) for role, text in turns if role not in SYSTEM_ROLES])
    limit = max_tokens(body)
    if limit is not None:
        legacy = split_model(model)[0].lower().startswith(LEGACY_MAX_NEW_TOKENS)
        inputs["max_new_tokens" if legacy else "max_tokens"] = limit
    for name in ("temperature", "top_p", "presence_penalty", "frequency_penalty", "seed"):
        value = body.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            inputs[name] = value
    stop = body.get("stop")
    stops = [stop] if isinstance(stop, str) else stop if isinstance(stop, list) else []
    joined = ",".join(s for s in stops if isinstance(s, str) and s)
    if joined:
        inputs["stop_sequences"] = joined
    return inputs
