"""API lines: the operator's list of base URLs of this service (API_INFO), each with a probe URL
that a browser times (GET <base>/api/status, which the gateway answers to any origin)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chat_links import is_web_url
from .json_entries import text_fields

_API_SUFFIX = re.compile(r"(/v1(beta)?)?/*$")


@dataclass(frozen=True)
class ApiLine:
    name: str
    url: str
    description: str = ""

    @property
    def probe(self) -> str:
        """Where the latency test goes: the line's /api/status (a trailing /v1 is dropped)."""
        return _API_SUFFIX.sub("", self.url) + "/api/status"


def _line(number: int, entry: object) -> ApiLine:
    fields = text_fields(number, entry, {"name": 64, "url": 2048, "description": 1000})
    name, url, description = fields["name"], fields["url"], fields["description"]
    if not is_web_url(url):
        raise ValueError(f"entry {number}: 'url' must be an http(s) URL such as https://api.example.com")
    return ApiLine(name, url, description)


def parse_api_lines(value: object) -> list[ApiLine]:
    """The API_INFO setting as lines, or ValueError saying which entry is wrong and why."""
    if not isinstance(value, list):
        raise ValueError("a JSON list of {name, url, description} objects is expected")
    return [_line(number, entry) for number, entry in enumerate(value, 1)]


def check_api_lines(value: object) -> None:
    """Raise ValueError when the API_INFO setting has the wrong shape."""
    parse_api_lines(value)
