"""A survey's results dashboard (ECharts: NPS gauge and trend, the measure by segment, SERVQUAL gap bars and
radar, the IPA grid, the path model with its coefficients, the index by wave) and its responses list with
filters and an Excel export."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from ...core import i18n
from ...shops import service as shops
from ...web import exports
from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.pagination import page_number
from ...web.sheets import Column, Sheet
from ...web.templating import render
from .. import rules, service
from ..service import dashboard
from ..tables import SOURCES
from .base import Reader, shop_ids

PER_PAGE = 50
COLUMNS = [Column("id", "surveys.response_id", "int", 10), Column("submitted", "surveys.when", "datetime", 18),
           Column("wave", "surveys.wave", width=10), Column("source", "surveys.source", width=12),
           Column("state", "surveys.state", width=12), Column("customer", "surveys.customer", width=16),
           Column("followup", "surveys.followups", width=14), Column("answers", "surveys.answers", width=60)]


def _filter(wave: str, source: str, state: str, followup: str) -> service.ResponseFilter:
    return service.ResponseFilter(wave=wave.strip()[:20], source=source if source in SOURCES else "",
                                  state=state if state in dashboard.STATES else "",
                                  followup=followup if followup in ("open", "closed", "any") else "")


def answer_text(answers: dict) -> str:
    """A response's answers in one cell: key=value, lists joined, SERVQUAL as E/P."""
    parts = []
    for key, value in answers.items():
        if isinstance(value, dict) and "expectation" in value:
            value = f"{value['expectation']}/{value['perception']}"
        elif isinstance(value, dict):
            value = ",".join(f"{k}:{v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ",".join(map(str, value))
        parts.append(f"{key}={value}")
    return "; ".join(parts)


router = APIRouter()


@router.get("/surveys/{survey_id}/results")
def surveys_results(request: Request, survey_id: RowId, viewer: Viewer = Reader, session: Session = PageSession):
    """The dashboard: every chart with the figures behind it."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    data = service.charts(session, survey)
    return render(request, "surveys/results.html", {
        "survey": survey, "charts": data, "measures": service.headline_measures(session, survey),
        "changes": service.wave_changes(session, survey),
        "labels": {k: i18n.t(f"surveys.{k}", viewer.locale) for k in (
            "chart.nps", "chart.promoters", "chart.index", "chart.gap", "chart.expectation", "chart.perception",
            "chart.importance", "chart.performance", "chart.answers")} | {
            f"dim.{d}": i18n.t(f"surveys.dim.{d}", viewer.locale) for d in rules.DIMENSIONS} | {
            f"quadrant.{q}": i18n.t(f"surveys.quadrant.{q}", viewer.locale) for q in rules.QUADRANT_LABELS}},
        viewer=viewer)


@router.get("/surveys/{survey_id}/responses")
def surveys_responses(request: Request, survey_id: RowId, wave: str = "", source: str = "", state: str = "",
                      followup: str = "", page: str = "1", viewer: Viewer = Reader, session: Session = PageSession):
    """The responses with their answers, filtered by wave, source, state and follow-up."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    where = _filter(wave, source, state, followup)
    number = page_number(page)
    rows, total = service.filtered_responses(session, survey, where, offset=(number - 1) * PER_PAGE, limit=PER_PAGE)
    return render(request, "surveys/responses.html", {
        "survey": survey, "rows": rows, "total": total, "where": where, "page": number, "per_page": PER_PAGE,
        "waves": service.wave_names(session, survey), "sources": SOURCES, "answer_text": answer_text,
        "names": service.customer_names(session, {r.customer_id for r, _ in rows if r.customer_id})},
        viewer=viewer)


@router.get("/surveys/{survey_id}/responses.xlsx")
def surveys_responses_export(request: Request, survey_id: RowId, wave: str = "", source: str = "", state: str = "",
                             followup: str = "", viewer: Viewer = Reader, session: Session = PageSession):
    """The filtered responses as an Excel workbook (one row per response, its answers in one column)."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    where = _filter(wave, source, state, followup)
    locale = viewer.locale
    shop = next((s for s in shops.list_shops(session) if s.id == survey.shop_id), None)
    title = f"{survey.name_zh if locale == 'zh' else survey.name_en} · {i18n.t('surveys.responses', locale)}"
    sheet = Sheet(title[:31], COLUMNS, tz=shop.timezone if shop else "UTC", locale=locale,
                  reveal_pii=viewer.can("pii"))
    _, total = service.filtered_responses(session, survey, where, limit=0)

    def rows(s: Session, offset: int, limit: int) -> list[dict]:
        page, _ = service.filtered_responses(s, survey, where, offset=offset, limit=limit)
        names = service.customer_names(s, {r.customer_id for r, _ in page if r.customer_id})
        cases = {c.response_id: c.status for c in service.followups(s, [survey.shop_id], status=None,
                                                                     survey_id=survey.id, limit=100_000)}
        return [{"id": r.id, "submitted": r.submitted_at or r.updated_at, "wave": r.wave,
                 "source": i18n.t(f"surveys.source.{r.source}", locale),
                 "state": i18n.t("surveys.partial" if r.partial else "surveys.submitted", locale),
                 "customer": names.get(r.customer_id) if r.customer_id else i18n.t("surveys.anonymous", locale),
                 "followup": i18n.t(f"surveys.followup_{cases[r.id]}", locale) if r.id in cases else None,
                 "answers": answer_text(answers)} for r, answers in page]

    return exports.respond(request, viewer, session, exports.Export(
        f"survey_{survey.code}_responses", sheet, total, rows, filters=dict(request.query_params)))
