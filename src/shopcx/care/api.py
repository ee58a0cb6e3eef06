"""Care over JSON: audience counts, campaigns (save, launch, results against the control group), care moments
(settings, today's run), templates (save, preview), call tasks and their outcomes, parcel scans and the parcels to
act on. Scopes mirror the pages' permissions (staff/scope_map.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, PageDep, SessionDep, bearer_scheme
from ..web.deps import RowId, require_scope
from . import repository, service
from .service import callbacks as calls
from .service import campaigns as campaign_service
from .service import moments as moment_service
from .service import parcels as parcel_service

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS, tags=["care"])
Reader = Annotated[Actor, Depends(require_scope("care:read"))]
Writer = Annotated[Actor, Depends(require_scope("care:write"))]
Caller = Annotated[Actor, Depends(require_scope("callbacks:work"))]
Carrier = Annotated[Actor, Depends(require_scope("orders:write"))]
BASE = "/shops/{shop_code}/care"


class CampaignIn(BaseModel):
    name: str = Field(max_length=120)
    audience: dict[str, Any] = Field(default_factory=dict, description="segments, stages, tiers, tags, "
                                     "last_order_min_days/max_days, p_alive_min/max, clv_min/max_amount, channel, "
                                     "consent")
    template_id: int
    offer: dict[str, Any] | None = Field(None, description='{"kind": "coupon", "amount_off": 1000} or '
                                         '{"kind": "points", "points": 200}')
    control_share: float = Field(0.1, ge=0, le=0.5)
    scheduled_at: datetime | None = None
    throttle_per_hour: int | None = Field(None, ge=1)
    window_days: int = Field(14, ge=1, le=365)
    message_cost_amount: int = Field(0, ge=0)


class TemplateIn(BaseModel):
    code: str
    name: str
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str
    template_id: int | None = None


class MomentIn(BaseModel):
    enabled: bool | None = None
    settings: dict[str, Any] | None = None
    template_id: int | None = None
    channel: str | None = None
    control_share: float | None = Field(None, ge=0, le=0.5)


class OutcomeIn(BaseModel):
    outcome: str = Field(description="reached | no_answer | call_back_later")
    notes: str | None = None
    sentiment: str | None = Field(None, description="positive | neutral | negative")
    promise: str | None = Field(None, description="what was promised: kept in the desk's promise register")
    promise_due: date | None = Field(None, description="when the promise is due (default in 7 days)")
    call_back_on: date | None = None


class ScanIn(BaseModel):
    shipment_id: int
    status: str = Field(description="in_transit | out_for_delivery")
    at: datetime
    location: str | None = Field(None, max_length=120)


def _campaign(c) -> dict:
    return {"id": c.id, "shop_id": c.shop_id, "name": c.name, "status": c.status, "audience": c.audience,
            "template_id": c.template_id, "channel": c.channel, "offer": c.offer, "control_share": c.control_share,
            "scheduled_at": c.scheduled_at, "throttle_per_hour": c.throttle_per_hour, "window_days": c.window_days,
            "audience_size": c.audience_size, "started_at": c.started_at, "finished_at": c.finished_at}


def _shop_of_campaign(session: Session, campaign):
    return shops.get_shop_by_id(session, campaign.shop_id)


@router.post(f"{BASE}/audience/count")
def care_api_count(shop_code: str, audience: dict[str, Any], actor: Reader, session: SessionDep,
                   exact: bool = False) -> dict:
    """How many customers an audience holds now. Over a large customer base a broad audience is estimated from a
    random sample ("estimate": true, with "low"–"high", its 95% interval, and "sampled"); ?exact=true counts every
    customer, however long that takes."""
    return service.count(session, shops.get_shop(session, shop_code), audience, exact=exact)


@router.get(f"{BASE}/campaigns")
def care_api_campaigns(shop_code: str, actor: Reader, session: SessionDep, paging: PageDep) -> dict:
    """The shop's campaigns, newest first."""
    shop = shops.get_shop(session, shop_code)
    rows, total = repository.campaigns(session, shop.id, offset=paging.offset, limit=paging.page_size)
    return {"items": [_campaign(c) for c in rows], "total": total, "page": paging.page,
            "page_size": paging.page_size}


@router.post(f"{BASE}/campaigns", status_code=201)
def care_api_campaign_create(shop_code: str, body: CampaignIn, actor: Writer, session: SessionDep) -> dict:
    """A new draft (or scheduled) campaign."""
    shop = shops.get_shop(session, shop_code)
    return _campaign(service.save_campaign(session, shop, actor=actor, **body.model_dump()))


@router.get("/care/campaigns/{campaign_id}")
def care_api_campaign(campaign_id: RowId, actor: Reader, session: SessionDep) -> dict:
    """A campaign with its progress and results (uplift against the random control group, 95% intervals)."""
    campaign = service.get_campaign(session, campaign_id)
    return _campaign(campaign) | service.results(session, campaign)


@router.post("/care/campaigns/{campaign_id}/launch")
def care_api_campaign_launch(campaign_id: RowId, actor: Writer, session: SessionDep) -> dict:
    """Draw the control group and queue the campaign (idempotent)."""
    campaign = service.get_campaign(session, campaign_id)
    return service.launch(session, _shop_of_campaign(session, campaign), campaign, actor=actor)


