"""Sensitive words: the Aho-Corasick filter, excerpts, and the prompt text of each dialect."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from voapi_desktop.core.sensitive import WordFilter, excerpt, parse_words, prompt_texts


def test_words_are_found_in_order_of_first_appearance_each_once():
    f = WordFilter(["he", "she", "his", "hers", "法轮", "敏感词"])
    assert f.find("ushers and his 敏感词, she said; 法轮 he") == ["she", "he", "hers", "his", "敏感词", "法轮"]
    assert f.find("nothing to see") == [] and f.find("") == []


def test_matching_is_caseless_and_width_insensitive_and_returns_the_configured_spelling():
    f = WordFilter(["Bad Word", "STRASSE", "ｔｅｓｔ"])
    assert f.find("a BAD WORD in a straße near a Test") == ["Bad Word", "STRASSE", "ｔｅｓｔ"]
    assert f.find("ＢＡＤ ＷＯＲＤ") == ["Bad Word"]


def test_cjk_words_match_without_word_boundaries_and_overlapping_words_all_count():
    f = WordFilter(["共产", "产党", "党员", "abc", "bcd", "c"])
    assert f.find("中国共产党员") == ["共产", "产党", "党员"]
    assert f.find("xabcdx") == ["abc", "bcd", "c"]
    assert f.find("contains") == ["c"]


def test_blank_duplicate_and_non_text_words_are_ignored():
    f = WordFilter(["", "  ", "dup", "DUP", None, 42, " spaced "])  # type: ignore[list-item]
    assert f.words == ["dup", "spaced"] and len(f) == 2 and f
    assert not WordFilter([]) and WordFilter([]).find("anything") == []
    assert f.contains("a spaced out dup") and not f.contains("spa ced")


def test_parse_words_reads_the_setting_one_word_per_line():
    assert parse_words("test_sensitive\n\n  坏词 \r\nBad Word\n") == ["test_sensitive", "坏词", "Bad Word"]
    assert parse_words("") == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="abcAB坏词 ", min_size=1, max_size=4), max_size=8),
       st.text(alphabet="abcAB坏词 xyz", max_size=60))
def test_the_automaton_agrees_with_a_naive_search(words, text):
    f = WordFilter(words)
    folded = text.casefold()
    firsts = {}
    for word in f.words:
        key = word.casefold()
        at = folded.find(key)
        if at >= 0:
            firsts[word] = (at, at + len(key))
    assert f.find(text) == sorted(firsts, key=firsts.__getitem__)


def test_excerpt_shows_the_match_in_context():
    text = "前言" * 40 + " 这里有一个敏感词出现了 " + "后记" * 40
    cut = excerpt(text, "敏感词", width=5)
    assert cut == "…这里有一个敏感词出现了 后…"
    assert excerpt("short BAD word", "bad") == "short BAD word"
    assert excerpt("line one\n\n  bad\tthing", "BAD", width=100) == "line one bad thing"
    assert excerpt("x" * 100, "absent", width=10) == "x" * 20 + "…"
    assert excerpt("ＡＢＣ straße here", "STRASSE", width=2) == "…Ｃ straße h…"


def test_building_a_big_filter_works():
    rng = random.Random(7)
    words = ["".join(rng.choice("abcdefghij敏感词坏") for _ in range(rng.randint(2, 8))) for _ in range(2000)]
    f = WordFilter(words)
    text = "".join(rng.choice("abcdefghij敏感词坏 ") for _ in range(2000))
    found = f.find(text)
    assert found and all(w.casefold() in text.casefold() for w in found)


# --- prompt_texts -------------------------------------------------------------------------------

def test_openai_chat_messages_with_string_content_and_text_parts():
    body = {"model": "gpt-4o", "messages": [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": [{"type": "text", "text": "look at"},
                                     {"type": "image_url", "image_url": {"url": "https://x/y.png"}}]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "1"}]},
        {"role": "tool", "tool_call_id": "1", "content": "tool said"},
    ]}
    assert prompt_texts("openai", body) == ["be nice", "look at", "tool said"]


def test_openai_prompt_and_input_in_every_shape():
    assert prompt_texts("openai", {"prompt": "once upon"}) == ["once upon"]
    assert prompt_texts("openai", {"prompt": ["a", "b", [1, 2, 3]]}) == ["a", "b"]
    assert prompt_texts("openai", {"input": "embed me"}) == ["embed me"]
    assert prompt_texts("openai", {"input": [[1, 2], [3]]}) == []
    assert prompt_texts("openai", {"input": ["x", "y"]}) == ["x", "y"]
    moderation = {"input": [{"type": "text", "text": "moderate"}, {"type": "image_url", "image_url": {"url": "u"}}]}
    assert prompt_texts("openai", moderation) == ["moderate"]
    responses = {"instructions": "sys", "input": [
        {"role": "user", "content": "hi"},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "more"},
                                                        {"type": "input_image", "image_url": "u"}]},
        {"type": "function_call_output", "call_id": "c", "output": "result"},
    ]}
    assert prompt_texts("openai", responses) == ["sys", "hi", "more", "result"]


def test_anthropic_system_messages_and_tool_results():
    body = {"system": [{"type": "text", "text": "sys block"}], "messages": [
        {"role": "user", "content": "plain"},
        {"role": "user", "content": [
            {"type": "text", "text": "block"},
            {"type": "image", "source": {"type": "base64", "data": "AAAA"}},
            {"type": "tool_result", "tool_use_id": "t", "content": "tool text"},
            {"type": "tool_result", "tool_use_id": "u", "content": [{"type": "text", "text": "nested"}]},
        ]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t", "name": "f", "input": {"q": 1}}]},
    ]}
    assert prompt_texts("anthropic", body) == ["sys block", "plain", "block", "tool text", "nested"]
    assert prompt_texts("anthropic", {"system": "sys", "messages": []}) == ["sys"]


def test_gemini_system_instruction_and_contents():
    body = {"systemInstruction": {"parts": [{"text": "sys"}]}, "contents": [
        {"role": "user", "parts": [{"text": "hello"}, {"inlineData": {"mimeType": "image/png", "data": "AA"}}]},
        {"role": "model", "parts": [{"text": "hi"}]},
    ]}
    assert prompt_texts("gemini", body) == ["sys", "hello", "hi"]
    assert prompt_texts("gemini", {"system_instruction": {"parts": [{"text": "snake"}]},
                                   "contents": {"parts": [{"text": "one"}]}}) == ["snake", "one"]


def test_odd_shapes_never_raise():
    odd = [None, 1, "text", [], {"messages": "nope"}, {"messages": [None, 1, "x", {"content": {"text": 5}}]},
           {"contents": [{"parts": None}, {"parts": [None, 3]}, "str"]}, {"system": 5, "messages": {"content": []}},
           {"input": {"content": {"content": {"content": "deep"}}}}, {"prompt": {"weird": True}}]
    deep: dict = {"text": "bottom"}
    for _ in range(500):
        deep = {"content": [deep]}
    odd.append({"messages": [deep]})
    for body in odd:
        for dialect in ("openai", "anthropic", "gemini", "other"):
            assert isinstance(prompt_texts(dialect, body), list)  # type: ignore[arg-type]
    assert prompt_texts("openai", {"input": {"content": {"content": {"content": "deep"}}}}) == ["deep"]
    mixed = {"system": "s", "messages": [{"content": "a"}], "contents": [{"parts": [{"text": "b"}]}], "prompt": "c"}
    assert prompt_texts("unknown", mixed) == ["a", "c", "s", "b"]
