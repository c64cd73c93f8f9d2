"""OpenAI clients on Replicate channels (type 56): image models and language models run as predictions.

A client request is one Replicate *prediction*, which takes more than one upstream call:

    create  POST {base}/v1/models/{owner}/{name}/predictions {"input": {...}}, Authorization: Bearer <key>
            ("owner/name:version": POST {base}/v1/predictions {"version", "input"}). Plain requests send
            `Prefer: wait=N` (N <= 60, kept under FIRST_BYTE_TIMEOUT), so most answers are already final.
    plain   while starting/processing: GET {base}/v1/predictions/{id} every POLL_INTERVAL s until
            succeeded / failed / canceled, or the deadline (RELAY_TIMEOUT, else DEFAULT_DEADLINE s), when the
            prediction is canceled. Images asked as b64_json: GET every output file (http(s) only,
            at most MAX_IMAGE_BYTES each).
    stream  create with "stream": true, then GET the prediction's urls.stream (Accept: text/event-stream).

The pipeline awaits `follow(ctx, session, first)` right after the create answer (see pipeline.attempt_once):
it returns the response to read (plain: the finished prediction, already read: `Finished`) or to stream
(the urls.stream response), or an AttemptFailure. `plain()` turns the finished prediction into OpenAI's
answer; `ReplicateStream` (replicate_stream.py) turns the stream's events into chat chunks.

Polls go to the channel's base URL with the prediction's id, not to `urls.get`: a relay in front of
Replicate answers with api.replicate.com URLs its key cannot use, and the key never goes to a host an
answer names. `urls.stream` is on another host by design: the key goes with it only when that host is
the channel's own or a replicate.com / replicate.net host.

Inputs: `image_input` and `chat_input` (replicate_inputs.py, where the rules per model family are); the
channel's param_override is merged into `input` last (any model input).

Models without num_outputs make one image whatever `n` says; the request is billed for the images that
came back (Plain.units). `response_format` stays here: "url" returns the output URLs (Replicate's
delivery links expire after about an hour), "b64_json" downloads them.

Chat: `output` (a list of text tokens) is joined into one chat.completion; usage comes from
metrics.input_token_count / output_token_count when Replicate reports them, else from a local count.

Errors: Replicate's application/problem+json {title, detail, status} becomes an OpenAI error envelope
(message = detail, code = the title in snake case, type by status: 401 authentication_error,
402 insufficient_quota, 403 permission_error, 429 rate_limit_error, other 4xx invalid_request_error),
so the usual classification (retry, auto-disable) applies. A failed or canceled prediction is a 502 with
the prediction's error text, not retried on another channel (it usually fails the same way, and
costs again).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
import re
import time
from urllib.parse import quote, unquote_to_bytes, urlsplit

import aiohttp
import orjson

from ....core.tokenize import count_completion, count_request_input
from ....store.channels import ChannelInfo
from ... import outbound
from ...outbound import OutboundError, OutboundPolicy
from ..context import RelayContext
from ..failures import AttemptFailure, classify
from ..usage import Usage
from .base import Plain, UpstreamRequest, json_or_none
from .replicate_inputs import (chat_input, closest_ratio, content_text, image_input, max_tokens, parse_size,
                               split_model, transcript)
from .replicate_stream import ReplicateEvents, ReplicateStream

__all__ = ["Finished", "ReplicateEvents", "ReplicateStream", "ReplicateWire", "chat_input", "closest_ratio",
           "content_text", "data_url_bytes", "image_input", "max_tokens", "openai_error", "output_files",
           "output_text", "parse_size", "problem_to_openai", "split_model", "token_usage", "transcript",
           "wait_seconds"]

log = logging.getLogger(__name__)

POLL_INTERVAL = 1.0  # seconds between polls of an unfinished prediction
DEFAULT_DEADLINE = 120  # seconds a plain request may wait for its prediction when RELAY_TIMEOUT is 0
MAX_WAIT = 60  # Replicate's longest `Prefer: wait`
MAX_PREDICTION_BYTES = 8 * 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024
MAX_IMAGE_BYTES = 20 * 1024 * 1024  # per output file fetched for b64_json
TERMINAL = ("succeeded", "failed", "canceled", "aborted")
PROBLEM_TYPES = {401: "authentication_error", 402: "insufficient_quota", 403: "permission_error",
                 429: "rate_limit_error"}

_background: set[asyncio.Task] = set()  # cancel calls still running after their request ended


# --- the request ------------------------------------------------------------------------------

def wait_seconds(settings) -> int:
    """`Prefer: wait` seconds: at most 60, within the deadline, and answered before FIRST_BYTE_TIMEOUT."""
    wait = min(MAX_WAIT, settings["RELAY_TIMEOUT"] or DEFAULT_DEADLINE)
    if settings["FIRST_BYTE_TIMEOUT"]:
        wait = min(wait, settings["FIRST_BYTE_TIMEOUT"] - 5)
    return max(1, int(wait))


# --- answers ----------------------------------------------------------------------------------

def openai_error(message: str, code: str | None, type_: str = "upstream_error") -> bytes:
    return orjson.dumps({"error": {"message": message, "type": type_, "param": None, "code": code}})


def problem_to_openai(status: int, problem: dict) -> bytes:
    """Replicate's {title, detail, status} as an OpenAI error envelope."""
    title = str(problem.get("title") or "")
    detail = problem.get("detail")
    message = (detail if isinstance(detail, str) else orjson.dumps(detail).decode()) if detail else title
    code = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or None
    kind = PROBLEM_TYPES.get(status, "invalid_request_error" if 400 <= status < 500 else "upstream_error")
    return openai_error(message.strip() or f"HTTP {status}", code, kind)


