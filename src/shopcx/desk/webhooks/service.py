"""A shop's webhook subscriptions (managers, `desk:settings`) and the desk events they can choose.

`emit` is called where the desk's state changes (the one status transition, assignment, a public reply, the SLA
ladder, the promise register). It writes a `desk_event` to the outbox in the caller's transaction only when an
active subscription of the shop wants that event, read once per transaction; the worker turns each event into one
delivery per subscription (`delivery.py`).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import event as sa_event
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock, events, security
from ...core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ...staff.service import Actor, audit
from .tables import DeskWebhook, DeskWebhookDelivery

EVENTS = ("ticket.created", "ticket.assigned", "ticket.status_changed", "ticket.replied", "ticket.sla_warning",
          "ticket.sla_breached", "promise.registered", "promise.kept", "promise.broken")
STATUSES = ("pending", "sending", "delivered", "retry", "failed")
MAX_URL = 500
MIN_SECRET = 16
_WANTED = "desk_webhook_events"  # session.info: shop id -> the event types its active subscriptions want


@sa_event.listens_for(Session, "after_commit")
@sa_event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WANTED, None)


def wanted(session: Session, shop_id: int) -> frozenset[str]:
    """The event types some active subscription of the shop wants (read once per transaction)."""
    known = session.info.setdefault(_WANTED, {})
    if shop_id not in known:
        rows = session.scalars(select(DeskWebhook.events).where(DeskWebhook.shop_id == shop_id,
                                                                DeskWebhook.is_active.is_(True)))
        known[shop_id] = frozenset(kind for row in rows for kind in row or ())
    return known[shop_id]


def emit(session: Session, shop_id: int, kind: str, *, ticket_id: int | None = None, promise_id: int | None = None,
         **change) -> None:
    """Record a desk event for the shop's subscribers (nothing when none wants it). `change` holds what happened
    (from/to, the clock, the message id); the worker renders the ticket or promise as the API shows it."""
    if kind not in EVENTS:
        raise ValueError(f"unknown desk event {kind}")
    if kind not in wanted(session, shop_id):
        return
    aggregate, aggregate_id = ("promise", promise_id) if kind.startswith("promise.") else ("ticket", ticket_id)
    events.emit(session, "desk_event", aggregate, aggregate_id, shop_id=shop_id, type=kind, ticket_id=ticket_id,
                promise_id=promise_id, at=clock.now().isoformat(), change=change)


# ---- subscriptions ------------------------------------------------------------------------------------------------

def _url(text: str | None) -> str:
    url = (text or "").strip()
    if not url:
        raise InvalidInput("required", "url: this field is required", field="url")
    if len(url) > MAX_URL:
        raise InvalidInput("too_long", f"url: at most {MAX_URL} characters", field="url", values={"limit": MAX_URL})
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidInput("webhook_url", f"url: '{url}' is not an http(s) address", field="url")
    return url


def _events(chosen) -> list[str]:
    picked = [str(kind).strip() for kind in chosen or () if str(kind).strip()]
    unknown = [kind for kind in picked if kind not in EVENTS]
    if unknown:
        raise InvalidInput("invalid_choice", f"events: '{unknown[0]}' is not one of {', '.join(EVENTS)}",
                           field="events", values={"choices": ", ".join(EVENTS)})
    if not picked:
        raise InvalidInput("webhook_no_events", "events: choose at least one event", field="events")
    return [kind for kind in EVENTS if kind in picked]


def _secret(text: str | None) -> str:
    secret = (text or "").strip() or security.new_token(24)
    if len(secret) < MIN_SECRET or len(secret) > 200 or not secret.isascii():
        raise InvalidInput("webhook_secret", f"secret: {MIN_SECRET} to 200 ASCII characters", field="secret",
                           values={"min": MIN_SECRET})
    return secret


def subscriptions(session: Session, shop_id: int) -> list[DeskWebhook]:
    return list(session.scalars(select(DeskWebhook).where(DeskWebhook.shop_id == shop_id).order_by(DeskWebhook.id)))


def get_subscription(session: Session, webhook_id: int, *, shop_id: int | None = None) -> DeskWebhook:
    row = session.get(DeskWebhook, webhook_id)
    if row is None or (shop_id is not None and row.shop_id != shop_id):
        raise NotFound("webhook_not_found", f"webhook: no webhook with id {webhook_id}", field="webhook")
    return row


def save_subscription(session: Session, shop, *, url: str, events: list[str], actor: Actor,
                      webhook_id: int | None = None, is_active: bool = True, pii: bool = False,
                      secret: str | None = None, new_secret: bool = False,
                      now: datetime | None = None) -> tuple[DeskWebhook, str | None]:
    """Add a subscription (webhook_id None) or change one. Returns it and its secret in clear when it was set now
    (given, or generated for a new subscription or on `new_secret`): shown once, stored encrypted.

    `pii` (contacts unmasked in the payload) only for someone who may see them."""
    actor.require("desk:settings")
    now = now or clock.now()
    url, chosen = _url(url), _events(events)
    if pii and not actor.allows("pii"):
        raise PermissionDenied("webhook_pii", "pii: only someone who may see contacts can send them unmasked",
                               field="pii")
    row = get_subscription(session, webhook_id, shop_id=shop.id) if webhook_id is not None else None
    plain = _secret(secret) if row is None or new_secret or (secret or "").strip() else None
    if row is None:
        row = DeskWebhook(shop_id=shop.id, created_by=actor.label, created_at=now)
        session.add(row)
    row.url, row.events, row.is_active, row.pii = url, chosen, bool(is_active), bool(pii)
    if plain is not None:
        row.secret = security.encrypt_text(plain)
    row.updated_by, row.updated_at = actor.label, now
    session.flush()
    session.info.pop(_WANTED, None)
    audit(session, actor, "desk.webhook_saved", "desk_webhook", row.id,
          {"url": url, "events": chosen, "active": row.is_active, "pii": row.pii, "secret_set": plain is not None})
    return row, plain


# ---- the delivery log ---------------------------------------------------------------------------------------------

def deliveries(session: Session, shop_id: int, *, webhook_id: int | None = None, status: str | None = None,
               offset: int = 0, limit: int = 50) -> tuple[list[DeskWebhookDelivery], int]:
    """One page of the shop's deliveries, newest first, and how many there are."""
    where = [DeskWebhook.shop_id == shop_id]
    if webhook_id is not None:
        where.append(DeskWebhookDelivery.webhook_id == webhook_id)
    if status:
        if status not in STATUSES:
            raise InvalidInput("invalid_choice", f"status: '{status}' is not one of {', '.join(STATUSES)}",
                               field="status", values={"choices": ", ".join(STATUSES)})
        where.append(DeskWebhookDelivery.status == status)
    base = select(DeskWebhookDelivery).join(DeskWebhook, DeskWebhook.id == DeskWebhookDelivery.webhook_id)
    total = session.scalar(select(func.count()).select_from(base.where(*where).subquery())) or 0
    rows = session.scalars(base.where(*where).order_by(DeskWebhookDelivery.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def retry_delivery(session: Session, delivery_id: int, *, actor: Actor, shop_id: int | None = None,
                   now: datetime | None = None) -> DeskWebhookDelivery:
    """Send a failed (or waiting) delivery again at the worker's next run, with the same body and event id; one
    pending or being sent is left as it is, a delivered one is refused."""
    actor.require("desk:settings")
    row = session.get(DeskWebhookDelivery, delivery_id)
    hook = session.get(DeskWebhook, row.webhook_id) if row is not None else None
    if row is None or (shop_id is not None and hook.shop_id != shop_id):
        raise NotFound("webhook_delivery_not_found", f"delivery: no delivery with id {delivery_id}",
                       field="delivery")
    if row.status == "delivered":
        raise Conflict("webhook_delivered", f"delivery: {row.id} was delivered already", field="delivery")
    if row.status in ("failed", "retry"):
        row.status, row.next_attempt_at = "retry", now or clock.now()
        audit(session, actor, "desk.webhook_retry", "desk_webhook", hook.id, {"delivery_id": row.id})
    session.flush()
    return row
