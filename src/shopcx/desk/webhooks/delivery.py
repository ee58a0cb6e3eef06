"""Delivering desk events to the shop's subscribers, on the worker.

The outbox handler (`prepare`, in the event's transaction) writes one delivery per active subscription that wants
the event, with the JSON body drawn once: the ticket, the message or the promise exactly as the desk's API shows it
to a token with `desk:read` (and `pii` when the subscription carries contacts). A delivery is unique per
subscription and event, so an event handled again (a replay, a worker that died after sending) is not sent twice.

`send_due` claims due deliveries, POSTs each body and records the answer. What the receiver gets:

    POST <url>   Content-Type: application/json
    X-ShopCX-Event: ticket.status_changed
    X-ShopCX-Event-Id: evt_<outbox event id>     (also Idempotency-Key; the same on every try: drop doubles)
    X-ShopCX-Timestamp: <unix seconds of this try>
    X-ShopCX-Signature: sha256=<hex HMAC-SHA256 under the subscription's secret of "<timestamp>.<body>">

A 2xx answer is delivered; 408, 429, 5xx, a timeout or a refused connection are tried again with backoff
(`playbook.webhook_retry_in`); any other answer, or the last try, fails. Every try is in the delivery log.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...core import clock, db, security
from ...core.events import OutboxEvent
from ...staff.service import Actor
from .. import playbook
from .tables import DeskWebhook, DeskWebhookDelivery

log = logging.getLogger("shopcx.desk.webhooks")
TIMEOUT = 10.0
STALE = timedelta(minutes=10)  # a delivery claimed this long ago by a worker that never recorded it is due again


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-ShopCX-Signature value: "sha256=" + hex HMAC-SHA256 of "<timestamp>.<body>" under the secret."""
    return "sha256=" + security.hmac_sha256_hex(secret, timestamp.encode() + b"." + body)


def render(session: Session, event: OutboxEvent, *, pii: bool) -> tuple[str, int | None]:
    """The JSON body of one desk event for a subscriber with (or without) `pii`, and the buyer it is about."""
    from ...shops import service as shops
    from ..agent_api import promise_out
    from ..api import message_out, ticket_out
    from ..models import Ticket, TicketMessage
    from ..records import Promise

    reader = Actor(label="webhook", scopes=frozenset({"desk:read", "pii"} if pii else {"desk:read"}))
    payload = event.payload or {}
    change = dict(payload.get("change") or {})
    ticket = session.get(Ticket, payload["ticket_id"]) if payload.get("ticket_id") else None
    body = {"id": f"evt_{event.id}", "type": payload["type"], "created_at": payload.get("at"),
            "shop": shops.get_shop_by_id(session, payload["shop_id"]).code, "change": change,
            "ticket": ticket_out(session, ticket, reader).model_dump(mode="json") if ticket is not None else None}
    if change.get("message_id"):
        message = session.get(TicketMessage, change["message_id"])
        body["message"] = message_out(message, reader).model_dump(mode="json") if message is not None else None
    customer_id = ticket.customer_id if ticket is not None else None
    if payload.get("promise_id"):
        promise = session.get(Promise, payload["promise_id"])
        body["promise"] = promise_out(promise, reader).model_dump(mode="json") if promise is not None else None
        customer_id = customer_id or (promise.customer_id if promise is not None else None)
    return json.dumps(body, ensure_ascii=False), customer_id


def prepare(session: Session, event: OutboxEvent) -> list[int]:
    """The outbox handler's part: a delivery for each subscriber of this event not already given one; their ids."""
    payload = event.payload or {}
    kind, now = payload.get("type"), clock.now()
    hooks = session.scalars(select(DeskWebhook).where(DeskWebhook.shop_id == payload.get("shop_id"),
                                                      DeskWebhook.is_active.is_(True)).order_by(DeskWebhook.id))
    given = set(session.scalars(select(DeskWebhookDelivery.webhook_id)
                                .where(DeskWebhookDelivery.event_id == event.id)))
    bodies: dict[bool, tuple[str, int | None]] = {}
    rows = []
    for hook in hooks:
        if kind not in (hook.events or ()) or hook.id in given:
            continue
        if hook.pii not in bodies:
            bodies[hook.pii] = render(session, event, pii=hook.pii)
        body, customer_id = bodies[hook.pii]
        rows.append(DeskWebhookDelivery(webhook_id=hook.id, event_id=event.id, event_type=kind, body=body,
                                        customer_id=customer_id, status="pending", attempts=0, next_attempt_at=now,
                                        created_at=now))
    session.add_all(rows)
    session.flush()
    return [row.id for row in rows]


