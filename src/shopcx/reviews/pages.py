"""Staff pages of the reviews domain: the inbox, one review with its care actions, the ratings dashboard and the
review settings.

Routes stay thin here (the app renders their errors as pages or inline HTMX messages because they live in a
`pages` module); what each page shows is composed in pages_inbox, pages_review, pages_dashboard and pages_settings
from the reviews service. A refused action is rolled back and shown next to its form, with what was typed kept.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from ..core import i18n
from ..core.errors import ShopCXError
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.deps import RowId
from ..web.pagination import page_number
from ..web.templating import is_htmx, render, wants_fragment
from . import pages_dashboard, pages_inbox, pages_review, pages_settings

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

Reader = Depends(require("reviews:read"))
Writer = Depends(require("reviews:write"))
Manager = Depends(require("reviews:settings"))


# --- inbox ---------------------------------------------------------------------------------------------------

@router.get("/reviews")
def review_inbox(request: Request, tab: str = "bad", shop: str = "", platform: str = "", product: str = "",
                 owner: str = "", overdue: str = "", page: str = "1", viewer: Viewer = Reader,
                 session: Session = PageSession):
    """Reviews that need action, by tab, filtered by shop, platform, product, owner and overdue (HTMX: the rows)."""
    filters = {"shop": shop, "platform": platform, "product": product, "owner": owner, "overdue": overdue}
    context = pages_inbox.inbox_context(session, viewer, tab=tab, page=page_number(page), **filters)
    if wants_fragment(request, "results"):
        return render(request, "reviews/_inbox_results.html", context, viewer=viewer)
    context |= pages_inbox.filter_context(session, **filters)
    return render(request, "reviews/inbox.html", context, viewer=viewer)


# --- dashboard and settings (before /reviews/{id}) -----------------------------------------------------------

@router.get("/reviews/dashboard")
def review_dashboard(request: Request, shop: str = "", start: str = "", end: str = "", period: str = "week",
                     product: str = "", category: str = "", carrier: str = "", min_count: str = "",
                     viewer: Viewer = Reader, session: Session = PageSession):
    """Ratings dashboard for a shop and window, optionally one product, category or carrier."""
    context = pages_dashboard.dashboard_context(session, viewer, shop=shop, start=start, end=end, period=period,
                                                product=product, category=category, carrier=carrier,
                                                min_count=min_count)
    return render(request, "reviews/dashboard.html", context, viewer=viewer)


@router.get("/reviews/settings")
def review_settings(request: Request, shop: str = "", platform: str = "", done: str = "", viewer: Viewer = Manager,
                    session: Session = PageSession):
    """Platform windows, DSR benchmarks and reply templates of a shop."""
    context = pages_settings.settings_context(session, shop, platform)
    return render(request, "reviews/settings.html", context | {"done": done or None}, viewer=viewer)


def _settings_back(request: Request, session: Session, viewer: Viewer, shop: str, platform: str, form_name: str,
                   values: dict, action: Callable[[], None]):
    """Run a settings change; then back to the page (Post/Redirect/Get), or the page with the refusal."""
    try:
        action()
    except ShopCXError as exc:
        session.rollback()
        context = pages_settings.settings_context(session, shop, platform)
        context |= {"errors": {form_name: i18n.error_text(exc, viewer.locale)}, "values": {form_name: values}}
        return render(request, "reviews/settings.html", context, viewer=viewer, status=exc.status)
    query = urlencode({k: v for k, v in (("shop", shop), ("platform", platform), ("done", form_name)) if v})
    return RedirectResponse(f"/reviews/settings?{query}", status_code=303)


@router.post("/reviews/settings")
def review_settings_save(request: Request, shop: str = Form(""), platform: str = Form(""),
                         rating_days: str = Form(""), revision_days: str = Form(""), max_revisions: str = Form(""),
                         care_due_hours: str = Form(""), followup_due_hours: str = Form(""),
                         reply_allowed: str = Form(""), benchmark_description: str = Form(""),
                         benchmark_service: str = Form(""), benchmark_logistics: str = Form(""),
                         viewer: Viewer = Manager, session: Session = PageSession):
    """Store the windows, reply rule, care deadlines and benchmarks of the shop on the platform."""
    form = {"rating_days": rating_days, "revision_days": revision_days, "max_revisions": max_revisions,
            "care_due_hours": care_due_hours, "followup_due_hours": followup_due_hours,
            "reply_allowed": reply_allowed, "benchmark_description": benchmark_description,
            "benchmark_service": benchmark_service, "benchmark_logistics": benchmark_logistics}
    return _settings_back(request, session, viewer, shop, platform, "settings", form,
                          lambda: pages_settings.update(session, shop, platform, form, actor=viewer.actor))


@router.post("/reviews/settings/templates")
def review_template_add(request: Request, shop: str = Form(""), platform: str = Form(""),
                        rating_class: str = Form(""), locale: str = Form("zh"), body: str = Form(""),
                        viewer: Viewer = Manager, session: Session = PageSession):
    """Add a reply template ({name}, {product}, {shop}); the platform-rule guard applies."""
    values = {"rating_class": rating_class, "locale": locale, "body": body}
    return _settings_back(request, session, viewer, shop, platform, "template", values,
                          lambda: pages_settings.add_template(session, shop, rating_class, locale, body,
                                                              actor=viewer.actor))


@router.post("/reviews/settings/templates/{template_id}/retire")
def review_template_retire(request: Request, template_id: RowId, shop: str = Form(""), platform: str = Form(""),
                           viewer: Viewer = Manager, session: Session = PageSession):
    """Stop suggesting a reply template."""
    return _settings_back(request, session, viewer, shop, platform, "retire", {},
                          lambda: pages_settings.retire_template(session, shop, template_id, actor=viewer.actor))


# --- text analysis (on the settings page) ---------------------------------------------------------------------

def run_in_thread(work: Callable[[], None]) -> None:
    """Run a text job in a daemon thread; it opens its own sessions and reports to the status file."""
    threading.Thread(target=work, name="review-text-job", daemon=True).start()


# How a started text job runs; tests set this to call the work directly so it finishes inside the request.
text_runner: Callable[[Callable[[], None]], None] = run_in_thread


def _run_text_job(work: Callable[[], None]) -> None:
    text_runner(work)


@router.get("/reviews/settings/text")
def review_text_status(request: Request, shop: str = "", viewer: Viewer = Manager, session: Session = PageSession):
    """The text analysis card: the analyser in use and the job's progress (polled every 2 s while it runs)."""
    return render(request, "reviews/_text_status.html", pages_settings.text_context(session, shop), viewer=viewer)


