"""The buyer's survey page at a personal signed link (`/s/<token>`), without a staff sign-in.

Phone first, in zh or en (`?lang=`), every control labelled. "Save for later" keeps what is filled in as a
partial answer; "Submit" checks the required questions and closes the link, and the buyer is thanked; a second
submission is refused with a thank-you. A forged, altered or expired link gets a page saying so (404), and an
answered link says it was answered (409), never the form.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from ..core import i18n
from ..core.errors import Conflict, ShopCXError
from ..shops.models import Shop
from ..web.auth import PageSession, buyer_locale
from ..web.templating import render
from . import service
from .questions import SCALES, SERVQUAL_SCALE, shown
from .tables import Survey, SurveyVersion

router = APIRouter(include_in_schema=False)
BUYER_ERRORS = ("answer_missing", "invalid_answer")  # shown beside the question, in the buyer's words



def points(q: dict) -> list[int]:
    """The answer points of a rating, matrix or SERVQUAL question."""
    lo, hi = SERVQUAL_SCALE if q["type"] == "servqual" else SCALES[q["scale"]]
    return list(range(lo, hi + 1))


def _form_values(answers: dict) -> dict[str, object]:
    """Stored answers as the form's field values (what `questions.parse_answers` reads back)."""
    out: dict[str, object] = {}
    for key, value in answers.items():
        if isinstance(value, dict) and "expectation" in value:
            out[f"{key}.e"], out[f"{key}.p"] = str(value["expectation"]), str(value["perception"])
        elif isinstance(value, dict):
            out |= {f"{key}.{row}": str(v) for row, v in value.items()}
        elif isinstance(value, list):
            out[key] = [str(v) for v in value]
        else:
            out[key] = str(value)
    return out


def _page(session: Session, request: Request, token: str, lang: str, *, values: dict | None = None,
          status: int = 200, message: str | None = None, error: str | None = None,
          error_field: str | None = None) -> Response:
    inv = service.open_link(session, token)
    survey = session.get(Survey, inv.survey_id)
    version = session.get(SurveyVersion, inv.version_id)
    response = service.response_for(session, inv)
    if inv.answered_at is not None or (response is not None and not response.partial):
        raise Conflict("survey_already_answered", "this survey was already answered through this link")
    stored = service.answers_of(session, response)
    if values is None:
        values = _form_values(stored)
    questions = version.questions["questions"]
    return render(request, "surveys/answer.html", {
        "locale": lang, "csrf": None, "token": token, "survey": survey, "questions": questions,
        "shop_name": session.get(Shop, survey.shop_id).name, "values": values, "points": points,
        "hidden": {q["key"] for q in questions if not shown(q, stored | _plain(values))},
        "message": message, "error": error, "error_field": error_field, "other_lang": "en" if lang == "zh" else "zh",
        "saved": response is not None}, status=status)


def _plain(values: dict) -> dict:
    """Form values as answers for show-if (numbers where a rating was given)."""
    out: dict = {}
    for key, value in values.items():
        if isinstance(value, str) and value.lstrip("-").isdigit():
            out[key] = int(value)
        else:
            out[key] = value
    return out


def _values(form) -> dict[str, object]:
    """The posted answers by question (a multiple choice's `key[]` as a list), without the page's own fields."""
    values: dict[str, object] = {}
    for key in form:
        if key in ("lang", "action", "website"):
            continue
        got = [str(v) for v in form.getlist(key)]
        values[key] = got if len(got) > 1 or key.endswith("[]") else got[0]
    return {k.removesuffix("[]"): v for k, v in values.items()}


def _closed(request: Request, lang: str, exc: ShopCXError) -> Response:
    status = 409 if exc.code == "survey_already_answered" else 404
    return render(request, "surveys/closed.html", {"locale": lang, "csrf": None, "code": exc.code}, status=status)


