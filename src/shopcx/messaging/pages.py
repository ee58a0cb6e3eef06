"""Staff messaging page (user menu): each shop's sending rules, a test send, the message log with filters, and the
agents' list (messages staff send by platform chat or phone) as an Excel file, ticked off as delivered."""

from __future__ import annotations

import io
from datetime import timedelta
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ..core import clock, i18n
from ..core.errors import InvalidInput
from ..core.face import Panel
from ..shops import service as shops
from ..web import exports
from ..web.auth import PageSession, Viewer, require
from ..web.deps import RowId, parse_id
from ..web.pagination import Page, page_number
from ..web.sheets import XLSX, Column, Sheet, write
from ..web.templating import is_htmx, render
from . import service
from .config import get_messaging_settings
from .models import CHANNELS, STATUS_GROUPS, STATUSES

Reader = Depends(require("messaging:read"))
Writer = Depends(require("messaging:settings"))
Worker = Depends(require("messaging:write"))
PAGE_SIZE = 50
AGENT_LIST_MAX = 5000
AGENT_COLUMNS = [Column("id", "messaging.col.id", "int", 10), Column("customer", "messaging.col.customer", "int", 12),
                 Column("address", "messaging.col.address", "text", 28, pii="identity"),
                 Column("subject", "messaging.col.subject", "text", 30),
                 Column("body", "messaging.col.body", "text", 80, pii="text"),
                 Column("queued_at", "messaging.col.queued_at", "datetime", 20)]


def _shop(session: Session, raw: str):
    listed = shops.list_shops(session)
    return next((s for s in listed if s.id == parse_id(raw or "")), listed[0] if listed else None), listed


def log_scope(listed: list, raw: str) -> list[int]:
    """The shops whose messages the log lists: the one asked for by ?shop=<id>, else every shop (the home page's
    card for one shop links here with its id, the all-shops card without)."""
    chosen = parse_id(raw or "")
    return [s.id for s in listed if s.id == chosen] or [s.id for s in listed]


