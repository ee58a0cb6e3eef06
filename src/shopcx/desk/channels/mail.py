"""E-mail in: one received message becomes a ticket (channel "email"), or a buyer message on the ticket it answers.

- The answer is found by the reference our replies carry: `[CX-<id>-<sig>]` in the subject or a Message-ID
  `<ticket-<id>.<sig>@shopcx>` in In-Reply-To / References; the signature (HMAC under the site key) keeps a guessed
  ticket number from writing into someone else's ticket. A reply to a closed ticket opens a new one.
- The same Message-ID again (a resent or replayed mail) does nothing: `desk_inbound_mail.message_key` is unique.
- Attachments over `MAX_ATTACHMENT` are not kept; the ticket says which file, how large and why (a refused
  attachment row), and the rest of the mail is kept. A part in a broken or unknown charset is decoded by detection
  (charset-normalizer), else with replacement characters, and the ticket gets a note saying so.
- A message that cannot be read at all is stored raw with its problem (outcome "refused"): nothing is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock, i18n, tokens
from ...core.errors import NotFound, ShopCXError
from ...core.security import sha256_hex
from ...customers import service as customers
from ...customers.schemas import CustomerIn
from ..models import Ticket, TicketMessage
from ..service import notes, tickets
from .intake import buyer_actor
from .tables import DeskInboundMail, TicketAttachment

MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_KEPT_RAW = 25 * 1024 * 1024
_SUBJECT_REF = re.compile(r"\[CX-(\d{1,18})-([0-9a-f]{10})\]")
_HEADER_REF = re.compile(r"<ticket-(\d{1,18})\.([0-9a-f]{10})@shopcx>")
_MAIL = b"shopcx.ticket-mail.v1:"
_SIG_LENGTH = 10  # short enough for a subject line; a guess still has one chance in 2**40


def _sig(ticket_id: int) -> str:
    return tokens.mac(_MAIL, str(ticket_id))[:_SIG_LENGTH]


def subject_tag(ticket_id: int) -> str:
    """What our replies put in the subject so the buyer's answer finds its ticket."""
    return f"[CX-{ticket_id}-{_sig(ticket_id)}]"


def message_id(ticket_id: int) -> str:
    """The Message-ID our replies are sent with (answers cite it in In-Reply-To / References)."""
    return f"<ticket-{ticket_id}.{_sig(ticket_id)}@shopcx>"


def referenced_ticket(subject: str, *headers: str) -> int | None:
    """The ticket a mail answers, by a correctly signed reference in the headers or the subject."""
    for pattern, text in [(_HEADER_REF, " ".join(headers)), (_SUBJECT_REF, subject)]:
        for number, sig in pattern.findall(text or ""):
            if tokens.mac_matches(_MAIL, str(int(number)), sig, length=_SIG_LENGTH):
                return int(number)
    return None


@dataclass
class Part:
    name: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    """A mail reduced to what the desk needs, with every problem met on the way."""

    key: str
    sender: str
    subject: str
    text: str
    refs: list[str]
    attachments: list[Part] = field(default_factory=list)
    problems: list[notes.Problem] = field(default_factory=list)


def _decode(data: bytes, charset: str | None, problems: list[notes.Problem], what: str) -> str:
    if charset:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None and best.encoding:
        problems.append(("desk.mail.charset_guessed", {"what": what, "charset": charset or "-",
                                                       "encoding": best.encoding}))
        return str(best)
    problems.append(("desk.mail.charset_unreadable", {"what": what}))
    return data.decode("utf-8", errors="replace")


def _header(msg: EmailMessage, name: str, problems: list[notes.Problem]) -> str:
    try:
        return str(msg.get(name, "") or "")
    except Exception:  # noqa: BLE001 - a malformed header must not lose the mail; say which one
        problems.append(("desk.mail.header_undecodable", {"name": name}))
        raw = msg.get_all(name, failobj=[""])
        return str(raw[0]).encode("ascii", "replace").decode()


