"""Writes batches of complete orders with bulk statements, keeping id maps between batches.

Identity: an order is (shop, source, external id); a line is (order, its position in the order in file
order), never its content, so identical lines stay separate lines. An order already stored is left as it
is (its rows count as unchanged) unless the file moves its status forward along the transition table, in
which case the status, its history and a refund the platform reports are brought up to date.
Customers are matched by (source, external id), then by phone, then by email (as `upsert_customer` does);
products by (shop, sku).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, literal, update
from sqlalchemy.orm import Session

from ..core import clock
from ..core.money import format_minor
from ..customers.models import Customer, CustomerConsent, CustomerIdentity
from ..orders.models import Order, OrderLine, OrderStatusChange, Product, Refund, Shipment
from ..orders.rules import PAID_STATUSES, REPORTED_REFUND_ID, can_transition
from . import bulk, repository
from .formats.base import Line, OrderHead

LINE_COLUMNS = ("order_id", "line_no", "product_id", "sku", "name", "quantity", "unit_price_amount", "total_amount")
ORDER_COLUMNS = ("shop_id", "source", "external_id", "customer_id", "kind", "status", "currency", "goods_amount",
                 "shipping_amount", "discount_amount", "paid_amount", "refunded_amount", "item_count", "buyer_name",
                 "ship_country", "ship_province", "ship_city", "buyer_note", "placed_at", "paid_at", "completed_at",
                 "created_at", "updated_at", "tax_amount", "taxes_included", "lines_missing")
PRODUCT_COLUMNS = ("shop_id", "sku", "name", "category", "price_amount", "currency", "is_active", "created_at",
                   "updated_at")
HISTORY_COLUMNS = ("order_id", "from_status", "to_status", "at", "actor", "reason")
REFUND_COLUMNS = ("order_id", "external_id", "kind", "amount", "currency", "reason", "requested_at", "completed_at")
SHIPMENT_COLUMNS = ("order_id", "carrier", "tracking_no", "shipped_at", "delivered_at", "damaged")
CUSTOMER_COLUMNS = ("id", "name", "nickname", "phone", "email", "gender", "birthday_is_leap_month", "country",
                    "province", "city", "preferences", "created_at", "updated_at")
IDENTITY_COLUMNS = ("customer_id", "shop_id", "source", "external_id", "created_at")
CONSENT_COLUMNS = ("customer_id", "channel", "granted", "source", "changed_at")
REFUND_ID = REPORTED_REFUND_ID  # the external id of the refund total a platform export reports for an order


@dataclass
class Counts:
    stored: int = 0
    unchanged: int = 0
    orders_created: int = 0
    customers_created: int = 0
    placed_from: datetime | None = None
    placed_to: datetime | None = None
    rejects: list[tuple[int, str | None, str, str]] = field(default_factory=list)


def _conflict(found: tuple, head: OrderHead, lines: list[Line]) -> tuple[str, str] | None:
    """(field, reason) when the file's figures for a stored order differ from the stored ones. A file states no
    update time of its own, so it cannot be known to be newer: the order is rejected with what differs, never
    counted as unchanged (the API and webhook take a later `updated_at`, orders/service.py)."""
    _, _, goods_stored, shipping_stored, discount_stored, paid_stored = found
    goods = (head.goods_amount or 0) if head.lines_missing else sum(line[6] for line in lines)
    paid = head.paid_amount if head.paid_amount is not None else \
        goods + head.shipping_amount - head.discount_amount + (0 if head.taxes_included else head.tax_amount)
    said = [(name, old, new) for name, old, new in (("goods_amount", goods_stored, goods),
                                                    ("shipping_amount", shipping_stored, head.shipping_amount),
                                                    ("discount_amount", discount_stored, head.discount_amount),
                                                    ("paid_amount", paid_stored, paid)) if old != new]
    if not said:
        return None
    money = ", ".join(f"{name} {format_minor(old, head.currency or 'CNY')} stored, "
                      f"{format_minor(new, head.currency or 'CNY')} in this file" for name, old, new in said)
    return said[0][0], (f"order {head.external_id} is already stored with other figures ({money}); a file has no "
                        "update time to prove it newer, so nothing was changed / 订单已存在且金额不同，未更新")


def delivered_at(head: OrderHead) -> datetime | None:
    """When a shipped order reached the buyer, as far as the file tells: its receipt confirmation (确认收货, a
    completed order's completion time); never before it was shipped."""
    if head.completed_at is None or head.status not in ("completed", "refunded"):
        return None
    return max(head.completed_at, head.shipped_at) if head.shipped_at else head.completed_at


def _dated(head: OrderHead, status: str) -> datetime | None:
    """The file's own time for reaching a status, if it has one."""
    return {"pending": head.placed_at, "paid": head.paid_at, "shipped": head.shipped_at,
            "delivered": head.completed_at, "completed": head.completed_at}.get(status)


def status_history(head: OrderHead, fallback: datetime) -> list[tuple[str | None, str, datetime]]:
    """The order's status changes dated by the file (placed, paid, shipped, received), ending in its status.

    Each step follows the transition table; a step the file gives no time for takes the previous step's time
    (a cancellation or refund: the last time the file knows), and times never go backwards. An order whose file
    has no time at all for a step keeps `fallback` (the import's time) only where nothing earlier is known."""
    status = head.status
    chain: list[str] = ["pending"]
    if status in PAID_STATUSES or head.paid_at is not None and status != "pending":
        chain.append("paid")
    if head.shipped_at is not None and status in ("shipped", "delivered", "completed", "refunded"):
        chain.append("shipped")
    elif status in ("shipped", "delivered"):
        chain.append("shipped")
    if status == "delivered":
        chain.append("delivered")
    if status == "completed" or (status == "refunded" and head.completed_at is not None):
        chain.append("completed")
    if status in ("cancelled", "refunded"):
        chain.append(status)
    steps: list[tuple[str | None, str, datetime]] = []
    last = None
    for before, after in zip([None, *chain], chain, strict=False):
        at = _dated(head, after) or last or head.placed_at or fallback
        if last is not None and at < last:
            at = last
        steps.append((before, after, at))
        last = at
    return steps


class OrderWriter:
    """One job's writer: `write` stores one batch of whole orders in the caller's transaction."""

    def __init__(self, *, shop_id: int | None, source: str, job_id: int, dry_run: bool,
                 identities: dict[str, int], products: dict[str, int]):
        self.shop_id = shop_id
        self.job_id = job_id
        self.source = source
        self.actor = f"import:job {job_id}"
        self.dry_run = dry_run
        self.identities = identities
        self.products = products

    def write(self, session: Session, batch: list[tuple[OrderHead, list[Line]]]) -> Counts:
        counts = Counts()
        repository.touch_job(session, self.job_id)
        if not self.dry_run:
            repository.lock_source(session, self.source)
        existing = {} if self.shop_id is None else repository.existing_orders(
            session, self.shop_id, self.source, [head.external_id for head, _ in batch])
        new, advancing = [], []
        for head, lines in batch:
            found = existing.get(head.external_id)
            if found is None:
                new.append((head, lines))
            elif (conflict := _conflict(found, head, lines)) is not None:
                # An order-level row (no lines) is rejected as one row; its file line is not kept, hence 0.
                counts.rejects.extend((line[0], conflict[0], f"line {line[0]}: {conflict[1]}"[:255], "")
                                      for line in (lines or [(0,)]))
            elif found[1] != head.status and can_transition(found[1], head.status):
                advancing.append((found[:2], head))
                counts.stored += len(lines) or 1
            else:
                counts.unchanged += len(lines) or 1
        counts.customers_created = self._customers(session, new)
        counts.orders_created = len(new)
        counts.stored += sum(len(lines) or 1 for _, lines in new)  # an order-level row (no lines) is one row
        if new:
            counts.placed_from = min(head.placed_at for head, _ in new)
            counts.placed_to = max(head.placed_at for head, _ in new)
        if self.dry_run:
            return counts
        self._products(session, new)
        created = self._orders(session, new)
        # An order another import stored meanwhile was not inserted: its rows are unchanged, not stored.
        for head, lines in new:
            if head.external_id not in created:
                counts.orders_created -= 1
                counts.stored -= len(lines) or 1
                counts.unchanged += len(lines) or 1
        self._advance(session, advancing)
        return counts

    def _customers(self, session: Session, new: list[tuple[OrderHead, list[Line]]]) -> int:
        """Make sure every buyer of the new orders has a customer id; returns how many were created."""
        wanted: dict[str, OrderHead] = {}
        for head, _ in new:
            key = head.customer_key
            if key is not None and key not in self.identities and key not in wanted:
                wanted[key] = head
        if not wanted:
            return 0
        # Buyers another import or the API stored since this job read its identity map.
        for key, customer_id in repository.identity_ids(session, self.source, wanted).items():
            self.identities[key] = customer_id
            del wanted[key]
        if not wanted:
            return 0
        by_phone, by_email = repository.customers_by_contacts(
            session, {h.customer_phone for h in wanted.values() if h.customer_phone},
            {h.customer_email for h in wanted.values() if h.customer_email})
        now = clock.now()
        links: list[tuple[str, int | str]] = []  # (key, customer id or the key of a customer made in this batch)
        to_create: dict[str, OrderHead] = {}
        made_by_contact: dict[str, str] = {}  # phone or email of a customer made in this batch -> its key
        for key, head in wanted.items():
            known = by_phone.get(head.customer_phone) or by_email.get(head.customer_email)
            if known is not None:
                links.append((key, known))
                continue
            # Two new buyers sharing a phone or email are one person, as upsert_customer would see them.
            twin = made_by_contact.get(head.customer_phone) or made_by_contact.get(head.customer_email)
            if twin is None:
                twin = key
                to_create[key] = head
                for contact in (head.customer_phone, head.customer_email):
                    if contact:
                        made_by_contact[contact] = key
            links.append((key, twin))
        if self.dry_run:
            for key, _ in links:
                self.identities[key] = -1
            return len(to_create)
        ids = bulk.allocate_ids(session, Customer.__table__, len(to_create))
        made = dict(zip(to_create, ids, strict=True))
        bulk.copy_rows(session, Customer.__table__, CUSTOMER_COLUMNS, [
            (made[key], h.customer_name, key if self.source == "taobao" else None, h.customer_phone,
             h.customer_email, "unknown", False, h.customer_country, h.customer_province, h.customer_city, {}, now,
             now) for key, h in to_create.items()])
        identity_rows = []
        for key, target in links:
            customer_id = made[target] if isinstance(target, str) else target
            self.identities[key] = customer_id
            identity_rows.append((customer_id, self.shop_id, self.source, key, now))
        bulk.copy_rows(session, CustomerIdentity.__table__, IDENTITY_COLUMNS, identity_rows)
        bulk.copy_rows(session, CustomerConsent.__table__, CONSENT_COLUMNS, [
            (made[key], "email", h.accepts_marketing, self.source, now)
            for key, h in to_create.items() if h.accepts_marketing is not None])
        return len(to_create)

    def _products(self, session: Session, new: list[tuple[OrderHead, list[Line]]]) -> None:
        missing: dict[str, tuple[Line, str]] = {}
        products = self.products
        for head, lines in new:
            for line in lines:
                sku = line[1]
                if sku is not None and sku not in products and sku not in missing:
                    missing[sku] = (line, head.currency)
        if not missing:
            return
        now = clock.now()
        rows = [(self.shop_id, sku, line[2] or sku, line[3], line[5], currency, True, now, now)
                for sku, (line, currency) in missing.items()]
        inserted = bulk.insert_new(session, Product.__table__, PRODUCT_COLUMNS, rows, ("shop_id", "sku"), ("sku", "id"))
        products.update(inserted)
        if len(inserted) < len(missing):  # made by someone else meanwhile
            products.update(repository.product_ids(session, self.shop_id, [s for s in missing if s not in products]))

    def _orders(self, session: Session, new: list[tuple[OrderHead, list[Line]]]) -> set[str]:
        """Insert the orders, their lines, first status, refunds and shipments; returns the external ids stored."""
        if not new:
            return set()
        now = clock.now()
        shop_id, source, identities, actor = self.shop_id, self.source, self.identities, self.actor
        product_of = self.products.get
        rows, line_rows, history, refunds, shipments = [], [], [], [], []
        add_line = line_rows.append
        for (head, lines), order_id in zip(new, bulk.allocate_ids(session, Order.__table__, len(new)), strict=True):
            goods = items = position = 0
            for line in lines:  # one pass: the order's totals and its line rows
                position += 1
                quantity, total = line[4], line[6]
                goods += total
                if quantity > 0:
                    items += quantity
                add_line((order_id, position, product_of(line[1]), line[1], line[2], quantity, line[5], total))
            if head.lines_missing:
                goods = head.goods_amount or 0
            paid = head.paid_amount if head.paid_amount is not None else \
                goods + head.shipping_amount - head.discount_amount + (0 if head.taxes_included else head.tax_amount)
            completed = head.completed_at or (head.placed_at if head.status == "completed" else None)
            rows.append((
                order_id, shop_id, source, head.external_id, identities.get(head.customer_key), head.kind,
                head.status, head.currency, goods, head.shipping_amount, head.discount_amount, paid,
                head.refunded_amount, items, head.buyer_name, head.ship_country, head.ship_province, head.ship_city,
                head.buyer_note, head.placed_at, head.paid_at, completed, now, now, head.tax_amount,
                head.taxes_included, head.lines_missing))
            history.extend((order_id, before, after, at, actor, "imported")
                           for before, after, at in status_history(head, now))
            if head.refunded_amount > 0:
                refunds.append(self._refund(order_id, head))
            if head.carrier or head.tracking_no or head.shipped_at:
                shipments.append((order_id, head.carrier, head.tracking_no, head.shipped_at, delivered_at(head),
                                  False))
        inserted = bulk.insert_ignoring(session, Order.__table__, ("id",) + ORDER_COLUMNS, rows,
                                        ("shop_id", "source", "external_id"))
        if inserted is not None:
            # Another import stored some of these orders meanwhile: keep only what belongs to ours.
            line_rows = [row for row in line_rows if row[0] in inserted]
            history, refunds, shipments = ([row for row in table if row[0] in inserted]
                                           for table in (history, refunds, shipments))
        bulk.copy_rows(session, OrderLine.__table__, LINE_COLUMNS, line_rows)
        bulk.copy_rows(session, OrderStatusChange.__table__, HISTORY_COLUMNS, history)
        bulk.copy_rows(session, Refund.__table__, REFUND_COLUMNS, refunds)
        bulk.copy_rows(session, Shipment.__table__, SHIPMENT_COLUMNS, shipments)
        return {row[3] for row in rows if inserted is None or row[0] in inserted}

    def _refund(self, order_id: int, head: OrderHead) -> tuple:
        at = head.completed_at or head.paid_at or head.placed_at
        return (order_id, REFUND_ID, "refund_only", head.refunded_amount, head.currency,
                "reported by the platform export", at, at)

    def _advance(self, session: Session, advancing: list[tuple[tuple[int, str], OrderHead]]) -> None:
        """Move stored orders forward to the status the file reports, recording each change."""
        if not advancing:
            return
        now = clock.now()
        orders = Order.__table__
        refunded = repository.orders_with_refund(session, [oid for (oid, _), _ in advancing], REFUND_ID)
        history, refunds = [], []
        for (order_id, current), head in advancing:
            paid_at = head.paid_at or (head.placed_at if head.status in PAID_STATUSES else None)
            completed = head.completed_at or (now if head.status == "completed" else None)
            values = {"status": head.status, "updated_at": now}
            if paid_at is not None:
                values["paid_at"] = func.coalesce(orders.c.paid_at, literal(paid_at, orders.c.paid_at.type))
            if completed is not None:
                values["completed_at"] = func.coalesce(orders.c.completed_at,
                                                       literal(completed, orders.c.completed_at.type))
            if head.refunded_amount > 0 and order_id not in refunded:
                refunds.append(self._refund(order_id, head))
                values["refunded_amount"] = case((orders.c.refunded_amount < head.refunded_amount,
                                                  head.refunded_amount), else_=orders.c.refunded_amount)
            session.execute(update(orders).where(orders.c.id == order_id).values(**values))
            received = delivered_at(head)
            if received is not None:  # the buyer confirmed receipt: the parcel is no longer in transit
                shipment = Shipment.__table__
                session.execute(update(shipment).where(shipment.c.order_id == order_id,
                                                       shipment.c.delivered_at.is_(None))
                                .values(delivered_at=received))
            history.append((order_id, current, head.status, _dated(head, head.status) or now, self.actor, "import"))
        bulk.copy_rows(session, OrderStatusChange.__table__, HISTORY_COLUMNS, history)
        bulk.copy_rows(session, Refund.__table__, REFUND_COLUMNS, refunds)
