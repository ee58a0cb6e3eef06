"""The agent's tools over JSON, twins of the ticket page: standard answers (list, preview with a ticket's data, send),
compensation under graded authority (ask, decide) and the promise register (make, close, keeping rates).

Amounts are integer minor units (points for kind "points"). An API token has no role, so it has no compensation
limit of its own: what it asks for becomes a request, and deciding one needs a signed-in person (four eyes).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from . import service
from .api import masked
from .service import answers, authority, promises

Reader = Annotated[Actor, Depends(require_scope("desk:read"))]
Writer = Annotated[Actor, Depends(require_scope("desk:write"))]
Kind = Literal["refund", "coupon", "points", "reship", "gift"]


class AnswerOut(BaseModel):
    id: int
    title: str
    category: str | None
    body_zh: str
    body_en: str
    set_status: str | None
    set_category: str | None
    add_tags: list[str]
    uses: int


class PreviewOut(BaseModel):
    text: str
    missing: list[str] = Field(description="Variables without a value for this ticket (fill them in before sending)")


class SendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str | None = Field(default=None, max_length=20_000, description="The edited text; empty: the preview")
    locale: Literal["zh", "en"] = "zh"


class CompensationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Kind
    value: int = Field(ge=1, description="Minor units (points for kind points)")
    reason: str = Field(max_length=255)


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    note: str | None = Field(default=None, max_length=255)


class CompensationOut(BaseModel):
    id: int
    ticket_id: int
    kind: str
    value: int
    currency: str
    status: str
    reason: str
    requested_by: str
    decided_by: str | None
    issued_ref: str | None


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    what: str = Field(max_length=500)
    due_at: AwareDatetime


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kept: bool
    evidence: str = Field(max_length=2000)


class PromiseOut(BaseModel):
    id: int
    ticket_id: int | None
    customer_id: int | None
    order_id: int | None
    what: str
    due_at: datetime
    made_by: str
    status: str
    evidence: str | None
    origin: str | None = None  # where a promise made outside a ticket was made: "care_call_task" (a VIP callback)
    origin_id: int | None = None


def _answer(row) -> AnswerOut:
    return AnswerOut(id=row.id, title=row.title, category=row.category, body_zh=row.body_zh, body_en=row.body_en,
                     set_status=row.set_status, set_category=row.set_category, add_tags=list(row.add_tags or ()),
                     uses=row.uses)


def _compensation(row) -> CompensationOut:
    return CompensationOut(id=row.id, ticket_id=row.ticket_id, kind=row.kind, value=row.value, currency=row.currency,
                           status=row.status, reason=row.reason, requested_by=row.requested_by,
                           decided_by=row.decided_by, issued_ref=row.issued_ref)


def promise_out(row, actor: Actor) -> PromiseOut:
    """A promise as the API shows it to this caller: what and the evidence masked without `pii`, like a ticket's
    text (the outgoing webhooks draw the same)."""
    return PromiseOut(id=row.id, ticket_id=row.ticket_id, customer_id=row.customer_id, order_id=row.order_id,
                      what=masked(row.what, actor), due_at=row.due_at, made_by=row.made_by, status=row.status,
                      evidence=masked(row.evidence, actor), origin=row.origin, origin_id=row.origin_id)


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])


@router.get("/shops/{shop_code}/answers", response_model=list[AnswerOut])
def list_answers(shop_code: str, actor: Reader, session: SessionDep) -> list[AnswerOut]:
    """The shop's standard answers and macros, by category, with how often each was used."""
    return [_answer(row) for row in answers.answers(session, shops.get_shop(session, shop_code).id)]


@router.get("/tickets/{ticket_id}/answers/{answer_id}/preview", response_model=PreviewOut)
def preview_answer(ticket_id: RowId, answer_id: RowId, actor: Reader, session: SessionDep,
                   locale: Annotated[Literal["zh", "en"], Query()] = "zh") -> PreviewOut:
    """The answer filled with this ticket's buyer, order, shipment, tier and points."""
    ticket = service.get_ticket(session, ticket_id)
    text, missing = answers.preview(session, ticket, answers.get_answer(session, answer_id, shop_id=ticket.shop_id),
                                    locale=locale, agent_name=actor.label)
    return PreviewOut(text=text, missing=missing)