@dataclass
class _Claimed:
    id: int
    url: str
    secret: str | None
    event_id: int
    event_type: str
    body: bytes
    attempts: int


def _claim(now: datetime, limit: int, ids: list[int] | None) -> list[_Claimed]:
    due = or_(and_(DeskWebhookDelivery.status.in_(("pending", "retry")), DeskWebhookDelivery.next_attempt_at <= now),
              and_(DeskWebhookDelivery.status == "sending", DeskWebhookDelivery.last_attempt_at <= now - STALE))
    query = (select(DeskWebhookDelivery, DeskWebhook)
             .join(DeskWebhook, DeskWebhook.id == DeskWebhookDelivery.webhook_id)
             .where(due, DeskWebhook.is_active.is_(True)).order_by(DeskWebhookDelivery.id).limit(limit)
             .with_for_update(of=DeskWebhookDelivery, skip_locked=True))
    if ids is not None:
        query = query.where(DeskWebhookDelivery.id.in_(ids))
    claimed = []
    with db.session_scope(write=True) as session:
        for row, hook in session.execute(query):
            row.status, row.attempts, row.last_attempt_at = "sending", row.attempts + 1, now
            claimed.append(_Claimed(row.id, hook.url, security.decrypt_text(hook.secret), row.event_id,
                                    row.event_type, row.body.encode(), row.attempts))
    return claimed


def _post(client: httpx.Client, item: _Claimed, now: datetime) -> tuple[str, int | None, str | None]:
    """(outcome, HTTP status, error) of one try."""
    if item.secret is None:
        return "failed", None, "secret: the stored secret cannot be read with this site's key; set a new secret"
    stamp = str(int(now.timestamp()))
    headers = {"Content-Type": "application/json", "User-Agent": "ShopCX-Webhooks/1",
               "X-ShopCX-Event": item.event_type, "X-ShopCX-Event-Id": f"evt_{item.event_id}",
               "Idempotency-Key": f"evt_{item.event_id}", "X-ShopCX-Timestamp": stamp,
               "X-ShopCX-Signature": signature(item.secret, stamp, item.body)}
    try:
        answer = client.post(item.url, content=item.body, headers=headers)
    except httpx.TimeoutException:
        return "retry", None, f"no answer within {TIMEOUT:g} s"
    except httpx.HTTPError as exc:
        return "retry", None, f"{type(exc).__name__}: {exc}"[:500]
    outcome = playbook.webhook_outcome(answer.status_code)
    error = None if outcome == "delivered" else f"HTTP {answer.status_code} {answer.text[:300]}".strip()
    return outcome, answer.status_code, error


def _record(results: list[tuple[_Claimed, str, int | None, str | None]]) -> dict[str, int]:
    now = clock.now()
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    with db.session_scope(write=True) as session:
        for item, outcome, code, error in results:
            row = session.get(DeskWebhookDelivery, item.id)
            row.last_status_code, row.last_error = code, error
            wait = playbook.webhook_retry_in(item.attempts) if outcome == "retry" else None
            if outcome == "delivered":
                row.status, row.delivered_at, row.next_attempt_at = "delivered", now, None
            elif wait is not None:
                row.status, row.next_attempt_at = "retry", now + wait
            else:
                row.status, row.next_attempt_at = "failed", None
            counts[row.status] += 1
    return counts


def send_due(*, ids: list[int] | None = None, limit: int = 200) -> dict[str, int]:
    """Send the deliveries that are due (only `ids`, when given: right after their event was handled); counts of
    delivered, retry and failed."""
    now = clock.now()
    claimed = _claim(now, limit, ids)
    if not claimed:
        return {"delivered": 0, "retry": 0, "failed": 0}
    with httpx.Client(timeout=TIMEOUT) as client:
        results = [(item, *_post(client, item, now)) for item in claimed]
    counts = _record(results)
    if counts["retry"] or counts["failed"]:
        log.info("desk webhooks: %s", counts)
    return counts
