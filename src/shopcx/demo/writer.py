"""Store a generated shop in bulk, keeping every invariant the order service keeps.

Going through `orders.service.upsert_order` was measured at 6.7 ms per order on SQLite (~44 s for the default
6,662 orders, with every history row stamped with today's time); the demo writes Core inserts in batches
instead (~2 s), like an importer. What the service would guarantee is kept
here: a status history row per transition, each checked against `orders.rules.can_transition`;
goods = Σ line totals; paid = goods + shipping − discount for paid orders (0 otherwise); refunded = Σ refunds,
each refund's lines summing to its amount; status 'refunded' exactly when everything paid came back.
Like a bulk import, the history enters the outbox as one `orders_imported` event, not one event per
historical transition (handlers would otherwise send surveys and care messages for two-year-old orders).
"""

from __future__ import annotations

from sqlalchemy import delete, exists, func, or_, select
from sqlalchemy.orm import Session

from ..core import events
from ..core.errors import Conflict, NotFound
from ..core.security import generate_password
from ..customers.models import Customer, CustomerAnniversary, CustomerConsent, CustomerIdentity, CustomerTag
from ..customers.rules import normalize_phone
from ..orders import rules
from ..orders.models import Order, OrderLine, OrderStatusChange, Product, Refund, RefundLine, Shipment
from ..shops import service as shops
from ..shops.models import Shop
from ..staff import service as staff
from ..staff.service import Actor, audit
from . import catalog
from .bulk import Progress, Stored, batches, insert_ids, insert_rows
from .records import SOURCE, DemoShop
from .review_writer import delete_reviews

DEMO_ACTOR = Actor(label="demo", role="owner")
SHOP_NAME = "小雅生活馆（演示）"
COUNTRY = "中国"
CONSENT_SOURCE = {"sms": "checkout", "wechat": "wechat", "email": "signup"}


def demo_usernames(shop_code: str) -> dict[str, str]:
    """role -> sign-in name of the sample staff of a demo shop ('demo-owner', 'demo-agent', …)."""
    return {role: f"{shop_code}-{role}" for role in staff.ROLES}


def prepare_shop(session: Session, code: str, *, reset: bool, timezone: str) -> tuple[Shop, dict]:
    """The shop to fill: created when missing; one that already has orders is refused unless reset."""
    try:
        shop = shops.get_shop(session, code)
    except NotFound:
        return shops.create_shop(session, code=code, name=SHOP_NAME, platform="taobao", timezone=timezone,
                                 currency="CNY"), {}
    if shop.currency != "CNY":
        raise Conflict("demo_currency", f"shop: '{code}' is in {shop.currency}; the demo shop sells in CNY",
                       field="shop")
    orders = session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id)) or 0
    if not orders:
        return shop, {}
    if not reset:
        raise Conflict("demo_exists", f"shop: '{code}' already has {orders:,} orders. Run `shopcx demo "
                       "--reset` to delete its demo data and generate it again, or choose another --shop.",
                       field="shop")
    return shop, delete_demo(session, shop)


def delete_demo(session: Session, shop: Shop) -> dict:
    """Delete what the generator wrote into shop; refuse if the shop also holds orders from elsewhere."""
    foreign = session.scalar(select(func.count(Order.id)).where(Order.shop_id == shop.id,
                                                                Order.source != SOURCE))
    if foreign:
        raise Conflict("not_a_demo_shop", f"shop: '{shop.code}' holds {foreign:,} orders the demo did not "
                       "generate; --reset only deletes demo data. Choose another --shop.", field="shop")
    quiet = {"synchronize_session": False}
    order_ids = select(Order.id).where(Order.shop_id == shop.id).scalar_subquery()
    refund_ids = select(Refund.id).where(Refund.order_id.in_(order_ids)).scalar_subquery()
    reviews = delete_reviews(session, order_ids)
    session.execute(delete(RefundLine).where(RefundLine.refund_id.in_(refund_ids)), execution_options=quiet)
    for model in (Refund, Shipment, OrderStatusChange, OrderLine):
        session.execute(delete(model).where(model.order_id.in_(order_ids)), execution_options=quiet)
    session.execute(delete(events.OutboxEvent).where(events.OutboxEvent.aggregate == "order",
                                                     events.OutboxEvent.aggregate_id.in_(order_ids)),
                    execution_options=quiet)
    orders = session.execute(delete(Order).where(Order.shop_id == shop.id), execution_options=quiet).rowcount
    # Customers the demo made for this shop, unless someone else knows them or they bought elsewhere.
    elsewhere = exists().where(CustomerIdentity.customer_id == Customer.id,
                               or_(CustomerIdentity.source != SOURCE, CustomerIdentity.shop_id != shop.id))
    ids = list(session.scalars(select(Customer.id).where(
        exists().where(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.source == SOURCE,
                       CustomerIdentity.shop_id == shop.id),
        ~elsewhere, ~exists().where(Order.customer_id == Customer.id)).order_by(Customer.id)))
    for batch in batches(ids):
        for model in (CustomerTag, CustomerConsent, CustomerAnniversary, CustomerIdentity):
            session.execute(delete(model).where(model.customer_id.in_(batch)), execution_options=quiet)
        session.execute(delete(Customer).where(Customer.id.in_(batch)), execution_options=quiet)
    skus = [p[0] for p in catalog.PRODUCTS]  # products added through the API stay
    products = session.execute(delete(Product).where(Product.shop_id == shop.id, Product.sku.in_(skus)),
                               execution_options=quiet).rowcount
    counts = {"orders": orders, "customers": len(ids), "products": products, "reviews": reviews}
    audit(session, DEMO_ACTOR, "demo.reset", "shop", shop.id, counts)
    session.expire_all()
    return counts


