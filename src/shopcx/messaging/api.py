"""Messaging over JSON: the message log (`messaging:read`), queueing one message and a buyer's preference link
(`messaging:write`), the same service calls as the pages and the other domains."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, bearer_scheme
from ..web.deps import require_scope
from . import service

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["messaging"])
Reader = Annotated[Actor, Depends(require_scope("messaging:read"))]
Writer = Annotated[Actor, Depends(require_scope("messaging:write"))]


class MessageIn(BaseModel):
    """One message to queue; purpose + customer + occasion is its idempotency key."""

    shop_id: int
    customer_id: int
    purpose: str = Field(min_length=1, max_length=40)
    occasion: str = Field(min_length=1, max_length=80)
    channel: str = "email"
    subject: str = ""
    body: str


def _out(m) -> dict:
    return {"id": m.id, "shop_id": m.shop_id, "customer_id": m.customer_id, "purpose": m.purpose,
            "occasion": m.occasion, "channel": m.channel, "provider": m.provider, "status": m.status,
            "reason": m.reason, "attempts": m.attempts, "queued_at": m.queued_at, "sent_at": m.sent_at,
            "delivered_at": m.delivered_at, "clicked_at": m.clicked_at, "unsubscribed_at": m.unsubscribed_at}


@router.get("/messages", summary="The message log, newest first, filtered by status, channel, purpose, customer")
def messaging_api_list(actor: Reader, session: SessionDep, status: str = "", channel: str = "", purpose: str = "",
                       customer_id: int | None = None, offset: int = 0, limit: int = 50) -> dict:
    rows, total = service.list_messages(session, shop_ids=[s.id for s in shops.list_shops(session)], status=status,
                                        channel=channel, purpose=purpose, customer_id=customer_id,
                                        offset=max(offset, 0), limit=min(max(limit, 1), 500))
    return {"total": total, "items": [_out(m) for m in rows]}


@router.post("/messages", summary="Queue one message (the same key again returns the first)")
def messaging_api_queue(data: MessageIn, actor: Writer, session: SessionDep) -> dict:
    shops.get_shop_by_id(session, data.shop_id)
    queued = service.queue_message(session, **data.model_dump())
    return {"created": queued.created, **_out(queued.message)}


@router.post("/customers/{customer_id}/preference-link",
             summary="A fresh preference page link for a buyer, to send them (needs messaging:write and pii; audited)")
def messaging_api_preference_link(customer_id: int, actor: Writer, session: SessionDep) -> dict:
    url, expires = service.preferences.link_for_staff(session, customer_id, actor=actor)
    return {"customer_id": customer_id, "url": url, "expires_on": expires}
