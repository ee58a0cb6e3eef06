"""A real local SMTP server (aiosmtpd) and a local HTTP provider on free ports, customers with consent, and the
messaging settings pointed at them for one test."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller

from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.messaging.config import get_messaging_settings

from ..factories import make_shop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """The aiosmtpd handler: keeps every accepted message; `answers` are SMTP replies to give instead of 250 to
    the next DATA commands (e.g. a 451 temporary failure), `refuse` addresses get a 550 at RCPT."""

    def __init__(self):
        self.received: list = []
        self.answers: list[str] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.answers:
                return self.answers.pop(0)
            self.received.append((envelope.rcpt_tos[0], message_from_bytes(envelope.content,
                                                                            policy=default_policy)))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for rcpt, m in self.received if rcpt == address]


class SmtpServer:
    """An aiosmtpd server that can be stopped and started again on the same port (a server going away)."""

    def __init__(self):
        self.port = free_port()
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def configured(smtp_server):
    """The messaging settings pointed at the local SMTP server for this test only."""
    settings = get_messaging_settings()
    saved = settings.model_dump()
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", smtp_server.port, False
    settings.smtp_user, settings.smtp_from, settings.smtp_timeout = "", "青竹茶庄 <shop@example.com>", 5.0
    settings.public_url = "https://cx.example.com"
    yield settings
    for name, value in saved.items():
        setattr(settings, name, value)


class Provider(http.server.BaseHTTPRequestHandler):
    """A local HTTP provider: answers each POST with the next of `codes` (default 200), or sleeps `delay` and then
    drops the request unrecorded (a gateway that gave up), so a slow test machine never counts it as delivered."""

    codes: list[int] = []
    delay = 0.0
    bodies: list[tuple[dict, dict]] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        length = int(self.headers.get("Content-Length", 0))
        raw = self.rfile.read(length)
        cls = type(self)
        if cls.delay:
            time.sleep(cls.delay)
            self.send_response(504)
            self.end_headers()
            return
        code = cls.codes.pop(0) if cls.codes else 200
        if code == 200:
            headers = {k.lower(): v for k, v in self.headers.items()}
            cls.bodies.append((headers, {**json.loads(raw), "_raw": raw.decode()}))
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"ok": true}' if code == 200 else b'{"error": "number not valid"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def http_provider():
    """A local SMS provider on a free port (codes/delay set per test)."""
    handler = type("TestProvider", (Provider,), {"codes": [], "delay": 0.0, "bodies": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings = get_messaging_settings()
    saved = (settings.sms_url, settings.sms_secret, settings.provider_timeout)
    settings.sms_url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.sms_secret, settings.provider_timeout = "provider-secret", 0.5
    yield handler
    settings.sms_url, settings.sms_secret, settings.provider_timeout = saved
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(session):
    return make_shop(session, code="msg", name="青竹茶庄", timezone="Asia/Shanghai")


@pytest.fixture
def make_buyer(session, shop):
    def make(n: int, *, consent: bool | None = True, source: str = "taobao", phone: str | None = None, **more):
        data = {"source": source, "external_id": f"b{n}", "name": f"买家{n}", "email": f"buyer{n}@example.com",
                "phone": phone} | more
        if consent is not None:
            data["consents"] = {"email": consent, "sms": consent, "phone": consent}
        customer, _ = customers.upsert_customer(session, CustomerIn(**data), shop_id=shop.id, actor=None)
        return customer

    return make