@router.post("/care/campaigns/{campaign_id}/cancel")
def care_api_campaign_cancel(campaign_id: RowId, actor: Writer, session: SessionDep) -> dict:
    """Cancel: what is still queued is held."""
    return _campaign(campaign_service.cancel(session, service.get_campaign(session, campaign_id), actor=actor))


@router.get(f"{BASE}/moments")
def care_api_moments(shop_code: str, actor: Reader, session: SessionDep) -> list[dict]:
    """The shop's care moments and their settings."""
    shop = shops.get_shop(session, shop_code)
    return [{"kind": m.kind, "enabled": m.enabled, "settings": m.settings, "template_id": m.template_id,
             "channel": m.channel, "control_share": m.control_share, "last_run_on": m.last_run_on,
             "last_run_queued": m.last_run_queued} for m in moment_service.ensure_moments(session, shop)]


@router.put(f"{BASE}/moments/{{kind}}")
def care_api_moment(shop_code: str, kind: str, body: MomentIn, actor: Writer, session: SessionDep) -> dict:
    """Switch a care moment on or off and tune it."""
    shop = shops.get_shop(session, shop_code)
    m = moment_service.configure(session, shop, kind, actor=actor, **body.model_dump())
    return {"kind": m.kind, "enabled": m.enabled, "settings": m.settings, "template_id": m.template_id,
            "channel": m.channel, "control_share": m.control_share}


@router.post(f"{BASE}/moments/run")
def care_api_moments_run(shop_code: str, actor: Writer, session: SessionDep) -> dict:
    """Run today's care moments now (nobody is queued twice)."""
    return moment_service.run_moments(session, shops.get_shop(session, shop_code))


@router.post(f"{BASE}/templates", status_code=201)
def care_api_template(shop_code: str, body: TemplateIn, actor: Writer, session: SessionDep) -> dict:
    """Create or change a message template (syntax, variables and the platforms' rules are checked)."""
    shop = shops.get_shop(session, shop_code)
    t = service.save_template(session, shop.id, actor=actor, **body.model_dump())
    return {"id": t.id, "code": t.code, "name": t.name}


@router.get(f"{BASE}/templates/{{template_id}}/preview")
def care_api_template_preview(shop_code: str, template_id: int, customer_id: int, actor: Reader,
                              session: SessionDep, language: str | None = None) -> dict:
    """A template rendered for a real customer."""
    shop = shops.get_shop(session, shop_code)
    shown = service.preview(session, shop, service.get_template(session, template_id), customer_id,
                            language=language)
    return {k: shown[k] for k in ("language", "subject", "body")}


def _task(task) -> dict:
    return {"id": task.id, "customer_id": task.customer_id, "kind": task.kind, "ref": task.ref,
            "assignee_id": task.assignee_id, "due_on": task.due_on, "status": task.status, "attempts": task.attempts,
            "outcome": task.outcome, "sentiment": task.sentiment, "notes": task.notes, "promise": task.promise,
            "promise_id": task.promise_id}


@router.get(f"{BASE}/callbacks")
def care_api_callbacks(shop_code: str, actor: Caller, session: SessionDep, paging: PageDep,
                       whose: str = "all") -> dict:
    """Open call tasks due by today: whose = mine (the token's user's, their VIP customers' included), unassigned
    or all."""
    from ..core import clock

    shop = shops.get_shop(session, shop_code)
    rows, total = calls.due_list(session, shop_id=shop.id, today=clock.today_in(shop.timezone),
                                 user_id=actor.user_id, whose=whose, offset=paging.offset, limit=paging.page_size)
    return {"items": [_task(t) | {"customer_name": n} for t, n in rows], "total": total, "page": paging.page,
            "page_size": paging.page_size}


@router.post("/care/callbacks/{task_id}")
def care_api_callback_outcome(task_id: RowId, body: OutcomeIn, actor: Caller, session: SessionDep) -> dict:
    """Record a call's outcome."""
    task = calls.get_task(session, task_id)
    return _task(calls.record_outcome(session, task, actor=actor, **body.model_dump()))


@router.post("/care/scans", status_code=201)
def care_api_scan(body: ScanIn, actor: Carrier, session: SessionDep) -> dict:
    """A carrier status update for a parcel (idempotent on shipment, status and time)."""
    scan = parcel_service.record_scan(session, body.shipment_id, body.status, body.at, location=body.location,
                                      actor=actor)
    return {"stored": scan is not None}


@router.get(f"{BASE}/parcels")
def care_api_parcels(shop_code: str, actor: Caller, session: SessionDep, stall_hours: int = 48) -> list[dict]:
    """Parcels late, at risk, stalled or damaged, with the buyer's tracking link."""
    shop = shops.get_shop(session, shop_code)
    return [{"order_id": r["order"].id, "shipment_id": r["shipment"].id, "status": r["state"].status,
             "late": r["state"].late, "at_risk": r["state"].at_risk, "stalled": r["state"].stalled,
             "hours_since_scan": r["state"].hours_since_scan, "tracking_path": f"/track/{r['token']}"}
            for r in parcel_service.attention(session, shop, stall_hours=stall_hours)]
