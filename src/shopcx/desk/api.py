"""The desk over JSON: create, list and read tickets, add a message, change the status.

Scopes mirror the pages (staff/scope_map.py): `desk:read` to read, `desk:write` to create, write and move tickets.
Text written by buyers or staff is masked (phones, e-mails) without `pii`; a public reply passes the outgoing-text
guard like on the ticket page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, ErrorOut, PageDep, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from ..web.format import mask_text
from . import service
from .service import views

Reader = Annotated[Actor, Depends(require_scope("desk:read"))]
Writer = Annotated[Actor, Depends(require_scope("desk:write"))]
CONFLICT = {409: {"model": ErrorOut, "description": "The ticket's status does not allow this"}}
Status = Literal["new", "open", "waiting_buyer", "waiting_us", "resolved", "closed", "reopened"]


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: str = Field(default="api", description="phone, chat, form, email, api, webhook, review, survey")
    subject: str = Field(max_length=200)
    body: str = Field(description="The buyer's words: the complaint, a call's notes, a pasted chat")
    order: str | None = Field(default=None, max_length=64, description="The platform's order number or our id")
    customer_id: int | None = None
    priority: Literal["low", "normal", "high", "urgent"] = "normal"
    category: str | None = None
    tags: list[str] = Field(default_factory=list, max_length=20)
    assign: bool = Field(default=True, description="Assign round-robin among agents")
    key: str | None = Field(default=None, max_length=120, description="Your id for this ticket: sending the same key "
                            "again returns the ticket already made (200) instead of a second one")


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["buyer", "reply", "note"]
    body: str


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Status
    root_cause: str | None = Field(default=None, max_length=2000, description="Required to resolve")


class ClockOut(BaseModel):
    metric: str
    status: str
    due_at: datetime | None
    paused: bool
    stopped: bool
    elapsed_minutes: float
    target_minutes: float


class MessageOut(BaseModel):
    id: int
    kind: str
    body: str
    author: str
    created_at: datetime
    code: str | None = Field(default=None, description="A note the system wrote: its catalog code (body: the shop's "
                             "language)")
    params: dict | None = Field(default=None, description="The values of that note's catalog text")


class TicketOut(BaseModel):
    id: int
    shop: str
    channel: str
    subject: str
    status: str
    priority: str
    category: str | None
    owner_id: int | None
    team: str | None
    tags: list[str]
    root_cause: str | None
    customer_id: int | None
    order_id: int | None
    shipment_id: int | None
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    clocks: list[ClockOut]


class TicketDetailOut(TicketOut):
    messages: list[MessageOut]


class TicketPage(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    page_size: int


def masked(text: str | None, actor: Actor) -> str | None:
    return text if actor.allows("pii") else mask_text(text)


def ticket_out(session, ticket, actor: Actor, *, detail: bool = False) -> TicketOut | TicketDetailOut:
    """A ticket as the API shows it to this caller: text masked without `pii` (the outgoing webhooks draw the same)."""
    shop = shops.get_shop_by_id(session, ticket.shop_id)
    clocks = [ClockOut(metric=metric, status=s.status, due_at=s.due_at, paused=s.paused, stopped=s.stopped,
                       elapsed_minutes=round(s.elapsed_minutes, 2), target_minutes=s.target_minutes)
              for metric, s in sorted(service.states(session, ticket).items())]
    values = dict(id=ticket.id, shop=shop.code, channel=ticket.channel, subject=masked(ticket.subject, actor),
                  status=ticket.status, priority=ticket.priority, category=ticket.category, owner_id=ticket.owner_id,
                  team=ticket.team, tags=list(ticket.tags or ()), root_cause=masked(ticket.root_cause, actor),
                  customer_id=ticket.customer_id, order_id=ticket.order_id, shipment_id=ticket.shipment_id,
                  created_at=ticket.created_at, updated_at=ticket.updated_at,
                  first_response_at=ticket.first_response_at, resolved_at=ticket.resolved_at, clocks=clocks)
    if not detail:
        return TicketOut(**values)
    return TicketDetailOut(**values, messages=[message_out(m, actor) for m in service.thread(session, ticket)])


def message_out(message, actor: Actor) -> MessageOut:
    """One entry of the thread as the API shows it to this caller (the outgoing webhooks draw the same)."""
    body = masked(message.body, actor)
    # the values hold the buyer's words: given only to whoever may read the body unmasked
    return MessageOut(id=message.id, kind=message.kind, body=body, author=message.author,
                      created_at=message.created_at, code=message.code,
                      params=message.params if body == message.body else None)


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])


@router.post("/shops/{shop_code}/tickets", response_model=TicketDetailOut, status_code=201)
def create_ticket(shop_code: str, data: TicketIn, actor: Writer, session: SessionDep,
                  response: Response) -> TicketDetailOut:
    """A ticket with the buyer's words as its first message; the order brings its customer and shipment.
    A replay with the same `key` answers 200 with the ticket already made."""
    shop = shops.get_shop(session, shop_code)
    if data.key and service.existing_ticket(session, shop.id, data.key.strip()) is not None:
        response.status_code = 200
    ticket = service.create_ticket(session, shop, channel=data.channel, subject=data.subject, body=data.body,
                                   order=data.order, customer_id=data.customer_id, priority=data.priority,
                                   category=data.category, tags=data.tags, assign=data.assign, external_key=data.key,
                                   actor=actor)
    return ticket_out(session, ticket, actor, detail=True)


@router.get("/tickets", response_model=TicketPage)
def list_tickets(actor: Reader, session: SessionDep, paging: PageDep,
                 shop: Annotated[str | None, Query(max_length=40)] = None,
                 status: Annotated[Status | Literal["active"] | None, Query()] = None,
                 priority: Annotated[Literal["low", "normal", "high", "urgent"] | None, Query()] = None,
                 owner_id: Annotated[int | None, Query(ge=1)] = None,
                 overdue: bool = False, breaching_soon: bool = False) -> TicketPage:
    """Tickets, the most urgent first (earliest running SLA due time); `breaching_soon`: past the warning share
    of a running clock but not yet due."""
    where = views.TicketFilter(shop_id=shops.get_shop(session, shop).id if shop else None, status=status,
                               priority=priority, owner_id=owner_id, overdue=overdue, breaching_soon=breaching_soon)
    rows, total = views.search(session, where, offset=paging.offset, limit=paging.page_size)
    return TicketPage(items=[ticket_out(session, t, actor) for t in rows], total=total, page=paging.page,
                      page_size=paging.page_size)


@router.get("/tickets/{ticket_id}", response_model=TicketDetailOut)
def get_ticket(ticket_id: RowId, actor: Reader, session: SessionDep) -> TicketDetailOut:
    """One ticket with its thread and SLA clocks."""
    return ticket_out(session, service.get_ticket(session, ticket_id), actor, detail=True)


@router.post("/tickets/{ticket_id}/messages", response_model=TicketDetailOut, status_code=201, responses=CONFLICT)
def add_message(ticket_id: RowId, data: MessageIn, actor: Writer, session: SessionDep) -> TicketDetailOut:
    """A public reply (checked by the outgoing-text guard), an internal note, or the buyer's words."""
    ticket = service.get_ticket(session, ticket_id)
    service.add_message(session, ticket, data.kind, data.body, actor=actor)
    return ticket_out(session, ticket, actor, detail=True)


@router.post("/tickets/{ticket_id}/transition", response_model=TicketDetailOut, responses=CONFLICT)
def transition(ticket_id: RowId, data: TransitionIn, actor: Writer, session: SessionDep) -> TicketDetailOut:
    """Move the ticket: new→open→waiting_buyer/waiting_us→resolved (root cause)→closed; resolved→reopened."""
    ticket = service.get_ticket(session, ticket_id)
    service.transition(session, ticket, data.status, root_cause=data.root_cause, actor=actor)
    return ticket_out(session, ticket, actor, detail=True)
