"""A tiny vendor account API on 127.0.0.1: model lists and balance endpoints with canned JSON answers.

`answer(path, body, status)` sets what a GET of `path` returns (a Gemini-style next page is the
path plus `?pageToken=<token>`); every request is kept in
`requests` (path, query, lower-cased headers) so tests can check how the key was sent.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Seen:
    path: str
    query: dict
    headers: dict


class VendorAdmin:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        self.requests: list[Seen] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                parts = urlsplit(self.path)
                fake.requests.append(Seen(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                          {k.lower(): v for k, v in self.headers.items()}))
                query = parse_qs(parts.query)
                route = parts.path + ("?pageToken=" + query["pageToken"][0] if "pageToken" in query else "")
                status, body = fake.routes.get(route, (404, b'{"error": {"message": "no such route"}}'))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="vendor-admin", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, path: str, body: dict | str, status: int = 200) -> "VendorAdmin":
        self.routes[path] = (status, body.encode() if isinstance(body, str) else json.dumps(body).encode())
        return self

    def start(self) -> "VendorAdmin":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
