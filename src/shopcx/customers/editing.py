"""Editing one known customer (the API's PUT): the upsert's rules without its look-up. Flushes only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import clock
from ..core.errors import Conflict, InvalidInput
from ..staff.service import Actor, audit
from . import repository, service
from .models import Customer, CustomerAnniversary, CustomerIdentity
from .schemas import CustomerIn

# Plain columns copied as given; everything else needs normalising or lives in a child table.
_PLAIN = ("name", "nickname", "country", "province", "city", "note")


def update_customer(session: Session, customer: Customer, data: CustomerIn, *, shop_id: int | None = None,
                    actor: Actor) -> Customer:
    """Apply the fields present in data (null clears, absent keeps, tags are replaced); audited."""
    given = data.model_fields_set
    phone = service.normalize_phone(data.phone)
    email = service.normalize_email(data.email)
    if (data.source is None) != (data.external_id is None):
        raise InvalidInput("invalid_identity", "external_id: source and external_id go together",
                           field="external_id")
    if data.source and data.external_id:
        owner = repository.by_identity(session, data.source, data.external_id)
        if owner is not None and owner.id != customer.id:
            raise Conflict("identity_taken", f"external_id: {data.source} '{data.external_id}' already "
                           f"belongs to customer {owner.id}", field="external_id")
        if owner is None:
            session.add(CustomerIdentity(customer_id=customer.id, shop_id=shop_id, source=data.source,
                                         external_id=data.external_id, created_at=clock.now()))
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
        customer.tags = [t for t in customer.tags if t.tag in wanted]
        for tag in sorted(wanted - {t.tag for t in customer.tags}):
            service.add_tag(session, customer, tag)
    for channel, granted in (data.consents or {}).items():
        service.set_consent(session, customer, channel, granted, source=data.source or "api")
    for ann in data.anniversaries or []:
        if not any(a.kind == ann.kind and a.on == ann.on for a in customer.anniversaries):
            customer.anniversaries.append(CustomerAnniversary(kind=ann.kind, on=ann.on, label=ann.label))
    customer.updated_at = clock.now()
    session.flush()
    session.refresh(customer)
    audit(session, actor, "customer.update", "customer", customer.id, data.model_dump(mode="json",
                                                                                      exclude_unset=True))
    return customer

