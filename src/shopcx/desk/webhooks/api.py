"""The desk's outgoing webhooks over JSON, twins of the webhooks tab of the desk settings (managers,
`desk:settings`): subscriptions (add, change, list), the delivery log and sending one again.

The secret is returned once, when it is set (given, or generated when left out); it is never shown again. A
subscription may carry contacts unmasked (`pii`) only when the token has `pii` itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, PageDep, SessionDep, bearer_scheme
from ...web.deps import RowId, require_scope
from . import service
from .service import EVENTS

Manager = Annotated[Actor, Depends(require_scope("desk:settings"))]
Event = Literal[EVENTS]  # type: ignore[valid-type]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(max_length=service.MAX_URL, description="http(s) address that receives the POSTs")
    events: list[Event] = Field(min_length=1, description="The desk events to send: " + ", ".join(EVENTS))
    active: bool = True
    pii: bool = Field(default=False, description="Contacts unmasked in the payload (needs `pii` yourself)")
    secret: str | None = Field(default=None, max_length=200, description=f"At least {service.MIN_SECRET} "
                               "characters; left out on a new webhook: generated and returned once")
    new_secret: bool = Field(default=False, description="Generate a new secret (returned once)")


class WebhookOut(BaseModel):
    id: int
    shop: str
    url: str
    events: list[str]
    active: bool
    pii: bool
    created_by: str
    created_at: datetime
    updated_at: datetime | None
    secret: str | None = Field(default=None, description="Only in the answer that set it")


class DeliveryOut(BaseModel):
    id: int
    webhook_id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class DeliveryPage(BaseModel):
    items: list[DeliveryOut]
    total: int
    page: int
    page_size: int


def _webhook(row, shop_code: str, secret: str | None = None) -> WebhookOut:
    return WebhookOut(id=row.id, shop=shop_code, url=row.url, events=list(row.events or ()), active=row.is_active,
                      pii=row.pii, created_by=row.created_by, created_at=row.created_at, updated_at=row.updated_at,
                      secret=secret)


def _delivery(row) -> DeliveryOut:
    return DeliveryOut(id=row.id, webhook_id=row.webhook_id, event_id=f"evt_{row.event_id}",
                       event_type=row.event_type, status=row.status, attempts=row.attempts,
                       last_status_code=row.last_status_code, last_error=row.last_error,
                       next_attempt_at=row.next_attempt_at, last_attempt_at=row.last_attempt_at,
                       delivered_at=row.delivered_at, created_at=row.created_at)


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])
_BASE = "/shops/{shop_code}/desk/webhooks"


@router.get(_BASE, response_model=list[WebhookOut])
def list_webhooks(shop_code: str, actor: Manager, session: SessionDep) -> list[WebhookOut]:
    """The shop's webhook subscriptions (secrets never shown)."""
    shop = shops.get_shop(session, shop_code)
    return [_webhook(row, shop.code) for row in service.subscriptions(session, shop.id)]


@router.post(_BASE, response_model=WebhookOut, status_code=201)
def add_webhook(shop_code: str, data: WebhookIn, actor: Manager, session: SessionDep) -> WebhookOut:
    """Subscribe an address to desk events; the answer carries the secret, once."""
    shop = shops.get_shop(session, shop_code)
    row, secret = service.save_subscription(session, shop, url=data.url, events=list(data.events), actor=actor,
                                            is_active=data.active, pii=data.pii, secret=data.secret)
    return _webhook(row, shop.code, secret)


@router.put(_BASE + "/{webhook_id}", response_model=WebhookOut)
def change_webhook(shop_code: str, webhook_id: RowId, data: WebhookIn, actor: Manager,
                   session: SessionDep) -> WebhookOut:
    """Change the address, events, on/off or contacts; a new secret (given or `new_secret`) is returned once."""
    shop = shops.get_shop(session, shop_code)
    row, secret = service.save_subscription(session, shop, webhook_id=webhook_id, url=data.url,
                                            events=list(data.events), actor=actor, is_active=data.active,
                                            pii=data.pii, secret=data.secret, new_secret=data.new_secret)
    return _webhook(row, shop.code, secret)


@router.get(_BASE + "/deliveries", response_model=DeliveryPage)
def list_deliveries(shop_code: str, actor: Manager, session: SessionDep, paging: PageDep,
                    webhook_id: Annotated[int | None, Query(ge=1)] = None,
                    status: Annotated[Literal[service.STATUSES] | None, Query()] = None) -> DeliveryPage:  # type: ignore[valid-type]
    """The delivery log, newest first: status, attempts, the last answer or error, the next try."""
    shop = shops.get_shop(session, shop_code)
    rows, total = service.deliveries(session, shop.id, webhook_id=webhook_id, status=status,
                                     offset=paging.offset, limit=paging.page_size)
    return DeliveryPage(items=[_delivery(r) for r in rows], total=total, page=paging.page,
                        page_size=paging.page_size)


@router.post(_BASE + "/deliveries/{delivery_id}/retry", response_model=DeliveryOut)
def retry_delivery(shop_code: str, delivery_id: RowId, actor: Manager, session: SessionDep) -> DeliveryOut:
    """Send a failed delivery again at the worker's next run (same body, same event id)."""
    shop = shops.get_shop(session, shop_code)
    return _delivery(service.retry_delivery(session, delivery_id, shop_id=shop.id, actor=actor))
