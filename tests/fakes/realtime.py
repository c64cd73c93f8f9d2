"""The Realtime API of the fake upstream: a WebSocket at ``GET /v1/realtime?model=...``.

``add_realtime_route(app, fake)`` registers it on the fake's aiohttp app (before its catch-all
route).  The handshake is recorded in ``fake.requests`` like any request (``.key`` from
``Authorization: Bearer``); each session in ``fake.realtime_sessions`` (``RealtimeSession``).

* ``require_keys`` rejects other keys with HTTP 401 (the recorded invalid-key body) before the
  handshake.
* Handshake faults: a key's behaviour with a canned answer (``status`` / ``body``: ``Behaviour.error(503)``,
  ``Behaviour.rate_limited(7)``) or a ``first_byte_delay`` acts on the handshake, taking one of its
  ``count``: the fake waits that long, then answers that instead of the upgrade.  Other behaviours are
  left for the responses.
* On connect the fake sends ``session.created`` (``session.model`` = the ``?model=``).
* ``response.create``: ``response.created``, one text delta per word of the reply,
  ``response.output_text.done`` and ``response.done`` with ``response.usage``.  Event names follow
  the protocol the client chose: with ``OpenAI-Beta: realtime=v1`` the beta names
  (``response.text.delta`` / ``.done``), otherwise the GA names (``response.output_text.*``).
* Usage: ``input_tokens`` = words of the text parts of every ``conversation.item.create`` of the
  session so far + 3 per item; ``output_tokens`` = reply words; ``input_token_details`` =
  ``{text_tokens, audio_tokens: 0, cached_tokens: 0}``.  The key's ``Behaviour`` (taken once per
  ``response.create``) may replace the reply (``reply``) and merge over the usage (``usage``; a
  given ``input_token_details`` replaces the computed one; ``total_tokens`` is recomputed unless
  given).
* Binary frames are echoed back as binary frames.
* ``{"type": "test.close", "code": 4000, "reason": "bye"}`` makes the fake close the session with
  that code and reason (default 1000, "").
* Every frame received is recorded (``received``: parsed JSON, or ``bytes``); when the session
  ends, ``closed_by`` is ``"client"`` or ``"server"`` and ``close_code`` is set.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from ._common import DEFAULT_REPLY, _content_words, _merge_usage, _new_id, load_fixture


@dataclass
class RealtimeSession:
    model: str
    key: str | None
    headers: dict[str, str]  # lower-case keys
    received: list[Any] = field(default_factory=list)
    sent: list[dict] = field(default_factory=list)  # JSON events the fake sent
    closed_by: str | None = None
    close_code: int | None = None

    def events(self, type_: str) -> list[dict]:
        """The received JSON events of one type."""
        return [e for e in self.received if isinstance(e, dict) and e.get("type") == type_]


def add_realtime_route(app: web.Application, fake) -> None:
    fake.realtime_sessions = getattr(fake, "realtime_sessions", [])

    async def handle(request: web.Request) -> web.StreamResponse:
        from .upstream import Recorded, _ClientGone  # the fake's own module imports this one

        headers = {k.lower(): v for k, v in request.headers.items()}
        auth = headers.get("authorization", "")
        key = auth[7:].strip() if auth[:7].lower() == "bearer " else None
        fake.requests.append(Recorded("GET", request.path, dict(request.query), headers, b"", None, key))
        with fake._lock:
            required = fake._required_keys
        if required is not None and key not in required:
            return web.Response(status=401, body=load_fixture("error_401_invalid_api_key.json"),
                                content_type="application/json")
        fault = _handshake_fault(fake, key)
        if fault is not None:
            try:
                await fake._pause(request, fault.first_byte_delay)
            except _ClientGone:
                return web.Response(status=499)
            if fault.is_canned:
                return fake._canned(fault)
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = RealtimeSession(request.query.get("model", ""), key, headers)
        fake.realtime_sessions.append(session)
        try:
            await _serve(fake, ws, session, headers.get("openai-beta", "") == "realtime=v1")
        except ConnectionResetError:  # the client went while the fake was still answering
            pass
        session.closed_by = session.closed_by or "client"
        session.close_code = ws.close_code
        return ws

    app.router.add_get("/v1/realtime", handle)


def _handshake_fault(fake, key: str | None):
    """The key's behaviour when the handshake acts on it (taken), else None (left for the responses)."""
    with fake._lock:
        found = next((fake._behaviours[k] for k in ((key,) if key is not None else ()) + ("*",)
                      if k in fake._behaviours and fake._remaining.get(k, 1) > 0), None)
    if found is None or not (found.is_canned or found.first_byte_delay > 0):
        return None
    return fake._take_behaviour(key)


async def _serve(fake, ws: web.WebSocketResponse, session: RealtimeSession, beta: bool) -> None:
    async def send(type_: str, **fields: Any) -> None:
        event = {"type": type_, "event_id": _new_id("event_"), **fields}
        session.sent.append(event)
        await ws.send_str(json.dumps(event))

    await send("session.created", session={"id": _new_id("sess_"), "object": "realtime.session",
                                           "model": session.model})
    input_tokens = 0
    async for message in ws:
        if message.type is WSMsgType.BINARY:
            session.received.append(message.data)
            await ws.send_bytes(message.data)
            continue
        if message.type is not WSMsgType.TEXT:
            break
        event = json.loads(message.data)
        session.received.append(event)
        kind = event.get("type") if isinstance(event, dict) else None
        if kind == "conversation.item.create":
            input_tokens += _content_words((event.get("item") or {}).get("content")) + 3
        elif kind == "response.create":
            await _respond(fake, send, session, input_tokens, beta)
        elif kind == "test.close":
            session.closed_by = "server"
            await ws.close(code=event.get("code", 1000), message=event.get("reason", "").encode())
            break


async def _respond(fake, send, session: RealtimeSession, input_tokens: int, beta: bool) -> None:
    behaviour = fake._take_behaviour(session.key)
    reply = behaviour.reply if behaviour is not None and behaviour.reply is not None else DEFAULT_REPLY
    words = reply.split()
    usage = {"total_tokens": input_tokens + len(words), "input_tokens": input_tokens, "output_tokens": len(words),
             "input_token_details": {"text_tokens": input_tokens, "audio_tokens": 0, "cached_tokens": 0},
             "output_token_details": {"text_tokens": len(words), "audio_tokens": 0}}
    usage = _merge_usage(usage, behaviour.usage if behaviour else None, "input_tokens", "output_tokens")
    response_id, item_id = _new_id("resp_"), _new_id("item_")
    response = {"id": response_id, "object": "realtime.response", "status": "in_progress", "output": [],
                "usage": None}
    await send("response.created", response=response)
    text = "response.text" if beta else "response.output_text"
    for i, word in enumerate(words):
        await send(text + ".delta", response_id=response_id, item_id=item_id, output_index=0, content_index=0,
                   delta=word if i == 0 else " " + word)
    await send(text + ".done", response_id=response_id, item_id=item_id, output_index=0, content_index=0,
               text=reply)
    item = {"id": item_id, "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "text" if beta else "output_text", "text": reply}]}
    await send("response.done", response={**response, "status": "completed", "output": [item], "usage": usage})
