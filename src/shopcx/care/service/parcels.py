"""Delivery care: carrier scans, each parcel's milestones against its promise, the buyer's tracking page by signed
link, and the staff list of late and stalled parcels.

A parcel that is late or stalled gets one apology message with its tracking link (`apologise_for_late`, run hourly
by the care job), queued through messaging, which applies the buyer's consent, quiet hours and caps; the message
key (purpose "care_parcel", the customer, the shipment) makes it one per shipment however often the job runs.

A tracking link is "<order id>.<expiry>" signed with HMAC-SHA256 under the site's key and its own purpose prefix
(core/tokens.py, clear layout: no other signature made with that key can pass for it); it carries no personal data.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...core import clock, i18n, tokens
from ...core.errors import InvalidInput, NotFound
from ...messaging import service as messaging
from ...orders import service as orders
from ...staff.service import Actor, audit
from ..models import parcels as rules
from ..repository import calls, customers_by_id
from ..tables import ParcelScan

_PURPOSE = b"shopcx.tracking-link.v1:"
LINK_DAYS = 60
STALL_HOURS = 48
SCAN_STATUSES = ("in_transit", "out_for_delivery")
APOLOGY_PURPOSE = "care_parcel"
APOLOGY_CHANNELS = ("email", "sms")  # the first the buyer can be reached on; e-mail when neither (logged as skipped)
# Only parcels shipped in the last APOLOGY_WINDOW_DAYS get an apology: an imported history holds shipments whose
# delivery was never recorded, and an apology for a parcel sent months ago is noise (or wrong: it did arrive).
APOLOGY_WINDOW_DAYS = 30
# Order statuses in which the parcel may still be on its way ("paid": the platform has not yet moved a shipped order
# on, or only part of it shipped). A cancelled, refunded, delivered or completed order is past apologising for.
APOLOGY_ORDER_STATUSES = ("paid", "shipped")


def tracking_token(order_id: int, *, days: int = LINK_DAYS) -> str:
    """A signed link token to one order's tracking page."""
    return tokens.sign_token(_PURPOSE, order_id, expires=clock.now() + timedelta(days=days), clear=True)


def verify_token(token: str) -> int:
    """The order id of a valid, unexpired token; NotFound otherwise (answered like a missing page)."""
    return tokens.read_id(_PURPOSE, token, clear=True,
                          invalid=NotFound("tracking_link_invalid", "this tracking link is not valid"),
                          expired=NotFound("tracking_link_invalid", "this tracking link has expired"))[0]


def record_scan(session: Session, shipment_id: int, status: str, at: datetime, *, location: str | None = None,
                source: str = "api", actor: Actor) -> ParcelScan | None:
    """A carrier status update (idempotent on shipment, status and time); None when it was already stored."""
    actor.require("orders:write")
    if status not in SCAN_STATUSES:
        raise InvalidInput("invalid_scan_status", f"status: '{status}' is not one of {', '.join(SCAN_STATUSES)}",
                           field="status", values={"value": status})
    at = clock.as_utc(at)
    if at is None or at.tzinfo is None:
        raise InvalidInput("naive_time", "at: give the scan time with its timezone", field="at")
    existing = calls.scans_of(session, [shipment_id]).get(shipment_id, [])
    if any(s.status == status and s.at == at for s in existing):
        return None
    scan = ParcelScan(shipment_id=shipment_id, status=status, at=at, location=(location or None), source=source)
    session.add(scan)
    session.flush()
    audit(session, actor, "care.scan", "shipment", shipment_id, {"status": status})
    return scan


def _state(shipment, scans, now: datetime, stall_hours: int) -> rules.ParcelState:
    return rules.parcel_state(shipped_at=shipment.shipped_at, promised_at=shipment.promised_at,
                              delivered_at=shipment.delivered_at, damaged=bool(shipment.damaged),
                              scans=[rules.Scan(s.status, s.at, s.location) for s in scans], now=now,
                              stall_hours=stall_hours)


