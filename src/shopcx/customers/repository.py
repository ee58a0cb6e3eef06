"""All customer queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ..core.search import contains
from ..core.security import mask_identity
from ..orders.models import Order
from .models import Customer, CustomerConsent, CustomerIdentity, CustomerTag
from .rules import phone_search_forms


def by_identity(session: Session, source: str, external_id: str) -> Customer | None:
    stmt = (select(Customer).join(CustomerIdentity)
            .where(CustomerIdentity.source == source, CustomerIdentity.external_id == external_id))
    return session.scalar(stmt)


def by_phone(session: Session, phone: str) -> Customer | None:
    stmt = select(Customer).where(Customer.phone == phone, Customer.erased_at.is_(None)).order_by(Customer.id)
    return session.scalars(stmt).first()


def by_email(session: Session, email: str) -> Customer | None:
    stmt = select(Customer).where(Customer.email == email, Customer.erased_at.is_(None)).order_by(Customer.id)
    return session.scalars(stmt).first()


def identity_map(session: Session, source: str) -> dict[str, int]:
    """external id -> customer id for one source (the importers' lookup table)."""
    stmt = select(CustomerIdentity.external_id, CustomerIdentity.customer_id).where(CustomerIdentity.source == source)
    return dict(session.execute(stmt).all())


@dataclass
class CustomerFilter:
    query: str | None = None
    tag: str | None = None
    shop_id: int | None = None
    consent_channel: str | None = None
    has_orders: bool | None = None
    country: str | None = None
    # Searching by phone or email reveals whether a contact exists; only for viewers allowed to see contacts.
    by_contacts: bool = True
    region: str | None = None  # the country of phone numbers written without a country code


def _filtered(stmt, flt: CustomerFilter):
    stmt = stmt.where(Customer.erased_at.is_(None))
    if flt.query:
        q = flt.query.strip()
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [contains(Customer.name, q), contains(Customer.nickname, q)]
        if flt.by_contacts or mask_identity(q) == q:  # an e-mail or phone used as an identity is a contact too
            conditions.append(Customer.id.in_(select(CustomerIdentity.customer_id)
                                              .where(CustomerIdentity.external_id == q)))
        if flt.by_contacts:
            conditions.append(contains(Customer.email, q))
        if flt.by_contacts and len(digits) >= 3:
            conditions.append(Customer.phone.like(f"%{digits}%"))
            # "0086 173-1067-3542" or "+86 17310673542" are the stored +8617310673542 written another way.
            conditions.extend(Customer.phone == form for form in phone_search_forms(q, flt.region))
        stmt = stmt.where(or_(*conditions))
    if flt.tag:
        stmt = stmt.where(exists().where(CustomerTag.customer_id == Customer.id, CustomerTag.tag == flt.tag))
    if flt.shop_id:
        stmt = stmt.where(exists().where(CustomerIdentity.customer_id == Customer.id,
                                         CustomerIdentity.shop_id == flt.shop_id))
    if flt.consent_channel:
        stmt = stmt.where(exists().where(CustomerConsent.customer_id == Customer.id,
                                         CustomerConsent.channel == flt.consent_channel,
                                         CustomerConsent.granted.is_(True)))
    if flt.has_orders is not None:
        has = exists().where(Order.customer_id == Customer.id)
        stmt = stmt.where(has if flt.has_orders else ~has)
    if flt.country:
        stmt = stmt.where(Customer.country == flt.country)
    return stmt


def search(session: Session, flt: CustomerFilter, *, offset: int, limit: int) -> tuple[list[Customer], int]:
    """One page of customers matching flt (newest first) and the total count."""
    total = session.scalar(_filtered(select(func.count(Customer.id)), flt)) or 0
    rows = session.scalars(_filtered(select(Customer), flt).order_by(Customer.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def order_stats(session: Session, customer_ids: list[int]) -> dict[int, tuple[int, int, object]]:
    """customer id -> (number of sale orders, sum paid, last order time) for a page of customers."""
    if not customer_ids:
        return {}
    stmt = (select(Order.customer_id, func.count(Order.id), func.coalesce(func.sum(Order.paid_amount), 0),
                   func.max(Order.placed_at))
            .where(Order.customer_id.in_(customer_ids), Order.kind == "sale").group_by(Order.customer_id))
    return {cid: (n, paid, last) for cid, n, paid, last in session.execute(stmt)}


def all_tags(session: Session) -> list[str]:
    return list(session.scalars(select(CustomerTag.tag).distinct().order_by(CustomerTag.tag)))


def all_countries(session: Session) -> list[str]:
    """The countries customers live in (for the list's filter)."""
    stmt = (select(Customer.country).where(Customer.country.is_not(None), Customer.erased_at.is_(None))
            .distinct().order_by(Customer.country))
    return list(session.scalars(stmt))


def count(session: Session, *, shop_id: int | None = None) -> int:
    stmt = select(func.count(Customer.id)).where(Customer.erased_at.is_(None))
    if shop_id:
        stmt = stmt.where(exists().where(CustomerIdentity.customer_id == Customer.id,
                                         CustomerIdentity.shop_id == shop_id))
    return session.scalar(stmt) or 0


def by_ids(session: Session, customer_ids: list[int]) -> dict[int, Customer]:
    """Customers by id, in chunks (a long IN list is split), identities and consents loaded with them."""
    found: dict[int, Customer] = {}
    ids = list(dict.fromkeys(customer_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found |= {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(chunk)))}
    return found
