"""Every care query: the audience over the customer-value scores and the customer record, the recipients queue,
campaign results, bought-together baskets, call tasks and parcels. Reads of other domains' tables are here only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Text, and_, bindparam, cast, exists, false, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...customers.models import Customer, CustomerConsent, CustomerIdentity, CustomerTag
from ...insights.tables import CustomerScore
from ...loyalty.models import Coupon, CouponUse, LoyaltyAccount
from ...orders.models import Order, OrderLine, Product
from ..models.audience import Audience, needs_scores
from ..tables import CareCampaign, CareMoment, CareRecipient, CareTemplate, ProductPair

CONSENT_FOR = {"email": "email", "sms": "sms", "wechat": "wechat", "agent": "phone"}


def muted(dialect: str, key: str, topic: str):
    """True for a customer whose preferences list `topic` under `key` (the topics muted on the preference page,
    a JSON list in customer.preferences). PostgreSQL reads the JSON only where its text names the key (the two
    conditions of one AND are evaluated in order), so the customers who never muted anything (nearly all) cost a
    LIKE on a short text, not a JSON parse, and the planner, which estimates a LIKE as rare, keeps its plan."""
    if dialect == "postgresql":
        listed = cast(Customer.preferences, JSONB)[key].contains([topic])
        return and_(cast(Customer.preferences, Text).like(f'%"{key}"%'), func.coalesce(listed, false()))
    items = func.json_each(Customer.preferences, f"$.{key}").table_valued("value")
    return and_(func.json_type(Customer.preferences, f"$.{key}") == "array",
                exists(select(literal(1)).select_from(items).where(items.c.value == topic)))


def audience_select(shop_id: int, run_id: int | None, audience: Audience, *, columns=None,
                    run_of_shop: bool = False, muted_topic=None):
    """SELECT customer ids (or `columns`) of the audience: the scored customers of the run when the filter reads
    scores, else the shop's customers; never erased ones, nor (with `muted_topic`, an expression from `muted`)
    those who muted the message's topic. A run of this shop only scored its customers, and a tier is a
    membership of this shop, so either makes the shop's identity check unnecessary (the costly part)."""
    cols = columns if columns is not None else (Customer.id,)
    stmt = select(*cols).select_from(Customer).where(Customer.erased_at.is_(None))
    if muted_topic is not None:
        stmt = stmt.where(~muted_topic)
    in_shop = exists().where(CustomerIdentity.customer_id == Customer.id, CustomerIdentity.shop_id == shop_id)
    if needs_scores(audience):
        if run_id is None:
            return stmt.where(False)
        stmt = stmt.join(CustomerScore, and_(CustomerScore.customer_id == Customer.id, CustomerScore.run_id == run_id))
        if audience.segments:
            stmt = stmt.where(CustomerScore.segment.in_(audience.segments))
        if audience.stages:
            stmt = stmt.where(CustomerScore.stage.in_(audience.stages))
        for value, column, op in ((audience.last_order_min_days, CustomerScore.recency_days, "ge"),
                                  (audience.last_order_max_days, CustomerScore.recency_days, "le"),
                                  (audience.p_alive_min, CustomerScore.p_alive, "ge"),
                                  (audience.p_alive_max, CustomerScore.p_alive, "le"),
                                  (audience.clv_min_amount, CustomerScore.clv_amount, "ge"),
                                  (audience.clv_max_amount, CustomerScore.clv_amount, "le")):
            if value is not None:
                stmt = stmt.where(column >= value if op == "ge" else column <= value)
    scoped = bool(audience.tiers) or (run_of_shop and needs_scores(audience))
    if not scoped:
        stmt = stmt.where(in_shop)
    if audience.tiers:
        stmt = stmt.where(exists().where(LoyaltyAccount.customer_id == Customer.id, LoyaltyAccount.shop_id == shop_id,
                                         LoyaltyAccount.tier_code.in_(audience.tiers)))
    for tag in audience.tags:
        stmt = stmt.where(exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag == tag))
    if audience.consent:
        stmt = stmt.where(exists().where(CustomerConsent.customer_id == Customer.id,
                                         CustomerConsent.channel == CONSENT_FOR[audience.channel],
                                         CustomerConsent.granted.is_(True)))
    return stmt