def _text_started(request: Request, session: Session, viewer: Viewer, shop: str, platform: str,
                  start: Callable[[], Callable[[], None]]):
    """Claim and audit a text job; it runs after the response (this request's audit entry is committed first)."""
    try:
        work = start()
    except ShopCXError as exc:
        session.rollback()
        error = i18n.error_text(exc, viewer.locale)
        if is_htmx(request):
            context = pages_settings.text_context(session, shop) | {"text_error": error}
            return render(request, "reviews/_text_status.html", context, viewer=viewer, status=exc.status)
        context = pages_settings.settings_context(session, shop, platform) | {"text_error": error}
        return render(request, "reviews/settings.html", context, viewer=viewer, status=exc.status)
    if is_htmx(request):
        response = render(request, "reviews/_text_status.html", pages_settings.text_context(session, shop),
                          viewer=viewer)
    else:
        query = urlencode({k: v for k, v in (("shop", shop), ("platform", platform)) if v})
        response = RedirectResponse(f"/reviews/settings?{query}#text-analysis", status_code=303)
    response.background = BackgroundTask(_run_text_job, work)
    return response


@router.post("/reviews/settings/text/train")
def review_text_train(request: Request, shop: str = Form(""), platform: str = Form(""), viewer: Viewer = Manager,
                      session: Session = PageSession):
    """Start training the text model from this shop's stored reviews (one text job at a time)."""
    return _text_started(request, session, viewer, shop, platform,
                         lambda: pages_settings.start_training(session, shop, actor=viewer.actor))


@router.post("/reviews/settings/text/reanalyze")
def review_text_reanalyze(request: Request, shop: str = Form(""), platform: str = Form(""),
                          viewer: Viewer = Manager, session: Session = PageSession):
    """Start re-analysing every stored review with the analyser now in use."""
    return _text_started(request, session, viewer, shop, platform,
                         lambda: pages_settings.start_reanalysis(session, shop, actor=viewer.actor))


# --- one review ----------------------------------------------------------------------------------------------

@router.get("/reviews/{review_id}")
def review_page(request: Request, review_id: RowId, done: str = "", viewer: Viewer = Reader,
                session: Session = PageSession):
    """One review with its order, delivery, history, the buyer's other reviews and contacts, and the actions."""
    context = pages_review.review_context(session, viewer, review_id) | {"done": done or None}
    return render(request, "reviews/review.html", context, viewer=viewer)


