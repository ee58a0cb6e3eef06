"""The sending step: each queued treated person's offer is issued (once) and their message rendered in their
language; the batch is then handed to a deliverer, which is the messaging domain in production (channels, the
buyer's rights again, quiet hours, caps, the message log, its own idempotency key).

A deliverer is `deliver(session, items) -> list[(reference, skip reason or None)]` for items of
(recipient, customer, subject, body); it may also offer `deliver.unreachable(session, recipients) -> {recipient id:
skip reason, or the time to wait until}`, asked before any coupon or points are issued (delivery.py).
Everything for one batch happens in the caller's transaction, so a crash leaves
the rows queued and the retry repeats them exactly (coupons are issued once per row, the messages keep their keys).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ...core import clock
from ...core.errors import ShopCXError
from ...loyalty.service import active, enrol
from ...loyalty.service.spending.coupons import issue_personal
from ...shops import service as shops
from ...staff.service import SYSTEM
from .. import repository
from ..tables import CareCampaign, CareMoment, CareRecipient
from .templates import customer_values, get_template, render_for, used_variables


class SkipMessage(Exception):
    """The deliverer will not send to this person (the reason is stored on the queue row)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


Deliverer = Callable[[Session, list], list]


def idempotency_key(recipient: CareRecipient) -> str:
    """The key the deliverer must honour: one message per queue row, ever."""
    return f"care:{recipient.source}:{recipient.source_id}:{recipient.occasion}:{recipient.customer_id}"


def _offer_of(source) -> dict:
    if isinstance(source, CareCampaign):
        return source.offer or {}
    amount = (source.settings or {}).get("coupon_amount") or 0
    return {"kind": "coupon", "amount_off": amount, "min_spend_amount": 0,
            "days": (source.settings or {}).get("coupon_days", 30)} if amount else {}


def _issue_offer(session: Session, shop, recipient: CareRecipient, offer: dict, label: str) -> str:
    """The offer's words for the template; the coupon code or points are stored on the row (issued once)."""
    if not offer:
        return ""
    program = active(session, shop.id)
    if program is None:
        raise SkipMessage("no_loyalty_program")
    account = enrol(session, program, recipient.customer_id)
    if offer["kind"] == "coupon":
        if not recipient.coupon_code:
            coupon = issue_personal(session, shop_id=shop.id, currency=shop.currency, account_id=account.id,
                                    kind="coupon_amount", amount_off=offer["amount_off"], percent_off=None,
                                    min_spend_amount=offer.get("min_spend_amount", 0),
                                    valid_until=clock.now() + timedelta(days=offer.get("days", 30)), name=label,
                                    created_by="care")
            recipient.coupon_code = coupon.code
        return f"{offer['amount_off'] / 100:.2f} {shop.currency}"
    if offer["kind"] == "points" and not recipient.points:
        from ...loyalty.service.points.adjustments import adjust_points

        adjust_points(session, program, account, offer["points"], f"care: {label}", actor=SYSTEM,
                      idempotency_key=idempotency_key(recipient))
        recipient.points = offer["points"]
    return f"{recipient.points}"


def _source(session: Session, recipient: CareRecipient):
    table = CareCampaign if recipient.source == "campaign" else CareMoment
    return session.get(table, recipient.source_id)


def _cached(cache: dict, key, load):
    if key not in cache:
        cache[key] = load()
    return cache[key]


def _prepare(session: Session, recipient: CareRecipient, customer, cache: dict):
    """(customer, subject, body) ready to hand over, or None when the row was settled here (held, skipped, failed).
    `cache` holds what the batch shares: sources, shops, templates and loyalty programs."""
    source = _cached(cache, (recipient.source, recipient.source_id), lambda: _source(session, recipient))
    if source is None or (isinstance(source, CareCampaign) and source.status == "cancelled"):
        recipient.status, recipient.reason = "held", "campaign_cancelled"
        return None
    if customer is None or customer.erased_at is not None:
        recipient.status, recipient.reason = "skipped", "erased"
        return None
    shop = _cached(cache, ("shop", recipient.shop_id), lambda: shops.get_shop_by_id(session, recipient.shop_id))
    program = _cached(cache, ("program", shop.id), lambda: active(session, shop.id))
    try:
        if source.template_id is None:
            raise SkipMessage("no_template")
        template = _cached(cache, ("template", source.template_id),
                           lambda: get_template(session, source.template_id))
        label = source.name if isinstance(source, CareCampaign) else f"care {source.kind}"
        nested = session.begin_nested()
        try:
            offer_text = _issue_offer(session, shop, recipient, _offer_of(source), label)
            values, language = customer_values(session, shop, customer, used=used_variables(template),
                                               coupon_code=recipient.coupon_code, offer=offer_text,
                                               extra=recipient.detail.get("values") if recipient.detail else None,
                                               program=program)
            rendered = render_for(template, values, language)
            nested.commit()
        except BaseException:
            nested.rollback()
            raise
    except SkipMessage as skip:
        recipient.status, recipient.reason = "skipped", skip.reason[:255]
        return None
    except ShopCXError as exc:  # a template error or a refused text: stored, named, never retried blindly
        recipient.status, recipient.reason = "failed", f"{exc.code}: {exc.message}"[:255]
        return None
    recipient.language, recipient.subject, recipient.body = language, rendered.subject, rendered.body
    return customer, rendered.subject, rendered.body


def _hold_or_skip(recipient: CareRecipient, why: str | datetime) -> None:
    """Before any offer is issued: skip a person the deliverer will not reach (its reason), or leave them queued
    until the frequency caps let one more message go (status "queued", counted as such)."""
    if isinstance(why, datetime):
        recipient.send_after, recipient.reason = why, "frequency_cap"
    else:
        recipient.status, recipient.reason = "skipped", why[:255]


def send_due(session: Session, deliver: Deliverer, *, now: datetime | None = None, limit: int = 500,
             source: str | None = None, source_id: int | None = None) -> dict[str, int]:
    """Prepare up to `limit` queued people whose time has come and hand them over in one batch; counts by status."""
    now = now or clock.now()
    counts: dict[str, int] = {}
    ready, cache = [], {}
    due = repository.due_recipients(session, now, limit=limit, source=source, source_id=source_id)
    people = repository.customers_by_id(session, [r.customer_id for r in due])
    check = getattr(deliver, "unreachable", None)
    blocked = check(session, due) if check and due else {}
    for recipient in due:
        if recipient.id in blocked:
            _hold_or_skip(recipient, blocked[recipient.id])
            counts[recipient.status] = counts.get(recipient.status, 0) + 1
            continue
        prepared = _prepare(session, recipient, people.get(recipient.customer_id), cache)
        if prepared is None:
            counts[recipient.status] = counts.get(recipient.status, 0) + 1
        else:
            ready.append((recipient, *prepared))
    if ready:
        for (recipient, *_), (ref, skipped) in zip(ready, deliver(session, ready), strict=True):
            recipient.message_ref = str(ref) if ref is not None else None
            if skipped:
                recipient.status, recipient.reason = "skipped", skipped[:255]
            else:
                recipient.status, recipient.sent_at, recipient.reason = "sent", clock.now(), None
            counts[recipient.status] = counts.get(recipient.status, 0) + 1
    session.flush()
    return counts


def finish_campaigns(session: Session) -> int:
    """Mark sending campaigns with nothing left queued as sent."""
    done = 0
    for campaign in repository.sending_campaigns(session):
        if not repository.recipients_of(session, "campaign", campaign.id, status="queued", limit=1):
            campaign.status, campaign.finished_at = "sent", clock.now()
            done += 1
    session.flush()
    return done
