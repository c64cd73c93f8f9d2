"""Local mail sinks for tests: an SMTP server (aiosmtpd) and a Resend-like HTTP mail API, on 127.0.0.1."""

from __future__ import annotations

import email
import email.policy
import json
import queue
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


class _Handler:
    def __init__(self, inbox: queue.Queue):
        self.inbox = inbox

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.inbox.put(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


class SmtpSink:
    """A plain SMTP server; with `account`, it offers AUTH without TLS (as a server on localhost may)."""

    def __init__(self, account: tuple[str, str] | None = None):
        self.inbox: queue.Queue[Received] = queue.Queue()
        self.port = _free_port()
        options = {}
        if account:
            options = {"authenticator": self._authenticator(account), "auth_required": False,
                       "auth_require_tls": False}
        self._controller = Controller(_Handler(self.inbox), hostname="127.0.0.1", port=self.port, **options)

    @staticmethod
    def _authenticator(account: tuple[str, str]):
        def check(server, session, envelope, mechanism, auth_data):
            good = (auth_data.login.decode(), auth_data.password.decode()) == account
            return AuthResult(success=good, handled=False)
        return check

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def receive(self, timeout: float = 10.0) -> Received:
        return self.inbox.get(timeout=timeout)

    def settings(self) -> dict[str, str]:
        """Options that point the gateway at this sink."""
        return {"SMTP_SERVER": "127.0.0.1", "SMTP_PORT": str(self.port), "SMTP_SSL_ENABLED": "false",
                "SMTP_FROM": "noreply@example.com", "MAIL_PROVIDER": "smtp"}


class MailApiSink:
    """A Resend-like mail API: records each POST (headers and JSON body), answers `status`."""

    def __init__(self, status: int = 200, reply: bytes = b'{"id": "m-1"}'):
        self.requests: queue.Queue[tuple[dict, dict]] = queue.Queue()
        self.status, self.reply = status, reply
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's hook name
                length = int(self.headers.get("Content-Length", "0"))
                sink.requests.put((dict(self.headers), json.loads(self.rfile.read(length))))
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(sink.reply)))
                self.end_headers()
                self.wfile.write(sink.reply)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/emails"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> MailApiSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
