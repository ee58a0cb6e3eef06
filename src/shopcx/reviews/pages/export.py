"""The review inbox as an Excel workbook: the chosen tab under the same filters, buyers and contacts in the text
masked for roles without `pii`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...web import exports
from ...web.auth import PageSession, Viewer
from ...web.format import mask_text
from ...web.sheets import Column, Sheet
from ..service import views
from ..service.views import INBOX_TABS
from .base import Reader
from .inbox import _query
from .parts import shown_name

router = APIRouter()

COLUMNS = [
    Column("id", "reviews.export.id", "int", 9), Column("shop", "reviews.export.shop", width=14),
    Column("platform", "reviews.export.platform", width=10), Column("reviewed_at", "reviews.export.reviewed_at",
                                                                   "datetime", 17),
    Column("buyer", "reviews.buyer", width=12), Column("product", "reviews.product", width=24),
    Column("stars", "reviews.export.stars", "int", 7), Column("class", "reviews.rating", width=9),
    Column("hidden", "reviews.tab.hidden", width=9), Column("dsr_description", "reviews.export.dsr_description",
                                                              "int", 9),
    Column("dsr_service", "reviews.export.dsr_service", "int", 9),
    Column("dsr_logistics", "reviews.export.dsr_logistics", "int", 9),
    Column("text", "review.text", width=60), Column("followup", "reviews.export.followup", width=40),
    Column("reply", "reviews.export.reply", width=40), Column("case", "reviews.export.case", width=10),
    Column("owner", "review.case.owner", width=12), Column("case_due", "reviews.export.case_due", "datetime", 17),
    Column("revision_due", "reviews.export.revision_due", "datetime", 17),
    Column("overdue", "reviews.export.overdue", width=8)]


@router.get("/reviews/export.xlsx")
def review_export(request: Request, tab: str = "bad", shop: str = "", platform: str = "", product: str = "",
                  owner: str = "", overdue: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """One inbox tab (差评 / 中评 / 好评 / hidden dissatisfaction) with its filters, as an Excel workbook."""
    tab = tab if tab in INBOX_TABS and tab != "awaiting" else "bad"
    listed, query = _query(session, shop, platform, product, owner, overdue)
    names = {s.id: (s.name, s.timezone) for s in listed}
    locale, reveal = viewer.locale, viewer.can("pii")
    title = f"{i18n.t('review.inbox.title', locale)} · {i18n.t('reviews.tab.' + tab, locale)}"
    sheet = Sheet(title, COLUMNS, tz=listed[0].timezone if listed else "UTC", locale=locale, reveal_pii=reveal)

    def text(value: str | None) -> str | None:
        return value if reveal or not value else mask_text(value)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        entries, _, _ = views.inbox_page(s, query, tab, offset=offset, limit=limit)
        reviews = [e.review for e in entries]
        products = views.product_names(s, reviews)
        buyers = views.customer_names(s, {r.customer_id for r in reviews})
        owners = views.staff_names(s, {e.case.owner_id for e in entries if e.case})
        out = []
        for e in entries:
            r, c = e.review, e.case
            out.append({
                "id": r.id, "shop": names.get(r.shop_id, ("", ""))[0], "tz": names.get(r.shop_id, ("", None))[1],
                "platform": i18n.t(f"platform.{r.platform}", locale) if i18n.has(f"platform.{r.platform}", locale)
                else r.platform, "reviewed_at": r.reviewed_at,
                "buyer": shown_name(r.reviewer_name or buyers.get(r.customer_id), reveal),
                "product": products.get(r.id), "stars": r.stars,
                "class": i18n.t(f"review.class.{r.rating_class}", locale), "hidden": r.hidden_negative,
                "dsr_description": r.dsr_description, "dsr_service": r.dsr_service,
                "dsr_logistics": r.dsr_logistics, "text": text(r.text), "followup": text(r.followup_text),
                "reply": r.reply_text,
                "case": i18n.t(f"review.case.status.{c.status}", locale) if c else None,
                "owner": owners.get(c.owner_id) if c and c.owner_id else None,
                "case_due": c.due_at if c and c.first_contact_at is None and c.status == "open" else None,
                "revision_due": e.revision_due_at, "overdue": e.overdue})
        return out

    counts = views.tab_counts(session, query)
    return exports.respond(request, viewer, session, exports.Export(
        f"reviews_{tab}", sheet, counts.get(tab, 0), rows, filters=dict(request.query_params)))
