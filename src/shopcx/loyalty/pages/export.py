"""Loyalty lists as Excel workbooks: the members list (its filters), one member's ledger, and the adjustment
requests with their decisions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...customers import service as customers
from ...web import exports
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.sheets import Column, Sheet
from .. import repository
from .base import Reader, program_view, require_active, tier_name, whole_number
from .members import MAX_EXPIRING_DAYS, MEMBER_ORDERS, member_view

router = APIRouter()

MEMBER_COLUMNS = [
    Column("account", "loyalty.export.account", "int", 9), Column("customer", "loyalty.export.customer", "int", 9),
    Column("name", "loyalty.member", width=16), Column("tier", "loyalty.tier", width=12),
    Column("floor", "loyalty.floor", width=12), Column("balance", "loyalty.balance", "int", 10),
    Column("pending", "loyalty.pending", "int", 10), Column("shortfall", "loyalty.export.shortfall", "int", 10),
    Column("expiring", "loyalty.expiring_days", "int", 12),
    Column("next_expiry", "loyalty.export.next_expiry", "date", 12),
    Column("lifetime", "loyalty.lifetime_earned", "int", 12), Column("joined", "loyalty.joined", "datetime", 17)]
LEDGER_COLUMNS = [
    Column("id", "loyalty.export.entry", "int", 9), Column("at", "loyalty.at", "datetime", 17),
    Column("kind", "loyalty.entry_kind", width=10), Column("reason", "loyalty.export.reason", width=12),
    Column("points", "loyalty.points", "int", 10), Column("pending", "loyalty.pending", "int", 10),
    Column("shortfall", "loyalty.export.shortfall", "int", 10), Column("order", "loyalty.export.order", "int", 10),
    Column("line", "loyalty.export.line", "int", 6), Column("source", "loyalty.source", width=16),
    Column("rules", "loyalty.export.rules", "int", 8), Column("note", "loyalty.note", width=30),
    Column("actor", "loyalty.export.actor", width=18)]
REQUEST_COLUMNS = [
    Column("id", "loyalty.export.request", "int", 9), Column("name", "loyalty.member", width=16),
    Column("customer", "loyalty.export.customer", "int", 9), Column("points", "loyalty.points", "int", 10),
    Column("balance", "loyalty.balance", "int", 10), Column("reason", "loyalty.export.reason", width=30),
    Column("status", "loyalty.export.status", width=10), Column("requested_by", "loyalty.export.requested_by",
                                                                 width=16),
    Column("requested_at", "loyalty.export.requested_at", "datetime", 17),
    Column("decided_by", "loyalty.export.decided_by", width=16),
    Column("decided_at", "loyalty.export.decided_at", "datetime", 17),
    Column("note", "loyalty.export.decision_note", width=30)]


def _label(prefix: str, code, locale: str):
    if code is None or code == "":
        return None
    key = f"{prefix}.{code}"
    return i18n.t(key, locale) if i18n.has(key, locale) else code


def _page(offset: int, limit: int) -> int:
    return offset // limit + 1


@router.get("/loyalty/export.xlsx")
def members_export(request: Request, shop: str = "", tier: str = "", min_balance: str = "", max_balance: str = "",
                   expiring: str = "", q: str = "", order: str = "", viewer: Viewer = Reader,
                   session: Session = PageSession):
    """The members list with its filters, as an Excel workbook."""
    view = program_view(session, shop)
    require_active(view)
    config, locale = view.config, viewer.locale
    days = whole_number(expiring, "expiring")
    if days is not None and days > MAX_EXPIRING_DAYS:
        days = MAX_EXPIRING_DAYS
    window = days if days is not None else repository.DEFAULT_EXPIRING_DAYS
    filters = dict(tier=tier if config.tier(tier) else None, min_balance=whole_number(min_balance, "min_balance"),
                   max_balance=whole_number(max_balance, "max_balance"), expiring_within_days=days,
                   today=view.today, query=q.strip() or None, by_contacts=viewer.can("pii"),
                   order=order if order in MEMBER_ORDERS else "balance")
    sheet = Sheet(i18n.t("loyalty.export.members_title", locale), MEMBER_COLUMNS, tz=view.tz, locale=locale,
                  label_values={"days": window})

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = repository.search_members(s, view.program.id, page=_page(offset, limit), page_size=limit,
                                             **filters)
        return [{"account": m.account_id, "customer": m.customer_id, "name": m.name,
                 "tier": tier_name(config, m.tier_code, locale),
                 "floor": tier_name(config, m.floor_tier_code, locale) if m.floor_tier_code else None,
                 "balance": m.balance, "pending": m.pending_balance, "shortfall": m.shortfall,
                 "expiring": m.expiring_points, "next_expiry": m.next_expiry_on, "lifetime": m.lifetime_earned,
                 "joined": m.joined_at} for m in found]

    _, total = repository.search_members(session, view.program.id, page=1, page_size=1, **filters)
    return exports.respond(request, viewer, session, exports.Export(
        "loyalty_members", sheet, total, rows, filters=dict(request.query_params)))


@router.get("/loyalty/members/{account_id}/ledger.xlsx")
def ledger_export(request: Request, account_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """Every entry of one member's points ledger, newest first."""
    account, view = member_view(session, account_id)
    customer = customers.get_customer(session, account.customer_id)
    locale = viewer.locale
    who = customer.name or customer.nickname or str(customer.id)
    sheet = Sheet(i18n.t("loyalty.export.ledger_title", locale, name=who), LEDGER_COLUMNS, tz=view.tz, locale=locale)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = repository.member_history(s, account.id, page=_page(offset, limit), page_size=limit)
        return [{"id": e.id, "at": e.created_at, "kind": _label("loyalty.kind", e.kind, locale),
                 "reason": _label("loyalty.reason", e.reason, locale), "points": e.points,
                 "pending": e.pending_points, "shortfall": e.shortfall, "order": e.order_id,
                 "line": e.order_line_no,
                 "source": " ".join(p for p in (_label("loyalty.source_type", e.source_type, locale), e.source_id)
                                    if p),
                 "rules": e.rule_version, "note": e.note, "actor": e.actor} for e in found]

    _, total = repository.member_history(session, account.id, page=1, page_size=1)
    return exports.respond(request, viewer, session, exports.Export(
        f"ledger_{account.id}", sheet, total, rows, filters={"account": account.id}))


