"""A fake of Replicate's predictions API, on top of the fake upstream.

``ReplicateFake`` is a ``FakeUpstream`` (same server, same ``.requests``
recording, same per-key ``Behaviour``: a canned ``status``/``body`` answers any
Replicate route too) that also answers::

    POST /v1/models/{owner}/{name}/predictions   create (honours ``Prefer: wait`` unless told not to)
    POST /v1/predictions                         create from {"version": ...}
    GET  /v1/predictions/{id}                    poll ("processing" ``Plan.polls`` times, then the outcome)
    POST /v1/predictions/{id}/cancel             cancel
    GET  /files/{id}-{n}.png                     an output image: a few PNG bytes
    GET  /v1/streams/{id}                        the SSE stream of a prediction created with "stream": true

Keys are Bearer tokens; ``require_keys`` answers others with the recorded 401
``application/problem+json`` body.  What a prediction does is ``fake.plan``
(a ``Plan``), read when the prediction is created.

Shapes follow the shared Replicate recordings (see the fixture README): compact
JSON, ``version: "dp-…"``, ``urls.{cancel,get,stream}``, ``metrics``;
errors are ``{"title","detail","status"}``; stream events are ``output``
(plain-text data, one ``data:`` line per text line), ``error`` with
``{"detail": …}`` followed by ``done`` ``{"reason": "error"}``, ``done`` with
``{}`` or ``{"reason": "canceled"}``, and a ``:408`` comment on timeout.

Deterministic accounting:

* language models: ``output`` is the reply split into word tokens, every
  token after the first with its leading space (``["Hello", " from", …]``);
  ``metrics.input_token_count`` = words of ``prompt`` + words of
  ``system_prompt`` (or of every ``messages`` content);
  ``metrics.output_token_count`` = number of tokens (after ``max_tokens`` /
  ``max_new_tokens``).
* images: ``Plan.images`` outputs, else ``input.num_outputs``, else 1;
  ``metrics.image_count`` says how many.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from ._common import DEFAULT_REPLY, _words
from .upstream import Behaviour, FakeUpstream, Recorded, _Ctx

__all__ = ["Plan", "ReplicateFake", "PNG_MAGIC", "PROBLEM_401", "image_bytes"]

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# error_401_unauthenticated.json, exactly as recorded
PROBLEM_401 = b'{"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401}'
PROBLEM_CT = "application/problem+json"
_JSON_CT = "application/json; charset=UTF-8"
# Families that answer one URL string instead of a list (as Replicate's ideogram and recraft models do).
_SINGLE_OUTPUT_OWNERS = ("ideogram-ai", "recraft-ai")

_CREATE = re.compile(r"/v1/models/([^/]+)/([^/]+)/predictions")
_PREDICTION = re.compile(r"/v1/predictions/([^/]+)")
_CANCEL = re.compile(r"/v1/predictions/([^/]+)/cancel")
_FILE = re.compile(r"/files/([^/]+)\.png")
_STREAM = re.compile(r"/v1/streams/([^/]+)")


def image_bytes(name: str) -> bytes:
    """The bytes the fake serves for ``/files/<name>.png``."""
    return PNG_MAGIC + b"fake-image-" + name.encode()


def is_replicate_path(path: str) -> bool:
    return bool(path == "/v1/predictions" or _CREATE.fullmatch(path) or _PREDICTION.fullmatch(path)
                or _CANCEL.fullmatch(path) or _FILE.fullmatch(path) or _STREAM.fullmatch(path))


@dataclass
class Plan:
    """What the next predictions do."""

    honour_wait: bool = True  # ``Prefer: wait`` returns the finished prediction (when polls == 0)
    polls: int = 0  # GET /v1/predictions/{id} answers "processing" this many times before the outcome
    outcome: str = "succeeded"  # or "failed" / "canceled"
    error: str = "CUDA out of memory (fake)"  # the error text of a failed prediction / stream error
    images: int | None = None  # image outputs (default: input.num_outputs, else 1)
    single_output: bool | None = None  # one URL string instead of a list (default: ideogram-ai, recraft-ai)
    reply: str = DEFAULT_REPLY  # what language models answer
    token_counts: bool = True  # metrics carry input_token_count / output_token_count
    stream_end: str = "done"  # how a stream ends: "done", "error", "canceled", "timeout" (":408" comment, EOF)
    stream: bool = True  # predictions created with "stream": true get urls.stream


@dataclass
class _Prediction:
    id: str
    model: str
    input: dict
    plan: Plan
    language: bool
    stream: bool
    created_at: str
    polls_left: int
    canceled: bool = False
    polls: int = 0


class ReplicateFake(FakeUpstream):
    """The fake upstream plus Replicate's predictions API (see the module docstring)."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.plan = Plan()
        self.predictions: dict[str, _Prediction] = {}

    # -- helpers for tests ---------------------------------------------------

    def replicate_requests(self) -> list[Recorded]:
        return [r for r in list(self.requests) if is_replicate_path(r.path)]

    def created(self) -> list[Recorded]:
        """The prediction-creating requests, oldest first."""
        return [r for r in self.replicate_requests() if r.method == "POST" and not r.path.endswith("/cancel")]

    # -- dispatch (server thread) ------------------------------------------

    async def _answer(self, request: web.Request, rec: Recorded, beh: Behaviour) -> web.StreamResponse:
        if not is_replicate_path(rec.path):
            return await super()._answer(request, rec, beh)
        if _FILE.fullmatch(rec.path):  # delivery URLs need no key
            name = _FILE.fullmatch(rec.path).group(1)
            return web.Response(body=image_bytes(name), headers={"content-type": "image/png"})
        with self._lock:
            required = self._required_keys
        if required is not None and rec.key not in required:
            return web.Response(status=401, body=PROBLEM_401, headers={"content-type": PROBLEM_CT})
        if beh.is_canned:
            return self._canned(beh)
        path = rec.path
        if request.method == "POST" and (path == "/v1/predictions" or _CREATE.fullmatch(path)):
            return self._create(rec)
        if request.method == "POST" and _CANCEL.fullmatch(path):
            return self._cancel(_CANCEL.fullmatch(path).group(1))
        if request.method == "GET" and _PREDICTION.fullmatch(path):
            return self._poll(_PREDICTION.fullmatch(path).group(1))
        if request.method == "GET" and _STREAM.fullmatch(path):
            return await self._stream_events(request, rec, beh, _STREAM.fullmatch(path).group(1))
        return self._problem(404, "Not found", "The requested resource could not be found.")

    def _problem(self, status: int, title: str, detail: str) -> web.Response:
        body = json.dumps({"title": title, "detail": detail, "status": status}, separators=(",", ":"))
        return web.Response(status=status, body=body.encode(), headers={"content-type": PROBLEM_CT})

    def _create(self, rec: Recorded) -> web.Response:
        body = rec.json if isinstance(rec.json, dict) else None
        if body is None or not isinstance(body.get("input"), dict):
            return self._problem(422, "Input validation failed", "- input: input is required")
        match = _CREATE.fullmatch(rec.path)
        model = f"{match.group(1)}/{match.group(2)}" if match else str(body.get("version", "unknown/unknown"))
        inputs = body["input"]
        if not isinstance(inputs.get("prompt"), str) and not isinstance(inputs.get("messages"), list):
            return self._problem(422, "Input validation failed", "- input: prompt is required")
        plan = self.plan
        language = not _looks_like_image_model(model)
        prediction = _Prediction(
            id=uuid.uuid4().hex[:26], model=model, input=inputs, plan=plan, language=language,
            stream=bool(body.get("stream")) and plan.stream, created_at=_now(), polls_left=plan.polls)
        self.predictions[prediction.id] = prediction
        waiting = rec.headers.get("prefer", "").startswith("wait")
        finished = waiting and plan.honour_wait and plan.polls == 0
        obj = self._object(prediction, final=finished, processing=waiting and not finished)
        headers = {"content-type": _JSON_CT}
        if waiting:
            headers["preference-applied"] = rec.headers["prefer"]
        return web.Response(status=201, body=_compact(obj), headers=headers)

    def _poll(self, pid: str) -> web.Response:
        prediction = self.predictions.get(pid)
        if prediction is None:
            return self._problem(404, "Not found", "The requested resource could not be found.")
        prediction.polls += 1
        if prediction.canceled:
            obj = self._object(prediction, final=True, outcome="canceled")
        elif prediction.polls_left > 0:
            prediction.polls_left -= 1
            obj = self._object(prediction, final=False, processing=True)
        else:
            obj = self._object(prediction, final=True)
        return web.Response(status=200, body=_compact(obj), headers={"content-type": "application/json"})

    def _cancel(self, pid: str) -> web.Response:
        prediction = self.predictions.get(pid)
        if prediction is None:
            return self._problem(404, "Not found", "The requested resource could not be found.")
        prediction.canceled = True
        obj = self._object(prediction, final=True, outcome="canceled")
        return web.Response(status=200, body=_compact(obj), headers={"content-type": "application/json"})

    def _object(self, p: _Prediction, *, final: bool, processing: bool = False,
                outcome: str | None = None) -> dict:
        outcome = outcome or p.plan.outcome
        status = outcome if final else ("processing" if processing else "starting")
        base = self.url
        urls = {"cancel": f"{base}/v1/predictions/{p.id}/cancel", "get": f"{base}/v1/predictions/{p.id}"}
        if p.stream:
            urls["stream"] = f"{base}/v1/streams/{p.id}"
        obj: dict[str, Any] = {
            "id": p.id, "model": p.model, "version": "dp-" + p.id[:32].ljust(32, "0"), "input": p.input,
            "logs": "", "output": None, "data_removed": False, "error": None, "status": status,
            "created_at": p.created_at, "urls": urls,
        }
        if processing and p.language:
            obj["output"] = self._tokens(p)[:1]  # a partial token list, as Prefer: wait answers it
        if not final:
            return obj
        obj["started_at"] = obj["completed_at"] = _now()
        if status == "failed":
            obj["error"] = p.plan.error
            obj["logs"] = "Traceback (most recent call last):\n  ...\n" + p.plan.error + "\n"
        elif status == "succeeded":
            obj["output"], obj["metrics"] = self._output(p)
        return obj

    def _output(self, p: _Prediction) -> tuple[Any, dict]:
        if p.language:
            tokens = self._tokens(p)
            metrics: dict[str, Any] = {"predict_time": 0.25}
            if p.plan.token_counts:
                metrics["input_token_count"] = _input_words(p.input)
                metrics["output_token_count"] = len(tokens)
            return tokens, metrics
        count = p.plan.images if p.plan.images is not None else _int(p.input.get("num_outputs"), 1)
        urls = [f"{self.url}/files/{p.id}-{i}.png" for i in range(count)]
        single = p.plan.single_output
        if single is None:
            single = p.model.split("/")[0] in _SINGLE_OUTPUT_OWNERS
        output: Any = (urls[0] if urls else None) if single else urls
        return output, {"image_count": count, "predict_time": 0.5}

    def _tokens(self, p: _Prediction) -> list[str]:
        words = p.plan.reply.split(" ")
        limit = _int(p.input.get("max_tokens", p.input.get("max_new_tokens")), None)
        if limit is not None:
            words = words[:limit]
        return [w if i == 0 else " " + w for i, w in enumerate(words)]

    async def _stream_events(self, request: web.Request, rec: Recorded, beh: Behaviour,
                             pid: str) -> web.StreamResponse:
        prediction = self.predictions.get(pid)
        if prediction is None or not prediction.stream:
            return self._problem(404, "Not found", "The requested resource could not be found.")
        stamp = int(time.time())
        events = [_output_event(token, f"{stamp}:{i}") for i, token in enumerate(self._tokens(prediction))]
        end = prediction.plan.stream_end
        if end == "error":
            events.append(b'event: error\ndata: ' + _compact({"detail": prediction.plan.error}) + b"\n\n")
            events.append(b'event: done\ndata: {"reason": "error"}\n\n')
        elif end == "canceled":
            events.append(b'event: done\ndata: {"reason": "canceled"}\n\n')
        elif end == "timeout":
            events.append(b":408: 408 Request Timeout\n\n")
        else:
            events.append(b"event: done\ndata: {}\n\n")
        ctx = _Ctx(request, rec, beh, None)
        return await self._stream(ctx, events, b'event: error\ndata: {"detail": "stream broke"}\n\n',
                                  content_type="text/event-stream")


def _output_event(text: str, event_id: str) -> bytes:
    """One ``output`` event: plain text, one ``data:`` line per line of it."""
    lines = "".join(f"data: {line}\n" for line in text.split("\n"))
    return f"event: output\nid: {event_id}\n{lines}\n".encode()


def _looks_like_image_model(model: str) -> bool:
    owner = model.split("/")[0]
    return owner in ("black-forest-labs", "recraft-ai", "ideogram-ai", "stability-ai")


def _input_words(inputs: dict) -> int:
    if isinstance(inputs.get("messages"), list):
        return sum(_words(m.get("content")) for m in inputs["messages"] if isinstance(m, dict))
    return _words(inputs.get("prompt")) + _words(inputs.get("system_prompt"))


def _int(value: Any, default: Any) -> Any:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