def output_files(prediction: dict) -> list[str]:
    """The output file URLs: one string (ideogram, recraft, flux-pro) or a list of them."""
    output = prediction.get("output")
    items = [output] if isinstance(output, str) else output if isinstance(output, list) else []
    return [item for item in items if isinstance(item, str) and item]


def output_text(output: object) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "".join(part for part in output if isinstance(part, str))
    return ""


def token_usage(metrics: object) -> Usage | None:
    """Usage from metrics.input_token_count / output_token_count, when Replicate reports both."""
    if not isinstance(metrics, dict):
        return None
    prompt, completion = metrics.get("input_token_count"), metrics.get("output_token_count")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (prompt, completion)):
        return None
    return Usage(prompt, completion, 0, True)


def data_url_bytes(url: str) -> bytes | None:
    """The bytes of a data: URL (base64 or percent-encoded), None when it is malformed."""
    header, sep, payload = url.partition(",")
    if not sep:
        return None
    try:
        return base64.b64decode(payload, validate=True) if header.endswith(";base64") else unquote_to_bytes(payload)
    except (binascii.Error, ValueError):
        return None


class Finished:
    """A finished prediction, already read: the parts of aiohttp.ClientResponse the pipeline reads."""

    def __init__(self, body: bytes) -> None:
        self.status = 200
        self.headers = {"Content-Type": "application/json"}
        self._body = body

    async def read(self) -> bytes:
        return self._body

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


async def _read_limited(response: aiohttp.ClientResponse, limit: int, timeout: float | None,
                        truncate: bool = False) -> bytes | None:
    """The body; when it is bigger than `limit`: None, or its first `limit` bytes when truncating."""
    chunks, size = [], 0
    async with asyncio.timeout(timeout):
        async for chunk in response.content.iter_any():
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                return b"".join(chunks)[:limit] if truncate else None
    return b"".join(chunks)


# --- the wire ---------------------------------------------------------------------------------

