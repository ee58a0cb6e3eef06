"""Campaign screens: the list, the audience builder with its live count (HTMX), a campaign's progress and results
against its random control group (with the chart's JSON from the same report as the table)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.pagination import Page, page_number
from ...web.templating import render
from .. import repository, service
from ..models.audience import CHANNELS, SEGMENTS, STAGES
from ..service import campaigns as campaign_service
from .base import Reader, Writer, area, chosen_shop

router = APIRouter()
LIST_FIELDS = ("segments", "stages", "tiers", "tags")
NUMBER_FIELDS = ("last_order_min_days", "last_order_max_days", "p_alive_min", "p_alive_max", "clv_min_amount",
                 "clv_max_amount")


async def audience_from(request: Request) -> dict:
    """The audience fields of the builder form."""
    form = await request.form()
    data: dict = {name: [v for v in form.getlist(name) if v] for name in LIST_FIELDS}
    data["tags"] = [t.strip() for v in data["tags"] for t in v.split(",") if t.strip()]
    data |= {name: form.get(name) or None for name in NUMBER_FIELDS}
    data["channel"] = form.get("channel") or "email"
    data["consent"] = form.get("consent") == "on"
    return data


def _tiers(session: Session, shop) -> list:
    from ...loyalty.service import active

    program = active(session, shop.id)
    return program.config.tiers if program else []


def _builder(session: Session, shop) -> dict:
    return {"segments": SEGMENTS, "stages": STAGES, "channels": CHANNELS, "tier_list": _tiers(session, shop),
            "templates": repository.templates(session, shop.id)}


@router.get("/care")
def care_campaigns(request: Request, shop: str = "", page: str = "1", viewer: Viewer = Reader,
                   session: Session = PageSession):
    """Campaigns, newest first, and the builder for a new one."""
    chosen, listed = chosen_shop(session, shop)
    number = page_number(page)
    rows, total = repository.campaigns(session, chosen.id, offset=(number - 1) * 25, limit=25)
    return render(request, "care/campaigns.html", area("campaigns", chosen, listed, viewer) | _builder(session, chosen)
                  | {"campaigns": rows, "page": Page(number, 25, total)}, viewer=viewer)


@router.post("/care/audience-count")
async def care_audience_count(request: Request, shop: str = "", viewer: Viewer = Reader,
                              session: Session = PageSession):
    """The live count of the builder's audience (an HTMX fragment)."""
    chosen, _ = chosen_shop(session, shop)
    counted = service.count(session, chosen, await audience_from(request))
    return render(request, "care/_count.html", {"counted": counted}, viewer=viewer)


@router.post("/care/campaigns")
async def care_campaign_create(request: Request, shop: str = "", viewer: Viewer = Writer,
                               session: Session = PageSession):
    """Save a new campaign as a draft (or scheduled) and open it."""
    chosen, _ = chosen_shop(session, shop)
    form = await request.form()
    offer_kind = form.get("offer_kind") or "none"
    value = form.get("offer_value") or None
    offer = {"kind": offer_kind} | ({"amount_off": value} if offer_kind == "coupon" else
                                    {"points": value} if offer_kind == "points" else {})
    scheduled = form.get("scheduled_at") or ""
    try:
        when = datetime.fromisoformat(scheduled).replace(tzinfo=None) if scheduled else None
    except ValueError:
        raise InvalidInput("invalid_date", f"scheduled_at: '{scheduled}' is not a date and time",
                           field="scheduled_at") from None
    if when is not None:
        from zoneinfo import ZoneInfo

        when = when.replace(tzinfo=ZoneInfo(chosen.timezone))
    template_id = form.get("template") or None
    campaign = service.save_campaign(
        session, chosen, name=form.get("name", ""), audience=await audience_from(request),
        template_id=int(template_id) if template_id and template_id.isdigit() else None, actor=viewer.actor,
        offer=offer, control_share=form.get("control_share") or 0.1, scheduled_at=when,
        throttle_per_hour=int(form["throttle"]) if (form.get("throttle") or "").isdigit() else None,
        window_days=int(form["window_days"]) if (form.get("window_days") or "").isdigit() else 14,
        message_cost_amount=int(form["message_cost"]) if (form.get("message_cost") or "").isdigit() else 0)
    return RedirectResponse(f"/care/campaigns/{campaign.id}", status_code=303)


def _chart(report: dict | None) -> dict | None:
    if not report:
        return None
    return {"groups": ["treatment", "control"],
            "conversion": [report["treated_rate"], report["control_rate"]],
            "revenue": [report["treated_revenue_per_person"] / 100, report["control_revenue_per_person"] / 100]}


@router.get("/care/campaigns/{campaign_id}")
def care_campaign(request: Request, campaign_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """One campaign: its audience, progress while sending, and results against the control group."""
    campaign = service.get_campaign(session, campaign_id)
    chosen, listed = chosen_shop(session, None)
    chosen = next(s for s in listed if s.id == campaign.shop_id)
    results = service.results(session, campaign, resamples=1000)
    return render(request, "care/campaign.html", area("campaigns", chosen, listed, viewer) | {
        "campaign": campaign, "results": results, "report": results["uplift"], "chart": _chart(results["uplift"]),
        "not_sent": campaign_service.not_sent(session, campaign, viewer.locale),
        "template": service.get_template(session, campaign.template_id) if campaign.template_id else None},
        viewer=viewer)


@router.post("/care/campaigns/{campaign_id}/launch")
def care_campaign_launch(request: Request, campaign_id: RowId, viewer: Viewer = Writer,
                         session: Session = PageSession):
    """Draw the control group and queue the campaign."""
    campaign = service.get_campaign(session, campaign_id)
    chosen, listed = chosen_shop(session, None)
    service.launch(session, next(s for s in listed if s.id == campaign.shop_id), campaign, actor=viewer.actor)
    return RedirectResponse(f"/care/campaigns/{campaign.id}", status_code=303)


@router.post("/care/campaigns/{campaign_id}/cancel")
def care_campaign_cancel(request: Request, campaign_id: RowId, viewer: Viewer = Writer,
                         session: Session = PageSession):
    """Cancel: what is still queued is held."""
    campaign_service.cancel(session, service.get_campaign(session, campaign_id), actor=viewer.actor)
    return RedirectResponse(f"/care/campaigns/{campaign_id}", status_code=303)


@router.get("/care/campaigns/{campaign_id}/progress")
def care_campaign_progress(request: Request, campaign_id: RowId, viewer: Viewer = Reader,
                           session: Session = PageSession):
    """The progress fragment (polled by HTMX while sending)."""
    campaign = service.get_campaign(session, campaign_id)
    return render(request, "care/_progress.html", {"campaign": campaign,
                                                   "progress": campaign_service.progress(session, campaign)},
                  viewer=viewer)
