"""A fake Epay (易支付) gateway on 127.0.0.1: `/submit.php` checks the merchant's signature, "takes
the payment" and calls the order's notify_url with a correctly signed TRADE_SUCCESS notice, as a
real gateway does. Tests read what the notify answered and can replay or forge notices.

`FakeEpay(notify_times=2)` sends each payment's notice twice (a gateway retrying); with
`send_back=True` the submit page then sends the browser to the order's return_url with the signed
notice in the query (302), as a real payment page does once paid, instead of answering plain text.
"""

from __future__ import annotations

import hashlib
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

PID, KEY = "1001", "merchant-secret-key"


def md5_sign(params: dict[str, str], key: str) -> str:
    """The gateway's own signing code (written apart from the gateway's, so each checks the other)."""
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("sign", "sign_type") and params[k])
    return hashlib.md5((text + key).encode()).hexdigest()


class FakeEpay:
    def __init__(self, key: str = KEY, *, notify_times: int = 1, send_back: bool = False):
        self.key = key
        self.notify_times = notify_times
        self.send_back = send_back
        self.notices: list[tuple[dict, int, str]] = []  # (params sent, status answered, body answered)
        self._numbers = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-epay", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeEpay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def notice(self, order: dict, key: str | None = None, **changes) -> dict[str, str]:
        """The signed notice for a submitted order (`changes` applied before signing)."""
        params = {"pid": order["pid"], "trade_no": f"EP{next(self._numbers):08d}",
                  "out_trade_no": order["out_trade_no"], "type": order["type"], "name": order["name"],
                  "money": order["money"], "trade_status": "TRADE_SUCCESS", **changes}
        return {**params, "sign": md5_sign(params, self.key if key is None else key), "sign_type": "MD5"}

    def send(self, notify_url: str, params: dict[str, str], method: str = "GET") -> httpx.Response:
        if method == "GET":
            answer = httpx.get(notify_url, params=params, timeout=10)
        else:
            answer = httpx.post(notify_url, data=params, timeout=10)
        self.notices.append((params, answer.status_code, answer.text))
        return answer

    def _submit(self, query: dict[str, str]) -> tuple[int, str, dict[str, str]]:
        if query.get("pid") != PID or query.get("sign") != md5_sign(query, self.key):
            return 400, "bad signature from the merchant", {}
        notice = self.notice(query)
        for _ in range(self.notify_times):
            answer = self.send(query["notify_url"], notice)
        if self.send_back and query.get("return_url"):
            separator = "&" if "?" in query["return_url"] else "?"
            return 302, "paid", {"Location": query["return_url"] + separator + urlencode(notice)}
        return 200, f"paid; the merchant answered {answer.text}", {}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                parts = urlsplit(self.path)
                status, text, headers = (fake._submit(dict(parse_qsl(parts.query))) if parts.path == "/submit.php"
                                         else (404, "not found", {}))
                body = text.encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass
        return Handler
