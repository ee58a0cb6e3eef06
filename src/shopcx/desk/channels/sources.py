"""What the ticket page shows of where a ticket came from: its origin (the review, the survey answer, the mail, the
form) with a link to it, the buyer's attachments (links, kept files, refused files), the mails that reached it, and
how the buyer rated the handling (the status page's one question, or the CSAT survey its closing sent).

Read-only: the page and the API draw the same `TicketSources`."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from ...core.errors import NotFound
from ..models import Ticket, TicketMessage
from .tables import DeskInboundMail, TicketAttachment, TicketOrigin, TicketRating


@dataclass
class Origin:
    """Where the ticket came from: a channel, the record it came from (kind + id) and that record's page."""

    channel: str
    kind: str | None = None  # review_case | survey | email | webhook | None (typed in by staff or the form)
    ref: str | None = None
    href: str | None = None


@dataclass
class TicketSources:
    origin: Origin
    attachments: list[TicketAttachment] = field(default_factory=list)
    by_message: dict[int | None, list[TicketAttachment]] = field(default_factory=dict)
    mails: list[DeskInboundMail] = field(default_factory=list)
    mail_of: dict[int, DeskInboundMail] = field(default_factory=dict)  # message id -> the mail it came in
    rating: TicketRating | None = None
    csat: object | None = None  # the surveys domain's TicketCsat (score, survey, at)
    limit_mb: int = 20  # the mail-in limit a refused file was over (mail.MAX_ATTACHMENT)


def _origin(session: Session, ticket: Ticket, mails: list[DeskInboundMail]) -> Origin:
    from ...web.panels import record_links  # the review's page is the reviews domain's to name

    row = session.scalar(select(TicketOrigin).where(TicketOrigin.ticket_id == ticket.id).order_by(TicketOrigin.id))
    if row is not None and row.kind == "review_case":
        link = record_links(session, [("review_case", row.ref)]).get(("review_case", row.ref))
        return Origin(ticket.channel, "review_case", row.ref, link[1] if link else None)
    if row is not None and row.kind == "survey":
        return Origin(ticket.channel, "survey", row.ref, _survey_href(session, ticket, int(row.ref)))
    first = next((m for m in mails if m.outcome == "ticket"), None)
    if ticket.channel == "email" and first is not None:
        return Origin("email", "email", str(first.id), f"/desk/mails/{first.id}.eml")
    if ticket.channel == "webhook" and ticket.external_key:
        return Origin("webhook", "webhook", ticket.external_key.removeprefix("webhook:"))
    return Origin(ticket.channel)


def _survey_href(session: Session, ticket: Ticket, response_id: int) -> str | None:
    from ...surveys import service as surveys

    if ticket.customer_id is None:
        return None
    found = next((a for a in surveys.customer_answers(session, ticket.customer_id, limit=100)
                  if a["response"].id == response_id), None)
    return f"/surveys/{found['survey'].id}/responses" if found else None


def _csat(session: Session, ticket: Ticket):
    """The CSAT answer that rates this ticket: the one to the invitation its closing sent (older invitations: the
    first the buyer submitted after the close, on its order or on no order); see surveys.ticket_csat."""
    from ...surveys import service as surveys

    closed = surveys.ClosedTicket(ticket.id, ticket.customer_id, ticket.order_id, ticket.closed_at)
    return surveys.ticket_csat(session, [closed]).get(ticket.id)


def sources_of(session: Session, ticket: Ticket) -> TicketSources:
    """Origin, attachments, mails and the buyer's rating of one ticket."""
    mails = list(session.scalars(select(DeskInboundMail).options(defer(DeskInboundMail.raw))
                                 .where(DeskInboundMail.ticket_id == ticket.id).order_by(DeskInboundMail.id)))
    attachments = list(session.scalars(select(TicketAttachment).options(defer(TicketAttachment.content))
                                       .where(TicketAttachment.ticket_id == ticket.id).order_by(TicketAttachment.id)))
    by_message: dict[int | None, list[TicketAttachment]] = {}
    for a in attachments:
        by_message.setdefault(a.message_id, []).append(a)
    # a mail's message is written in the same step as the mail's record: same instant, author "<channel>:email:<from>"
    messages = session.execute(select(TicketMessage.id, TicketMessage.created_at, TicketMessage.author)
                               .where(TicketMessage.ticket_id == ticket.id, TicketMessage.kind == "buyer")).all()
    mail_of = {}
    for mail in mails:
        hit = next((i for i, at, author in messages if at == mail.received_at
                    and author.endswith(f"email:{mail.sender}") and i not in mail_of), None)
        if hit is not None:
            mail_of[hit] = mail
    rating = session.scalar(select(TicketRating).where(TicketRating.ticket_id == ticket.id))
    from .mail import MAX_ATTACHMENT

    return TicketSources(_origin(session, ticket, mails), attachments, by_message, mails, mail_of, rating,
                         _csat(session, ticket), MAX_ATTACHMENT // 1048576)


def attachment_file(session: Session, attachment_id: int) -> TicketAttachment:
    """A file kept from a mail, to download; links and refused files have no content."""
    found = session.get(TicketAttachment, attachment_id)
    if found is None or found.kind != "file" or found.content is None:
        raise NotFound("attachment_not_found", f"attachment: no kept file with id {attachment_id}",
                       field="attachment")
    return found


def inbound_mail(session: Session, mail_id: int) -> DeskInboundMail:
    """A received mail as it arrived (its raw bytes when they were kept)."""
    found = session.get(DeskInboundMail, mail_id)
    if found is None or found.raw is None:
        raise NotFound("mail_not_found", f"mail: no kept mail with id {mail_id}", field="mail")
    return found
