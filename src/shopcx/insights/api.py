"""Customer value over JSON: runs, the overview, RFM grid, lifecycle, cohorts, at-risk and key-customer lists,
and one customer's value. Everything needs the `customers:read` scope and states the date it was computed for."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from ..core.errors import InvalidInput, NotFound
from ..customers import service as customers
from ..staff.service import Actor
from ..web.api import API_ERRORS, PageDep, Paging, SessionDep, bearer_scheme
from ..web.deps import MAX_ID, RowId, require_scope
from . import service
from .tables import AnalysisRun

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS,
                   tags=["insights"])
Reader = Annotated[Actor, Depends(require_scope("customers:read"))]
RunKey = Annotated[str, Path(description="A run id, or `latest` (the finished run with the latest as-of date)",
                             pattern=r"^(latest|[0-9]{1,19})$")]
ShopQuery = Annotated[str | None, Query(description="With `latest`: the shop's code; none = the all-shops runs")]


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    shop_id: int | None = Field(description="None: all shops")
    as_of_on: date = Field(description="The date the analysis was computed for")
    currency: str
    status: str = Field(description="queued | running | done | failed")
    started_at: datetime
    finished_at: datetime | None
    customers: int = Field(description="Customers scored (with a paid order up to as_of_on)")
    params: dict
    error: str | None


class RunPage(BaseModel):
    items: list[RunOut]
    total: int
    page: int
    page_size: int


class ScoreRow(BaseModel):
    customer_id: int
    name: str | None
    stage: str
    segment: str
    p_alive: float
    clv_amount: int
    value_at_stake_amount: int
    recency_days: int
    orders: int


class ScorePage(BaseModel):
    run_id: int
    as_of: date
    currency: str
    items: list[ScoreRow]
    total: int
    page: int
    page_size: int


def _run(session: Session, key: str, shop: str | None) -> AnalysisRun:
    if key == "latest":
        run = service.latest_run(session, shop)
        if run is None:
            raise NotFound("analysis_not_found", "run: no finished analysis yet; run `shopcx analyze`", field="run")
        return run
    if int(key) > MAX_ID:
        raise InvalidInput("invalid_id", f"run: {key} is not a run id", field="run")
    return service.get_run(session, int(key))


def _page(run: AnalysisRun, found: tuple[list[dict], int], page: Paging) -> ScorePage:
    rows, total = found
    return ScorePage(run_id=run.id, as_of=run.as_of_on, currency=run.currency, items=rows, total=total,
                     page=page.page, page_size=page.page_size)


@router.get("/insights/runs", response_model=RunPage)
def list_runs(actor: Reader, session: SessionDep, page: PageDep) -> RunPage:
    """One page of analysis runs, newest first (any status), with their total."""
    rows, total = service.list_runs(session, offset=page.offset, limit=page.page_size)
    return RunPage(items=[RunOut.model_validate(r) for r in rows], total=total, page=page.page,
                   page_size=page.page_size)


@router.get("/insights/runs/{run}", response_model=RunOut)
def get_run(run: RunKey, actor: Reader, session: SessionDep, shop: ShopQuery = None) -> RunOut:
    """One run with its parameters (thresholds, horizon, discount rate)."""
    return RunOut.model_validate(_run(session, run, shop))


@router.get("/insights/runs/{run}/overview")
def overview(run: RunKey, actor: Reader, session: SessionDep, shop: ShopQuery = None) -> dict:
    """CLV histogram, Lorenz curve and the 20/80/30 figures, totals, the fitted BG/NBD and Gamma-Gamma models."""
    return service.value_overview(session, _run(session, run, shop))


@router.get("/insights/runs/{run}/rfm")
def rfm(run: RunKey, actor: Reader, session: SessionDep, shop: ShopQuery = None) -> dict:
    """The 5×5 R×F grid and the named segments with size and value."""
    return service.rfm_grid(session, _run(session, run, shop))


@router.get("/insights/runs/{run}/lifecycle")
def lifecycle(run: RunKey, actor: Reader, session: SessionDep, shop: ShopQuery = None) -> dict:
    """Stage counts in funnel order and the movements since the previous run."""
    return service.lifecycle(session, _run(session, run, shop))


@router.get("/insights/runs/{run}/cohorts")
def cohorts(run: RunKey, actor: Reader, session: SessionDep, shop: ShopQuery = None) -> dict:
    """Monthly acquisition cohorts: retention shares and revenue (minor units); null = not yet observed."""
    return service.cohorts(session, _run(session, run, shop))


@router.get("/insights/runs/{run}/at-risk", response_model=ScorePage)
def at_risk(run: RunKey, actor: Reader, session: SessionDep, page: PageDep, shop: ShopQuery = None) -> ScorePage:
    """One page of the customers at risk, by value at stake (CLV × churn risk) descending."""
    found = _run(session, run, shop)
    return _page(found, service.at_risk(session, found, offset=page.offset, limit=page.page_size), page)


@router.get("/insights/runs/{run}/key-customers", response_model=ScorePage)
def key_customers(run: RunKey, actor: Reader, session: SessionDep, page: PageDep,
                  shop: ShopQuery = None) -> ScorePage:
    """One page of the key customers (CLV in the top 20% and P(alive) ≥ 0.5), by CLV descending."""
    found = _run(session, run, shop)
    return _page(found, service.key_customers(session, found, offset=page.offset, limit=page.page_size), page)


@router.get("/customers/{customer_id}/value", tags=["customers"])
def customer_value(customer_id: RowId, actor: Reader, session: SessionDep) -> dict:
    """The customer's latest scores with a one-line explanation, and the trend across runs."""
    customers.get_customer(session, customer_id)
    return service.customer_value(session, customer_id)