def count_audience(session: Session, shop_id: int, run_id: int | None, audience: Audience, *,
                   run_of_shop: bool = False, muted_topic: str | None = None) -> int:
    """How many customers the audience holds now."""
    inner = audience_select(shop_id, run_id, audience, run_of_shop=run_of_shop,
                            muted_topic=_muted_of(session, muted_topic)).subquery()
    return session.scalar(select(func.count()).select_from(inner)) or 0


def sample_audience(session: Session, shop_id: int, run_id: int | None, audience: Audience, *, ids: Sequence[int],
                    run_of_shop: bool = False, muted_topic: str | None = None) -> int:
    """How many customers of the audience have one of these ids (a sample, written into the query as numbers)."""
    picked = Customer.id.in_(bindparam("sample_ids", sorted(ids), type_=BigInteger, expanding=True,
                                       literal_execute=True))
    inner = audience_select(shop_id, run_id, audience, run_of_shop=run_of_shop,
                            muted_topic=_muted_of(session, muted_topic)).where(picked)
    return session.scalar(select(func.count()).select_from(inner.subquery())) or 0


def customer_ids_range(session: Session) -> tuple[int, int] | None:
    """The lowest and highest customer id (the primary key's two ends: no scan), None without customers."""
    low, high = session.execute(select(func.min(Customer.id), func.max(Customer.id))).one()
    return None if low is None else (int(low), int(high))


def _muted_of(session: Session, topic: str | None):
    if topic is None:
        return None
    from ...messaging.service import MUTED_KEY

    return muted(session.get_bind().dialect.name, MUTED_KEY, topic)


def audience_ids(session: Session, shop_id: int, run_id: int | None, audience: Audience, *,
                 run_of_shop: bool = False, muted_topic: str | None = None) -> list[int]:
    """The audience's customer ids, ascending."""
    return list(session.scalars(audience_select(shop_id, run_id, audience, run_of_shop=run_of_shop,
                                                muted_topic=_muted_of(session, muted_topic))
                                .order_by(Customer.id)))


