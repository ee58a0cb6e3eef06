"""Order use cases: upsert from a platform, the one status transition method, shipments and refunds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..core import clock, db, events
from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.money import check_currency
from ..core.settings import get_settings
from ..customers import service as customers
from ..shops import service as shops
from ..shops.models import Shop
from ..staff.service import Actor, audit
from . import repository, rules
from .models import Order, OrderLine, OrderStatusChange, Product, Refund, RefundLine, Shipment
from .schemas import LineIn, OrderIn, RefundIn, ShipmentIn, UpsertResult

# The normal forward path; an update that would move an order backwards along it is a stale replay.
_STAGE = {"pending": 0, "paid": 1, "shipped": 2, "delivered": 3, "completed": 4, "cancelled": 5, "refunded": 5}


class InvalidTransition(Conflict):
    pass


def transition(session: Session, order: Order, target: str, *, actor: Actor, reason: str | None = None,
               **detail) -> None:
    """Move order to target if the transition table allows it; record it and emit its event."""
    if target not in rules.STATUSES:
        raise InvalidInput("invalid_status", f"status: '{target}' is not one of {', '.join(rules.STATUSES)}",
                           field="status")
    current = order.status
    if not rules.can_transition(current, target):
        raise InvalidTransition("invalid_transition", f"status: an order that is {current} cannot become {target}",
                                field="status")
    now = clock.now()
    order.status = target
    order.updated_at = now
    if target in rules.PAID_STATUSES and order.paid_at is None:
        order.paid_at = order.placed_at if current is None else now
    if target == "completed" and order.completed_at is None:
        order.completed_at = now
    order.history.append(OrderStatusChange(from_status=current, to_status=target, at=now, actor=actor.label,
                                           reason=reason))
    session.flush()
    events.emit(session, rules.EVENT_OF_STATUS[target], "order", order.id, shop_id=order.shop_id,
                customer_id=order.customer_id, external_id=order.external_id, status=target, **detail)


def _products_for(session: Session, shop: Shop, lines: list[LineIn], currency: str) -> dict[str, Product]:
    skus = {line.sku for line in lines if line.sku}
    known = repository.products_by_sku(session, shop.id, skus)
    now = clock.now()
    for line in lines:
        if line.sku and line.sku not in known:
            product = Product(shop_id=shop.id, sku=line.sku, name=line.name or line.sku, category=line.category,
                              price_amount=line.unit_price_amount, currency=currency, created_at=now, updated_at=now)
            session.add(product)
            known[line.sku] = product
    session.flush()
    return known


def _build_lines(session: Session, shop: Shop, data: OrderIn, currency: str) -> list[OrderLine]:
    products = _products_for(session, shop, data.lines, currency)
    built = []
    for no, line in enumerate(data.lines, start=1):
        total = line.total_amount if line.total_amount is not None else line.quantity * line.unit_price_amount
        built.append(OrderLine(line_no=no, product_id=products[line.sku].id if line.sku else None, sku=line.sku,
                               name=line.name, quantity=line.quantity, unit_price_amount=line.unit_price_amount,
                               total_amount=total))
    return built


def upsert_order(session: Session, shop: Shop, data: OrderIn, *, actor: Actor) -> UpsertResult:
    """Create the order or bring the stored one up to date; replaying the same data changes nothing.

    The same order delivered several times at once (a platform retrying a webhook) is stored once: on PostgreSQL
    the deliveries wait for each other on a lock of the order's key (SQLite's write transactions already run one
    at a time), and a buyer or product another order stored first meanwhile is read again, not a failure.
    """
    db.xact_lock(session, f"order:{shop.id}:{data.source}:{data.external_id}")
    return db.savepoint_retrying(session, lambda: _upsert_order(session, shop, data, actor=actor))


def _upsert_order(session: Session, shop: Shop, data: OrderIn, *, actor: Actor) -> UpsertResult:
    currency = check_currency(data.currency or shop.currency)
    order = repository.by_external_id(session, shop.id, data.source, data.external_id)
    if order is not None and order.currency != currency:
        raise InvalidInput("currency_mismatch", f"currency: order {data.external_id} is in {order.currency}",
                           field="currency")
    created = order is None
    changes = [] if created else _figures_changed(order, data)
    changed = created or bool(changes)
    if created:
        customer_id = None
        if data.customer is not None:
            customer, _ = customers.upsert_customer(session, data.customer, shop_id=shop.id, actor=None,
                                                    region=shop.country)
            customer_id = customer.id
        now = clock.now()
        lines = _build_lines(session, shop, data, currency)
        goods = sum(line.total_amount for line in lines)
        order = Order(shop_id=shop.id, customer_id=customer_id, source=data.source, external_id=data.external_id,
                      kind=data.kind, currency=currency, goods_amount=goods, shipping_amount=data.shipping_amount,
                      discount_amount=data.discount_amount,
                      paid_amount=data.paid_amount if data.paid_amount is not None
                      else goods + data.shipping_amount - data.discount_amount
                      + (0 if data.taxes_included else data.tax_amount),
                      refunded_amount=0, tax_amount=data.tax_amount, taxes_included=data.taxes_included,
                      item_count=sum(max(line.quantity, 0) for line in lines),
                      buyer_name=data.customer.name if data.customer else None,
                      ship_country=data.ship_country, ship_province=data.ship_province, ship_city=data.ship_city,
                      buyer_note=data.buyer_note, placed_at=data.placed_at, paid_at=data.paid_at,
                      completed_at=data.completed_at, created_at=now, updated_at=now, lines=lines,
                      source_updated_at=data.updated_at)
        session.add(order)
        transition(session, order, data.status, actor=actor, reason="created")
    elif data.status != order.status and _STAGE[data.status] > _STAGE[order.status]:
        if order.status == "pending" and data.status in rules.PAID_STATUSES and \
                not rules.can_transition(order.status, data.status):
            # Paid and shipped since the last report (a cash-on-delivery order paid on delivery): both steps.
            transition(session, order, "paid", actor=actor)
        transition(session, order, data.status, actor=actor)
        changed = True
    for shipment in data.shipments:
        changed |= record_shipment(session, order, shipment)
    for refund in data.refunds:
        changed |= record_refund(session, order, refund, actor=actor) is not None
    if changed:
        audit(session, actor, "order.create" if created else "order.update", "order", order.id,
              {"external_id": order.external_id, "status": order.status})
    return UpsertResult(order_id=order.id, created=created, changed=changed, status=order.status, changes=changes)


def _figures_changed(order: Order, data: OrderIn) -> list[str]:
    """Bring a stored order's amounts to what a re-sent one says, when the platform states a later update time;
    a conflict without one is refused with what differs (never counted as unchanged, never silently taken).
    Lines are the record of what was sold: a re-sent order with other lines is refused either way."""
    goods = sum(line.total_amount if line.total_amount is not None else line.quantity * line.unit_price_amount
                for line in data.lines)
    paid = data.paid_amount if data.paid_amount is not None else goods + data.shipping_amount - data.discount_amount
    lines_differ = len(data.lines) != len(order.lines) or goods != order.goods_amount
    wanted = {"shipping_amount": data.shipping_amount, "discount_amount": data.discount_amount, "paid_amount": paid}
    differ = {name: (getattr(order, name), value) for name, value in wanted.items() if getattr(order, name) != value}
    if not differ and not lines_differ:
        return []
    said = ", ".join([f"{name} stored {old} here {new}" for name, (old, new) in differ.items()]
                     + ([f"lines stored {len(order.lines)} for {order.goods_amount}, here {len(data.lines)} for "
                         f"{goods}"] if lines_differ else []))
    if lines_differ:
        raise Conflict("order_conflict", f"lines: order {order.external_id} is already stored with other lines "
                       f"({said}); a sold order's lines are not rewritten, record a refund or return instead",
                       field="lines")
    stored_at = clock.as_utc(order.source_updated_at)
    if data.updated_at is not None and stored_at is not None and data.updated_at < stored_at:
        return []  # a delivery older than the stored figures, arriving late: they stand, nothing to retry
    if data.updated_at is None or (stored_at is not None and data.updated_at <= stored_at):
        since = f" (stored as of {stored_at.isoformat()})" if stored_at else ""
        raise Conflict("order_conflict", f"updated_at: order {order.external_id} differs from the stored one "
                       f"({said}) and carries no later update time{since}; send the platform's updated_at to "
                       "change it", field="updated_at")
    for name, (_, new) in differ.items():
        setattr(order, name, new)
    order.source_updated_at = data.updated_at
    order.updated_at = clock.now()
    return [f"{name}: {old} -> {new}" for name, (old, new) in differ.items()]


def record_shipment(session: Session, order: Order, data: ShipmentIn) -> bool:
    """Add or update the shipment with this tracking number; returns whether anything changed."""
    shipment = next((s for s in order.shipments if data.tracking_no and s.tracking_no == data.tracking_no), None)
    if shipment is None and not data.tracking_no and order.shipments:
        shipment = order.shipments[0]
    values = data.model_dump(exclude_unset=True)
    if shipment is None:
        order.shipments.append(Shipment(**data.model_dump()))
        session.flush()
        return True
    changed = False
    for key, value in values.items():
        if getattr(shipment, key) != value:
            setattr(shipment, key, value)
            changed = True
    session.flush()
    return changed


def _supersede_reported(order: Order, data: RefundIn) -> None:
    """A platform refund with its own id takes the place of (part of) the total an export reported, so an order
    imported from a CSV and then updated by webhook does not count its refund twice."""
    reported = next((r for r in order.refunds if r.external_id == rules.REPORTED_REFUND_ID), None)
    if reported is None or data.external_id == rules.REPORTED_REFUND_ID:
        return
    take = min(reported.amount, data.amount)
    reported.amount -= take
    order.refunded_amount -= take
    if reported.amount == 0:
        order.refunds.remove(reported)


def record_refund(session: Session, order: Order, data: RefundIn, *, actor: Actor) -> Refund | None:
    """Record a refund once (by its external id); a refund of everything paid moves the order to refunded."""
    repository.lock_order(session, order)
    if any(r.external_id == data.external_id for r in order.refunds):
        return None
    _supersede_reported(order, data)
    if order.status not in rules.PAID_STATUSES:
        raise InvalidTransition("not_paid", f"refund: order {order.external_id} is {order.status}, not paid",
                                field="refunds")
    if order.refunded_amount + data.amount > order.paid_amount:
        raise InvalidInput("refund_too_large",
                           f"refunds.amount: {data.amount} exceeds what is left to refund "
                           f"({order.paid_amount - order.refunded_amount})", field="refunds.amount")
    by_no = {line.line_no: line for line in order.lines}
    refund_lines = []
    for item in data.lines:
        line = by_no.get(item.line_no)
        if line is None:
            raise InvalidInput("unknown_line", f"refunds.lines.line_no: order has no line {item.line_no}",
                               field="refunds.lines.line_no")
        if item.quantity > line.quantity:
            raise InvalidInput("refund_quantity", f"refunds.lines.quantity: line {item.line_no} has only "
                               f"{line.quantity}", field="refunds.lines.quantity")
        refund_lines.append(RefundLine(order_line_id=line.id, quantity=item.quantity, amount=item.amount))
    refund = Refund(external_id=data.external_id, kind=data.kind, amount=data.amount, currency=order.currency,
                    reason=data.reason, requested_at=data.requested_at or clock.now(), completed_at=data.completed_at,
                    lines=refund_lines)
    order.refunds.append(refund)
    order.refunded_amount += data.amount
    session.flush()
    full = order.refunded_amount >= order.paid_amount
    detail = {"refund_id": refund.id, "amount": data.amount, "full": full}
    if full and order.status != "refunded":
        transition(session, order, "refunded", actor=actor, reason=data.reason, **detail)
    else:
        events.emit(session, "order_refunded", "order", order.id, shop_id=order.shop_id,
                    customer_id=order.customer_id, external_id=order.external_id, status=order.status, **detail)
    return refund


def get_order(session: Session, order_id: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order_not_found", f"order: no order with id {order_id}", field="order")
    return order



def stats(session: Session, *, shop_code: str | None = None) -> dict:
    """Counts and net revenue of what is stored: Σ paid amount of paid orders − Σ refunds, in minor units."""
    shop_id = shops.get_shop(session, shop_code).id if shop_code else None
    figures = repository.totals(session, shop_id)
    net = {currency: int(amount) for currency, amount in figures["paid"].items()}
    refunds_total = 0
    for currency, count, amount in figures["refunds"]:
        net[currency] = net.get(currency, 0) - int(amount)
        refunds_total += count
    currencies = sorted(net)
    by_kind = figures["orders_by_kind"]
    return {
        "customers": customers.count_customers(session, shop_id=shop_id),
        "customers_with_orders": figures["customers_with_orders"],
        "orders": sum(by_kind.values()),
        "orders_by_kind": {kind: by_kind.get(kind, 0) for kind in ("sale", "return", "adjustment")},
        "order_lines": sum(figures["lines"].values()),
        "guest_order_lines": figures["guest_lines"],
        "refunds": refunds_total,
        "net_revenue_minor": net[currencies[0]] if len(currencies) == 1 else (None if currencies else 0),
        # No orders, no currency: never one that none of the stored orders has.
        "currency": currencies[0] if len(currencies) == 1 else ("MIXED" if currencies else None),
        "net_revenue_minor_by_currency": net,
        "shop": shop_code,
    }


def default_currency() -> str:
    return get_settings().default_currency


def buyer_counts(session: Session, shop_id: int) -> tuple[int, int]:
    """(customers who ordered from the shop, those who ordered twice or more): the repurchase rate's parts."""
    return repository.buyer_counts(session, shop_id)


def last_order_times(session: Session, shop_id: int, customer_ids) -> dict[int, datetime]:
    """customer id -> when their latest order in the shop was placed (UTC; none: left out)."""
    return {customer: clock.as_utc(at) for customer, at in
            repository.last_order_times(session, shop_id, sorted(set(customer_ids))).items()}


def order_facts(session: Session, order_ids: set[int]) -> dict[int, tuple[str | None, str | None]]:
    """order id -> (name of its first line's product, carrier of its latest shipment), for root-cause counts."""
    return repository.order_facts(session, sorted(order_ids))
