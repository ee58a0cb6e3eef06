"""All queries of the shops domain: webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import WebhookDelivery


def delivery(session: Session, shop_id: int, key: str) -> WebhookDelivery | None:
    stmt = select(WebhookDelivery).where(WebhookDelivery.shop_id == shop_id, WebhookDelivery.delivery_key == key)
    return session.scalar(stmt)


def latest_version(session: Session, shop_id: int, object_type: str, object_id: str) -> datetime | None:
    """The newest `updated_at` applied for one platform object."""
    stmt = select(func.max(WebhookDelivery.object_updated_at)).where(
        WebhookDelivery.shop_id == shop_id, WebhookDelivery.object_type == object_type,
        WebhookDelivery.object_id == object_id, WebhookDelivery.applied.is_(True))
    return session.scalar(stmt)


def order_of_object(session: Session, shop_id: int, object_id: str) -> int | None:
    """The ShopCX order a platform order id was stored as (through an earlier delivery)."""
    stmt = select(WebhookDelivery.order_id).where(
        WebhookDelivery.shop_id == shop_id, WebhookDelivery.object_type == "order",
        WebhookDelivery.object_id == object_id, WebhookDelivery.order_id.is_not(None)).limit(1)
    return session.scalar(stmt)


def customer_of_object(session: Session, shop_id: int, object_id: str) -> int | None:
    """The ShopCX customer a platform customer id was stored as (through an earlier customers/* delivery)."""
    stmt = select(WebhookDelivery.customer_id).where(
        WebhookDelivery.shop_id == shop_id, WebhookDelivery.object_type == "customer",
        WebhookDelivery.object_id == object_id, WebhookDelivery.customer_id.is_not(None)).limit(1)
    return session.scalar(stmt)