def insert_recipients(session: Session, rows: Sequence[dict]) -> int:
    """Insert queue rows, skipping any (source, source_id, occasion, customer) already there; returns how many new."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(CareRecipient).values(list(rows)).on_conflict_do_nothing(
        index_elements=["source", "source_id", "occasion", "customer_id"]).returning(CareRecipient.id)
    return len(session.execute(stmt).all())


def recipients_of(session: Session, source: str, source_id: int, *, occasion: str | None = None,
                  status: str | None = None, offset: int = 0, limit: int | None = None) -> list[CareRecipient]:
    """The queue rows of one campaign or moment (optionally one occasion or status), by id."""
    stmt = select(CareRecipient).where(CareRecipient.source == source, CareRecipient.source_id == source_id)
    if occasion:
        stmt = stmt.where(CareRecipient.occasion == occasion)
    if status:
        stmt = stmt.where(CareRecipient.status == status)
    stmt = stmt.order_by(CareRecipient.id).offset(offset)
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def group_counts(session: Session, source: str, source_id: int) -> dict[tuple[str, str], int]:
    """(group, status) → people."""
    rows = session.execute(select(CareRecipient.grp, CareRecipient.status, func.count())
                           .where(CareRecipient.source == source, CareRecipient.source_id == source_id)
                           .group_by(CareRecipient.grp, CareRecipient.status))
    return {(g, s): n for g, s, n in rows}


def reason_counts(session: Session, source: str, source_id: int) -> list[tuple[str, str, int]]:
    """(status, reason, people) of the treated people not sent (skipped, failed, held, or queued and waiting with a
    reason), most people first."""
    n = func.count().label("n")
    rows = session.execute(select(CareRecipient.status, CareRecipient.reason, n)
                           .where(CareRecipient.source == source, CareRecipient.source_id == source_id,
                                  CareRecipient.reason.is_not(None), CareRecipient.grp == "treatment",
                                  CareRecipient.status.in_(("skipped", "failed", "held", "queued")))
                           .group_by(CareRecipient.status, CareRecipient.reason)
                           .order_by(n.desc(), CareRecipient.reason))
    return [(status, reason, count) for status, reason, count in rows]


def due_recipients(session: Session, now: datetime, *, limit: int, source: str | None = None,
                   source_id: int | None = None) -> list[CareRecipient]:
    """Queued treatment rows whose time has come, oldest first."""
    stmt = select(CareRecipient).where(CareRecipient.status == "queued", CareRecipient.send_after <= now)
    if source:
        stmt = stmt.where(CareRecipient.source == source, CareRecipient.source_id == source_id)
    return list(session.scalars(stmt.order_by(CareRecipient.send_after, CareRecipient.id).limit(limit)))


def revenue_in_window(session: Session, source: str, source_id: int, *, window_days: int,
                      occasion: str | None = None) -> list[tuple[int, str, int, int]]:
    """(recipient id, group, paid − refunded, orders) for everyone drawn, counting the shop's sales paid from the
    moment each person was queued until `window_days` later; non-buyers with zeros."""
    where = [CareRecipient.source == source, CareRecipient.source_id == source_id]
    if occasion:
        where.append(CareRecipient.occasion == occasion)
    people = session.execute(select(CareRecipient.id, CareRecipient.grp, CareRecipient.queued_at)
                             .where(*where).order_by(CareRecipient.id)).all()
    if not people:
        return []
    first = min(p[2] for p in people)
    last = max(p[2] for p in people) + timedelta(days=window_days)
    bought = session.execute(
        select(CareRecipient.id, CareRecipient.queued_at, Order.paid_at, Order.paid_amount - Order.refunded_amount)
        .join(Order, and_(Order.customer_id == CareRecipient.customer_id, Order.shop_id == CareRecipient.shop_id))
        .where(*where, Order.kind == "sale", Order.paid_at.is_not(None), Order.paid_at >= first,
               Order.paid_at < last, Order.status != "cancelled"))
    revenue: dict[int, list[int]] = {}
    span = timedelta(days=window_days)
    for rid, queued, paid_at, amount in bought:
        if queued <= paid_at < queued + span:
            got = revenue.setdefault(rid, [0, 0])
            got[0] += int(amount)
            got[1] += 1
    return [(rid, grp, *revenue.get(rid, (0, 0))) for rid, grp, _ in people]


def coupon_cost(session: Session, codes: Sequence[str], shop_id: int) -> int:
    """Discounts given with these coupons (uses not released), minor units."""
    if not codes:
        return 0
    total = 0
    for start in range(0, len(codes), 900):
        chunk = list(codes[start:start + 900])
        total += session.scalar(select(func.coalesce(func.sum(CouponUse.discount_amount), 0))
                                .join(Coupon, Coupon.id == CouponUse.coupon_id)
                                .where(Coupon.shop_id == shop_id, Coupon.code.in_(chunk),
                                       CouponUse.released_at.is_(None))) or 0
    return int(total)


def customers_by_id(session: Session, ids: Sequence[int]) -> dict[int, Customer]:
    """Customers by id (in chunks)."""
    out: dict[int, Customer] = {}
    for start in range(0, len(ids), 900):
        for customer in session.scalars(select(Customer).where(Customer.id.in_(ids[start:start + 900]))):
            out[customer.id] = customer
    return out


def demo_customers(session: Session, ids: Sequence[int]) -> set[int]:
    """Those of these customers who are demo identities (never messaged)."""
    out: set[int] = set()
    for start in range(0, len(ids), 900):
        out |= set(session.scalars(select(CustomerIdentity.customer_id).where(
            CustomerIdentity.customer_id.in_(ids[start:start + 900]), CustomerIdentity.source == "demo")))
    return out


def last_products(session: Session, shop_id: int, ids: Sequence[int]) -> dict[int, tuple[int | None, str]]:
    """Each customer's most recently paid product in the shop: (product id, name)."""
    out: dict[int, tuple[int | None, str]] = {}
    for start in range(0, len(ids), 900):
        chunk = list(ids[start:start + 900])
        rows = session.execute(select(Order.customer_id, OrderLine.product_id, OrderLine.name)
                               .join(OrderLine, OrderLine.order_id == Order.id)
                               .where(Order.shop_id == shop_id, Order.customer_id.in_(chunk),
                                      Order.paid_at.is_not(None), Order.kind == "sale")
                               .order_by(Order.customer_id, Order.paid_at.desc(), OrderLine.line_no))
        for cid, pid, name in rows:
            out.setdefault(cid, (pid, name or ""))
    return out