@router.get("/loyalty/approvals/export.xlsx")
def requests_export(request: Request, shop: str = "", status: str = "", viewer: Viewer = Reader,
                    session: Session = PageSession):
    """Adjustment requests (all, or one status) with who asked, who decided and why."""
    view = program_view(session, shop)
    require_active(view)
    locale = viewer.locale
    chosen = status if status in ("pending", "approved", "rejected") else None
    sheet = Sheet(i18n.t("loyalty.export.requests_title", locale), REQUEST_COLUMNS, tz=view.tz, locale=locale)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        found, _ = repository.adjustment_requests(s, view.program.id, status=chosen, page=_page(offset, limit),
                                                  page_size=limit)
        return [{"id": r.request.id, "name": r.name, "customer": r.customer_id, "points": r.request.points,
                 "balance": r.balance, "reason": r.request.reason,
                 "status": _label("loyalty.request_status", r.request.status, locale),
                 "requested_by": r.request.requested_by, "requested_at": r.request.requested_at,
                 "decided_by": r.request.decided_by, "decided_at": r.request.decided_at,
                 "note": r.request.decision_note} for r in found]

    _, total = repository.adjustment_requests(session, view.program.id, status=chosen, page=1, page_size=1)
    return exports.respond(request, viewer, session, exports.Export(
        "loyalty_requests", sheet, total, rows, filters=dict(request.query_params)))
