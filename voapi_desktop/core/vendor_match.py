"""Which vendor makes a model, guessed from its name (for models MODEL_INFO says nothing about).

A name is lower-cased and stripped of a routing prefix ("openai/gpt-4o", "models/gemini-pro",
"@cf/meta/llama-3") before matching; the first rule whose pattern matches wins, so the more
specific rules come first. Vendor keys are the lower-case keys VENDOR_INFO uses.
"""

from __future__ import annotations

import re

B = r"(?<![a-z0-9])"  # a short token must start the name or follow a separator ("o1", not "pro1")

# (vendor key, display name, name pattern) - checked in order
_RULES: tuple[tuple[str, str, str], ...] = (
    ("openai", "OpenAI", rf"gpt-|chatgpt|{B}o[134]\b|dall-e|whisper|{B}tts-|text-embedding|moderation|davinci"
                         rf"|babbage|codex|{B}sora"),
    ("anthropic", "Anthropic", r"claude"),
    ("google", "Google", rf"gemini|gemma|palm|bison|imagen|{B}veo|learnlm"),
    ("deepseek", "DeepSeek", r"deepseek"),
    ("alibaba", "Alibaba", r"qwen|qwq|qvq|tongyi|wanx"),
    ("zhipu", "Zhipu", r"glm|cogview|cogvideo|codegeex"),
    ("moonshot", "Moonshot", r"moonshot|kimi"),
    ("mistral", "Mistral", r"mistral|mixtral|codestral|pixtral|magistral|devstral"),
    ("meta", "Meta", r"llama"),
    ("xai", "xAI", r"grok"),
    ("black-forest-labs", "Black Forest Labs", r"flux"),
    ("baidu", "Baidu", r"ernie|wenxin"),
    ("tencent", "Tencent", r"hunyuan"),
    ("bytedance", "ByteDance", r"doubao|seedream|seedance|skylark"),
    ("minimax", "MiniMax", r"minimax|abab"),
    ("baichuan", "Baichuan", r"baichuan"),
    ("01-ai", "01.AI", rf"{B}yi-"),
    ("iflytek", "iFlytek", rf"{B}spark"),
    ("cohere", "Cohere", rf"{B}command|cohere|{B}embed-(english|multilingual)|{B}rerank-"),
    ("stability", "Stability AI", rf"stable-diffusion|sdxl|{B}sd3|stability"),
    ("midjourney", "Midjourney", rf"midjourney|{B}mj[-_]"),
    ("recraft", "Recraft", r"recraft"),
    ("ideogram", "Ideogram", r"ideogram"),
    ("ibm", "IBM", r"granite"),
    ("microsoft", "Microsoft", rf"{B}phi-"),
    ("nvidia", "NVIDIA", r"nemotron"),
    ("perplexity", "Perplexity", rf"{B}sonar|pplx"),
    ("suno", "Suno", rf"suno|{B}chirp"),
)

_COMPILED = tuple((key, name, re.compile(pattern)) for key, name, pattern in _RULES)

VENDOR_NAMES: dict[str, str] = {key: name for key, name, _ in _RULES}


def _bare(model: str) -> str:
    """The model's own name: lower case, without an 'owner/' routing prefix."""
    return model.strip().lower().rsplit("/", 1)[-1]


def match_vendor(model: str) -> str:
    """The vendor key for a model name ("openai", "anthropic", ...), or "" when no rule knows it."""
    bare = _bare(model)
    if not bare:
        return ""
    for key, _, pattern in _COMPILED:
        if pattern.search(bare):
            return key
    owner = model.strip().lower().split("/")[0] if "/" in model else ""
    return owner if owner in VENDOR_NAMES else ""


def vendor_name(key: str) -> str:
    """The built-in display name of a vendor key, or the key itself."""
    return VENDOR_NAMES.get(key, key)
