"""Tickets pushed from outside: the signed webhook (idempotent on the sender's id), a review-care case taken over by
a ticket, and a survey answer from a detractor. Each origin makes one ticket, however often it arrives."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...core import clock, i18n, security
from ...core.errors import AuthError, InvalidInput
from ...staff.service import Actor, audit
from ..models import Ticket, TicketMessage
from ..service import notes, tickets
from .intake import add_links, buyer_actor, parse_links
from .tables import TicketOrigin

MAX_BODY_BYTES = 1_000_000


class WebhookTicketIn(BaseModel):
    """One ticket as a sender's system pushes it; `id` is the sender's id for it (a replay is a no-op)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=100, description="Your id for this ticket: sending it again does nothing")
    subject: str = Field(max_length=200)
    body: str = Field(description="The buyer's words")
    order: str | None = Field(default=None, max_length=64, description="The platform's order number")
    priority: str = "normal"
    category: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    links: list[str] = Field(default_factory=list, description="Links to photos or videos (http/https, up to 5)")


class WebhookTicketOut(BaseModel):
    ticket_id: int
    duplicate: bool


def verify_signature(shop, body: bytes, given: str | None) -> None:
    """Refuse unless `given` is the HMAC-SHA256 of the raw body under the shop's webhook key."""
    secret = security.decrypt_text(shop.webhook_secret) if shop.webhook_secret else None
    if secret is None:
        raise AuthError("webhook_not_configured", f"signature: shop {shop.code} has no usable webhook key",
                        field="signature")
    if not security.signature_matches(secret, body, given):
        raise AuthError("invalid_signature", "signature: missing, or not the HMAC-SHA256 of the body with the "
                        "shop's webhook key (X-ShopCX-Signature)", field="signature")


def parse_ticket(body: bytes) -> WebhookTicketIn:
    try:
        json.loads(body)
        return WebhookTicketIn.model_validate_json(body)
    except (ValueError, UnicodeDecodeError) as exc:
        errors = exc.errors() if isinstance(exc, ValidationError) else [{"loc": ("body",), "msg": "is not JSON"}]
        field = ".".join(str(p) for p in errors[0]["loc"]) or "body"
        raise InvalidInput("invalid_input", f"{field}: {errors[0]['msg']}", field=field) from None


def receive_ticket(session: Session, shop, body: bytes, signature: str | None, *,
                   now: datetime | None = None) -> WebhookTicketOut:
    """A signed webhook delivery as a ticket (channel "webhook"); the same `id` again answers duplicate."""
    verify_signature(shop, body, signature)
    data = parse_ticket(body)
    urls = parse_links(data.links)
    key = f"webhook:{data.id.strip()}"
    found = tickets.existing_ticket(session, shop.id, key)
    if found is not None:
        return WebhookTicketOut(ticket_id=found.id, duplicate=True)
    now = now or clock.now()
    actor = Actor(label=f"webhook:{shop.code}", scopes=frozenset({"desk:write"}))
    ticket = tickets.create_ticket(session, shop, channel="webhook", subject=data.subject, body=data.body,
                                   order=data.order, priority=data.priority, category=data.category, tags=data.tags,
                                   external_key=key, actor=actor, now=now)
    if ticket.created_at != now:
        return WebhookTicketOut(ticket_id=ticket.id, duplicate=True)  # a racing twin made it first
    first = session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id))
    add_links(session, ticket, first, urls, now=now)
    return WebhookTicketOut(ticket_id=ticket.id, duplicate=False)


def _origin(session: Session, kind: str, ref: str) -> Ticket | None:
    row = session.scalar(select(TicketOrigin).where(TicketOrigin.kind == kind, TicketOrigin.ref == ref))
    return session.get(Ticket, row.ticket_id) if row is not None else None


def _once(session: Session, kind: str, ref: str, make, now: datetime) -> Ticket:
    """The ticket of this origin: the one made before, or a new one from `make()`; a racing twin's if it won."""
    found = _origin(session, kind, ref)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            ticket = make()
            session.add(TicketOrigin(ticket_id=ticket.id, kind=kind, ref=ref, at=now))
            session.flush()
    except IntegrityError:
        raced = _origin(session, kind, ref)
        if raced is None:
            raise
        return raced
    return ticket


def _iso(at: datetime | None) -> str | None:
    return clock.as_utc(at).isoformat() if at is not None else None


def take_over_case(session: Session, case_id: int, *, actor: Actor, now: datetime | None = None) -> Ticket:
    """A 中/差评 care case becomes a ticket: the review's words, its order, customer and owner, and the case's
    contacts as notes (history kept); the case stays as the review's record and names the ticket in the audit log.
    Taking the same case over again returns the same ticket."""
    from ...orders import service as orders
    from ...reviews import service as reviews
    from ...shops import service as shops

    actor.require("desk:write")
    now = now or clock.now()
    case = reviews.get_case(session, case_id)
    review = reviews.get_review(session, case.review_id)
    shop = shops.get_shop_by_id(session, case.shop_id)
    order = orders.get_order(session, review.order_id) if review.order_id else None
    locale = notes.shop_locale(shop)
    cls = i18n.t(f"desk.note.review_class.{review.rating_class}", locale)
    words = (review.text or "").strip() or i18n.t("desk.note.review_no_text", locale, cls=cls,
                                                  stars=review.stars or "-")

    def make() -> Ticket:
        subject = i18n.t("desk.note.review_subject", locale, cls=cls, words=words)[:200]
        ticket = tickets.create_ticket(session, shop, channel="review", subject=subject, body=words,
                                       order=order.external_id if order is not None else None,
                                       priority="high" if review.rating_class == "bad" else "normal",
                                       assign=case.owner_id is None, actor=actor, now=now)
        if case.owner_id is not None:
            tickets.assign(session, ticket, case.owner_id, actor=actor, now=now)
        params = {"case": case.id, "kind": case.kind, "status": case.status, "opened_at": _iso(case.opened_at),
                  "contacts": [{"at": _iso(c.at), "channel": c.channel, "result": c.result, "actor": c.actor,
                                "note": c.note or ""} for c in case.contacts],
                  "resolution": case.resolution or None, "reply": review.reply_text or None}
        notes.add_note(session, ticket, shop, "desk.note.case_taken_over", params, actor=actor, now=now)
        audit(session, actor, "desk.case_taken_over", "review_case", case.id, {"ticket_id": ticket.id})
        return ticket

    return _once(session, "review_case", str(case.id), make, now)


def ticket_for_case(session: Session, case_id: int) -> Ticket | None:
    """The ticket that took a review case over, if one did."""
    return _origin(session, "review_case", str(case_id))


def ticket_from_survey(session: Session, shop, *, response_id: int, customer_id: int | None, summary: str,
                       now: datetime | None = None) -> Ticket:
    """A detractor's survey answer as a ticket (channel "survey"), once per answer."""
    now = now or clock.now()
    summary = summary or i18n.t("desk.channel.survey", notes.shop_locale(shop))
    return _once(session, "survey", str(response_id), lambda: tickets.create_ticket(
        session, shop, channel="survey", subject=summary[:200], body=summary,
        customer_id=customer_id, actor=buyer_actor("survey"), now=now), now)
