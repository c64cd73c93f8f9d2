"""Hypothesis strategies for the fuzz tests: arbitrary JSON, and request bodies in each dialect's known shape
that are then bent (a field dropped, a field given any JSON value, a value nested deep).

The shapes follow what the parsers and translators read (gateway/relay/parse.py, gateway/dialects/), so most
examples get past the first check and reach the code behind it; the bends are what a careless or hostile
client sends.
"""

from __future__ import annotations

import json

from hypothesis import strategies as st

SENSITIVE = "fuzzforbidden"  # set as a sensitive word by the relay fuzz: that refusal must spend nothing too

# Numbers around the edges readers care about: int32, int64, 2^53 (the float-exact limit), beyond 64 bits.
EDGE_INTS = [0, 1, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, -2**63, 2**64, 10**30]
EDGE_FLOATS = [0.5, -0.0, 1e308, -1e308, 5e-324, 1e-7]
EDGE_TEXT = ["", " ", "\u0000", "\ud7ff\ue000", "😀" * 3, "a" * 300, "\u202e\u200b", "null", "{}", "models/x",
             "../../etc/passwd", "' OR 1=1 --", "<script>", "%s%n", "Traceback", SENSITIVE]

texts = st.text(max_size=30) | st.sampled_from(EDGE_TEXT)
ints = st.integers(min_value=-2**70, max_value=2**70) | st.sampled_from(EDGE_INTS)
floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(EDGE_FLOATS)
scalars = st.none() | st.booleans() | ints | floats | texts


def _containers(inner):
    return st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4)


json_values = st.recursive(scalars, _containers, max_leaves=12)
json_objects = st.dictionaries(texts, json_values, max_size=6)


def deep(value, depth: int, kind: str):
    """`value` inside `depth` lists or objects."""
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


deep_values = st.builds(deep, json_values, st.integers(min_value=20, max_value=300), st.sampled_from(["list", "obj"]))


def maybe(strategy):
    """A strategy's value most of the time; any JSON value (a wrong type) sometimes."""
    return st.one_of(strategy, strategy, strategy, json_values)


@st.composite
def bent(draw, shape: st.SearchStrategy) -> dict:
    """A body of `shape`, then a few bends: fields dropped, replaced by any JSON, or nested deep."""
    body = dict(draw(shape))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        action = draw(st.sampled_from(["drop", "any", "deep", "extra"]))
        names = sorted(body)
        if action == "extra" or not names:
            body[draw(texts)] = draw(json_values)
            continue
        name = draw(st.sampled_from(names))
        if action == "drop":
            body.pop(name)
        elif action == "any":
            body[name] = draw(json_values)
        else:
            body[name] = draw(deep_values)
    return body


def optional(**fields) -> st.SearchStrategy[dict]:
    """A dict with any subset of `fields` (name -> strategy)."""
    return st.fixed_dictionaries({}, optional=fields)


# --- OpenAI ------------------------------------------------------------------------------------

roles = st.sampled_from(["system", "developer", "user", "assistant", "tool", "function"]) | texts
image_urls = st.sampled_from(["data:image/png;base64,iVBORw0KGgo=", "data:;base64,", "data:image/png;base64,%%%",
                              "http://127.0.0.1/x.png", "https://example.invalid/a.jpg", "file:///etc/passwd"]) | texts
openai_parts = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": maybe(texts)}),
    st.fixed_dictionaries({"type": st.just("image_url"),
                           "image_url": maybe(optional(url=maybe(image_urls), detail=texts))}),
    st.fixed_dictionaries({"type": st.just("input_audio"),
                           "input_audio": maybe(optional(data=texts, format=texts))}),
    st.fixed_dictionaries({"type": st.just("file"), "file": maybe(optional(file_data=image_urls, filename=texts))}),
    json_objects)
openai_content = st.none() | texts | st.lists(maybe(openai_parts), max_size=3)
tool_calls = st.lists(maybe(st.fixed_dictionaries({
    "id": maybe(texts), "type": st.just("function"),
    "function": maybe(optional(name=maybe(texts), arguments=maybe(texts | st.just('{"a": 1}'))))})), max_size=2)
openai_messages = st.lists(maybe(st.fixed_dictionaries(
    {"role": roles}, optional={"content": openai_content, "name": texts, "tool_calls": tool_calls,
                               "tool_call_id": maybe(texts), "reasoning_content": texts})), min_size=1, max_size=4)
function_tools = st.lists(maybe(st.fixed_dictionaries({
    "type": st.sampled_from(["function", "web_search"]),
    "function": maybe(optional(name=maybe(texts), description=texts, parameters=maybe(json_objects),
                               strict=st.booleans()))})), max_size=2)
