"""Mystery-shopper audit pages: the plan list with its form and the results per agent and dimension over time
(managers), one audit's scoring form for its staff auditor, and the outside auditor's page at a signed link."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from ...core import i18n
from ...core.errors import InvalidInput, PermissionDenied, ShopCXError
from ...shops import service as shops
from ...staff import service as staff
from ...web import exports
from ...web.auth import PageSession, Viewer, request_locale, require, verify_csrf
from ...web.deps import RowId
from ...web.format import mask_text
from ...web.sheets import Column, Sheet
from ...web.templating import render
from ..channels.links import TicketLinkRefused, form_token, form_token_matches
from ..pages.tickets import _form_int
from ..rules import parse_instant
from . import rules, service

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
public_router = APIRouter(include_in_schema=False)
Manager = Depends(require("desk:settings"))
Writer = Depends(require("desk:write"))


def _day(text: str) -> date:
    try:
        return date.fromisoformat((text or "").strip())
    except ValueError:
        raise InvalidInput("invalid_date", f"due_on: '{text}' is not a date (YYYY-MM-DD)", field="due_on") from None


def _chart(trend: dict, names: dict[int, str], locale: str) -> dict:
    """The chart's JSON: the months, and one line per series named in the reader's language."""
    series = [{"name": i18n.t("desk.audit.all_audits", locale), "data": trend["all"]}]
    whole = i18n.t("desk.audit.whole_desk", locale)
    for agent, line in sorted(trend["agents"].items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
        series.append({"name": whole if agent is None else names.get(agent, str(agent)), "data": line})
    return {"months": trend["months"], "series": series, "axis": i18n.t("desk.audit.overall", locale)}


def _context(session: Session, shop_code: str, locale: str = "zh") -> dict:
    listed = shops.list_shops(session)
    shop = shops.get_shop(session, shop_code) if shop_code else (listed[0] if listed else None)
    users = [u for u in staff.list_users(session) if u.is_active]
    names = {u.id: u.display_name for u in users}
    results, trend = service.report(session, shop.id, shop.timezone) if shop else ({}, rules.trend([]))
    return {"shop": shop, "shops": listed, "users": users, "names": names,
            "audits": service.audits(session, shop.id) if shop else [], "results": results,
            "chart": _chart(trend, names, locale) if trend["months"] else None,
            "dimensions": rules.DIMENSIONS, "channels": service.AUDIT_CHANNELS, "overall": rules.overall}


@router.get("/desk/audits")
def desk_audits(request: Request, shop: str = "", viewer: Viewer = Manager, session: Session = PageSession):
    """Audit plans and the results per agent and dimension, month by month."""
    return render(request, "desk/audits.html", _context(session, shop, viewer.locale) | {"values": {}}, viewer=viewer)


@router.post("/desk/audits")
def desk_audit_plan(request: Request, shop: str = Form(""), title: str = Form(""), channel: str = Form(""),
                    scenario: str = Form(""), due_on: str = Form(""), agent_id: str = Form(""),
                    auditor_user_id: str = Form(""), auditor_name: str = Form(""), viewer: Viewer = Manager,
                    session: Session = PageSession):
    """Plan an audit."""
    values = {"title": title, "channel": channel, "scenario": scenario, "due_on": due_on, "agent_id": agent_id,
              "auditor_user_id": auditor_user_id, "auditor_name": auditor_name}
    try:
        found = shops.get_shop(session, shop) if shop else shops.list_shops(session)[0]
        made = service.plan_audit(session, found, title=title, channel=channel, scenario=scenario,
                                  due_on=_day(due_on), agent_id=_form_int(agent_id, "agent"),
                                  auditor_user_id=_form_int(auditor_user_id, "auditor"), auditor_name=auditor_name,
                                  actor=viewer.actor)
    except ShopCXError as exc:
        session.rollback()
        return render(request, "desk/audits.html", _context(session, shop, viewer.locale) | {
            "values": values, "error": i18n.error_text(exc, viewer.locale)}, viewer=viewer, status=exc.status)
    return RedirectResponse(f"/desk/audits/{made.id}", status_code=303)


AUDIT_COLUMNS = [Column("id", "desk.audit_export.id", "int", 8), Column("title", "desk.audit.plan_title", width=24),
                 Column("channel", "desk.channel", width=10), Column("due_on", "desk.audit.due_on", "date", 12),
                 Column("agent", "desk.reports.agent", width=14), Column("auditor", "desk.audit_export.auditor",
                                                                         width=14),
                 Column("status", "desk.audit.status", width=10),
                 *(Column(d, f"desk.audit.dim.{d}", "int", 10) for d in rules.DIMENSIONS),
                 Column("overall", "desk.audit.overall", "number", 9),
                 Column("response_minutes", "desk.audit.response_minutes", "int", 12),
                 Column("contacted_at", "desk.audit.contacted_at", "datetime", 17),
                 Column("scenario", "desk.audit.scenario", width=40), Column("comment", "desk.audit.comment", width=40)]


@router.get("/desk/audits.xlsx")
def desk_audits_export(request: Request, shop: str = "", viewer: Viewer = Manager, session: Session = PageSession):
    """The shop's audit plans with their scores as an Excel workbook; the scenario and the auditor's comment are
    free text, masked (phones, e-mails) for roles without `pii`, as the ticket export masks subjects."""
    listed = shops.list_shops(session)
    found = shops.get_shop(session, shop) if shop else (listed[0] if listed else None)
    locale, reveal = viewer.locale, viewer.can("pii")
    names = {u.id: u.display_name for u in staff.list_users(session)}
    whole = i18n.t("desk.audit.whole_desk", locale)
    sheet = Sheet(i18n.t("desk.audit.plans", locale), AUDIT_COLUMNS, tz=found.timezone if found else "UTC",
                  locale=locale, reveal_pii=reveal)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        if found is None:
            return []
        out = []
        for a, score in service.audits(s, found.id, offset=offset, limit=limit):
            dims = {d: getattr(score, d) for d in rules.DIMENSIONS} if score else {}
            out.append(dims | {
                "id": a.id, "title": a.title, "channel": i18n.t(f"desk.channel.{a.channel}", locale),
                "due_on": a.due_on, "agent": whole if a.agent_id is None else names.get(a.agent_id),
                "auditor": a.auditor_name or names.get(a.auditor_user_id),
                "status": i18n.t(f"desk.audit.status.{a.status}", locale),
                "overall": round(rules.overall(dims), 2) if score else None,
                "response_minutes": score.response_minutes if score else None,
                "contacted_at": score.contacted_at if score else None,
                "scenario": a.scenario if reveal else mask_text(a.scenario),
                "comment": (score.comment if reveal else mask_text(score.comment)) if score else None})
        return out

    total = service.count(session, found.id) if found else 0
    return exports.respond(request, viewer, session, exports.Export("desk_audits", sheet, total, rows,
                                                                    filters=dict(request.query_params)))


def _audit_page(request: Request, session: Session, viewer: Viewer, audit_id: int, *, error: str | None = None,
                values: dict | None = None, status: int = 200) -> Response:
    found = service.get_audit(session, audit_id)
    shop = shops.get_shop_by_id(session, found.shop_id)
    scored = dict(service.audits(session, shop.id)).get(found)
    link = service.auditor_link(found) if viewer.can("desk:settings") and found.auditor_name else None
    return render(request, "desk/audit.html", {
        "audit": found, "scored": scored, "shop": shop, "tz": shop.timezone, "link": link, "error": error,
        "values": values or {}, "dimensions": rules.DIMENSIONS, "action": f"/desk/audits/{found.id}/score",
        "names": {u.id: u.display_name for u in staff.list_users(session)}}, viewer=viewer, status=status)


@router.get("/desk/audits/{audit_id}")
def desk_audit(request: Request, audit_id: RowId, viewer: Viewer = Writer, session: Session = PageSession):
    """One audit: its scenario and the scoring form (or its result)."""
    return _audit_page(request, session, viewer, audit_id)


def _scored(session: Session, found, form: dict, tz: str, scored_by: str):
    contacted = parse_instant(form.get("contacted_at", ""), tz, option="contacted_at")
    answered_text = (form.get("answered_at") or "").strip()
    answered = parse_instant(answered_text, tz, option="answered_at") if answered_text else None
    return service.score_audit(session, found, form, contacted_at=contacted, answered_at=answered,
                               comment=form.get("comment", ""), scored_by=scored_by)


@router.post("/desk/audits/{audit_id}/score")
async def desk_audit_score(request: Request, audit_id: RowId, viewer: Viewer = Writer,
                           session: Session = PageSession):
    """The staff auditor's score (only the auditor named on the plan, or a manager)."""
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        found = service.get_audit(session, audit_id)
        if found.auditor_user_id != viewer.user_id and not viewer.can("desk:settings"):
            raise PermissionDenied("forbidden", "audit: only its auditor or a manager scores it")
        _scored(session, found, form, shops.get_shop_by_id(session, found.shop_id).timezone, viewer.actor.label)
    except ShopCXError as exc:
        session.rollback()
        return _audit_page(request, session, viewer, audit_id, error=i18n.error_text(exc, viewer.locale),
                           values=form, status=exc.status)
    return RedirectResponse(f"/desk/audits/{audit_id}", status_code=303)


