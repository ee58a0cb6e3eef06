"""`shopcx serve` says "Open http://…/" only once the server accepts connections (issue 13, item 7)."""

from __future__ import annotations

import socket
import threading
import time

from shopcx.web.cli import announce_when_ready


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_address_is_announced_when_the_port_accepts_connections_not_before():
    port = _free_port()
    said: list[tuple[float, str]] = []
    watcher = announce_when_ready("0.0.0.0", port, timeout=20,  # noqa: S104 (what `serve --host 0.0.0.0` gives)
                                  echo=lambda text, flush=False: said.append((time.monotonic(), text)))
    time.sleep(1.0)
    assert said == []  # nothing listens yet: nothing is announced
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    listening_at = time.monotonic()
    server.listen()
    accept = threading.Thread(target=lambda: server.accept()[0].close(), daemon=True)
    accept.start()
    watcher.join(timeout=10)
    server.close()
    assert len(said) == 1
    at, text = said[0]
    assert at >= listening_at and text.startswith(f"Open http://127.0.0.1:{port}/")
