"""The desk's reports over JSON: the same `service.report` call the reports page draws, for one shop and window.

Per-agent rows are coaching, not a ranking (as on the page): without `desk:settings` a caller gets only its own row
(a token has no staff member, so none); with it, every agent in id order, never sorted by a figure."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ...core.errors import NotFound
from ...shops import service as shops
from ...staff.service import Actor
from ...web.api import API_ERRORS, SessionDep, bearer_scheme
from ...web.deps import require_scope
from . import figures, service

Reader = Annotated[Actor, Depends(require_scope("desk:read"))]


class SlaOut(BaseModel):
    met: int
    missed: int
    running: int
    rate: float | None = Field(description="met ÷ (met + missed); null with nothing decided")


class ParetoOut(BaseModel):
    value: str | None = Field(description="The category code, product or carrier; null: none recorded")
    tickets: int
    cumulative: float = Field(description="Cumulative share of the tickets, 0–1")


class RecoveryBucketOut(BaseModel):
    took: str = Field(description="How long the resolution took (le1d, …, unresolved)")
    complainants: int
    bought_again: int
    rate: float | None


class RecoveryOut(BaseModel):
    buckets: list[RecoveryBucketOut]
    shop_rate: float | None = Field(description="The shop's repurchase rate, to compare with")
    shop_customers: int


class KeepingOut(BaseModel):
    kept: int
    broken: int
    open: int
    rate: float | None


@dataclass
class AgentOut(figures.AgentFigures):
    """An agent's coaching figures with the keeping of the promises they made in the window."""

    promises: KeepingOut | None = None


class ReportOut(BaseModel):
    shop: str
    days: int
    computed_at: datetime
    since: datetime
    tickets: int
    sla: dict[str, SlaOut] = Field(description="Per SLA metric (first_response, next_response, resolution)")
    backlog: dict[str, int] = Field(description="Open tickets by age bucket")
    recovery: RecoveryOut
    pareto_category: list[ParetoOut]
    pareto_product: list[ParetoOut]
    pareto_carrier: list[ParetoOut]
    agents: list[AgentOut]
    promises: KeepingOut


def _pareto(rows) -> list[ParetoOut]:
    return [ParetoOut(value=v, tickets=n, cumulative=round(s, 4)) for v, n, s in rows]


def shop_or_first(session: Session, code: str | None):
    if code:
        return shops.get_shop(session, code)
    listed = shops.list_shops(session)
    if not listed:
        raise NotFound("shop_not_found", "shop: no shop yet", field="shop")
    return listed[0]  # the page's default


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["desk"])


@router.get("/desk/reports", response_model=ReportOut)
def desk_report(actor: Reader, session: SessionDep, shop: Annotated[str | None, Query(max_length=40)] = None,
                days: Annotated[int, Query(ge=1, le=365, description="Tickets opened in the last N days")] = 90
                ) -> ReportOut:
    """The reports page's figures: SLA by metric, recovery, Pareto by category/product/carrier, the backlog,
    per-agent coaching rows and promise keeping."""
    found = shop_or_first(session, shop)
    rep = service.report(session, found, days=days)
    rows = sorted(rep.agents, key=lambda a: a.owner_id)
    if not actor.allows("desk:settings"):
        rows = [a for a in rows if actor.user_id is not None and a.owner_id == actor.user_id]
    agents = [AgentOut(**asdict(a), promises=rep.promise_agents.get(a.owner_id)) for a in rows]
    recovery = RecoveryOut(buckets=[RecoveryBucketOut(took=k, complainants=c, bought_again=b, rate=r)
                                    for k, (c, b, r) in rep.recovery.buckets.items()],
                           shop_rate=rep.recovery.shop_rate, shop_customers=rep.recovery.shop_customers)
    return ReportOut(shop=found.code, days=days, computed_at=rep.computed_at, since=rep.since, tickets=rep.tickets,
                     sla=rep.sla, backlog=rep.backlog, recovery=recovery,
                     pareto_category=_pareto(rep.by_category), pareto_product=_pareto(rep.pareto_product),
                     pareto_carrier=_pareto(rep.pareto_carrier), agents=agents, promises=rep.promises)
