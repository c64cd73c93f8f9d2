"""Helpers of the fault-injection tests: one client dialect = how to ask, and how to read what came back.

Every route pairs a client dialect with the channel type it talks to: the dialect's own (bytes passed
through) or an OpenAI channel (the answer translated through the OpenAI chat shape).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from tests.conftest import add_channel
from tests.e2e.dialects import CLAUDE, GEMINI, anthropic_channel, gemini_channel, sse_events
from voapi_desktop.core.tokenize import count_completion

ASK = "say hello"
TIMEOUT = 20


@dataclass(frozen=True)
class Route:
    client: str  # openai | anthropic | gemini
    channel_type: str  # OpenAI | Anthropic | Gemini

    @property
    def id(self) -> str:
        own = {"openai": "OpenAI", "anthropic": "Anthropic", "gemini": "Gemini"}[self.client]
        return self.client if own == self.channel_type else f"{self.client}<-{self.channel_type.lower()}"

    @property
    def model(self) -> str:
        return {"openai": "gpt-4o-mini", "anthropic": CLAUDE, "gemini": GEMINI}[self.client]

    def channel(self, upstream, name: str, key: str, **fields):
        if self.channel_type == "Anthropic":
            return anthropic_channel(upstream, name, key, models=self.model, **fields)
        if self.channel_type == "Gemini":
            return gemini_channel(upstream, name, key, models=self.model, **fields)
        return add_channel(upstream, name, key, models=self.model, **fields)

    # --- asking ---

    def ask(self, gateway, key: str, stream: bool) -> httpx.Response:
        """One request in the client's dialect, read whole (a stream too)."""
        messages = [{"role": "user", "content": ASK}]
        if self.client == "openai":
            return httpx.post(gateway.base_url + "/chat/completions", timeout=TIMEOUT,
                              headers={"Authorization": f"Bearer {key}"},
                              json={"model": self.model, "messages": messages, "stream": stream})
        if self.client == "anthropic":
            return httpx.post(gateway.base_url + "/messages", timeout=TIMEOUT,
                              headers={"x-api-key": key, "anthropic-version": "2023-06-01"},
                              json={"model": self.model, "max_tokens": 200, "messages": messages, "stream": stream})
        action = "streamGenerateContent?alt=sse" if stream else "generateContent"
        return httpx.post(f"{gateway.url}/v1beta/models/{self.model}:{action}", timeout=TIMEOUT,
                          headers={"x-goog-api-key": key}, json={"contents": [{"role": "user", "parts": [{"text": ASK}]}]})

    # --- reading answers ---

    def text(self, response: httpx.Response, stream: bool) -> str:
        """The generated text the client received (a broken stream: what came before the break)."""
        if not stream:
            body = response.json()
            if self.client == "openai":
                return body["choices"][0]["message"]["content"]
            if self.client == "anthropic":
                return "".join(b.get("text", "") for b in body["content"])
            return "".join(p.get("text", "") for p in body["candidates"][0]["content"]["parts"])
        parts = []
        for name, data in sse_events(response.content):
            if not isinstance(data, dict):
                continue
            if self.client == "openai":
                for choice in data.get("choices") or ():
                    parts.append((choice.get("delta") or {}).get("content") or "")
            elif self.client == "anthropic":
                if name == "content_block_delta":
                    parts.append(data["delta"].get("text", ""))
            else:
                for cand in data.get("candidates") or ():
                    parts += [p.get("text", "") for p in (cand.get("content") or {}).get("parts") or ()]
        return "".join(parts)

    def error_message(self, response: httpx.Response) -> str:
        """The message of a whole error answer, which must be in the client's own envelope."""
        body = response.json()
        if self.client == "anthropic":
            assert body["type"] == "error" and body["error"]["type"], body
        elif self.client == "gemini":
            assert body["error"]["code"] == response.status_code and body["error"]["status"], body
        else:
            assert body["error"]["type"], body
        assert body["error"]["message"], body
        return body["error"]["message"]

    def stream_end(self, response: httpx.Response) -> str:
        """'ok' when the stream ended with its dialect's terminator, 'error' when it ended with an error
        event in the client's dialect (OpenAI: the error, then exactly one [DONE]); fails otherwise."""
        assert response.status_code == 200, response.text
        events = sse_events(response.content)
        assert events, response.content
        last_name, last = events[-1]
        if self.client == "openai":
            assert last == "[DONE]" and response.content.endswith(b"data: [DONE]\n\n"), response.content[-300:]
            assert [d for _, d in events].count("[DONE]") == 1
            before = events[-2][1] if len(events) > 1 else None
            if isinstance(before, dict) and isinstance(before.get("error"), dict):
                assert before["error"]["message"] and sum(isinstance(d, dict) and "error" in d for _, d in events) == 1
                return "error"
            return "ok"
        if self.client == "anthropic":
            names = [n for n, _ in events]
            if last_name == "error":
                assert last["type"] == "error" and last["error"]["message"] and "message_stop" not in names
                return "error"
            assert last_name == "message_stop", names
            return "ok"
        assert isinstance(last, dict), last
        if "error" in last:
            assert last["error"]["message"] and last["error"]["code"] >= 500, last
            return "error"
        assert last["candidates"][0].get("finishReason"), last
        return "ok"


ROUTES = [Route("openai", "OpenAI"), Route("anthropic", "Anthropic"), Route("gemini", "Gemini")]
TRANSLATED = [Route("anthropic", "OpenAI"), Route("gemini", "OpenAI")]


def completion_tokens(route: Route, text: str) -> int:
    """What a local count of `text` comes to (the gateway bills it when the upstream's usage never came)."""
    return count_completion(text, route.model) if text else 0
