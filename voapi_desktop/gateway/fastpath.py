"""The relay's hot routes as plain ASGI, in front of the Quart app.

POST with a JSON body to an OpenAI relay endpoint (/v1/chat/completions, /v1/embeddings, ...)
or to Anthropic's /v1/messages is served here; everything else (the REST API, the portal,
uploads, Gemini, websockets, lifespan) goes to Quart unchanged. Same rules, same code: the
request is admitted, parsed and relayed by the functions the Quart views call; only the
framework is left out. Quart costs about half of a relayed request's CPU on one core (its
request and app contexts, routing, Request/Response objects, two tasks per request and a
timeout wrapper around every streamed chunk), which is what the benchmark's targets cannot
afford (BENCHMARKS.md).

Like Quart, a client that disconnects cancels its request (the upstream call is closed and
the reservation refunded or the stream settled), and the body is read whole, up to
MAX_REQUEST_BODY_MB, before anything is answered (so a refusal never leaves an unread body
on a keep-alive connection).
"""

from __future__ import annotations

import asyncio
import logging

from ..core.ratelimit import client_ip
from .app import error_answer, new_request_id
from .errors import BadRequest, PayloadTooLarge, RelayError
from .relay.answer import Answer
from .relay.context import RelayContext
from .relay.endpoints import ENDPOINTS, MESSAGES, Endpoint
from .relay.parse import parse_json_body, validate
from .relay.pipeline import relay
from .routes_relay import admit
from .state import GatewayState

log = logging.getLogger(__name__)

BODY_TIMEOUT = 60.0  # seconds to receive the whole body (Quart's BODY_TIMEOUT)
ROUTES: dict[str, tuple[Endpoint, str]] = {
    **{"/v1" + e.path: (e, "openai") for e in ENDPOINTS.values() if e.body == "json"},
    "/v1/messages": (MESSAGES, "anthropic"),
}


class Headers(dict):
    """Request headers by lower-case name, looked up case-insensitively; `get` gives the last value of a
    repeated header, `getlist` all of them in order (as werkzeug's Headers, for X-Forwarded-For)."""

    def __init__(self, raw: list[tuple[bytes, bytes]]):
        super().__init__((name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in raw)
        self._raw = raw

    def getlist(self, name: str) -> list[str]:
        wanted = name.lower().encode("latin-1")
        return [value.decode("latin-1") for key, value in self._raw if key.lower() == wanted]

    def get(self, name: str, default=None):
        return super().get(name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and super().__contains__(name.lower())


class Disconnected(Exception):
    pass


class FastPath:
    """ASGI app: the hot relay routes here, the rest to `app` (the Quart app)."""

    def __init__(self, app, state: GatewayState, max_body: int):
        self.app = app
        self.state = state
        self.max_body = max_body

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            route = ROUTES.get(scope["path"])
            if route is not None:
                await self.serve(scope, receive, send, *route)
                return
        await self.app(scope, receive, send)

    async def serve(self, scope, receive, send, endpoint: Endpoint, dialect: str) -> None:
        request_id = new_request_id()
        headers = Headers(scope["headers"])
        try:
            raw = await self.read_body(receive, headers)
        except Disconnected:
            return
        except RelayError as error:
            await self.send_answer(send, error_answer(error, dialect, request_id), request_id)
            return
        task = asyncio.current_task()
        watcher = asyncio.ensure_future(self.watch_disconnect(receive, task))
        answer = None
        try:
            try:
                answer = await self.answer(scope, headers, raw, endpoint, dialect, request_id)
            except RelayError as error:
                answer = error_answer(error, dialect, request_id)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("unexpected error on POST %s", scope["path"])
                answer = error_answer(RelayError("the gateway hit an internal error; it has been logged"), dialect,
                                      request_id)
            await self.send_answer(send, answer, request_id)
        except asyncio.CancelledError:
            if not watcher.done() or watcher.cancelled() or not watcher.result():
                raise  # not the client leaving: the server is shutting down
            task.uncancel()  # the client left; what it started has been cleaned up
        finally:
            watcher.cancel()
            if answer is not None and answer.stream is not None:
                await answer.stream.aclose()  # settles the request, also when the client left before or during it

    async def answer(self, scope, headers: Headers, raw: bytes, endpoint: Endpoint, dialect: str,
                     request_id: str) -> Answer:
        state = self.state
        settings = state.snapshots.current.settings
        peer = scope.get("client")
        ip = client_ip(peer[0] if peer else "", headers, settings["TRUSTED_PROXIES"])
        snapshot, caller = await admit(state, headers, scope["path"], ip)
        parsed = validate(parse_json_body(raw, headers.get("content-type", "")), endpoint)
        parsed.size = len(raw)
        ctx = RelayContext(request_id, endpoint, snapshot, caller, parsed, ip, inbound=dialect)
        return await relay(state, ctx, headers)

    async def read_body(self, receive, headers: Headers) -> bytes:
        """The whole body, or PayloadTooLarge past the limit (from Content-Length or as it arrives)."""
        limit = self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise PayloadTooLarge(f"the request body is larger than {limit // (1024 * 1024)} MB")
        chunks, size = [], 0
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        raise Disconnected
                    chunk = message.get("body", b"")
                    if chunk:
                        size += len(chunk)
                        if size > limit:
                            raise PayloadTooLarge(f"the request body is larger than {limit // (1024 * 1024)} MB")
                        chunks.append(chunk)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            raise BadRequest(f"the request body did not arrive within {BODY_TIMEOUT:.0f} s", status=408,
                             code="request_timeout") from None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    @staticmethod
    async def watch_disconnect(receive, task: asyncio.Task) -> bool:
        """Cancel `task` when the client goes away; True when it did."""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                task.cancel()
                return True

    @staticmethod
    async def send_answer(send, answer: Answer, request_id: str) -> None:
        headers = [(b"content-type", answer.content_type.encode("latin-1")),
                   (b"x-request-id", request_id.encode("latin-1"))]
        headers += [(name.encode("latin-1"), str(value).encode("latin-1")) for name, value in answer.headers.items()]
        if answer.stream is None:
            headers.append((b"content-length", str(len(answer.body)).encode("latin-1")))
            await send({"type": "http.response.start", "status": answer.status, "headers": headers})
            await send({"type": "http.response.body", "body": answer.body})
            return
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        async for chunk in answer.stream:
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