@router.get("/s/{token}")
def surveys_answer_page(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The survey as the buyer sees it, with what they saved before."""
    locale = buyer_locale(request, lang)
    try:
        return _page(session, request, token, locale)
    except (service.LinkRefused, Conflict) as exc:
        return _closed(request, locale, exc)


@router.post("/s/{token}")
async def surveys_answer_post(request: Request, token: str, session: Session = PageSession):
    """Save a partial answer (`action=save`) or submit the final one (`action=submit`)."""
    form = await request.form()
    locale = buyer_locale(request, str(form.get("lang") or ""))
    values = _values(form)
    final = form.get("action") == "submit"
    try:
        inv = service.open_link(session, token)
        service.answer(session, inv, values, locale=locale, final=final)
    except (service.LinkRefused, Conflict) as exc:
        session.rollback()
        return _closed(request, locale, exc)
    except ShopCXError as exc:
        session.rollback()
        try:
            question = (exc.field or "").split(".")[0]
            text = i18n.t(f"surveys.page.{exc.code}", locale) if exc.code in BUYER_ERRORS \
                else i18n.error_text(exc, locale)
            return _page(session, request, token, locale, values=values, status=exc.status, error=text,
                         error_field=question)
        except (service.LinkRefused, Conflict) as again:
            return _closed(request, locale, again)
    if final:
        return render(request, "surveys/thanks.html", {"locale": locale, "csrf": None})
    return _page(session, request, token, locale, message=i18n.t("surveys.page.saved", locale))


# ------------------------------------------------------------------------------------ the public link /p/<token>


def _public_page(session: Session, request: Request, token: str, lang: str, *, values: dict | None = None,
                 status: int = 200, error: str | None = None, error_field: str | None = None,
                 seen: int | None = None) -> Response:
    survey, current = service.public_survey(session, token)
    version = service.answered_version(session, survey, current, seen)
    values = values or {}
    questions = version.questions["questions"]
    return render(request, "surveys/answer.html", {
        "locale": lang, "csrf": None, "token": token, "survey": survey, "questions": questions, "public": True,
        "shop_name": session.get(Shop, survey.shop_id).name, "values": values, "points": points,
        "hidden": {q["key"] for q in questions if not shown(q, _plain(values))},
        "message": None, "error": error, "error_field": error_field, "other_lang": "en" if lang == "zh" else "zh",
        "saved": False, "form_version": version.version}, status=status)


def _seen_version(form) -> int | None:
    """The version number the public form was drawn from (a hidden field); anything else is ignored."""
    raw = str(form.get("_version") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


@router.get("/p/{token}")
def surveys_public_page(request: Request, token: str, lang: str = "", session: Session = PageSession):
    """The survey at its public link: anonymous, one final answer per visit."""
    locale = buyer_locale(request, lang)
    try:
        return _public_page(session, request, token, locale)
    except service.LinkRefused as exc:
        return _closed(request, locale, exc)


@router.post("/p/{token}")
async def surveys_public_post(request: Request, token: str, session: Session = PageSession):
    """Submit an anonymous answer through the public link (honeypot `website`; a rate limit per address)."""
    form = await request.form()
    locale = buyer_locale(request, str(form.get("lang") or ""))
    values = _values(form)
    seen = _seen_version(form)
    try:
        response = service.answer_public(session, token, values, locale=locale, seen_version=seen,
                                         honeypot=str(form.get("website") or ""),
                                         address=request.client.host if request.client else None)
    except service.LinkRefused as exc:
        return _closed(request, locale, exc)
    except ShopCXError as exc:
        session.rollback()
        question = (exc.field or "").split(".")[0]
        text = i18n.t(f"surveys.page.{exc.code}", locale) if exc.code in BUYER_ERRORS \
            else i18n.error_text(exc, locale)
        try:
            return _public_page(session, request, token, locale, values=values, status=exc.status, error=text,
                                error_field=question, seen=seen)
        except service.LinkRefused as again:
            return _closed(request, locale, again)
    survey = session.get(Survey, response.survey_id) if response is not None else None
    changed = survey is not None and seen is not None and seen != survey.published_version \
        and response.version_id != service.published(session, survey).id
    return render(request, "surveys/thanks.html", {"locale": locale, "csrf": None, "changed": changed})