def store(session: Session, shop: Shop, demo: DemoShop, progress: Progress | None = None) -> Stored:
    """Write products, customers and orders of demo into shop in batches (bulk.BATCH rows)."""
    tick = progress or (lambda _what, _n, _total: None)
    opened = demo.window.moment(0, 0)
    ids = insert_ids(session, Product.__table__, [
        {"shop_id": shop.id, "sku": sku, "name": name, "category": category, "price_amount": price,
         "currency": "CNY", "is_active": True, "created_at": opened, "updated_at": opened}
        for sku, name, category, price, _ in demo.products])
    product_ids = dict(zip([p[0] for p in demo.products], ids, strict=True))
    last_order = {}
    for order in demo.orders:
        last_order[order.person] = max(last_order.get(order.person, order.placed_at), order.placed_at)
    taken = _taken_nicks(session, [p.nick for p in demo.people])
    if taken:
        raise Conflict("demo_customers_exist", f"customers: {len(taken):,} customers of seed {demo.seed} "
                       f"already exist (e.g. '{taken[0]}'), probably in another demo shop; "
                       "use another --seed.", field="seed")
    customer_ids: list[int] = []
    for batch in batches(demo.people):
        first = len(customer_ids)
        ids = insert_ids(session, Customer.__table__, [_customer_row(p, last_order.get(first + i))
                                                        for i, p in enumerate(batch)])
        pairs = list(zip(ids, batch, strict=True))
        insert_rows(session, CustomerIdentity.__table__, [
            {"customer_id": cid, "shop_id": shop.id, "source": SOURCE, "external_id": p.nick,
             "created_at": p.created_at} for cid, p in pairs])
        insert_rows(session, CustomerTag.__table__, [{"customer_id": cid, "tag": tag}
                                                 for cid, p in pairs for tag in p.tags])
        insert_rows(session, CustomerConsent.__table__, [
            {"customer_id": cid, "channel": channel, "granted": granted, "source": CONSENT_SOURCE[channel],
             "changed_at": p.created_at} for cid, p in pairs for channel, granted in p.consents.items()])
        insert_rows(session, CustomerAnniversary.__table__, [
            {"customer_id": cid, "kind": kind, "label": label, "on_date": on}
            for cid, p in pairs for kind, label, on in p.anniversaries])
        customer_ids += ids
        tick("customers", len(batch), len(demo.people))
    stored = Stored(product_ids, customer_ids)
    for batch in batches(demo.orders):
        _store_orders(session, shop, demo, batch, stored)
        tick("orders", len(batch), len(demo.orders))
    placed = [o.placed_at for o in demo.orders]
    # The same payload as an import job's, so handlers treat the generated history like an imported one.
    details = {"format": "demo", "shop_id": shop.id, "source": SOURCE, "seed": demo.seed,
               "orders_created": len(demo.orders), "customers_created": len(demo.people),
               "placed_from": min(placed).isoformat() if placed else None,
               "placed_to": max(placed).isoformat() if placed else None}
    events.emit(session, "orders_imported", "shop", shop.id, **details)
    audit(session, DEMO_ACTOR, "demo.generate", "shop", shop.id, details)
    session.flush()
    return stored


def _taken_nicks(session: Session, nicks: list[str]) -> list[str]:
    """Which of these buyer names are already the identity of a stored customer."""
    taken: list[str] = []
    for batch in batches(nicks):
        taken += session.scalars(select(CustomerIdentity.external_id).where(
            CustomerIdentity.source == SOURCE, CustomerIdentity.external_id.in_(batch)).order_by(
            CustomerIdentity.external_id))
    return taken


def _customer_row(p, last_order) -> dict:
    lunar = p.lunar or (None, None, False)
    return {"name": p.name, "nickname": p.nick, "phone": normalize_phone(p.phone), "email": p.email, "gender": p.gender,
            "birthday_on": p.birthday_on, "birthday_lunar_month": lunar[0], "birthday_lunar_day": lunar[1],
            "birthday_is_leap_month": lunar[2], "country": COUNTRY, "province": p.province, "city": p.city,
            "preferences": p.preferences, "note": None, "erased_at": None, "created_at": p.created_at,
            "updated_at": max(p.created_at, last_order or p.created_at)}