def tracking(session: Session, order_id: int, *, now: datetime | None = None) -> dict:
    """The order's parcels and their milestones, for the buyer's page."""
    now = now or clock.now()
    order = orders.get_order(session, order_id)
    shipments = calls.shipments_of(session, order.id)
    scans = calls.scans_of(session, [s.id for s in shipments])
    parcels = [{"shipment": s, "state": _state(s, scans.get(s.id, []), now, STALL_HOURS)} for s in shipments]
    return {"order": order, "parcels": parcels}


def attention(session: Session, shop, *, stall_hours: int = STALL_HOURS, now: datetime | None = None,
              delivered_days: int = 7) -> list[dict]:
    """Parcels to act on: late, at risk of missing the promise or stalled (undelivered), and those delivered late
    or damaged in the last `delivered_days` days; the latest first."""
    if not 1 <= int(stall_hours) <= 24 * 30:
        raise InvalidInput("out_of_range", "stall_hours: 1–720 hours", field="stall_hours")
    now = now or clock.now()
    open_ = calls.open_parcels(session, shop.id, shipped_before=now)
    done = calls.late_delivered(session, shop.id, now - timedelta(days=delivered_days))
    scans = calls.scans_of(session, [s.id for s, _ in open_ + done])
    out = []
    for shipment, order in open_ + done:
        state = _state(shipment, scans.get(shipment.id, []), now, int(stall_hours))
        if state.late or state.at_risk or state.stalled or shipment.damaged:
            out.append({"shipment": shipment, "order": order, "state": state,
                        "token": tracking_token(order.id)})
    return out


def apologise_for_late(session: Session, shop, *, stall_hours: int = STALL_HOURS, now: datetime | None = None) -> int:
    """Queue one apology with the tracking link for each undelivered parcel shipped in the last APOLOGY_WINDOW_DAYS
    whose order is still under way and that is late or stalled (none twice: the message key is per shipment); how
    many were queued now."""
    now = now or clock.now()
    found = []
    open_ = calls.open_parcels(session, shop.id, shipped_before=now,
                               shipped_since=now - timedelta(days=APOLOGY_WINDOW_DAYS),
                               order_statuses=APOLOGY_ORDER_STATUSES)
    scans = calls.scans_of(session, [s.id for s, _ in open_])
    for shipment, order in open_:
        state = _state(shipment, scans.get(shipment.id, []), now, stall_hours)
        if order.customer_id is not None and (state.late or state.stalled):
            found.append((shipment, order, state))
    if not found:
        return 0
    ids = list({order.customer_id for _, order, _ in found})
    blocked = {channel: messaging.unreachable(session, shop.id, ids, channel, purpose=APOLOGY_PURPOSE)
               for channel in APOLOGY_CHANNELS}
    people = customers_by_id(session, ids)
    drafts = []
    for shipment, order, state in found:
        customer = people.get(order.customer_id)
        locale = messaging.preferred_locale(customer)
        channel = next((c for c in APOLOGY_CHANNELS if order.customer_id not in blocked[c]), APOLOGY_CHANNELS[0])
        promised = clock.as_utc(shipment.promised_at)
        values = {"name": (customer.name if customer else None) or i18n.t("care.parcel.apology_buyer", locale),
                  "shop": shop.name, "order": order.external_id,
                  "promised": promised.astimezone(ZoneInfo(shop.timezone)).strftime("%Y-%m-%d %H:%M") if promised
                  else "—",
                  "url": f"{messaging.public_url()}/track/{tracking_token(order.id)}?lang={locale}"}
        kind = "late" if state.late else "stalled"
        drafts.append(messaging.Draft(shop.id, order.customer_id, APOLOGY_PURPOSE, f"shipment-{shipment.id}", channel,
                                      i18n.t(f"care.parcel.apology_{kind}", locale, **values),
                                      i18n.t("care.parcel.apology_subject", locale, **values), locale=locale,
                                      ref_type="shipment", ref_id=shipment.id))
    return sum(q.created for q in messaging.queue_messages(session, drafts))
