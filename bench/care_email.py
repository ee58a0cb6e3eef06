"""Personalised e-mails through care and messaging to a local aiosmtpd server, beside raw smtplib (issue 16,
"Measured"), for bench/care_bench.py --email N.

One shop with N / 0.9 customers who consented to e-mail (so about N are treated beside a 10% control group), a
template using the name, the tier line and the shop; quiet hours and caps off for the run. Timed separately:
(1) care: launch (the seeded draw, one bulk insert), then render every treated person's message in their language
and hand it to messaging's queue, in batches of 1,000, each its own transaction; (2) the messaging sender
(`messaging.sender.send_due`, the worker's job) over one SMTP connection to aiosmtpd; (3) raw smtplib sending the
same stored messages (text and HTML alternative) over one connection, with the same bytes building (`build_email`)
and no database. Resident
memory is sampled after each batch of (1) and (2): it should stay flat.
"""

from __future__ import annotations

import resource
import socket
import tempfile
import time
from pathlib import Path

from sqlalchemy import text


class _Counting:
    """aiosmtpd handler that accepts and counts every message (and keeps nothing)."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's hook name)
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def _populate(session, shop_id: int, n: int) -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, tzinfo=UTC)
    first = session.execute(text("SELECT coalesce(max(id), 0) + 1 FROM customer")).scalar()
    for start in range(0, n, 20_000):
        ids = range(first + start, first + min(n, start + 20_000))
        session.execute(text("INSERT INTO customer (id, name, email, gender, birthday_is_leap_month, preferences, "
                             "created_at, updated_at) VALUES (:id, :name, :email, 'unknown', false, :prefs, :now, "
                             ":now)"),
                        [{"id": i, "name": f"顾客{i}", "email": f"b{i}@example.test", "now": now,
                          "prefs": '{"language": "en"}' if i % 5 == 0 else "{}"} for i in ids])
        session.execute(text("INSERT INTO customer_identity (customer_id, shop_id, source, external_id, created_at) "
                             "VALUES (:id, :shop, 'taobao', :ext, :now)"),
                        [{"id": i, "shop": shop_id, "ext": f"b{i}", "now": now} for i in ids])
        session.execute(text("INSERT INTO customer_consent (customer_id, channel, granted, source, changed_at) "
                             "VALUES (:id, 'email', true, 'import', :now)"), [{"id": i, "now": now} for i in ids])


def run(n: int) -> dict:
    """The three timings, messages/s and memory, printed and returned."""
    from aiosmtpd.controller import Controller
    from bench.benchdb import Databases

    from shopcx.care import service as care
    from shopcx.care.service.delivery import messaging_deliverer
    from shopcx.care.service.sending import send_due as care_send_due
    from shopcx.core import db
    from shopcx.messaging import sender
    from shopcx.messaging import service as messaging
    from shopcx.messaging.channels.base import Outgoing
    from shopcx.messaging.channels.smtp import build_email
    from shopcx.messaging.config import get_messaging_settings
    from shopcx.shops import service as shops
    from shopcx.staff.service import SYSTEM

    handler = _Counting()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings = get_messaging_settings()
    settings.smtp_host, settings.smtp_port, settings.smtp_starttls = "127.0.0.1", port, False
    settings.send_batch = 1000
    people = int(n / 0.9)
    memory: dict[str, list[float]] = {"care": [], "sender": []}
    with tempfile.TemporaryDirectory() as work:
        dbs = Databases(Path(work))
        try:
            db.configure(dbs.fresh("sqlite"))
            with db.session_scope() as session:
                shop = shops.create_shop(session, code="bench", name="小雅生活馆", platform="taobao")
                messaging.update_settings(session, shop.id, {"quiet_start": "00:00", "quiet_end": "00:00",
                                                             "cap_day": 0, "cap_week": 0, "cap_month": 0},
                                          actor=SYSTEM)
                _populate(session, shop.id, people)
                tpl = care.save_template(
                    session, shop.id, code="thanks", name="Thanks", subject_zh="{{ name }}，感谢您的支持",
                    body_zh="亲爱的{{ name }}：\n{{ shop }}感谢您一直以来的支持。"
                    "{% if tier %}您是{{ tier }}。{% endif %}",
                    subject_en="Thank you, {{ name }}", body_en="Dear {{ name }},\nthank you for shopping at "
                    "{{ shop }}.", actor=SYSTEM)
                campaign = care.save_campaign(session, shop, name="bench", audience={"channel": "email"},
                                              template_id=tpl.id, actor=SYSTEM, control_share=0.1)
                campaign_id = campaign.id
            start = time.perf_counter()
            with db.session_scope() as session:
                shop = shops.get_shop(session, "bench")
                launched = care.launch(session, shop, care.get_campaign(session, campaign_id), actor=SYSTEM)
            deliver = messaging_deliverer()
            handed = 0
            while True:
                with db.session_scope() as session:
                    got = care_send_due(session, deliver, limit=1000)
                if not got:
                    break
                handed += sum(got.values())
                memory["care"].append(_rss_mb())
            care_s = time.perf_counter() - start
            start = time.perf_counter()
            report = sender.send_due(batch=1000, on_progress=lambda done, total: memory["sender"].append(_rss_mb()))
            sender_s = time.perf_counter() - start
            received = handler.count
            with db.session_scope() as session:
                rows = session.execute(text("SELECT id, address, subject, body, html FROM message "
                                            "WHERE status = 'sent' ORDER BY id")).all()
        finally:
            dbs.drop()
    outgoing = [Outgoing(id=r[0], channel="email", address=r[1], subject=r[2], body=r[3], html=r[4]) for r in rows]
    import smtplib

    start = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port)
    for message in outgoing:
        smtp.sendmail("noreply@localhost", [message.address], build_email(message, settings.smtp_from))
    smtp.quit()
    raw_s = time.perf_counter() - start
    controller.stop()
    sent = report.sent
    result = {"emails": sent, "customers": people, "treated": launched["treatment"], "handed": handed,
              "received_by_smtp": received, "care_render_queue_s": round(care_s, 1), "sender_s": round(sender_s, 1),
              "raw_smtplib_s": round(raw_s, 1), "care_per_s": round(handed / care_s, 1),
              "sender_per_s": round(sent / sender_s, 1), "end_to_end_per_s": round(sent / (care_s + sender_s), 1),
              "raw_per_s": round(len(outgoing) / raw_s, 1),
              "sender_vs_raw": round((sent / sender_s) / (len(outgoing) / raw_s), 3),
              "end_to_end_vs_raw": round((sent / (care_s + sender_s)) / (len(outgoing) / raw_s), 3),
              "rss_mb_care": [round(min(memory["care"]), 1), round(max(memory["care"]), 1)] if memory["care"] else None,
              "rss_mb_sender": [round(min(memory["sender"]), 1), round(max(memory["sender"]), 1)]
              if memory["sender"] else None}
    print(f"e-mail: {sent:,} personalised e-mails ({people:,} customers, 10% control) to aiosmtpd; "
          f"received {received:,}")
    print(f"  care render + queue {care_s:.1f} s ({result['care_per_s']:,}/s), sender {sender_s:.1f} s "
          f"({result['sender_per_s']:,}/s), raw smtplib {raw_s:.1f} s ({result['raw_per_s']:,}/s)")
    print(f"  sender / raw = {result['sender_vs_raw']:.0%} (target ≥ 50%), end to end / raw = "
          f"{result['end_to_end_vs_raw']:.0%}; RSS care {result['rss_mb_care']} MB, "
          f"sender {result['rss_mb_sender']} MB")
    return result
