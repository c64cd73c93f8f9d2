"""The listening socket, and the error a taken port gives (light: the CLI imports it without the web stack)."""

from __future__ import annotations

import socket


class PortInUse(RuntimeError):
    """The port is taken; the message says what to do."""


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortInUse(f"cannot listen on {host}:{port} ({exc.strerror}); stop the program using it "
                        "or choose another port with --port") from exc
    sock.listen(1024)
    sock.setblocking(False)
    return sock
