"""Per-channel request shaping: fields to drop and a system prompt to prepend or impose."""

from __future__ import annotations

from ....store.channels import ChannelInfo


def drop_fields(body: dict, channel: ChannelInfo) -> dict:
    """Remove the top-level fields the channel's vendor rejects."""
    for name in channel.setting.get("drop_fields") or ():
        body.pop(name, None)
    return body


def system_prompt(channel: ChannelInfo) -> tuple[str, str]:
    """(prompt, mode) of the channel; mode is 'prepend' or 'override'; prompt '' = none."""
    return str(channel.setting.get("system_prompt") or ""), str(channel.setting.get("system_prompt_mode")
                                                                  or "prepend")


def apply_openai_system(body: dict, channel: ChannelInfo) -> dict:
    """Chat messages with the channel's system prompt first (replacing the client's when overriding)."""
    prompt, mode = system_prompt(channel)
    messages = body.get("messages")
    if not prompt or not isinstance(messages, list):
        return body
    if mode == "override":
        messages = [m for m in messages if not (isinstance(m, dict) and m.get("role") in ("system", "developer"))]
    body["messages"] = [{"role": "system", "content": prompt}] + list(messages)
    return body


def apply_anthropic_system(body: dict, channel: ChannelInfo) -> dict:
    prompt, mode = system_prompt(channel)
    if not prompt:
        return body
    current = body.get("system")
    if mode == "override" or not current:
        body["system"] = prompt
    elif isinstance(current, str):
        body["system"] = prompt + "\n\n" + current
    elif isinstance(current, list):
        body["system"] = [{"type": "text", "text": prompt}] + current
    return body


def apply_gemini_system(body: dict, channel: ChannelInfo) -> dict:
    prompt, mode = system_prompt(channel)
    if not prompt:
        return body
    current = body.get("systemInstruction") or body.get("system_instruction")
    parts = [{"text": prompt}]
    if mode != "override" and isinstance(current, dict) and isinstance(current.get("parts"), list):
        parts += current["parts"]
    body.pop("system_instruction", None)
    body["systemInstruction"] = {"parts": parts}
    return body
