"""Outgoing desk webhooks, end to end on both backends: desk events go through the outbox to a real local HTTP
server (a thread running http.server on 127.0.0.1) that checks each signature itself; a 500 is tried again after
the backoff with the same event id and body; an outbox event handled twice is delivered once; the payload shows
contacts as the API shows them to a token with the same rights."""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from shopcx.core import clock, jobs
from shopcx.core.errors import PermissionDenied
from shopcx.core.events import OutboxEvent
from shopcx.desk import service as desk
from shopcx.desk.service import ladder, promises
from shopcx.desk.webhooks import delivery, service
from shopcx.desk.webhooks.tables import DeskWebhookDelivery
from shopcx.staff.service import Actor

from ..factories import make_order, make_shop
from .factories import person

THU = datetime(2026, 3, 5, 2, 0, tzinfo=UTC)  # Thu 5 Mar 2026 10:00 in Shanghai
MANAGER = Actor(label="经理", role="manager")
SECRET = "receiver-secret-0123456789"


class Receiver(http.server.BaseHTTPRequestHandler):
    """Checks X-ShopCX-Signature the way a receiver would (HMAC-SHA256 of "<timestamp>.<body>" under the shared
    secret), keeps every request, and answers with the next of `codes` (default 200)."""

    codes: list[int] = []
    got: list[dict] = []

    def do_POST(self):  # noqa: N802 (http.server's name)
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        stamp = self.headers.get("X-ShopCX-Timestamp", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
        cls = type(self)
        cls.got.append({"valid": hmac.compare_digest(expected, self.headers.get("X-ShopCX-Signature", "")),
                        "event": self.headers.get("X-ShopCX-Event"), "id": self.headers.get("X-ShopCX-Event-Id"),
                        "stamp": stamp, "raw": raw, "body": json.loads(raw)})
        self.send_response(cls.codes.pop(0) if cls.codes else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):  # keep the test output quiet
        pass


@pytest.fixture
def receiver():
    Receiver.codes, Receiver.got = [], []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/desk", Receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="wh1", name="推送店")
    make_order(session, shop, external_id="TB8801", customer={"source": "taobao", "external_id": "wb1", "name": "甲"})
    session.flush()
    return shop


def subscribe(session, shop, url, events=service.EVENTS, **options):
    row, secret = service.save_subscription(session, shop, url=url, events=list(events), secret=SECRET,
                                            actor=MANAGER, **options)
    session.flush()
    return row


def dispatch(session):
    session.flush()
    jobs.dispatch_outbox()
    session.expire_all()


def test_desk_events_reach_the_receiver_signed_in_order_with_contacts_masked(session, shop, receiver):
    url, got = receiver
    subscribe(session, shop, url)
    agent = person(session, "agent", "wh-agent")
    with clock.frozen_at(THU):
        ticket = desk.create_ticket(session, shop, channel="phone", subject="来电 13800138000 杯盖漏水",
                                    body="买家电话 13800138000：杯盖漏水", order="TB8801", actor=MANAGER)
        desk.add_message(session, ticket, "reply", "您好，已安排换货，请留意物流。", actor=MANAGER)
        desk.transition(session, ticket, "resolved", root_cause="密封圈批次", actor=MANAGER)
        desk.transition(session, ticket, "reopened", actor=MANAGER)
        desk.transition(session, ticket, "resolved", actor=MANAGER)
        desk.transition(session, ticket, "closed", actor=MANAGER)
        dispatch(session)
    seen = got.got
    assert all(r["valid"] for r in seen) and len(seen) == 8
    assert [r["event"] for r in seen] == ["ticket.created", "ticket.assigned", "ticket.status_changed",
                                          "ticket.replied", "ticket.status_changed", "ticket.status_changed",
                                          "ticket.status_changed", "ticket.status_changed"]
    changes = [(r["body"]["change"].get("from"), r["body"]["change"].get("to")) for r in seen]
    assert changes[1] == (None, agent.user_id)
    assert changes[2:3] + changes[4:] == [("new", "open"), ("open", "resolved"), ("resolved", "reopened"),
                                          ("reopened", "resolved"), ("resolved", "closed")]
    first = seen[0]["body"]
    assert first["id"] == seen[0]["id"] and first["type"] == "ticket.created" and first["shop"] == "wh1"
    assert first["ticket"]["id"] == ticket.id and first["ticket"]["subject"] == "来电 138****8000 杯盖漏水"
    assert seen[0]["stamp"] == str(int(THU.timestamp()))
    assert seen[3]["body"]["message"]["body"] == "您好，已安排换货，请留意物流。"
    assert len({r["id"] for r in seen}) == 8  # one event id per event
    rows = session.scalars(select(DeskWebhookDelivery).order_by(DeskWebhookDelivery.id)).all()
    assert [(r.status, r.attempts, r.last_status_code) for r in rows] == [("delivered", 1, 200)] * 8


def test_a_500_is_tried_again_after_the_backoff_with_the_same_event_id_and_body(session, shop, receiver):
    url, got = receiver
    subscribe(session, shop, url, events=["ticket.created"])
    got.codes = [500]
    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="破损", body="外包装破损", assign=False,
                           actor=MANAGER)
        dispatch(session)
        [row] = session.scalars(select(DeskWebhookDelivery)).all()
        assert (row.status, row.attempts, row.last_status_code) == ("retry", 1, 500)
        assert row.last_error == "HTTP 500 ok" and row.next_attempt_at == THU + timedelta(minutes=1)
        assert delivery.send_due() == {"delivered": 0, "retry": 0, "failed": 0}  # not due yet
    with clock.frozen_at(THU + timedelta(minutes=1)):
        assert delivery.send_due() == {"delivered": 1, "retry": 0, "failed": 0}
    session.expire_all()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("delivered", 2, 200, None)
    first, second = got.got
    assert first["valid"] and second["valid"] and first["id"] == second["id"] and first["raw"] == second["raw"]
    assert int(second["stamp"]) - int(first["stamp"]) == 60  # each try signed at its own time


