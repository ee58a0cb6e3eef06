"""The customer record's part of a buyer's data rights: export the profile, identities, tags, consent history and
anniversaries; erase by removing every identifying field and replacing platform ids by a one-way hash, so the
erased record is never matched again by an import (matching also skips erased customers)."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock
from ..core.privacy import Erasure
from ..core.rows import row_dict
from .models import Customer, CustomerAnniversary, CustomerConsent, CustomerIdentity, CustomerTag


def identifiers(session: Session, customer_id: int) -> list[str]:
    """The strings that identify the customer (what an erasure must leave nowhere)."""
    c = session.get(Customer, customer_id)
    if c is None:
        return []
    ids = session.scalars(select(CustomerIdentity.external_id).where(CustomerIdentity.customer_id == customer_id))
    return [c.name, c.nickname, c.phone, c.email, *ids]


def erase(session: Session, erasure: Erasure) -> None:
    c = session.get(Customer, erasure.customer_id)
    if c is None:
        return
    c.name = c.nickname = c.phone = c.email = c.note = c.province = c.city = None
    c.gender = "unknown"
    c.birthday_on = c.birthday_lunar_month = c.birthday_lunar_day = None
    c.preferences = {}
    c.erased_at = c.updated_at = clock.now()
    for identity in session.scalars(select(CustomerIdentity).where(CustomerIdentity.customer_id == c.id)):
        # The customer's id in the hash: a buyer who came back under the same platform id and is erased again
        # gets another hash, not a duplicate of (source, external id).
        digest = hashlib.sha256(f"{c.id}:{identity.source}:{identity.external_id}".encode()).hexdigest()[:32]
        identity.external_id = f"erased:{digest}"
    for model in (CustomerTag, CustomerAnniversary):
        for row in session.scalars(select(model).where(model.customer_id == c.id)):
            session.delete(row)
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    c = session.get(Customer, customer_id)
    if c is None:
        return {}
    return {"customer": [row_dict(c)],
            **{name: [row_dict(r) for r in session.scalars(select(model).where(model.customer_id == customer_id))]
               for name, model in (("customer_identity", CustomerIdentity), ("customer_consent", CustomerConsent),
                                   ("customer_tag", CustomerTag), ("customer_anniversary", CustomerAnniversary))}}
