"""The draft builder: each question as a small form (key, type, texts in zh and en, scale and its labelled ends,
options or matrix rows one per line, a SERVQUAL pair's dimension, show-if), moved up or down, removed, or added at
the end; the preview shows the draft as the buyer sees it (pages/surveys.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from ...web.auth import PageSession, Viewer
from ...web.deps import RowId
from ...web.templating import render
from .. import service
from .base import Writer, shop_ids

router = APIRouter()


def options_text(q: dict, name: str = "options") -> str:
    return "\n".join(f"{o['key']} | {o['text']['zh']} | {o['text']['en']}" for o in q.get(name, []))


@router.get("/surveys/{survey_id}/builder")
def surveys_builder(request: Request, survey_id: RowId, viewer: Viewer = Writer, session: Session = PageSession):
    """The draft's questions, each editable, and a form to add one."""
    survey = service.get_survey(session, shop_ids(session), survey_id)
    draft = service.latest_draft(session, survey)
    questions = service.draft_questions(session, survey)
    # the questions a show-if may read: earlier ratings and choices (index len(questions): the one being added)
    earlier = [[e for e in questions[:i] if e["type"] in service.SHOW_IF_TARGETS] for i in range(len(questions) + 1)]
    return render(request, "surveys/builder.html", {
        "survey": survey, "draft": draft, "questions": questions, "earlier": earlier,
        "editable": service.EDITABLE, "scales": service.SCALE_NAMES, "dimensions": service.DIMENSIONS,
        "options_text": options_text, "show_if_text": service.show_if_text}, viewer=viewer)


async def _apply(request: Request, survey_id: int, index: int | None, viewer: Viewer, session: Session):
    form = {k: str(v) for k, v in (await request.form()).items()}
    survey = service.get_survey(session, shop_ids(session), survey_id)
    service.edit_draft(session, survey, index, form.get("action", "save"), form, actor=viewer.actor)
    anchor = f"#q-{index + (1 if form.get('action') == 'down' else -1 if form.get('action') == 'up' else 0)}" \
        if index is not None and form.get("action") != "delete" else ""
    return RedirectResponse(f"/surveys/{survey.id}/builder{anchor}", status_code=303)


@router.post("/surveys/{survey_id}/builder/add")
async def surveys_builder_add(request: Request, survey_id: RowId, viewer: Viewer = Writer,
                              session: Session = PageSession):
    """Add a question at the end of the draft."""
    return await _apply(request, survey_id, None, viewer, session)


@router.post("/surveys/{survey_id}/builder/{index}")
async def surveys_builder_edit(request: Request, survey_id: RowId, index: int, viewer: Viewer = Writer,
                               session: Session = PageSession):
    """Save, move up, move down or remove question `index` of the draft."""
    return await _apply(request, survey_id, index, viewer, session)