def test_a_replayed_outbox_event_is_not_delivered_twice(session, shop, receiver):
    url, got = receiver
    subscribe(session, shop, url, events=["ticket.created"])
    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="少件", body="少发一件", assign=False,
                           actor=MANAGER)
        dispatch(session)
        event = session.scalar(select(OutboxEvent).where(OutboxEvent.topic == "desk_event"))
        event.processed_at = None  # handled again, as after a worker died before marking it
        dispatch(session)
        assert event.processed_at is not None
    assert len(got.got) == 1
    assert session.scalar(select(func.count()).select_from(DeskWebhookDelivery)) == 1


def test_a_4xx_fails_at_once_and_can_be_sent_again(session, shop, receiver):
    url, got = receiver
    subscribe(session, shop, url, events=["ticket.created"])
    got.codes = [410]
    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="错发", body="颜色发错", assign=False, actor=MANAGER)
        dispatch(session)
        [row] = session.scalars(select(DeskWebhookDelivery)).all()
        assert (row.status, row.last_status_code, row.next_attempt_at) == ("failed", 410, None)
        service.retry_delivery(session, row.id, actor=MANAGER)
        session.flush()
        assert delivery.send_due() == {"delivered": 1, "retry": 0, "failed": 0}
    assert [r["valid"] for r in got.got] == [True, True]


def test_an_unreachable_receiver_is_retried_and_given_up_after_the_last_try(session, shop):
    subscribe(session, shop, "http://127.0.0.1:9/nothing-listens", events=["ticket.created"])
    at = THU
    with clock.frozen_at(at):
        desk.create_ticket(session, shop, channel="phone", subject="催发货", body="还没发货", assign=False,
                           actor=MANAGER)
        dispatch(session)
    [row] = session.scalars(select(DeskWebhookDelivery)).all()
    waits = []
    while row.status == "retry":
        waits.append(round((row.next_attempt_at - at).total_seconds() / 60))
        at = row.next_attempt_at
        with clock.frozen_at(at):
            delivery.send_due()
        session.expire_all()
    assert waits == [1, 5, 15, 60, 180, 360, 720]
    assert (row.status, row.attempts) == ("failed", 8) and row.last_error.startswith("ConnectError")


