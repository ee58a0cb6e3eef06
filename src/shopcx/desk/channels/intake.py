"""The public complaint form and the status page behind it: find the buyer's order by its number and the last four
digits of the phone on it, open a ticket (channel "form") with the buyer's links as attachments, let the buyer read
the public thread and reply through the signed link (a reply reopens a resolved ticket), and take the one-question
rating once the ticket is resolved.

Bots: a hidden honeypot field and at most `FORM_LIMIT` posts per address and hour per shop (every post counts, so
phone tails cannot be guessed at speed). Services flush; the request commits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import Conflict, InvalidInput, NotFound, ShopCXError
from ...core.security import sha256_hex
from ...customers import service as customers
from ...staff.service import Actor
from ..models import Ticket, TicketMessage
from ..service import tickets
from . import links
from .tables import DeskIntakeHit, TicketAttachment, TicketRating

FORM_LIMIT = 5
FORM_WINDOW = timedelta(hours=1)
MAX_LINKS = 5
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]{0,990}$", re.IGNORECASE)


class TooManyPosts(ShopCXError):
    def __init__(self, code: str, message: str, **kwargs):
        super().__init__(code, message, status=429, **kwargs)


@dataclass
class Complaint:
    """What the buyer typed into the public form."""

    body: str
    order_no: str = ""
    phone_tail: str = ""
    name: str = ""
    contact: str = ""
    links: list[str] = field(default_factory=list)


def buyer_actor(label: str, ip: str | None = None) -> Actor:
    """The buyer acting on their own ticket (writes only through the desk's services; no staff role)."""
    return Actor(label=label, scopes=frozenset({"desk:write"}), ip=ip)


def parse_links(text: str | list[str] | None, field_name: str = "links") -> list[str]:
    """http(s) links, one a line, at most MAX_LINKS; anything else names the line."""
    lines = text if isinstance(text, list) else (text or "").splitlines()
    found = [line.strip() for line in lines if line and line.strip()]
    if len(found) > MAX_LINKS:
        raise InvalidInput("too_many_links", f"{field_name}: at most {MAX_LINKS} links", field=field_name,
                           values={"limit": MAX_LINKS})
    for n, link in enumerate(found, start=1):
        if not _URL.match(link):
            raise InvalidInput("invalid_link", f"{field_name}: line {n} is not an http(s) link", field=field_name,
                               values={"line": n})
    return found


def count_hit(session: Session, shop_id: int, address: str | None, *, now: datetime | None = None) -> None:
    """Record a post from this address; TooManyPosts when it is over the hourly limit (the hit still counts)."""
    now = now or clock.now()
    key = sha256_hex(f"desk-form:{address or '-'}")
    recent = session.scalar(select(func.count()).select_from(DeskIntakeHit).where(
        DeskIntakeHit.address == key, DeskIntakeHit.shop_id == shop_id, DeskIntakeHit.at > now - FORM_WINDOW))
    session.add(DeskIntakeHit(shop_id=shop_id, address=key, at=now))
    session.flush()
    if recent >= FORM_LIMIT:
        raise TooManyPosts("form_rate_limited", f"form: at most {FORM_LIMIT} complaints an hour from one address; "
                           "try again later", values={"limit": FORM_LIMIT})


def _matching_order(session: Session, shop, order_no: str, phone_tail: str):
    """The shop's order with this number whose buyer's phone ends in these four digits (one message for both
    misses, so the form tells nobody which orders exist)."""
    tail = re.sub(r"\D", "", phone_tail or "")
    if len(tail) != 4:
        raise InvalidInput("invalid_phone_tail", "phone_tail: the last 4 digits of the phone on the order",
                           field="phone_tail")
    miss = NotFound("order_lookup_failed", "order: no order with this number and phone", field="order_no")
    try:
        order = tickets._order_for(session, shop, order_no)
    except NotFound:
        raise miss from None
    customer = customers.get_customer(session, order.customer_id) if order.customer_id else None
    if customer is None or not re.sub(r"\D", "", customer.phone or "").endswith(tail):
        raise miss
    return order


def submit_complaint(session: Session, shop, complaint: Complaint, *, ip: str | None = None,
                     now: datetime | None = None) -> tuple[Ticket, str]:
    """A ticket from the public form and its status-page token; bad input names the field, nothing is kept."""
    now = now or clock.now()
    body = (complaint.body or "").strip()
    if not body:
        raise InvalidInput("required", "body: this field is required", field="body")
    order = None
    if (complaint.order_no or "").strip():
        order = _matching_order(session, shop, complaint.order_no, complaint.phone_tail)
    elif not (complaint.contact or "").strip():
        raise InvalidInput("contact_needed", "contact: an order number or a phone/e-mail to reach you",
                           field="contact")
    found_links = parse_links(complaint.links)
    who = " · ".join(x for x in ((complaint.name or "").strip()[:60], (complaint.contact or "").strip()[:120]) if x)
    text = f"{body}\n\n— {who}" if who else body
    subject = re.sub(r"\s+", " ", body)[:60]
    with session.begin_nested():
        ticket = tickets.create_ticket(session, shop, channel="form", subject=subject, body=text,
                                       order=complaint.order_no.strip() if order is not None else None,
                                       actor=buyer_actor("buyer:form", ip), now=now)
        first = session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id))
        add_links(session, ticket, first, found_links, now=now)
    return ticket, links.issue(ticket.id)


