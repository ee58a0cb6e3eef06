"""The shops domain's part of an erasure: the platform's customer id in the webhook deliveries of an erased
customer is replaced by a one-way hash, so a later `customers/update` for that id finds no one and makes a new
customer (who comes back with new consent), and nothing identifying stays in the delivery log. The deliveries of
orders name the order, not the person, and stay."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.privacy import Erasure
from .models import WebhookDelivery


def erase(session: Session, erasure: Erasure) -> None:
    for row in session.scalars(select(WebhookDelivery).where(WebhookDelivery.customer_id == erasure.customer_id,
                                                             WebhookDelivery.object_type == "customer")):
        digest = hashlib.sha256(f"{erasure.customer_id}:{row.object_id}".encode()).hexdigest()[:24]
        row.object_id = f"erased:{digest}"
    session.flush()


def export(session: Session, customer_id: int) -> dict[str, list[dict]]:
    return {}  # deliveries hold ids and times, nothing the buyer gave beyond what the customer record exports
