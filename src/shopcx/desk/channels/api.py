"""The desk's channel routes over JSON: the signed ticket webhook, a review-care case taken over by a ticket, and the
category staff set over the suggested one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, ConfigDict

from ...core.errors import ShopCXError
from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, ErrorOut, SessionDep, bearer_scheme
from ...web.deps import RowId, require_scope
from ..service import tickets
from . import hooks

Writer = Annotated[Actor, Depends(require_scope("desk:write"))]


class TakenOverOut(BaseModel):
    ticket_id: int
    case_id: int


class CategoryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: str | None


class CategoryOut(BaseModel):
    ticket_id: int
    category: str | None


def _too_large() -> ShopCXError:
    return ShopCXError("payload_too_large", f"body: larger than {hooks.MAX_BODY_BYTES} bytes", status=413,
                       field="body")


async def _raw_body(request: Request) -> bytes:
    """The body exactly as signed, refused as soon as it passes the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > hooks.MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > hooks.MAX_BODY_BYTES:
            raise _too_large()
    return bytes(body)


hook_router = APIRouter(tags=["webhooks"])


@hook_router.post(
    "/webhooks/{shop_code}/tickets", response_model=hooks.WebhookTicketOut, status_code=201,
    responses={200: {"model": hooks.WebhookTicketOut, "description": "A replay of an id already received: nothing "
                     "changed"},
               401: {"model": ErrorOut, "description": "Missing or wrong signature; nothing stored"},
               404: {"model": ErrorOut, "description": "No shop with this code"},
               422: {"model": ErrorOut, "description": "Invalid body; `field` names the field"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": hooks.WebhookTicketIn.model_json_schema()}}}})
def receive_ticket_webhook(
        shop_code: str, response: Response, body: Annotated[bytes, Depends(_raw_body)], session: SessionDep,
        x_shopcx_signature: Annotated[str | None, Header(description="sha256=<hex HMAC-SHA256 of the body>")] = None,
) -> hooks.WebhookTicketOut:
    """A ticket from another system (a chat tool, a platform's after-sales feed), signed with the shop's webhook key;
    idempotent on `id`: a replay answers 200 with `duplicate` true and changes nothing."""
    shop = shops.get_shop(session, shop_code)
    out = hooks.receive_ticket(session, shop, body, x_shopcx_signature)
    if out.duplicate:
        response.status_code = 200
    return out


staff_router = APIRouter(dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])


@staff_router.post("/review-cases/{case_id}/ticket", response_model=TakenOverOut, status_code=201)
def take_over_review_case(case_id: RowId, actor: Writer, session: SessionDep) -> TakenOverOut:
    """The complaint desk takes a 中/差评 care case over: one ticket with the review, its order and the case's contacts
    as history; asking again returns the same ticket."""
    ticket = hooks.take_over_case(session, case_id, actor=actor)
    return TakenOverOut(ticket_id=ticket.id, case_id=case_id)


@staff_router.put("/tickets/{ticket_id}/category", response_model=CategoryOut)
def set_ticket_category(ticket_id: RowId, data: CategoryIn, actor: Writer, session: SessionDep) -> CategoryOut:
    """Set (or clear) the ticket's category over the one the text analysis suggested; the history keeps both."""
    ticket = tickets.get_ticket(session, ticket_id)
    tickets.set_category(session, ticket, data.category, actor=actor)
    return CategoryOut(ticket_id=ticket.id, category=ticket.category)


router = APIRouter(prefix="/api/v1")
router.include_router(hook_router)
router.include_router(staff_router)