def _context(session: Session, request: Request, viewer: Viewer, shop_raw: str, status: str, channel: str,
             purpose: str, page: str, days: str = "") -> dict:
    shop, listed = _shop(session, shop_raw)
    ids = log_scope(listed, shop_raw)
    number = page_number(page)
    # ?days=7: only messages whose sending failed in the last 7 days (the home page's "failed sends" card)
    within = parse_id(days or "")
    since = clock.now() - timedelta(days=min(within, 366)) if within else None
    rows, total = service.list_messages(session, shop_ids=ids, status=status, channel=channel, purpose=purpose,
                                        failed_since=since, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    configured = get_messaging_settings()
    counts = service.status_counts(session, ids)
    return {"shop": shop, "shops": listed, "values": service.current(session, shop.id) if shop else {},
            "rows": rows, "page": Page(number, PAGE_SIZE, total), "counts": counts, "statuses": STATUSES,
            "groups": {g: sum(counts.get(s, 0) for s in members) for g, members in STATUS_GROUPS.items()},
            "channels": CHANNELS, "filters": {"status": status, "channel": channel, "purpose": purpose},
            "smtp": configured.smtp_host, "sms": bool(configured.sms_url), "wechat": bool(configured.wechat_url),
            "can_write": viewer.can("messaging:settings"), "can_work": viewer.can("messaging:write"),
            "tz": shop.timezone if shop else None, "scoped": len(ids) < len(listed),
            "reasons": {m.id: service.reason_words(m.reason, viewer.locale) for m in rows},
            "result": request.query_params.get("result", "")}


router = APIRouter()


@router.get("/messages")
def messaging_home(request: Request, shop: str = "", status: str = "", channel: str = "", purpose: str = "",
                   page: str = "1", days: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """Channel settings, test send and the message log with filters."""
    return render(request, "messaging/home.html",
                  _context(session, request, viewer, shop, status, channel, purpose, page, days), viewer=viewer)


@router.post("/messages/settings")
def messaging_settings(request: Request, shop: str = Form(""), quiet_start: str = Form("21:00"),
                       quiet_end: str = Form("09:00"), cap_day: str = Form("2"), cap_week: str = Form("4"),
                       cap_month: str = Form("10"), sandbox: str = Form(""), require_opt_in: str = Form(""),
                       viewer: Viewer = Writer, session: Session = PageSession):
    """Save a shop's quiet hours, caps, opt-in and sandbox."""
    chosen, _ = _shop(session, shop)
    if chosen is None:
        raise InvalidInput("invalid_shop", "shop: choose one of the shops", field="shop")
    service.update_settings(session, chosen.id, {
        "quiet_start": quiet_start, "quiet_end": quiet_end, "cap_day": cap_day, "cap_week": cap_week,
        "cap_month": cap_month, "sandbox": bool(sandbox), "require_opt_in": bool(require_opt_in)}, actor=viewer.actor)
    return RedirectResponse(f"/messages?shop={chosen.id}&result=saved", status_code=303)


@router.post("/messages/test")
def messaging_test(request: Request, shop: str = Form(""), channel: str = Form("email"), to: str = Form(""),
                   viewer: Viewer = Writer, session: Session = PageSession):
    """Send one test message now through the shop's channel; the log shows what the server said."""
    chosen, _ = _shop(session, shop)
    sandbox = service.current(session, chosen.id)["sandbox"] if chosen else False
    message = service.send_test(session, shop_id=chosen.id if chosen else None, channel=channel, address=to,
                                subject=i18n.t("messaging.test_subject", viewer.locale),
                                body=i18n.t("messaging.test_body", viewer.locale), sandbox=sandbox,
                                actor=viewer.actor)
    return RedirectResponse(f"/messages?shop={chosen.id if chosen else ''}&result=test_{message.status}",
                            status_code=303)


def preference_panel(session: Session, customer, viewer: Viewer) -> Panel | None:
    """The customer page's section: a button that makes the buyer's preference link to copy to them (only for staff
    who may hand it over, service.preferences.LINK_PERMISSIONS)."""
    if customer.erased_at is not None or not all(viewer.can(p) for p in service.preferences.LINK_PERMISSIONS):
        return None
    return Panel("messaging/_preference_link.html", {"customer_id": customer.id, "url": None})


@router.post("/messages/preference-link/{customer_id}")
def messaging_preference_link(request: Request, customer_id: RowId, viewer: Viewer = Worker,
                              session: Session = PageSession):
    """A fresh preference link for this buyer, shown to copy (the making of it is in the audit log)."""
    url, expires = service.preferences.link_for_staff(session, customer_id, actor=viewer.actor)
    panel = Panel("messaging/_preference_link.html", {"customer_id": customer_id, "url": url, "expires": expires})
    if not is_htmx(request):
        return RedirectResponse(f"/customers/{customer_id}", status_code=303)
    return render(request, "messaging/_preference_link.html", {"panel": panel}, viewer=viewer)


@router.get("/messages/agent-list.xlsx")
def messaging_agent_list(request: Request, viewer: Viewer = Reader, session: Session = PageSession):
    """The agents' list (messages to send by platform chat or phone, not yet ticked off) as an Excel file."""
    shop, listed = _shop(session, "")
    rows, _ = service.list_messages(session, shop_ids=[s.id for s in listed], status="sent", channel="agent",
                                    limit=AGENT_LIST_MAX)
    sheet = Sheet(i18n.t("messaging.agent_list", viewer.locale), AGENT_COLUMNS,
                  tz=shop.timezone if shop else "UTC", locale=viewer.locale, reveal_pii=viewer.can("pii"))
    out, seen = io.BytesIO(), set()
    write(sheet, exports.counting(({"id": m.id, "customer": m.customer_id, "address": m.address,
                                    "subject": m.subject, "body": m.body, "queued_at": m.queued_at} for m in rows),
                                  lambda row: row["customer"], seen), out)
    # Agents (who hold `pii`) need the buyers' addresses and the texts as they are: their file is one PII view in
    # the log. Other readers of the log get the contacts masked, and nothing is logged for them.
    if viewer.can("pii"):
        exports.log_view(session, viewer.actor.label, "agent_list", seen, ["identity", "text"], request.url.path)
    name = quote("agent-list.xlsx")
    return Response(out.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})


@router.post("/messages/delivered")
def messaging_delivered(request: Request, ids: str = Form(""), viewer: Viewer = Worker,
                        session: Session = PageSession):
    """Tick agents' list messages off as delivered (ids separated by commas or spaces)."""
    chosen = [parse_id(part) for part in ids.replace(",", " ").split()]
    if not chosen or None in chosen:
        raise InvalidInput("invalid_message_ids", "ids: give message numbers separated by spaces", field="ids")
    service.mark_delivered(session, chosen)
    return RedirectResponse("/messages?channel=agent&result=delivered", status_code=303)