openai_common = dict(
    temperature=maybe(floats), top_p=maybe(floats), stop=maybe(texts | st.lists(texts, max_size=3)),
    max_tokens=maybe(ints), max_completion_tokens=maybe(ints), n=maybe(ints), stream=maybe(st.booleans()),
    stream_options=maybe(optional(include_usage=maybe(st.booleans()))), user=texts, seed=maybe(ints),
    api_base=texts, base_url=texts, api_key=texts, extra_headers=json_values)
chat_models = st.sampled_from(["gpt-4o-mini", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash"])
chat_bodies = st.fixed_dictionaries({"model": chat_models, "messages": openai_messages},
                                    optional={**openai_common, "tools": function_tools,
                                              "tool_choice": maybe(st.sampled_from(["auto", "none", "required"])),
                                              "response_format": maybe(optional(type=texts, json_schema=json_objects)),
                                              "reasoning_effort": maybe(st.sampled_from(["low", "high", "none"])),
                                              "logit_bias": json_values, "parallel_tool_calls": json_values})
prompt_values = texts | st.lists(texts, max_size=3) | st.lists(ints, max_size=3)
completion_bodies = st.fixed_dictionaries({"model": st.just("gpt-4o-mini"), "prompt": prompt_values},
                                          optional=openai_common)
embedding_bodies = st.fixed_dictionaries({"model": st.sampled_from(["text-embedding-3-small", "text-embedding-004"]),
                                          "input": prompt_values},
                                         optional={"encoding_format": maybe(st.sampled_from(["float", "base64"])),
                                                   "dimensions": maybe(ints), "stream": json_values})
moderation_bodies = optional(model=st.just("omni-moderation-latest"), input=prompt_values)
image_bodies = st.fixed_dictionaries({"model": st.just("dall-e-3"), "prompt": maybe(texts)},
                                     optional={"n": maybe(ints), "size": maybe(texts), "quality": maybe(texts),
                                               "response_format": maybe(st.sampled_from(["url", "b64_json"]))})
speech_bodies = st.fixed_dictionaries({"model": st.just("tts-1"), "input": maybe(texts)},
                                      optional={"voice": maybe(texts), "speed": maybe(floats),
                                                "response_format": maybe(texts)})
rerank_bodies = st.fixed_dictionaries({"model": st.just("rerank-1"), "query": maybe(texts),
                                       "documents": maybe(st.lists(texts | json_objects, max_size=3))},
                                      optional={"top_n": maybe(ints)})
responses_bodies = st.fixed_dictionaries(
    {"model": st.just("gpt-4o-mini"),
     "input": maybe(texts | st.lists(maybe(optional(role=roles, content=openai_content, type=texts)), max_size=3))},
    optional={"instructions": maybe(texts), "max_output_tokens": maybe(ints), "stream": maybe(st.booleans())})

OPENAI_ROUTES = {
    "/v1/chat/completions": chat_bodies, "/v1/completions": completion_bodies, "/v1/embeddings": embedding_bodies,
    "/v1/moderations": moderation_bodies, "/v1/images/generations": image_bodies, "/v1/audio/speech": speech_bodies,
    "/v1/rerank": rerank_bodies, "/v1/responses": responses_bodies,
}

# --- Anthropic -----------------------------------------------------------------------------------

anthropic_blocks = st.one_of(
    st.fixed_dictionaries({"type": st.just("text"), "text": maybe(texts)}, optional={"cache_control": json_values}),
    st.fixed_dictionaries({"type": st.just("image"), "source": maybe(optional(
        type=st.sampled_from(["base64", "url"]) | texts, media_type=texts, data=texts, url=image_urls))}),
    st.fixed_dictionaries({"type": st.just("document"), "source": maybe(optional(
        type=st.sampled_from(["base64", "text"]), media_type=texts, data=texts)), "title": maybe(texts)}),
    st.fixed_dictionaries({"type": st.just("tool_use"), "id": maybe(texts), "name": maybe(texts),
                           "input": maybe(json_objects)}),
    st.fixed_dictionaries({"type": st.just("tool_result"), "tool_use_id": maybe(texts),
                           "content": maybe(texts | st.lists(json_objects, max_size=2)),
                           "is_error": maybe(st.booleans())}),
    st.fixed_dictionaries({"type": st.just("thinking"), "thinking": texts, "signature": texts}),
    json_objects)
anthropic_messages = st.lists(maybe(st.fixed_dictionaries({
    "role": st.sampled_from(["user", "assistant"]) | texts,
    "content": maybe(texts | st.lists(maybe(anthropic_blocks), max_size=3))})), min_size=1, max_size=4)
anthropic_tools = st.lists(maybe(optional(name=maybe(texts), description=texts, input_schema=maybe(json_objects),
                                          type=texts)), max_size=2)
anthropic_bodies = st.fixed_dictionaries(
    {"model": st.sampled_from(["claude-sonnet-4-5", "gpt-4o-mini", "gemini-2.5-flash"]),
     "max_tokens": maybe(st.integers(min_value=1, max_value=50)), "messages": anthropic_messages},
    optional={"system": maybe(texts | st.lists(maybe(anthropic_blocks), max_size=2)),
              "stream": maybe(st.booleans()), "temperature": maybe(floats), "top_k": maybe(ints),
              "stop_sequences": maybe(st.lists(texts, max_size=2)), "tools": anthropic_tools,
              "tool_choice": maybe(optional(type=st.sampled_from(["auto", "any", "tool", "none"]), name=texts)),
              "thinking": maybe(optional(type=texts, budget_tokens=ints)), "metadata": json_values})

# --- Gemini --------------------------------------------------------------------------------------

gemini_parts = st.one_of(
    st.fixed_dictionaries({"text": maybe(texts)}, optional={"thought": json_values, "thoughtSignature": texts}),
    st.fixed_dictionaries({"inlineData": maybe(optional(mimeType=texts, data=texts))}),
    st.fixed_dictionaries({"inline_data": maybe(optional(mime_type=texts, data=texts))}),
    st.fixed_dictionaries({"fileData": maybe(optional(mimeType=texts, fileUri=image_urls))}),
    st.fixed_dictionaries({"functionCall": maybe(optional(name=maybe(texts), args=maybe(json_objects)))}),
    st.fixed_dictionaries({"functionResponse": maybe(optional(name=maybe(texts), response=json_values))}),
    st.fixed_dictionaries({"executableCode": maybe(optional(language=texts, code=texts))}),
    json_objects)
gemini_contents = st.lists(maybe(st.fixed_dictionaries(
    {"parts": maybe(st.lists(maybe(gemini_parts), max_size=3))},
    optional={"role": st.sampled_from(["user", "model", "function"]) | texts})), min_size=1, max_size=3)
gemini_generation_config = optional(
    temperature=maybe(floats), topP=maybe(floats), topK=maybe(ints), maxOutputTokens=maybe(ints),
    candidateCount=maybe(ints), stopSequences=maybe(st.lists(texts, max_size=2)),
    responseMimeType=maybe(texts), responseSchema=maybe(json_objects),
    thinkingConfig=maybe(optional(thinkingBudget=maybe(ints), includeThoughts=maybe(st.booleans()))))
gemini_tools = st.lists(maybe(optional(
    functionDeclarations=maybe(st.lists(maybe(optional(name=maybe(texts), description=texts,
                                                        parameters=maybe(json_objects))), max_size=2)),
    googleSearch=json_objects)), max_size=2)
gemini_generate_bodies = st.fixed_dictionaries(
    {"contents": maybe(gemini_contents)},
    optional={"systemInstruction": maybe(st.fixed_dictionaries({"parts": maybe(st.lists(gemini_parts, max_size=2))})),
              "generationConfig": maybe(gemini_generation_config), "tools": gemini_tools,
              "toolConfig": maybe(optional(functionCallingConfig=maybe(optional(mode=texts,
                                                                                  allowedFunctionNames=json_values)))),
              "safetySettings": json_values, "cachedContent": texts, "api_key": texts})
gemini_embed_bodies = optional(
    content=maybe(st.fixed_dictionaries({"parts": maybe(st.lists(gemini_parts, max_size=2))})),
    requests=maybe(st.lists(maybe(optional(model=texts, content=maybe(optional(parts=st.lists(gemini_parts,
                                                                                               max_size=2))))),
                            max_size=2)),
    taskType=texts, outputDimensionality=maybe(ints))
GEMINI_MODELS = ["gemini-2.5-flash", "text-embedding-004", "gpt-4o-mini", "claude-sonnet-4-5"]
GEMINI_ACTIONS = ["generateContent", "streamGenerateContent", "embedContent", "batchEmbedContents"]


def dumps(value, ascii_only: bool = True) -> bytes:
    """JSON bytes of a generated value. The standard library's writer, because it also writes what orjson
    refuses to (integers beyond 64 bits, nesting beyond 254 levels) and a client may send."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")