def add_links(session: Session, ticket: Ticket, message_id: int | None, urls: list[str], *,
              now: datetime | None = None) -> None:
    now = now or clock.now()
    for url in urls:
        session.add(TicketAttachment(ticket_id=ticket.id, message_id=message_id, kind="link",
                                     name=url.rsplit("/", 1)[-1][:200] or url[:200], url=url, created_at=now))
    session.flush()


@dataclass
class StatusView:
    """What the buyer sees at the link: the ticket, its public thread, attachments, and the rating if given."""

    ticket: Ticket
    messages: list[TicketMessage]
    attachments: dict[int, list[TicketAttachment]]
    rating: TicketRating | None

    @property
    def can_reply(self) -> bool:
        return self.ticket.status != "closed"

    @property
    def limit_mb(self) -> int:
        """The mail-in size limit a refused file was over."""
        from .mail import MAX_ATTACHMENT

        return MAX_ATTACHMENT // 1048576

    @property
    def can_rate(self) -> bool:
        return self.ticket.status in ("resolved", "closed") and self.rating is None


def status_view(session: Session, token: str) -> StatusView:
    """The ticket a link names, with only what the buyer may read (never internal notes)."""
    ticket = session.get(Ticket, links.verify(token))
    if ticket is None:
        raise links.TicketLinkRefused("ticket_link_invalid", "this ticket link is not valid")
    messages = [m for m in tickets.thread(session, ticket) if m.kind in ("buyer", "reply")]
    shown = {m.id for m in messages}
    attachments: dict[int, list[TicketAttachment]] = {}
    for a in session.scalars(select(TicketAttachment).where(TicketAttachment.ticket_id == ticket.id)
                             .order_by(TicketAttachment.id)):
        if a.message_id in shown:
            attachments.setdefault(a.message_id, []).append(a)
    rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id))
    return StatusView(ticket, messages, attachments, rating)


def buyer_reply(session: Session, token: str, body: str, link_text: str | list[str] = "", *,
                ip: str | None = None, now: datetime | None = None) -> TicketMessage:
    """The buyer writes again: a resolved ticket reopens, one waiting on the buyer resumes (desk service rules)."""
    now = now or clock.now()
    view = status_view(session, token)
    urls = parse_links(link_text)
    message = tickets.add_message(session, view.ticket, "buyer", body,
                                  actor=buyer_actor(f"buyer:ticket{view.ticket.id}", ip), now=now)
    add_links(session, view.ticket, message.id, urls, now=now)
    return message


def rate(session: Session, token: str, score: str | int, comment: str = "", *,
         now: datetime | None = None) -> TicketRating:
    """The one-question rating (1–5) of a resolved ticket, once."""
    view = status_view(session, token)
    try:
        value = int(str(score).strip())
    except ValueError:
        value = 0
    if not 1 <= value <= 5:
        raise InvalidInput("rating_out_of_range", "score: choose 1 to 5", field="score")
    if view.rating is not None:
        raise Conflict("already_rated", "score: this ticket was already rated", field="score")
    if view.ticket.status not in ("resolved", "closed"):
        raise Conflict("not_resolved_yet", "score: the ticket can be rated once it is resolved", field="score")
    rating = TicketRating(ticket_id=view.ticket.id, score=value, comment=(comment or "").strip()[:2000] or None,
                          rated_at=now or clock.now())
    session.add(rating)
    session.flush()
    return rating
