"""Export and erasure across every domain (each through its face's `privacy` module), and retention."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import timedelta

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from .. import domains
from ..core import clock, events, jobs
from ..core.errors import Conflict
from ..core.events import OutboxEvent
from ..core.privacy import Erasure
from ..core.search import contains
from ..customers import service as customers
from ..staff.service import Actor, audit
from .models import DataRequest, PiiView
from .service import settings_of


def blockers(session: Session, customer_id: int) -> list[str]:
    """What must be confirmed before erasing (open tickets …), from every domain."""
    found = []
    for face in domains.FACES:
        part = face.privacy_part("blockers")
        if part is not None:
            found += part(session, customer_id)
    return found


def phone_spellings(phone: str | None) -> list[str]:
    """E.164 and the ways people write the same number in free text (national number, without '+')."""
    if not phone:
        return []
    import phonenumbers

    try:
        national = str(phonenumbers.parse(phone).national_number)
    except phonenumbers.NumberParseException:
        national = None
    return [p for p in (phone, phone.lstrip("+"), national) if p]


def identifiers(customer) -> list[str]:
    """The strings that identify the customer: name, nickname, phone (as written), e-mail and platform ids."""
    return [customer.name, customer.nickname, *phone_spellings(customer.phone), customer.email,
            *(i.external_id for i in customer.identities)]


def _scrub_outbox(session: Session, erasure: Erasure) -> None:
    forms = {f for n in erasure.needles for f in (n, json.dumps(n)[1:-1])}
    if not forms:
        return
    text = cast(OutboxEvent.payload, Text)
    for event in session.scalars(select(OutboxEvent).where(or_(*(contains(text, f) for f in forms)))):
        event.payload = erasure.scrub_json(event.payload)


def erase_customer(session: Session, customer_id: int, *, actor: Actor, confirmed: bool = False,
                   request: DataRequest | None = None) -> dict:
    """Remove or replace the buyer's identifying data everywhere (amounts and ledger lines stay), emit
    `customer_erased` and run every handler now; the audit log records that an erasure happened, not what."""
    customer = customers.get_customer(session, customer_id)
    waiting = blockers(session, customer.id)
    if waiting and not confirmed:
        raise Conflict("erase_needs_confirmation",
                       f"confirm: the customer has {len(waiting)} open item(s) ({'; '.join(waiting)[:200]}); "
                       "confirm to erase anyway", field="confirm")
    erasure = Erasure.of(customer.id, identifiers(customer))
    for face in domains.FACES:
        face.erase(session, erasure)
    _scrub_outbox(session, erasure)
    event = events.emit(session, "customer_erased", "customer", customer.id, customer_id=customer.id)
    session.flush()
    jobs.handle_now(session, event)
    audit(session, actor, "customer.erase", "customer", customer.id, {"request": request.id if request else None})
    if request is not None:
        request.status, request.done_at, request.handled_by = "done", clock.now(), actor.label
        request.result = {"erased": True, "open_items_confirmed": len(waiting)}
    session.flush()
    return {"customer_id": customer.id, "open_items_confirmed": len(waiting)}


def export_tables(session: Session, customer_id: int) -> dict[str, list[dict]]:
    """Everything every domain holds about the buyer, as rows per table, plus the views of their data by staff."""
    customers.get_customer(session, customer_id)
    tables: dict[str, list[dict]] = {}
    for face in domains.FACES:
        tables.update(face.export(session, customer_id))
    tables["pii_view"] = [{"at": v.at.isoformat(), "by": v.actor, "fields": v.fields, "where": v.place}
                          for v in session.scalars(select(PiiView).where(PiiView.customer_id == customer_id))]
    return tables


def export_zip(session: Session, customer_id: int, *, actor: Actor, request: DataRequest | None = None) -> bytes:
    """A zip with one JSON file of everything and a CSV per table (UTF-8 with BOM, opens in Excel); audited."""
    tables = export_tables(session, customer_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(tables, ensure_ascii=False, indent=1, default=str))
        for name, rows in tables.items():
            if not rows:
                continue
            out = io.StringIO()
            writer = csv.DictWriter(out, fieldnames=list(rows[0]), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v
                                 for k, v in row.items()})
            archive.writestr(f"{name}.csv", "\ufeff" + out.getvalue())
    audit(session, actor, "customer.export", "customer", customer_id, {"request": request.id if request else None})
    if request is not None:
        request.status, request.done_at, request.handled_by = "done", clock.now(), actor.label
        request.result = {"tables": {k: len(v) for k, v in tables.items() if v}}
    session.flush()
    return buffer.getvalue()


def log_pii_view(session: Session, actor_label: str, customer_id: int, fields: list[str], place: str) -> None:
    """Record that a staff member saw a customer's full phone or e-mail."""
    if fields:
        session.add(PiiView(at=clock.now(), actor=actor_label, customer_id=customer_id, fields=",".join(fields),
                            place=place[:200]))
        session.flush()


def log_export_view(session: Session, actor_label: str, export: str, customers: int, fields: list[str],
                    place: str) -> None:
    """Record that a staff member took an export showing customers' contacts or words unmasked: one row per file,
    naming the export and how many customers it carried (not one row per customer)."""
    if fields and customers:
        session.add(PiiView(at=clock.now(), actor=actor_label, customer_id=None, customers=customers,
                            fields=",".join(fields)[:80], place=f"{export} {place}"[:200]))
        session.flush()


def pii_log(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[PiiView], int]:
    """Every view of personal data by staff, newest first (the privacy page's log): one page and the total."""
    total = session.scalar(select(func.count(PiiView.id))) or 0
    return list(session.scalars(select(PiiView).order_by(PiiView.at.desc(), PiiView.id.desc())
                                .offset(offset).limit(limit))), total


def pii_views(session: Session, customer_id: int, limit: int = 50) -> list[PiiView]:
    return list(session.scalars(select(PiiView).where(PiiView.customer_id == customer_id)
                                .order_by(PiiView.at.desc()).limit(limit)))


def apply_retention(session: Session) -> dict[str, int]:
    """Delete raw import rows and message bodies older than the configured days (every domain's `expire`)."""
    settings, now = settings_of(session), clock.now()
    done = {}
    for face in domains.FACES:
        part = face.privacy_part("expire")
        if part is not None:
            done[face.name] = part(session, raw_before=now - timedelta(days=settings.raw_rows_days),
                                   messages_before=now - timedelta(days=settings.message_days))
    return done