@router.post("/tickets/{ticket_id}/answers/{answer_id}", status_code=201, response_model=PreviewOut)
def send_answer(ticket_id: RowId, answer_id: RowId, data: SendIn, actor: Writer, session: SessionDep) -> PreviewOut:
    """Send the answer as a public reply (outgoing-text guard), count it, apply the macro's changes."""
    ticket = service.get_ticket(session, ticket_id)
    message = answers.apply_answer(session, ticket, answer_id, body=data.body, locale=data.locale, actor=actor)
    return PreviewOut(text=message.body, missing=[])


@router.get("/tickets/{ticket_id}/compensation", response_model=list[CompensationOut])
def list_compensation(ticket_id: RowId, actor: Reader, session: SessionDep) -> list[CompensationOut]:
    """The ticket's compensation: granted, waiting for a decision, rejected."""
    return [_compensation(row) for row in authority.for_ticket(session, service.get_ticket(session, ticket_id))]


@router.post("/tickets/{ticket_id}/compensation", status_code=201, response_model=CompensationOut)
def ask_compensation(ticket_id: RowId, data: CompensationIn, actor: Writer, session: SessionDep) -> CompensationOut:
    """Granted at once within the caller's limit, else a request (status pending); above every limit, 422."""
    row = authority.request_compensation(session, service.get_ticket(session, ticket_id), kind=data.kind,
                                         value=data.value, reason=data.reason, actor=actor)
    return _compensation(row)


@router.post("/compensation/{compensation_id}/decision", response_model=CompensationOut)
def decide_compensation(compensation_id: RowId, data: DecisionIn, actor: Writer,
                        session: SessionDep) -> CompensationOut:
    """Approve (and issue) or reject a request; never one's own, never above one's own limit."""
    return _compensation(authority.decide(session, compensation_id, approve=data.approve, note=data.note,
                                          actor=actor))


@router.get("/tickets/{ticket_id}/promises", response_model=list[PromiseOut])
def list_promises(ticket_id: RowId, actor: Reader, session: SessionDep) -> list[PromiseOut]:
    """The promises made on this ticket."""
    return [promise_out(row, actor) for row in promises.for_ticket(session, service.get_ticket(session, ticket_id))]


@router.post("/tickets/{ticket_id}/promises", status_code=201, response_model=PromiseOut)
def make_promise(ticket_id: RowId, data: PromiseIn, actor: Writer, session: SessionDep) -> PromiseOut:
    """Register a promise to the ticket's buyer, due at a future time."""
    return promise_out(promises.make_promise(session, service.get_ticket(session, ticket_id), what=data.what,
                                             due_at=data.due_at, actor=actor), actor)


@router.post("/promises/{promise_id}/close", response_model=PromiseOut)
def close_promise(promise_id: RowId, data: CloseIn, actor: Writer, session: SessionDep) -> PromiseOut:
    """Kept or broken, with the evidence; a broken promise escalates."""
    return promise_out(promises.close_promise(session, promise_id, kept=data.kept, evidence=data.evidence,
                                              actor=actor), actor)


@router.get("/promises/keeping")
def promise_keeping(actor: Reader, session: SessionDep,
                    shop: Annotated[str | None, Query(max_length=40)] = None) -> dict:
    """Kept, broken, open and the kept rate for the shop and per maker (coaching: without desk:settings, only the
    caller's own figure beside the shop's)."""
    figures = promises.keeping(session, shops.get_shop(session, shop).id if shop else None)
    if not actor.allows("desk:settings"):
        figures["agents"] = {k: v for k, v in figures["agents"].items() if k == actor.label}
    return figures
