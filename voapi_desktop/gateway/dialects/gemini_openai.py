"""Translate between the OpenAI chat/embeddings dialect and Google's Gemini API (v1beta).

Pure functions and small stateful stream converters: no I/O, standard library + orjson only. The code
lives in ``gemini_requests``, ``gemini_responses`` and ``gemini_streams`` (shared helpers: ``gemini_common``).

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

from .gemini_requests import (SCHEMA_KEYS_GEMINI_REJECTS, THINKING_BUDGETS, gemini_request_to_openai,
                              openai_embeddings_to_gemini, openai_request_to_gemini)
from .gemini_responses import (gemini_embeddings_to_openai, gemini_error, gemini_models_list, gemini_response_to_openai,
                               openai_response_to_gemini)
from .gemini_streams import GeminiStreamToOpenAI, OpenAIStreamToGemini, format_sse

__all__ = ["SCHEMA_KEYS_GEMINI_REJECTS", "THINKING_BUDGETS", "GeminiStreamToOpenAI", "OpenAIStreamToGemini",
           "format_sse", "gemini_embeddings_to_openai", "gemini_error", "gemini_models_list",
           "gemini_request_to_openai", "gemini_response_to_openai", "openai_embeddings_to_gemini",
           "openai_request_to_gemini", "openai_response_to_gemini"]
