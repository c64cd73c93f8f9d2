"""Sensitive-word checks: an Aho-Corasick automaton over the prompt text of a request.

Matching is caseless and width-insensitive: words and text are folded the same
way (NFKC, casefold, NFKC again), so "ＴＥＳＴ" matches "test". Nothing assumes
word boundaries, so CJK text works, and so does a word inside a longer word.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from typing import Iterable

_SPACES = re.compile(r"\s+")
_MAX_DEPTH = 32  # nesting is never deeper in a real request; deeper is ignored


QUICK_TEST_WORDS = 64


def fold(text: str) -> str:
    """The form both words and text are compared in (ASCII: NFKC changes nothing, casefold is lower)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def parse_words(text: str) -> list[str]:
    """The SENSITIVE_WORDS setting (one word per line) as a list, blanks dropped."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class WordFilter:
    """Find configured words in text. Build once per word list; `find` is safe to call from any thread."""

    __slots__ = ("words", "_goto", "_fail", "_out", "_lengths", "_quick")

    def __init__(self, words: Iterable[str]) -> None:
        self.words: list[str] = []  # as configured, one per folded form (the first spelling wins)
        self._lengths: list[int] = []  # folded length of each word
        goto: list[dict[str, int]] = [{}]
        terminal: dict[int, int] = {}
        seen: set[str] = set()
        for word in words:
            if not isinstance(word, str):
                continue
            folded = fold(word.strip())
            if not folded or folded in seen:
                continue
            seen.add(folded)
            node = 0
            for ch in folded:
                nxt = goto[node].get(ch)
                if nxt is None:
                    nxt = len(goto)
                    goto[node][ch] = nxt
                    goto.append({})
                node = nxt
            terminal[node] = len(self.words)
            self.words.append(word.strip())
            self._lengths.append(len(folded))
        fail = [0] * len(goto)
        out: list[tuple[int, ...]] = [()] * len(goto)
        queue = deque()
        for child in goto[0].values():
            out[child] = (terminal[child],) if child in terminal else ()
            queue.append(child)
        while queue:  # breadth first: a node's failure link is shallower, so already done
            node = queue.popleft()
            for ch, child in goto[node].items():
                f = fail[node]
                while f and ch not in goto[f]:
                    f = fail[f]
                f = goto[f].get(ch, 0)
                fail[child] = f
                own = terminal.get(child)
                out[child] = out[f] if own is None else (own, *out[f])
                queue.append(child)
        self._goto, self._fail, self._out = goto, fail, out
        # a short list is first tested with `in` (C speed): most texts contain none of its words
        self._quick = tuple(sorted(seen)) if len(seen) <= QUICK_TEST_WORDS else None

    def __len__(self) -> int:
        return len(self.words)

    def __bool__(self) -> bool:
        return bool(self.words)

    def find(self, text: str) -> list[str]:
        """The distinct words found in `text`, in order of first appearance (by start, then end)."""
        if not self.words or not text:
            return []
        folded = fold(text)
        if self._quick is not None and not any(word in folded for word in self._quick):
            return []
        goto, fail, out, lengths = self._goto, self._fail, self._out, self._lengths
        first: dict[int, tuple[int, int]] = {}  # word index -> (start, end) of its first match
        node = 0
        for end, ch in enumerate(folded):
            while True:
                nxt = goto[node].get(ch)
                if nxt is not None:
                    node = nxt
                    break
                if not node:
                    break
                node = fail[node]
            for index in out[node]:
                if index not in first:
                    first[index] = (end - lengths[index] + 1, end)
        return [self.words[i] for i in sorted(first, key=first.__getitem__)]

    def contains(self, text: str) -> bool:
        return bool(self.find(text))


def excerpt(text: str, word: str, width: int = 30) -> str:
    """The first match of `word` in `text` (compared folded) with `width` characters either side.

    Whitespace runs become one space, and "…" marks text cut off. When the word
    is not found, the start of the text.
    """
    text = text if isinstance(text, str) else ""
    folded_parts, origin = [], []  # origin[i]: index in text of the i-th folded character
    for i, ch in enumerate(text):
        f = fold(ch)
        folded_parts.append(f)
        origin.extend([i] * len(f))
    at = "".join(folded_parts).find(fold(word)) if word else -1
    if at < 0:
        start, end = 0, min(len(text), 2 * width)
    else:
        first = origin[at]
        last = origin[min(at + len(fold(word)), len(origin)) - 1] + 1
        start, end = max(0, first - width), min(len(text), last + width)
    piece = _SPACES.sub(" ", text[start:end]).strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")


# --- the prompt text of a request -----------------------------------------------------------

def prompt_texts(dialect: str, body: dict) -> list[str]:
    """Every piece of prompt text in a request body of `dialect` ("openai", "anthropic", "gemini").

    OpenAI: chat messages (string content and text parts), `prompt`
    (completions, images), `input` (embeddings, moderations, responses: strings,
    lists, input items), `instructions`. Anthropic: `system` and message text
    blocks, tool results. Gemini: `systemInstruction` and `contents[].parts[].text`.
    An unknown dialect gets all of these. Odd shapes are skipped, never raised on.
    """
    texts: list[str] = []
    if not isinstance(body, dict):
        return texts
    try:
        if dialect == "openai":
            _openai(body, texts)
        elif dialect == "anthropic":
            _anthropic(body, texts)
        elif dialect == "gemini":
            _gemini(body, texts)
        else:  # both OpenAI and Anthropic have "messages": read them once
            _openai(body, texts)
            _content(body.get("system"), texts, 0)
            _gemini(body, texts)
    except Exception:  # a shape nobody foresaw: keep what was found
        pass
    return [t for t in texts if t]


def _openai(body: dict, texts: list[str]) -> None:
    _content(body.get("instructions"), texts, 0)
    for message in _items(body.get("messages")):
        if isinstance(message, dict):
            _content(message.get("content"), texts, 0)
    for key in ("prompt", "input"):
        _content(body.get(key), texts, 0)


def _anthropic(body: dict, texts: list[str]) -> None:
    _content(body.get("system"), texts, 0)
    for message in _items(body.get("messages")):
        if isinstance(message, dict):
            _content(message.get("content"), texts, 0)


def _gemini(body: dict, texts: list[str]) -> None:
    system = body.get("systemInstruction", body.get("system_instruction"))
    for content in [system, *_items(body.get("contents"))]:
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, dict):
            for part in _items(content.get("parts")):
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    texts.append(part["text"])
                elif isinstance(part, str):
                    texts.append(part)


def _items(value: object) -> list:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def _content(value: object, texts: list[str], depth: int) -> None:
    """Text from a string, a list (of strings, parts, items) or one part/item; token-id lists are skipped."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, str):
        texts.append(value)
    elif isinstance(value, list):
        for item in value:
            _content(item, texts, depth + 1)
    elif isinstance(value, dict):
        kind = value.get("type")
        if isinstance(value.get("text"), str):  # text / input_text / output_text parts, Anthropic text blocks
            texts.append(value["text"])
        if "content" in value:  # input items of the Responses API, Anthropic tool_result blocks
            _content(value["content"], texts, depth + 1)
        if kind == "function_call_output" and isinstance(value.get("output"), str):
            texts.append(value["output"])