def test_contacts_unmasked_only_for_a_subscription_made_by_someone_who_may_see_them(session, shop, receiver):
    url, got = receiver
    with pytest.raises(PermissionDenied) as refused:
        service.save_subscription(session, shop, url=url, events=["ticket.created"], pii=True, actor=Actor(
            label="token:erp", scopes=frozenset({"desk:settings"})))
    assert refused.value.field == "pii"
    subscribe(session, shop, url, events=["ticket.created"], pii=True)
    subscribe(session, shop, url, events=["ticket.created"])
    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="回电 13800138000", body="请回电",
                           assign=False, actor=MANAGER)
        dispatch(session)
    subjects = sorted(r["body"]["ticket"]["subject"] for r in got.got)
    assert subjects == ["回电 138****8000", "回电 13800138000"]


def test_nothing_is_written_to_the_outbox_for_an_event_no_subscription_wants(session, shop, receiver):
    url, _ = receiver
    def desk_events():
        session.flush()
        return session.scalar(select(func.count()).where(OutboxEvent.topic == "desk_event"))

    with clock.frozen_at(THU):
        desk.create_ticket(session, shop, channel="phone", subject="无订阅", body="无订阅", actor=MANAGER)
        assert desk_events() == 0
        hook = subscribe(session, shop, url, events=["ticket.replied"])
        ticket = desk.create_ticket(session, shop, channel="phone", subject="只要回复", body="只要回复", actor=MANAGER)
        assert desk_events() == 0
        desk.add_message(session, ticket, "reply", "已处理", actor=MANAGER)
        assert desk_events() == 1
        service.save_subscription(session, shop, webhook_id=hook.id, url=url, events=["ticket.replied"],
                                  is_active=False, actor=MANAGER)
        desk.add_message(session, ticket, "reply", "再次回复", actor=MANAGER)
        assert desk_events() == 1


def test_sla_steps_and_the_promise_register_are_sent(session, shop, receiver):
    url, got = receiver
    subscribe(session, shop, url, events=["ticket.sla_warning", "ticket.sla_breached", "promise.registered",
                                          "promise.kept", "promise.broken"])
    with clock.frozen_at(THU):
        ticket = desk.create_ticket(session, shop, channel="phone", subject="超时", body="一直没人理",
                                    assign=False, actor=MANAGER)
        kept = promises.make_promise(session, ticket, what="明天发出补件", due_at=THU + timedelta(days=1),
                                     actor=MANAGER)
        promises.close_promise(session, kept.id, kept=True, evidence="SF123", actor=MANAGER)
    later = THU + timedelta(days=20)
    with clock.frozen_at(later):
        ladder.escalate_ticket(session, ticket, later)
        dispatch(session)
    kinds = [(r["event"], r["body"]["change"].get("metric")) for r in got.got]
    assert kinds[:2] == [("promise.registered", None), ("promise.kept", None)]
    assert sorted(kinds[2:]) == [("ticket.sla_breached", "first_response"), ("ticket.sla_breached", "resolution"),
                                 ("ticket.sla_warning", "first_response"), ("ticket.sla_warning", "resolution")]
    assert got.got[1]["body"]["promise"]["status"] == "kept" and got.got[1]["body"]["promise"]["evidence"] == "SF123"
    assert all(r["valid"] for r in got.got)


def test_subscriptions_refuse_bad_input_naming_the_field(session, shop):
    cases = [({"url": "ftp://x.example.com"}, "url"), ({"url": ""}, "url"), ({"events": []}, "events"),
             ({"events": ["ticket.deleted"]}, "events"), ({"secret": "short"}, "secret")]
    for change, field in cases:
        values = {"url": "https://erp.example.com/hook", "events": ["ticket.created"]} | change
        with pytest.raises(Exception) as refused:
            service.save_subscription(session, shop, actor=MANAGER, **values)
        assert getattr(refused.value, "field", None) == field, change
