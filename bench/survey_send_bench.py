"""Survey e-mails through the messaging sender (issue 14, "Measured"): --messages personalised survey invitations
(each with the buyer's name and a personal signed link) sent by `shopcx.messaging.sender.send_due` to a local
aiosmtpd server, beside raw `smtplib` sending the same prepared messages over one connection.

The SMTP server runs in its own process (so it does not share the sender's GIL) and counts what it accepted.
The sender's figure covers claiming the batches (the rights, quiet-hour and cap checks), building each e-mail
(tracked links, unsubscribe headers) and recording the outcomes; queueing is timed separately. Target (issue 14):
the sender at ≥ 50% of raw smtplib.

    .venv/bin/python bench/survey_send_bench.py [--messages 10000] [--batch 500] [--database-url URL]

Prints a table and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def serve(port: int) -> None:
    """The SMTP server process: accept and count messages; print the count on SIGTERM."""
    from aiosmtpd.controller import Controller

    class Counter:
        count = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            Counter.count += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)

    def stop(*_):
        controller.stop()
        print(Counter.count, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    asyncio.run(asyncio.sleep(10 ** 6))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self):
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port)],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        return int(out.strip().splitlines()[-1])


def setup(url: str, n: int):
    """A migrated database with one shop (no quiet hours, no caps), n buyers with e-mail consent, and a published
    CSAT survey."""
    from sqlalchemy import insert

    from shopcx import domains
    from shopcx.core import clock, db
    from shopcx.core.migrate import upgrade
    from shopcx.customers.models import Customer, CustomerConsent, CustomerIdentity
    from shopcx.messaging import service as messaging
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM
    from shopcx.surveys import service as surveys

    domains.install()
    engine = db.configure(url)
    upgrade(engine)
    now = clock.now()
    with db.session_scope() as session:
        shop = shops.create_shop(session, code="bench", name="青竹茶庄", platform="taobao")
        messaging.update_settings(session, shop.id, {"quiet_start": "00:00", "quiet_end": "00:00", "cap_day": 0,
                                                     "cap_week": 0, "cap_month": 0}, actor=SYSTEM)
        survey = surveys.create_from_preset(session, shop.id, "csat_delivery", code="csat", actor=SYSTEM)
        surveys.publish(session, survey, actor=SYSTEM)
        session.execute(insert(Customer), [{"id": i, "name": f"买家{i:05d}", "email": f"buyer{i}@example.com",
                                            "gender": "unknown", "preferences": {}, "created_at": now,
                                            "updated_at": now} for i in range(1, n + 1)])
        session.execute(insert(CustomerIdentity), [{"customer_id": i, "shop_id": shop.id, "source": "taobao",
                                                    "external_id": f"tb{i}", "created_at": now}
                                                   for i in range(1, n + 1)])
        session.execute(insert(CustomerConsent), [{"customer_id": i, "channel": "email", "granted": True,
                                                   "source": "bench", "changed_at": now} for i in range(1, n + 1)])
        return shop.id, survey.id


def queue_all(shop_id: int, survey_id: int, n: int) -> float:
    """Personal links and one queued e-mail per buyer; returns the seconds it took."""
    from shopcx.core import db
    from shopcx.messaging import service as messaging
    from shopcx.messaging.service import Draft
    from shopcx.staff.service import SYSTEM
    from shopcx.surveys import service as surveys

    started = time.perf_counter()
    with db.session_scope() as session:
        survey = surveys.get_survey(session, [shop_id], survey_id)
        links, _ = surveys.invite(session, survey, list(range(1, n + 1)), wave="bench", channel="email",
                                  actor=SYSTEM)
        messaging.queue_messages(session, [Draft(
            shop_id, link.customer_id, "survey", f"invitation-{link.invitation_id}", "email",
            f"{link.customer_name}，您好！感谢您在青竹茶庄购物。请花一分钟告诉我们这次的体验：\n"
            f"https://shop.example.com/s/{link.token}\n链接 30 天内有效。",
            subject=f"{link.customer_name}，您对这次购物满意吗？", ref_type="survey_invitation",
            ref_id=link.invitation_id) for link in links])
    return time.perf_counter() - started


def prepared_messages() -> list[tuple[str, bytes]]:
    """The same e-mails, prepared once (tracked links, headers) for raw smtplib."""
    from sqlalchemy import select

    from shopcx.core import db
    from shopcx.messaging.channels.smtp import build_email
    from shopcx.messaging.config import get_messaging_settings
    from shopcx.messaging.models import Message
    from shopcx.messaging.sender import _prepare

    sender = get_messaging_settings().smtp_from
    with db.session_scope() as session:
        return [(m.address, build_email(_prepare(m), sender))
                for m in session.scalars(select(Message).order_by(Message.id))]


def raw_send(port: int, prepared: list[tuple[str, bytes]]) -> float:
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    smtp.ehlo()
    for address, data in prepared:
        smtp.sendmail("shop@example.com", [address], data)
    smtp.quit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    n = args.messages
    workdir = Path(tempfile.mkdtemp(prefix="shopcx-send-bench-"))
    os.environ.setdefault("SHOPCX_DATA_DIR", str(workdir))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"

    from shopcx.messaging.config import get_messaging_settings
    from shopcx.messaging.sender import send_due

    shop_id, survey_id = setup(url, n)
    queue_seconds = queue_all(shop_id, survey_id, n)

    ours_server = Server()
    settings = get_messaging_settings()
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", ours_server.port, False
    settings.smtp_from = "青竹茶庄 <shop@example.com>"
    try:
        started = time.perf_counter()
        report = send_due(batch=args.batch)
        ours_seconds = time.perf_counter() - started
    finally:
        ours_received = ours_server.stop()
    if report.sent != n:
        print(f"the sender did not send everything: {report}", file=sys.stderr)

    prepared = prepared_messages()
    raw_server = Server()
    try:
        raw_seconds = raw_send(raw_server.port, prepared)
    finally:
        raw_received = raw_server.stop()

    ours_rate, raw_rate = n / ours_seconds, n / raw_seconds
    ratio = ours_rate / raw_rate
    backend = url.split(":", 1)[0]
    print(f"{'':34}{'messages':>10}{'seconds':>10}{'msg/s':>10}")
    print(f"{'queue (links + messages, ' + backend + ')':34}{n:>10,}{queue_seconds:>10.2f}{n / queue_seconds:>10,.0f}")
    print(f"{'sender -> aiosmtpd':34}{report.sent:>10,}{ours_seconds:>10.2f}{ours_rate:>10,.0f}")
    print(f"{'raw smtplib -> aiosmtpd':34}{len(prepared):>10,}{raw_seconds:>10.2f}{raw_rate:>10,.0f}")
    print(f"sender / raw = {ratio:.0%} (target >= 50%); server accepted {ours_received:,} and {raw_received:,}")
    print(json.dumps({"messages": n, "backend": backend, "queue_s": round(queue_seconds, 3),
                      "sender_s": round(ours_seconds, 3), "sender_per_s": round(ours_rate, 1),
                      "raw_s": round(raw_seconds, 3), "raw_per_s": round(raw_rate, 1), "ratio": round(ratio, 3),
                      "sent": report.sent, "server_received": [ours_received, raw_received]}))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        main()