def parse_mail(raw: bytes) -> Parsed:
    """Sender, subject, plain text and attachments of a raw RFC 5322 message; problems are listed, not raised."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    problems: list[notes.Problem] = []
    key = _header(msg, "Message-ID", problems).strip() or f"<sha256-{sha256_hex(raw.decode('latin-1'))}>"
    sender = parseaddr(_header(msg, "From", problems))[1].strip().lower()
    subject = re.sub(r"\s+", " ", _header(msg, "Subject", problems)).strip()
    refs = [_header(msg, "In-Reply-To", problems), _header(msg, "References", problems)]
    texts: list[str] = []
    html: list[str] = []
    attachments: list[Part] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        filename = part.get_filename()
        payload = part.get_payload(decode=True) or b""
        if disposition == "attachment" or (filename and disposition != "inline"):
            attachments.append(Part(filename or "attachment", part.get_content_type(), payload))
        elif part.get_content_type() == "text/plain":
            texts.append(_decode(payload, part.get_content_charset(), problems, "text"))
        elif part.get_content_type() == "text/html":
            html.append(_decode(payload, part.get_content_charset(), problems, "html"))
        elif filename or part.get_content_maintype() != "text":
            attachments.append(Part(filename or "part", part.get_content_type(), payload))
    text = "\n".join(t.strip() for t in texts if t.strip())
    if not text and html:
        text = re.sub(r"\s+\n", "\n", re.sub(r"<[^>]+>", " ", "\n".join(html))).strip()
    return Parsed(key=key[:300], sender=sender[:320], subject=subject[:300], text=text, refs=refs,
                  attachments=attachments, problems=problems)


@dataclass
class MailOutcome:
    outcome: str  # ticket | reply | duplicate | refused
    ticket_id: int | None
    problems: list[str]  # in English, for the SMTP answer and the log


def _customer_id(session: Session, sender: str) -> int | None:
    try:
        email = customers.normalize_email(sender)
    except ShopCXError:
        return None
    found = customers.find_customer(session, CustomerIn(), phone=None, email=email) if email else None
    return found.id if found is not None else None


def _keep_attachments(session: Session, ticket: Ticket, message_id: int, parts: list[Part], now: datetime,
                      problems: list[notes.Problem]) -> None:
    for part in parts:
        size = len(part.data)
        if size > MAX_ATTACHMENT:
            problem = ("desk.mail.attachment_refused", {"name": part.name[:200], "mb": f"{size / 1048576:.1f}",
                                                        "limit": MAX_ATTACHMENT // 1048576})
            problems.append(problem)
            note = notes.problem_text(problem, "en")[:300]  # pages draw it from the size, in the reader's language
            session.add(TicketAttachment(ticket_id=ticket.id, message_id=message_id, kind="refused",
                                         name=part.name[:200], content_type=part.content_type[:120], size_bytes=size,
                                         note=note, created_at=now))
        else:
            session.add(TicketAttachment(ticket_id=ticket.id, message_id=message_id, kind="file", name=part.name[:200],
                                         content_type=part.content_type[:120], size_bytes=size, content=part.data,
                                         created_at=now))


def receive_mail(session: Session, shop, raw: bytes, *, now: datetime | None = None) -> MailOutcome:
    """File one received message for a shop (see the module's rules); flushes, the caller commits."""
    now = now or clock.now()
    try:
        mail = parse_mail(raw)
    except Exception as exc:  # noqa: BLE001 - an unreadable message is kept raw with its problem
        key = f"<sha256-{sha256_hex(raw.decode('latin-1'))}>"
        mail = Parsed(key=key, sender="", subject="", text="", refs=[],
                      problems=[("desk.mail.unreadable", {"error": str(exc)[:200]})])
    known = session.scalar(select(DeskInboundMail).where(DeskInboundMail.message_key == mail.key))
    if known is not None:
        return MailOutcome("duplicate", known.ticket_id, [])
    record = DeskInboundMail(message_key=mail.key, shop_id=shop.id, sender=mail.sender or "?",
                             subject=mail.subject, size_bytes=len(raw), raw=raw if len(raw) <= MAX_KEPT_RAW else None,
                             outcome="refused", received_at=now)
    session.add(record)
    session.flush()
    if not mail.sender or not (mail.text or mail.subject or mail.attachments):
        problems = _english(mail.problems or [("desk.mail.empty", {})])
        record.problem = "; ".join(problems)
        return MailOutcome("refused", None, problems)
    body = mail.text or mail.subject or i18n.t("desk.mail.no_text", notes.shop_locale(shop))
    actor = buyer_actor(f"email:{mail.sender}")
    target = referenced_ticket(mail.subject, *mail.refs)
    ticket = session.get(Ticket, target) if target is not None else None
    with session.begin_nested():
        if ticket is not None and ticket.shop_id == shop.id and ticket.status != "closed":
            message = tickets.add_message(session, ticket, "buyer", body[:tickets.MAX_BODY], actor=actor, now=now)
            record.outcome, message_id = "reply", message.id
        else:
            ticket = tickets.create_ticket(
                session, shop, channel="email", subject=(mail.subject or body.splitlines()[0])[:200],
                body=body[:tickets.MAX_BODY], customer_id=_customer_id(session, mail.sender), actor=actor, now=now)
            message_id = session.scalar(select(TicketMessage.id).where(TicketMessage.ticket_id == ticket.id))
            record.outcome = "ticket"
        _keep_attachments(session, ticket, message_id, mail.attachments, now, mail.problems)
        if mail.problems:
            notes.add_note(session, ticket, shop, "desk.note.mail_problems",
                           {"problems": [list(p) for p in mail.problems]}, actor=buyer_actor("email-in"), now=now)
    problems = _english(mail.problems)
    record.ticket_id, record.problem = ticket.id, "; ".join(problems) or None
    session.flush()
    return MailOutcome(record.outcome, ticket.id, problems)


def _english(problems: list[notes.Problem]) -> list[str]:
    """The problems as the SMTP answer, the inbound-mail record and the log give them (English)."""
    return [notes.problem_text(p, "en") for p in problems]


def shop_for(session: Session, recipients: list[str], default_code: str | None):
    """The shop a mail is for: `anything+<shop code>@…` among the recipients, else the server's default shop."""
    from ...shops import service as shops

    for rcpt in recipients:
        local = rcpt.split("@", 1)[0]
        if "+" in local and shops.shop_exists(session, local.split("+", 1)[1]):
            return shops.get_shop(session, local.split("+", 1)[1])
    if default_code and shops.shop_exists(session, default_code):
        return shops.get_shop(session, default_code)
    raise NotFound("shop_not_found", "no shop for this address", field="shop")