def _lang(request: Request, value: str | None) -> str:
    return value if value in ("zh", "en") else (request_locale(request) if request_locale(request) in ("zh", "en")
                                                 else "zh")


def _outside(request: Request, session: Session, token: str, lang: str, *, error: str | None = None,
             values: dict | None = None, status: int = 200) -> Response:
    try:
        found = service.audit_by_link(session, token)
    except (TicketLinkRefused, ShopCXError):
        return render(request, "desk/buyer_gone.html", {"locale": lang, "csrf": None, "code": "ticket_link_invalid"},
                      status=404)
    shop = shops.get_shop_by_id(session, found.shop_id)
    return render(request, "desk/audit_outside.html", {
        "locale": lang, "csrf": None, "audit": found, "shop": shop, "token": token, "form_token": form_token(token),
        "dimensions": rules.DIMENSIONS, "error": error, "values": values or {}, "action": f"/audit/{token}"},
        status=status)


@public_router.get("/audit/{token}")
def desk_audit_outside(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The outside auditor's page: the scenario and the scoring form, at a signed link."""
    return _outside(request, session, token, _lang(request, lang))


@public_router.post("/audit/{token}")
async def desk_audit_outside_score(request: Request, token: str, session: Session = PageSession):
    form = {k: str(v) for k, v in (await request.form()).items()}
    lang = _lang(request, form.get("lang"))
    try:
        found = service.audit_by_link(session, token)
        if not form_token_matches(token, form.get("form_token")):
            raise PermissionDenied("ticket_form_invalid", "the form did not come from this page; reload it")
        _scored(session, found, form, shops.get_shop_by_id(session, found.shop_id).timezone,
                f"auditor:{found.auditor_name or found.id}")
    except TicketLinkRefused:
        return _outside(request, session, token, lang)
    except ShopCXError as exc:
        session.rollback()
        return _outside(request, session, token, lang, error=i18n.error_text(exc, lang), values=form,
                        status=exc.status)
    return _outside(request, session, token, lang)
