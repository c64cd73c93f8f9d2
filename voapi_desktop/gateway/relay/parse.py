"""Read and validate an incoming request body: every refusal names what to fix."""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from ..errors import BadRequest, UnsupportedMediaType
from .endpoints import Endpoint

# Fields a client might use to steer the gateway's own upstream call (CVE-2024-6587).
ROUTING_FIELDS = ("api_base", "base_url", "api_key", "api_version", "extra_headers", "organization")
MAX_MESSAGES = 10_000
MAX_DEPTH = 254  # JSON nesting levels orjson can write back
TOO_DEEP = f"the request body is nested too deeply (at most {MAX_DEPTH} levels of objects and lists)"


@dataclass
class Upload:
    name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class ParsedRequest:
    model: str
    stream: bool
    body: dict  # JSON body, or the multipart text fields
    files: list[Upload] = field(default_factory=list)
    size: int = 0  # bytes of the request body, for deciding how to count its tokens
    action: str = ""  # Gemini-native requests: generateContent, streamGenerateContent, embedContent, ...

    @property
    def client_wants_usage(self) -> bool:
        """Did the client ask for the usage chunk of a stream?"""
        options = self.body.get("stream_options")
        return isinstance(options, dict) and options.get("include_usage") is True


def parse_json_body(raw: bytes, content_type: str) -> dict:
    """The body as a JSON object, or a 400/415 that says what is wrong."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime != "application/json" and not mime.endswith("+json"):
        raise UnsupportedMediaType(f"send the body as JSON with 'Content-Type: application/json' "
                                   f"(got {mime or 'no content type'!r})")
    if not raw.strip():
        raise BadRequest("the request body is empty; send a JSON object")
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(_json_error(raw, str(exc))) from None
    except RecursionError:
        raise BadRequest(TOO_DEEP) from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    # orjson reads up to 1024 levels but writes at most 254: refuse what could not be forwarded.
    if raw.count(b"[") + raw.count(b"{") >= MAX_DEPTH:
        try:
            orjson.dumps(body)
        except orjson.JSONEncodeError:
            raise BadRequest(TOO_DEEP) from None
    return body


def _json_error(raw: bytes, reason: str) -> str:
    if "depth limit" in reason:
        return TOO_DEEP
    if "UTF-8" in reason:
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return (f"the request body is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                    "send JSON text encoded as UTF-8")
    return f"the request body is not valid JSON: {reason}"


def _model(body: dict, endpoint: Endpoint) -> str:
    model = body.get("model")
    if model is None or model == "":
        model = endpoint.default_model
    if model == "":
        raise BadRequest("'model' is required", param="model")
    if not isinstance(model, str) or len(model) > 255 or not model.strip():
        raise BadRequest("'model' must be a model name (a non-empty string of at most 255 characters)",
                         param="model")
    return model.strip()


def _check_positive_int(body: dict, name: str) -> None:
    if name not in body or body[name] is None:
        return
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"'{name}' must be an integer, got {orjson.dumps(value).decode()[:40]}", param=name)
    if value < 1:
        raise BadRequest(f"'{name}' must be at least 1, got {value}", param=name)
    if value > 2**31 - 1:
        raise BadRequest(f"'{name}' is too large: {value}", param=name)


def _check_messages(body: dict) -> None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise BadRequest("'messages' must be a list of message objects", param="messages")
    if not messages:
        raise BadRequest("'messages' must not be empty", param="messages")
    if len(messages) > MAX_MESSAGES:
        raise BadRequest(f"'messages' has more than {MAX_MESSAGES} entries", param="messages")
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest(f"messages[{index}] must be an object with a string 'role'", param="messages")


def validate(body: dict, endpoint: Endpoint) -> ParsedRequest:
    """Check the fields the relay relies on and drop client routing fields."""
    for name in ROUTING_FIELDS:
        body.pop(name, None)
    model = _model(body, endpoint)
    for name in endpoint.required:
        if body.get(name) is None:
            raise BadRequest(f"'{name}' is required", param=name)
        if body[name] in ("", []):
            raise BadRequest(f"'{name}' must not be empty", param=name)
    if endpoint.name in ("chat", "messages"):
        _check_messages(body)
    for name in ("max_tokens", "max_completion_tokens", "max_output_tokens", "n"):
        _check_positive_int(body, name)
    stream = body.get("stream", False)
    if stream is None:
        stream = False
    if not isinstance(stream, bool):
        raise BadRequest("'stream' must be true or false", param="stream")
    if stream and not endpoint.can_stream:
        raise BadRequest(f"streaming is not supported on {endpoint.path}", param="stream")
    body["model"] = model
    return ParsedRequest(model=model, stream=stream, body=body)


def check_generation_config(body: dict) -> None:
    """A Gemini body's token limit and candidate count, held to the rule of max_tokens and n (Gemini takes
    snake_case names too). Zero would come back as an empty reply, which is no fault of the upstream's."""
    config = body.get("generationConfig", body.get("generation_config"))
    if not isinstance(config, dict):
        return
    for name in ("maxOutputTokens", "max_output_tokens", "candidateCount", "candidate_count"):
        _check_positive_int(config, name)


def validate_multipart(fields: dict[str, str], files: list[Upload], endpoint: Endpoint) -> ParsedRequest:
    """Check a multipart upload (image edits, transcriptions)."""
    for name in ROUTING_FIELDS:
        fields.pop(name, None)
    model = _model(fields, endpoint)
    # A list of files arrives as repeated `name[]` parts (the openai SDK's image edits with several images).
    present = set(fields) | {upload.name.removesuffix("[]") for upload in files}
    for name in endpoint.required:
        if name not in present or (name in fields and not fields[name]):
            raise BadRequest(f"'{name}' is required", param=name)
    fields["model"] = model
    return ParsedRequest(model=model, stream=False, body=fields, files=files)


def translated(convert, *args):
    """Run a dialect translator on client input: a shape it cannot read is the client's 400, not a 500."""
    try:
        return convert(*args)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
        raise BadRequest("the request body has a field of an unexpected type or shape; check it against the "
                         f"API reference ({type(exc).__name__}: {str(exc)[:120]})") from None