class ReplicateWire:
    """One per attempt: it keeps the key, the prediction and the downloaded files between its calls."""
    wire = "replicate"
    endpoints = ("images", "chat")

    def __init__(self) -> None:
        self.key = ""
        self.prediction: dict = {}  # the latest state seen
        self.files: list[bytes] = []  # the outputs fetched for b64_json, in order

    def request(self, ctx: RelayContext, channel: ChannelInfo, key: str, client_headers) -> UpstreamRequest:
        self.key = key
        model, version = split_model(ctx.upstream_model)
        inputs = image_input(model, ctx.request.body) if ctx.endpoint.name == "images" else \
            chat_input(model, ctx.request.body, channel)
        inputs.update(channel.param_override)
        body: dict = {"input": inputs}
        base = channel.effective_base_url
        if version:
            body["version"] = version
            url = f"{base}/v1/predictions"
        else:
            url = f"{base}/v1/models/{'/'.join(quote(part, safe='') for part in model.split('/', 1))}/predictions"
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        if ctx.request.stream:
            body["stream"] = True
        else:
            headers["Prefer"] = f"wait={wait_seconds(ctx.settings)}"
        headers.update(channel.header_override)
        return UpstreamRequest(url, headers, orjson.dumps(body))

    # -- after the create answer (the pipeline's hook) --

    async def follow(self, ctx: RelayContext, session: aiohttp.ClientSession, first: aiohttp.ClientResponse):
        """The finished prediction (plain) or its event stream; an AttemptFailure otherwise."""
        if first.status >= 400:
            return await self._refused(ctx, first)
        prediction = await self._read_prediction(ctx, first)
        if isinstance(prediction, AttemptFailure):
            return prediction
        try:
            if ctx.request.stream:
                result = await self._open_stream(ctx, session, prediction)
            else:
                result = await self._finish(ctx, session, prediction)
        except asyncio.CancelledError:  # the client left: stop paying for the run
            self._abandon(ctx, session)
            raise
        if isinstance(result, AttemptFailure):
            self._abandon(ctx, session)
        return result

    def _headers(self, channel: ChannelInfo) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}", **channel.header_override}

    def _prediction_url(self, channel: ChannelInfo, suffix: str = "") -> str:
        return f"{channel.effective_base_url}/v1/predictions/{quote(str(self.prediction.get('id')), safe='')}{suffix}"

    async def _read_prediction(self, ctx: RelayContext, response: aiohttp.ClientResponse):
        channel_id = ctx.channel.id
        try:
            body = await _read_limited(response, MAX_PREDICTION_BYTES, ctx.settings["STREAMING_TIMEOUT"] or None)
        except TimeoutError:
            return AttemptFailure(channel_id, "timed out reading the prediction")
        except (aiohttp.ClientError, OSError) as exc:
            return AttemptFailure(channel_id, f"upstream answer broke off: {type(exc).__name__}")
        finally:
            response.release()
        prediction = json_or_none(body) if body is not None else None
        if not isinstance(prediction, dict) or not prediction.get("id"):
            return AttemptFailure(channel_id, "upstream answered with something that is not a prediction", 200,
                                  (body or b"")[:MAX_ERROR_BYTES], response.headers.get("Content-Type", ""))
        self.prediction = prediction
        return prediction

    async def _refused(self, ctx: RelayContext, response: aiohttp.ClientResponse) -> AttemptFailure:
        """An error answer (problem+json mapped to OpenAI's envelope), classified like any other."""
        try:
            body = await _read_limited(response, MAX_ERROR_BYTES, 30, truncate=True) or b""
        except (aiohttp.ClientError, TimeoutError, OSError):
            body = b""
        finally:
            response.release()
        content_type, wire = response.headers.get("Content-Type", ""), self.wire
        problem = json_or_none(body)
        if isinstance(problem, dict) and ("title" in problem or "detail" in problem):
            body, content_type, wire = problem_to_openai(response.status, problem), "application/json", "openai"
        keywords = [k for k in ctx.settings["AUTOMATIC_DISABLE_KEYWORDS"].splitlines() if k.strip()]
        return classify(ctx.channel.id, response.status, body, content_type, keywords, wire)

    async def _get(self, ctx: RelayContext, session: aiohttp.ClientSession, url: str, headers: dict,
                   timeout: float | None, what: str, **options):
        """GET url: the response (status < 400), or an AttemptFailure."""
        try:
            async with asyncio.timeout(timeout):
                response = await session.get(url, headers=headers, **options)
        except TimeoutError:
            return AttemptFailure(ctx.channel.id, f"timed out {what}")
        except (aiohttp.ClientError, OSError) as exc:
            return AttemptFailure(ctx.channel.id, f"cannot reach the upstream {what}: {type(exc).__name__}")
        if response.status >= 300:
            return await self._refused(ctx, response)
        return response

    async def _finish(self, ctx: RelayContext, session: aiohttp.ClientSession, prediction: dict):
        """Poll until the prediction ends, fetch its files if the client wants bytes: a Finished answer."""
        channel, limit = ctx.channel, ctx.settings["RELAY_TIMEOUT"] or DEFAULT_DEADLINE
        deadline = time.monotonic() + limit
        while prediction.get("status") not in TERMINAL:
            if time.monotonic() + POLL_INTERVAL >= deadline:
                return AttemptFailure(channel.id, f"timed out: the prediction was still {prediction.get('status')} "
                                                  f"after {limit} s")
            await asyncio.sleep(POLL_INTERVAL)
            response = await self._get(ctx, session, self._prediction_url(channel), self._headers(channel),
                                       max(deadline - time.monotonic(), 1), "polling the prediction",
                                       allow_redirects=False)
            if isinstance(response, AttemptFailure):
                return response
            prediction = await self._read_prediction(ctx, response)
            if isinstance(prediction, AttemptFailure):
                return prediction
        if prediction["status"] != "succeeded":
            return self._unsuccessful(ctx, prediction)
        if ctx.endpoint.name == "images" and ctx.request.body.get("response_format") == "b64_json":
            files = await self._download(ctx, session, output_files(prediction), deadline)
            if isinstance(files, AttemptFailure):
                return files
            self.files = files
        return Finished(orjson.dumps(prediction))

    def _unsuccessful(self, ctx: RelayContext, prediction: dict) -> AttemptFailure:
        status, error = prediction.get("status"), prediction.get("error")
        detail = error if isinstance(error, str) else orjson.dumps(error).decode() if error else ""
        if status == "failed":
            message, code = f"the model run failed: {detail or 'Replicate gave no reason'}", "prediction_failed"
        else:
            message, code = f"the prediction was {status}" + (f": {detail}" if detail else ""), f"prediction_{status}"
        return AttemptFailure(ctx.channel.id, message, 502, openai_error(message, code), "application/json",
                              retryable=False, wire="openai")

    async def _download(self, ctx: RelayContext, session: aiohttp.ClientSession, urls: list[str],
                        deadline: float) -> list[bytes] | AttemptFailure:
        """The bytes of every output file, for b64_json.

        data: URLs are decoded; http(s) ones are fetched through gateway.outbound (an answer names them,
        so they are untrusted: no private/loopback/metadata target, every redirect hop checked), at most
        MAX_IMAGE_BYTES each, without the channel's key.
        """
        channel_id, files = ctx.channel.id, []
        for url in urls:
            if url.startswith("data:"):
                data = data_url_bytes(url)
                if data is None:
                    return AttemptFailure(channel_id, "an output file is a malformed data: URL", retryable=False)
                files.append(data)
                continue
            if urlsplit(url).scheme not in ("http", "https"):
                return AttemptFailure(channel_id, "an output file is not an http(s) URL", retryable=False)
            policy = OutboundPolicy.from_settings(ctx.settings, max_bytes=MAX_IMAGE_BYTES,
                                                  timeout=max(deadline - time.monotonic(), 1))
            try:
                data = (await outbound.fetch(url, policy)).body
            except OutboundError as exc:  # not retryable: the run is paid for, another channel would pay again
                return AttemptFailure(channel_id, f"fetching an output image failed: {exc}", retryable=False)
            files.append(data)
        return files

    async def _open_stream(self, ctx: RelayContext, session: aiohttp.ClientSession, prediction: dict):
        channel = ctx.channel
        url = (prediction.get("urls") or {}).get("stream")
        if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
            message = f"the model {ctx.upstream_model} cannot stream on Replicate; ask without stream"
            return AttemptFailure(channel.id, message, 400, openai_error(message, "stream_not_supported",
                                                                         "invalid_request_error"),
                                  "application/json", retryable=False, wire="openai")
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self._trusted(channel, url):
            headers.update(self._headers(channel))
        return await self._get(ctx, session, url, headers, ctx.settings["FIRST_BYTE_TIMEOUT"] or None,
                               "opening the prediction's stream", allow_redirects=False)

    @staticmethod
    def _trusted(channel: ChannelInfo, url: str) -> bool:
        """May the channel's key go to this host? The channel's own host and Replicate's."""
        host = (urlsplit(url).hostname or "").lower()
        own = (urlsplit(channel.effective_base_url).hostname or "").lower()
        return host == own or host == "replicate.com" or host.endswith((".replicate.com", ".replicate.net"))

    def _abandon(self, ctx: RelayContext, session: aiohttp.ClientSession) -> None:
        """Cancel a prediction still running that nobody will read (in the background, best effort)."""
        if not self.prediction.get("id") or self.prediction.get("status") in TERMINAL:
            return
        url, headers, request_id = self._prediction_url(ctx.channel, "/cancel"), self._headers(ctx.channel), \
            ctx.request_id

        async def cancel() -> None:
            try:
                async with asyncio.timeout(10):
                    async with session.post(url, headers=headers, allow_redirects=False) as response:
                        await response.read()
            except (aiohttp.ClientError, TimeoutError, OSError, RuntimeError) as exc:  # RuntimeError: closed session
                log.info("request %s: could not cancel the prediction: %s", request_id, type(exc).__name__)
        task = asyncio.get_running_loop().create_task(cancel())
        _background.add(task)
        task.add_done_callback(_background.discard)

    # -- the answer --

    def plain(self, ctx: RelayContext, body: bytes, content_type: str) -> Plain | None:
        """OpenAI's answer from a finished prediction; None when it is not one."""
        prediction = json_or_none(body)
        if not isinstance(prediction, dict):
            return None
        if ctx.endpoint.name == "images":
            return self._image_answer(ctx, prediction)
        return self._chat_answer(ctx, prediction)

    def _image_answer(self, ctx: RelayContext, prediction: dict) -> Plain:
        if ctx.request.body.get("response_format") == "b64_json":
            data = [{"b64_json": base64.b64encode(file).decode()} for file in self.files]
        else:
            data = [{"url": url} for url in output_files(prediction)]
        answer = {"created": int(time.time()), "data": data}
        return Plain(orjson.dumps(answer), "application/json", None, "", has_content=bool(data), units=len(data))

    def _chat_answer(self, ctx: RelayContext, prediction: dict) -> Plain:
        text, model = output_text(prediction.get("output")), ctx.request.model
        usage = token_usage(prediction.get("metrics"))
        if usage is not None:
            prompt, completion = usage.prompt_tokens, usage.completion_tokens
        else:  # the same count the billing makes
            prompt = count_request_input("chat", ctx.request.body, model)
            completion = count_completion(text, model) if text else 0
        limit = max_tokens(ctx.request.body)
        answer = {
            "id": f"chatcmpl-{prediction.get('id')}", "object": "chat.completion", "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                         "finish_reason": "length" if limit is not None and completion >= limit else "stop"}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
        }
        return Plain(orjson.dumps(answer), "application/json", usage, text, has_content=bool(text))

    def stream(self, ctx: RelayContext, local_usage) -> "ReplicateStream":
        return ReplicateStream(ctx, local_usage)
