"""Buyers' data rights: requests (verified by a one-time code, or recorded by staff) with a working-day deadline,
the export of everything every domain holds about the buyer, erasure across every domain, retention, and the
log of staff views of personal data. Each domain does its own part through its face's `privacy` module."""

from __future__ import annotations

import secrets
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, i18n, tokens
from ..core.calendar import WorkCalendar
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.security import mask_email, mask_phone
from ..customers import service as customers
from ..messaging import service as messaging
from ..shops import service as shops
from ..staff.service import Actor, audit
from .models import KINDS, DataRequest, PrivacySettings

CODE_MINUTES = 15
MAX_ATTEMPTS = 5


def settings_of(session: Session) -> PrivacySettings:
    """The privacy settings (defaults until an owner saves them)."""
    return session.get(PrivacySettings, 1) or PrivacySettings(id=1, deadline_working_days=15, raw_rows_days=90,
                                                              message_days=180)


def save_settings(session: Session, *, deadline_working_days: int, raw_rows_days: int, message_days: int,
                  actor: Actor) -> PrivacySettings:
    """Change the deadline and retention periods (audited)."""
    for field, value, low in (("deadline_working_days", deadline_working_days, 1), ("raw_rows_days", raw_rows_days, 1),
                              ("message_days", message_days, 1)):
        if not low <= value <= 3650:
            raise InvalidInput("invalid_days", f"{field}: between {low} and 3650 days", field=field)
    row = session.get(PrivacySettings, 1)
    if row is None:
        row = PrivacySettings(id=1)
        session.add(row)
    row.deadline_working_days, row.raw_rows_days, row.message_days = deadline_working_days, raw_rows_days, \
        message_days
    row.updated_by, row.updated_at = actor.label, clock.now()
    audit(session, actor, "privacy.settings", "privacy_settings", 1,
          {"deadline_working_days": deadline_working_days, "raw_rows_days": raw_rows_days,
           "message_days": message_days})
    session.flush()
    return row


def due_on(start: date, working_days: int, calendar: WorkCalendar | None = None) -> date:
    """The day `working_days` working days after start (Chinese public holidays off, 调休 days on)."""
    calendar = calendar or WorkCalendar()
    day, left = start, working_days
    while left > 0:
        day += timedelta(days=1)
        if calendar.describe(day).working:
            left -= 1
    return day


def _code_hash(request_id: int, code: str) -> str:
    return tokens.mac(b"data-request:", f"{request_id}:{code}")


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput("invalid_request_kind", f"kind: one of {', '.join(KINDS)}", field="kind")
    return kind


def _customer_by_contact(session: Session, contact: str):
    text = (contact or "").strip()
    if not text:
        raise InvalidInput("required", "contact: the phone or e-mail on record", field="contact")
    if "@" in text:
        email = customers.normalize_email(text, "contact")
        return customers.find_customer(session, _blank(), phone=None, email=email), mask_email(email)
    phone = customers.normalize_phone(text, "contact")
    return customers.find_customer(session, _blank(), phone=phone, email=None), mask_phone(phone)


def _blank():
    from ..customers.schemas import CustomerIn

    return CustomerIn.model_construct(source=None, external_id=None)


def start_public_request(session: Session, kind: str, contact: str, *, locale: str = "zh") -> DataRequest | None:
    """A buyer's request from the public page: a one-time code sent through the messaging domain (SMS to the
    phone, e-mail to the address on record) in the page's language. None when no customer has that contact: the
    page says the same either way, so it reveals nothing."""
    _check_kind(kind)
    customer, masked = _customer_by_contact(session, contact)
    if customer is None:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    request = DataRequest(customer_id=customer.id, kind=kind, channel="public", status="unverified",
                          contact_masked=masked, requested_at=clock.now(), attempts=0, result={},
                          code_expires_at=clock.now() + timedelta(minutes=CODE_MINUTES))
    session.add(request)
    session.flush()
    request.code_hash = _code_hash(request.id, code)
    session.flush()
    _send_code(session, customer, request, code, "email" if "@" in contact else "sms", i18n.normalize_locale(locale))
    return request


def _send_code(session: Session, customer, request: DataRequest, code: str, channel: str, locale: str) -> None:
    """Queue the code to the buyer (the sender hands it over within a minute; it expires with the code)."""
    shop_id = next((i.shop_id for i in customer.identities if i.shop_id), None) \
        or next((s.id for s in shops.list_shops(session)), None)
    if shop_id is None:  # no shop yet: nobody to send as (the request stays unverified and expires)
        return
    messaging.queue_message(session, shop_id=shop_id, customer_id=customer.id, purpose="verification",
                            occasion=f"data-request-{request.id}", channel=channel, locale=locale,
                            subject=i18n.t("privacy.code_subject", locale),
                            body=i18n.t("privacy.code_body", locale, code=code, minutes=CODE_MINUTES),
                            ref_type="data_request", ref_id=request.id, expires_at=request.code_expires_at)


def verify(session: Session, request_id: int, code: str) -> DataRequest:
    """Check the buyer's code: the request opens and its deadline starts; a wrong, late or overused code refuses."""
    request = session.get(DataRequest, request_id)
    if request is None or request.status != "unverified":
        raise NotFound("request_not_found", "request: no such request waiting for its code", field="request")
    request.attempts += 1
    if request.attempts > MAX_ATTEMPTS or clock.now() > request.code_expires_at:
        request.status, request.code_hash = "refused", None
        session.flush()
        raise Conflict("code_expired", "code: expired or tried too often; ask again", field="code")
    if not secrets.compare_digest(request.code_hash or "", _code_hash(request.id, (code or "").strip())):
        session.flush()
        raise InvalidInput("wrong_code", "code: not the code we sent", field="code")
    request.status, request.code_hash, request.verified_at = "open", None, clock.now()
    request.due_on = due_on(clock.today_in(WorkCalendar().timezone), settings_of(session).deadline_working_days)
    session.flush()
    return request


def record_request(session: Session, customer_id: int, kind: str, *, actor: Actor, note: str | None = None
                   ) -> DataRequest:
    """A request staff took by phone, chat or letter: open at once, due after the working-day deadline."""
    _check_kind(kind)
    customers.get_customer(session, customer_id)
    now = clock.now()
    request = DataRequest(customer_id=customer_id, kind=kind, channel="staff", status="open", requested_at=now,
                          verified_at=now, handled_by=actor.label, note=note, attempts=0, result={},
                          due_on=due_on(clock.today_in(WorkCalendar().timezone),
                                        settings_of(session).deadline_working_days))
    session.add(request)
    session.flush()
    audit(session, actor, "privacy.request", "data_request", request.id, {"kind": kind})
    return request


def list_requests(session: Session, *, status: str | None = None, offset: int = 0, limit: int = 50
                  ) -> tuple[list[DataRequest], int]:
    """Requests, the earliest deadline first (unverified ones are not shown to staff)."""
    from sqlalchemy import func

    where = [DataRequest.status != "unverified"] + ([DataRequest.status == status] if status else [])
    total = session.scalar(select(func.count(DataRequest.id)).where(*where))
    rows = session.scalars(select(DataRequest).where(*where).order_by(DataRequest.status != "open",
                                                                       DataRequest.due_on, DataRequest.id)
                           .offset(offset).limit(limit))
    return list(rows), int(total or 0)


def get_request(session: Session, request_id: int) -> DataRequest:
    request = session.get(DataRequest, request_id)
    if request is None or request.status == "unverified":
        raise NotFound("request_not_found", f"request: no data request {request_id}", field="request")
    return request
