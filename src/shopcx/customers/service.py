"""Customer use cases: upsert from any source, consent, tags. Services flush; they never commit."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from ..core import clock, db
from ..core.errors import Conflict, InvalidInput, NotFound
from ..staff.service import Actor, audit
from . import repository, rules
from .models import (
    CONSENT_CHANNELS,
    Customer,
    CustomerAnniversary,
    CustomerConsent,
    CustomerIdentity,
    CustomerTag,
)
from .schemas import CustomerIn, CustomerOut, LunarBirthday

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(raw: str | None, field: str = "phone", region: str | None = None) -> str | None:
    """The phone in E.164; a number without country code belongs to region (the shop's country, default CN)."""
    return rules.normalize_phone(raw, field, region)


def region_of(session: Session, shop_id: int | None) -> str | None:
    """The country whose local phone numbers a shop's buyers write (None: the default)."""
    if shop_id is None:
        return None
    from ..shops import service as shops

    return shops.get_shop_by_id(session, shop_id).country


def normalize_email(raw: str | None, field: str = "email") -> str | None:
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip().lower()
    if not _EMAIL.match(text):
        raise InvalidInput("invalid_email", f"{field}: '{raw}' is not an email address", field=field)
    return text


def find_customer(session: Session, data: CustomerIn, *, phone: str | None, email: str | None) -> Customer | None:
    """The stored person this data describes: by platform identity, then by phone, then by email."""
    if data.source and data.external_id:
        found = repository.by_identity(session, data.source, data.external_id)
        if found is not None:
            return found
    if phone:
        found = repository.by_phone(session, phone)
        if found is not None:
            return found
    if email:
        return repository.by_email(session, email)
    return None


# Plain columns copied as given; everything else needs normalising or lives in a child table.
_PLAIN = ("name", "nickname", "country", "province", "city", "note")


def _check_identity(data: CustomerIn) -> None:
    if (data.source is None) != (data.external_id is None):
        raise InvalidInput("invalid_identity", "external_id: source and external_id go together",
                           field="external_id")


def _apply(session: Session, customer: Customer, data: CustomerIn, *, phone: str | None, email: str | None,
           replace_tags: bool) -> None:
    """Copy the fields present in data onto customer: null clears, absent keeps."""
    given = data.model_fields_set
    for key in _PLAIN:
        if key in given:
            setattr(customer, key, getattr(data, key))
    if "gender" in given:
        customer.gender = data.gender or "unknown"
    if "phone" in given:
        customer.phone = phone
    if "email" in given:
        customer.email = email
    if "birthday" in given:
        customer.birthday_on = data.birthday
    if "birthday_lunar" in given:
        lunar = data.birthday_lunar
        customer.birthday_lunar_month = lunar.month if lunar else None
        customer.birthday_lunar_day = lunar.day if lunar else None
        customer.birthday_is_leap_month = lunar.leap_month if lunar else False
    if data.preferences is not None:
        customer.preferences = {**(customer.preferences or {}), **data.preferences}
    if data.tags is not None:
        wanted = {tag.strip() for tag in data.tags}
        if replace_tags:
            customer.tags = [t for t in customer.tags if t.tag in wanted]
        for tag in sorted(wanted - {t.tag for t in customer.tags}):
            add_tag(session, customer, tag)
    for channel, granted in (data.consents or {}).items():
        set_consent(session, customer, channel, granted, source=data.source or "api")
    for ann in data.anniversaries or []:
        if not any(a.kind == ann.kind and a.on == ann.on for a in customer.anniversaries):
            customer.anniversaries.append(CustomerAnniversary(kind=ann.kind, on=ann.on, label=ann.label))
    customer.updated_at = clock.now()


def _add_identity(session: Session, customer: Customer, data: CustomerIn, shop_id: int | None) -> None:
    if data.source and data.external_id and not any(
            i.source == data.source and i.external_id == data.external_id for i in customer.identities):
        session.add(CustomerIdentity(customer_id=customer.id, shop_id=shop_id, source=data.source,
                                     external_id=data.external_id, created_at=clock.now()))


def upsert_customer(session: Session, data: CustomerIn, *, shop_id: int | None = None,
                    actor: Actor | None, region: str | None = None) -> tuple[Customer, bool]:
    """Create or update a customer; returns (customer, created). Tags are added; staff changes are audited.

    The same person sent several times at once is stored once: on PostgreSQL the upserts wait for each other on
    locks of the person's keys (identity, phone, email), and an identity stored first by another writer is read
    again instead of failing.
    """
    phone = normalize_phone(data.phone, region=region or region_of(session, shop_id))
    email = normalize_email(data.email)
    _check_identity(data)
    if not (data.external_id or phone or email or data.name):
        raise InvalidInput("customer_unidentified", "external_id: a customer needs an external_id, phone, email "
                           "or name", field="external_id")
    keys = [f"customer:identity:{data.source}:{data.external_id}" if data.external_id else None,
            f"customer:phone:{phone}" if phone else None, f"customer:email:{email}" if email else None]
    db.xact_lock(session, *[key for key in keys if key])
    return db.savepoint_retrying(session, lambda: _upsert_customer(session, data, phone=phone, email=email,
                                                                   shop_id=shop_id, actor=actor))


def _upsert_customer(session: Session, data: CustomerIn, *, phone: str | None, email: str | None,
                     shop_id: int | None, actor: Actor | None) -> tuple[Customer, bool]:
    customer = find_customer(session, data, phone=phone, email=email)
    created = customer is None
    if created:
        now = clock.now()
        customer = Customer(created_at=now, updated_at=now, gender="unknown", preferences={})
        session.add(customer)
        session.flush()
    _apply(session, customer, data, phone=phone, email=email, replace_tags=False)
    _add_identity(session, customer, data, shop_id)
    session.flush()
    session.refresh(customer)
    if actor is not None:
        audit(session, actor, "customer.create" if created else "customer.update", "customer", customer.id,
              data.model_dump(mode="json", exclude_unset=True))
    return customer, created


def update_customer(session: Session, customer: Customer, data: CustomerIn, *, shop_id: int | None = None,
                    actor: Actor) -> Customer:
    """Edit one known customer (the API's PUT): null clears, absent keeps, tags are replaced; audited."""
    phone = normalize_phone(data.phone, region=region_of(session, shop_id))
    email = normalize_email(data.email)
    _check_identity(data)
    if data.source and data.external_id:
        owner = repository.by_identity(session, data.source, data.external_id)
        if owner is not None and owner.id != customer.id:
            raise Conflict("identity_taken", f"external_id: {data.source} '{data.external_id}' already "
                           f"belongs to customer {owner.id}", field="external_id")
    _apply(session, customer, data, phone=phone, email=email, replace_tags=True)
    _add_identity(session, customer, data, shop_id)
    session.flush()
    session.refresh(customer)
    audit(session, actor, "customer.update", "customer", customer.id, data.model_dump(mode="json", exclude_unset=True))
    return customer


def get_customer(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        raise NotFound("customer_not_found", f"customer: no customer with id {customer_id}", field="customer")
    return customer


def add_tag(session: Session, customer: Customer, tag: str, *, actor: Actor | None = None) -> None:
    tag = tag.strip()
    if not tag or len(tag) > 64:
        raise InvalidInput("invalid_tag", "tag: must be 1–64 characters", field="tag")
    if tag not in {t.tag for t in customer.tags}:
        customer.tags.append(CustomerTag(tag=tag))
        session.flush()
        if actor is not None:
            audit(session, actor, "customer.tag_add", "customer", customer.id, {"tag": tag})


def remove_tag(session: Session, customer: Customer, tag: str, *, actor: Actor) -> None:
    if tag in {t.tag for t in customer.tags}:
        customer.tags = [t for t in customer.tags if t.tag != tag]
        session.flush()
        audit(session, actor, "customer.tag_remove", "customer", customer.id, {"tag": tag})


def set_consent(session: Session, customer: Customer, channel: str, granted: bool, *, source: str,
                actor: Actor | None = None) -> None:
    """Record consent (or its withdrawal) for one marketing channel."""
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput("invalid_channel", f"channel: '{channel}' is not one of {', '.join(CONSENT_CHANNELS)}",
                           field="channel")
    current = next((c for c in customer.consents if c.channel == channel), None)
    if current is None:
        customer.consents.append(CustomerConsent(channel=channel, granted=granted, source=source,
                                                 changed_at=clock.now()))
    elif current.granted != granted:
        current.granted, current.source, current.changed_at = granted, source, clock.now()
    else:
        return
    session.flush()
    if actor is not None:
        audit(session, actor, "customer.consent", "customer", customer.id, {channel: granted})


def to_out(customer: Customer) -> CustomerOut:
    """The API view of a customer."""
    lunar = None
    if customer.birthday_lunar_month:
        lunar = LunarBirthday(month=customer.birthday_lunar_month, day=customer.birthday_lunar_day or 1,
                              leap_month=customer.birthday_is_leap_month)
    return CustomerOut(
        id=customer.id, name=customer.name, nickname=customer.nickname, phone=customer.phone, email=customer.email,
        gender=customer.gender, birthday=customer.birthday_on, birthday_lunar=lunar, country=customer.country,
        province=customer.province, city=customer.city, tags=sorted(t.tag for t in customer.tags),
        consents={c.channel: c.granted for c in customer.consents}, preferences=customer.preferences or {},
        identities=customer.identities, created_at=customer.created_at, updated_at=customer.updated_at)


def count_customers(session: Session, *, shop_id: int | None = None) -> int:
    """Customers not erased, or those known to one shop."""
    return repository.count(session, shop_id=shop_id)


def customers_by_ids(session: Session, customer_ids: list[int]) -> dict[int, Customer]:
    """The customers with these ids (erased ones too: callers decide), with identities and consents loaded."""
    return repository.by_ids(session, customer_ids)


def set_birthday(session: Session, customer: Customer, *, solar=None, lunar: LunarBirthday | None = None) -> None:
    """Record the birthday the buyer keeps: a solar date or a lunar month/day (one replaces the other), or none.
    The birthday care moment reads the lunar one only when no solar date is stored, so both are never kept."""
    if solar is not None and lunar is not None:
        raise InvalidInput("invalid_birthday_kind", "birthday: give a solar or a lunar birthday, not both",
                           field="birthday")
    customer.birthday_on = solar
    customer.birthday_lunar_month = lunar.month if lunar else None
    customer.birthday_lunar_day = lunar.day if lunar else None
    customer.birthday_is_leap_month = lunar.leap_month if lunar else False
    customer.updated_at = clock.now()
    session.flush()


def set_preferences(session: Session, customer: Customer, values: dict) -> None:
    """Merge values into the customer's stated preferences (language, muted message topics …)."""
    customer.preferences = {**(customer.preferences or {}), **values}
    customer.updated_at = clock.now()
    session.flush()