def owned_products(session: Session, shop_id: int, customer_id: int) -> set[int]:
    """The products a customer has paid for in the shop."""
    return set(session.scalars(select(OrderLine.product_id).join(Order, Order.id == OrderLine.order_id)
                               .where(Order.shop_id == shop_id, Order.customer_id == customer_id,
                                      Order.paid_at.is_not(None), OrderLine.product_id.is_not(None))))


def baskets(session: Session, shop_id: int) -> Iterator[set[int]]:
    """One basket per customer: the products they paid for in the shop (streamed, customer by customer)."""
    stmt = (select(Order.customer_id, OrderLine.product_id).join(OrderLine, OrderLine.order_id == Order.id)
            .where(Order.shop_id == shop_id, Order.customer_id.is_not(None), Order.paid_at.is_not(None),
                   Order.kind == "sale", OrderLine.product_id.is_not(None))
            .order_by(Order.customer_id).execution_options(yield_per=20_000))
    current, basket = None, set()
    for cid, pid in session.execute(stmt):
        if cid != current:
            if basket:
                yield basket
            current, basket = cid, set()
        basket.add(pid)
    if basket:
        yield basket


def pairs_from(session: Session, shop_id: int, product_ids: Sequence[int]) -> list[ProductPair]:
    """The stored bought-together pairs starting at these products."""
    if not product_ids:
        return []
    return list(session.scalars(select(ProductPair).where(ProductPair.shop_id == shop_id,
                                                          ProductPair.product_id.in_(list(product_ids)[:900]))))


def product_names(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Product names by id."""
    if not ids:
        return {}
    return dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(list(ids)[:900]))).all())


def templates(session: Session, shop_id: int) -> list[CareTemplate]:
    """A shop's templates by code."""
    return list(session.scalars(select(CareTemplate).where(CareTemplate.shop_id == shop_id)
                                .order_by(CareTemplate.code)))


def campaigns(session: Session, shop_id: int | None, *, offset: int, limit: int) -> tuple[list[CareCampaign], int]:
    """One page of campaigns, newest first, and their number."""
    where = [CareCampaign.shop_id == shop_id] if shop_id else []
    total = session.scalar(select(func.count()).select_from(CareCampaign).where(*where)) or 0
    rows = session.scalars(select(CareCampaign).where(*where).order_by(CareCampaign.id.desc())
                           .offset(offset).limit(limit))
    return list(rows), total


def latest_finished_campaign(session: Session, shop_ids: list[int]) -> CareCampaign | None:
    """The campaign of these shops that finished sending last (cancelled ones left out)."""
    return session.scalars(select(CareCampaign).where(CareCampaign.shop_id.in_(shop_ids),
                                                      CareCampaign.status == "sent",
                                                      CareCampaign.finished_at.is_not(None))
                           .order_by(CareCampaign.finished_at.desc(), CareCampaign.id.desc()).limit(1)).first()


def moments(session: Session, shop_id: int) -> list[CareMoment]:
    """A shop's care moments."""
    return list(session.scalars(select(CareMoment).where(CareMoment.shop_id == shop_id).order_by(CareMoment.id)))


def sending_campaigns(session: Session) -> list[CareCampaign]:
    """Campaigns that are sending."""
    return list(session.scalars(select(CareCampaign).where(CareCampaign.status == "sending")))


def top_pairs(session: Session, shop_id: int, *, limit: int) -> list[ProductPair]:
    """The shop's strongest bought-together pairs (each pair once, A < B), by lift then by count."""
    return list(session.scalars(select(ProductPair).where(ProductPair.shop_id == shop_id,
                                                          ProductPair.product_id < ProductPair.other_id)
                                .order_by(ProductPair.lift.desc(), ProductPair.together.desc()).limit(limit)))


def count_due(session: Session) -> int:
    """Queued treated people whose time has come."""
    from ...core import clock

    return session.scalar(select(func.count()).select_from(CareRecipient).where(
        CareRecipient.status == "queued", CareRecipient.send_after <= clock.now())) or 0