def _acted(request: Request, session: Session, viewer: Viewer, review_id: int, form_name: str, values: dict,
           action: Callable[[], None]):
    """Run one staff action on a review; answer with the review's body (HTMX) or the page, the refusal inline."""
    try:
        action()
    except ShopCXError as exc:
        session.rollback()  # nothing of a refused action is kept
        context = pages_review.review_context(session, viewer, review_id)
        context |= {"errors": {form_name: i18n.error_text(exc, viewer.locale)}, "values": {form_name: values}}
        name = "reviews/_review_body.html" if is_htmx(request) else "reviews/review.html"
        return render(request, name, context, viewer=viewer, status=exc.status)
    if not is_htmx(request):
        return RedirectResponse(f"/reviews/{review_id}?done={form_name}", status_code=303)
    context = pages_review.review_context(session, viewer, review_id) | {"done": form_name}
    return render(request, "reviews/_review_body.html", context, viewer=viewer)


@router.post("/reviews/{review_id}/reply")
def review_reply(request: Request, review_id: RowId, text: str = Form(""), viewer: Viewer = Writer,
                 session: Session = PageSession):
    """Store the seller's public reply; an offer for a revision is refused with the reason."""
    return _acted(request, session, viewer, review_id, "reply", {"text": text},
                  lambda: pages_review.reply(session, review_id, text, actor=viewer.actor))


@router.post("/reviews/{review_id}/case")
def review_case_open(request: Request, review_id: RowId, owner_id: str = Form(""), due_at: str = Form(""),
                     viewer: Viewer = Writer, session: Session = PageSession):
    """Open a care case (差评) or follow-up task (中评) with an owner and a deadline."""
    return _acted(request, session, viewer, review_id, "case", {"owner_id": owner_id, "due_at": due_at},
                  lambda: pages_review.open_case(session, review_id, owner_id, due_at, actor=viewer.actor))


@router.post("/reviews/{review_id}/assign")
def review_case_assign(request: Request, review_id: RowId, owner_id: str = Form(""), viewer: Viewer = Writer,
                       session: Session = PageSession):
    """Give the review's case to a staff member (empty: unassign)."""
    return _acted(request, session, viewer, review_id, "assign", {"owner_id": owner_id},
                  lambda: pages_review.assign(session, review_id, owner_id, actor=viewer.actor))


@router.post("/reviews/{review_id}/contact")
def review_contact(request: Request, review_id: RowId, channel: str = Form(""), result: str = Form(""),
                   note: str = Form(""), at: str = Form(""), viewer: Viewer = Writer, session: Session = PageSession):
    """Log a contact with the buyer: channel, note, outcome (the guard checks the note)."""
    values = {"channel": channel, "result": result, "note": note, "at": at}
    return _acted(request, session, viewer, review_id, "contact", values,
                  lambda: pages_review.log_contact(session, review_id, channel, result, note, at,
                                                   actor=viewer.actor))


@router.post("/reviews/{review_id}/resolve")
def review_resolve(request: Request, review_id: RowId, resolution: str = Form(""), compensation: str = Form(""),
                   viewer: Viewer = Writer, session: Session = PageSession):
    """Record what was done for the buyer (and any compensation for the real problem)."""
    values = {"resolution": resolution, "compensation": compensation}
    return _acted(request, session, viewer, review_id, "resolve", values,
                  lambda: pages_review.resolve(session, review_id, resolution, compensation, actor=viewer.actor))


@router.post("/reviews/{review_id}/revision")
def review_revision(request: Request, review_id: RowId, rating: str = Form(""), stars: str = Form(""),
                    text: str = Form(""), revised_at: str = Form(""), viewer: Viewer = Writer,
                    session: Session = PageSession):
    """Record that the buyer revised the review (new class and/or stars) inside the platform's window."""
    values = {"rating": rating, "stars": stars, "text": text, "revised_at": revised_at}
    return _acted(request, session, viewer, review_id, "revision", values,
                  lambda: pages_review.revise(session, review_id, rating, stars, text, revised_at,
                                              actor=viewer.actor))


@router.post("/reviews/{review_id}/close")
def review_case_close(request: Request, review_id: RowId, outcome: str = Form(""), viewer: Viewer = Writer,
                      session: Session = PageSession):
    """Close the case with its outcome."""
    return _acted(request, session, viewer, review_id, "close", {"outcome": outcome},
                  lambda: pages_review.close(session, review_id, outcome, actor=viewer.actor))
