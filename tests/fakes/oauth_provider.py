"""A local fake OAuth2 provider speaking GitHub's and LinuxDO's token and user endpoints.

The browser's trip to the authorize page is simulated: ``authorize(account)`` hands out a
one-use code for that account, which the test passes to the gateway's callback. The token
endpoints (``POST /login/oauth/access_token`` GitHub-style: client credentials in the form,
errors as HTTP 200 ``{"error": ...}``; ``POST /oauth2/token`` LinuxDO-style: HTTP Basic,
errors as 400) and the user endpoints (``GET /user``, ``GET /api/user``: Bearer token) are
real HTTP on 127.0.0.1. ``fail_with`` makes the next calls answer an HTML error page.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CLIENT_ID, CLIENT_SECRET = "client-id", "client-secret"


class FakeOAuthProvider:
    def __init__(self) -> None:
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.requests: list[dict] = []  # method, path, headers, form
        self.fail_with: int | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-oauth", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> "FakeOAuthProvider":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def authorize(self, account: dict) -> str:
        """What the provider's authorize page does when the user agrees: a one-use code."""
        code = secrets.token_hex(8)
        self.codes[code] = account
        return code

    def exchange(self, form: dict, authorization: str) -> tuple[int, dict]:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if authorization.startswith("Basic "):
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "client authentication failed"}
        account = self.codes.pop(form.get("code", ""), None)
        if account is None:
            return 200, {"error": "bad_verification_code",
                         "error_description": "The code passed is incorrect or expired."}
        token = secrets.token_hex(12)
        self.tokens[token] = account
        return 200, {"access_token": token, "token_type": "bearer", "scope": "read"}

    def account(self, authorization: str) -> tuple[int, dict]:
        account = self.tokens.get(authorization.removeprefix("Bearer ").strip())
        return (200, account) if account is not None else (401, {"message": "Bad credentials"})


def _handler(fake: FakeOAuthProvider):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _record(self, form: dict) -> bool:
            fake.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                  "form": form})
            if fake.fail_with is None:
                return False
            page = b"<html><body>Internal Server Error</body></html>"
            self.send_response(fake.fail_with)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)
            return True

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            form = {key: values[0] for key, values in parse_qs(raw).items()}
            if self._record(form):
                return
            if self.path not in ("/login/oauth/access_token", "/oauth2/token"):
                return self._answer(404, {"message": "Not Found"})
            status, body = fake.exchange(form, self.headers.get("Authorization", ""))
            if self.path == "/oauth2/token" and "error" in body:
                status = max(status, 400)  # LinuxDO answers errors with 4xx
            self._answer(status, body)

        def do_GET(self) -> None:
            if self._record({}):
                return
            if self.path not in ("/user", "/api/user"):
                return self._answer(404, {"message": "Not Found"})
            self._answer(*fake.account(self.headers.get("Authorization", "")))

    return Handler