def check_order(order) -> None:
    """The invariants orders.service keeps, asserted before anything is written."""
    goods = sum(line.total for line in order.lines)
    status = order.status
    if goods != order.goods or any(line.total != line.quantity * line.unit_price for line in order.lines):
        raise ValueError(f"order {order.external_id}: goods amount is not the sum of its lines")
    if order.paid != (goods + order.shipping - order.discount if status in rules.PAID_STATUSES else 0):
        raise ValueError(f"order {order.external_id}: paid amount does not match its status {status}")
    fully_refunded = order.paid > 0 and order.refunded == order.paid
    if order.refunded > order.paid or (status == "refunded") != fully_refunded:
        raise ValueError(f"order {order.external_id}: refunds do not match its status {status}")
    if any(sum(amount for _, _, amount in r.lines) != r.amount for r in order.refunds):
        raise ValueError(f"order {order.external_id}: refund lines do not add up to the refund")
    previous = None
    for step in order.history:
        if step.from_status != previous or not rules.can_transition(previous, step.to_status):
            raise ValueError(f"order {order.external_id}: {previous} cannot become {step.to_status}")
        previous = step.to_status


def _store_orders(session: Session, shop: Shop, demo: DemoShop, batch, ids: Stored) -> None:
    customer_ids, product_ids = ids.customers, ids.products
    first = len(ids.orders)
    for order in batch:
        check_order(order)
    people = demo.people
    order_ids = insert_ids(session, Order.__table__, [
        {"shop_id": shop.id, "customer_id": customer_ids[o.person], "source": SOURCE,
         "external_id": o.external_id, "kind": "sale", "status": o.status, "currency": "CNY",
         "goods_amount": o.goods, "shipping_amount": o.shipping, "discount_amount": o.discount,
         "paid_amount": o.paid, "refunded_amount": o.refunded, "item_count": sum(x.quantity for x in o.lines),
         "buyer_name": people[o.person].name, "ship_country": COUNTRY,
         "ship_province": people[o.person].province, "ship_city": people[o.person].city,
         "buyer_note": o.buyer_note, "placed_at": o.placed_at, "paid_at": o.paid_at,
         "completed_at": o.completed_at, "created_at": o.placed_at, "updated_at": o.updated_at}
        for o in batch])
    stored = list(zip(order_ids, batch, strict=True))
    line_ids = insert_ids(session, OrderLine.__table__, [
        {"order_id": oid, "line_no": x.line_no, "product_id": product_ids[x.sku], "sku": x.sku,
         "name": x.name, "quantity": x.quantity, "unit_price_amount": x.unit_price, "total_amount": x.total}
        for oid, o in stored for x in o.lines])
    keys = [(oid, x.line_no) for oid, o in stored for x in o.lines]
    line_id = dict(zip(keys, line_ids, strict=True))
    ids.orders += order_ids
    ids.lines.update(((first + i, x.line_no), line_id[(oid, x.line_no)])
                     for i, (oid, o) in enumerate(stored) for x in o.lines)
    insert_rows(session, OrderStatusChange.__table__, [
        {"order_id": oid, "from_status": s.from_status, "to_status": s.to_status, "at": s.at,
         "actor": DEMO_ACTOR.label, "reason": s.reason} for oid, o in stored for s in o.history])
    insert_rows(session, Shipment.__table__, [
        {"order_id": oid, "carrier": s.carrier, "tracking_no": s.tracking_no, "shipped_at": s.shipped_at,
         "promised_at": s.promised_at, "delivered_at": s.delivered_at, "damaged": s.damaged, "note": None}
        for oid, o in stored if (s := o.shipment) is not None])
    refunds = [(oid, r) for oid, o in stored for r in o.refunds]
    refund_ids = insert_ids(session, Refund.__table__, [
        {"order_id": oid, "external_id": r.external_id, "kind": r.kind, "amount": r.amount, "currency": "CNY",
         "reason": r.reason, "requested_at": r.requested_at, "completed_at": r.completed_at}
        for oid, r in refunds])
    insert_rows(session, RefundLine.__table__, [
        {"refund_id": rid, "order_line_id": line_id[(oid, no)], "quantity": qty, "amount": amount}
        for rid, (oid, r) in zip(refund_ids, refunds, strict=True) for no, qty, amount in r.lines])


def ensure_staff(session: Session, shop_code: str, demo: DemoShop, *,
                 reset: bool) -> list[tuple[str, str, str | None]]:
    """One sample user per role with a generated password; existing ones keep theirs unless reset.

    Returns (role, username, password or None when unchanged).
    """
    existing = {user.username: user for user in staff.list_users(session)}
    names = dict(demo.staff)
    result = []
    for role, username in demo_usernames(shop_code).items():
        user = existing.get(username)
        if user is not None and not reset:
            result.append((role, username, None))
            continue
        password = generate_password()
        if user is None:
            staff.create_user(session, username=username, password=password, role=role,
                              display_name=names.get(role, username), locale="zh", actor=DEMO_ACTOR)
        else:
            staff.set_password(session, user, password, actor=DEMO_ACTOR)
        result.append((role, username, password))
    return result
