"""The draft builder: add, edit, move and remove one question of a survey's draft from a form (texts in zh and
en), each change checked as the whole questionnaire (questions.validate_questions) before the draft is saved.
Every question type can be edited: rating, choices, text, a SERVQUAL pair (its dimension) and a rating matrix (its
rows); any question can be shown only when an earlier rating or choice answer is one of some values (show-if).
A published version is never edited: the first change after publishing starts a new draft from it."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...staff.service import Actor, audit
from ..questions import DIMENSIONS, SCALES
from ..tables import Survey, SurveyVersion
from .surveys import latest_draft, published, save_draft

EDITABLE = ("rating", "single", "multiple", "text", "servqual", "matrix")
SHOW_IF_TARGETS = ("rating", "single", "multiple")
ACTIONS = ("save", "up", "down", "delete")


def draft_questions(session: Session, survey: Survey) -> list[dict]:
    """The questions the builder shows: the draft's, else the published version's (copied on the first change)."""
    version = latest_draft(session, survey) or published(session, survey)
    return copy.deepcopy(version.questions["questions"]) if version else []


def _texts(form: Mapping[str, str], name: str) -> dict[str, str]:
    return {"zh": str(form.get(f"{name}_zh") or "").strip(), "en": str(form.get(f"{name}_en") or "").strip()}


def _options(text: str, field: str = "options") -> list[dict]:
    """Options (or a matrix's rows) typed one per line as "key | 中文 | English"."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise InvalidInput("invalid_option_line" if field == "options" else "survey_row_line",
                               f"{field}: line {n}: write key | 中文 | English", field=field, line=n)
        out.append({"key": parts[0], "text": {"zh": parts[1], "en": parts[2]}})
    return out


def show_if_text(q: Mapping) -> str:
    """A show-if's values as the builder's field shows them: "1, 2" or "late, damaged"."""
    return ", ".join(str(v) for v in (q.get("show_if") or {}).get("in", []))


def _show_if(form: Mapping[str, str], before: Mapping | None, key: str) -> dict | None:
    """The show-if from the form's `show_if_question` and `show_if_values` (comma separated); a form without
    them keeps the question's own."""
    if "show_if_question" not in form:
        return dict(before["show_if"]) if before and before.get("show_if") and key == before.get("key") else None
    target = str(form.get("show_if_question") or "").strip()
    if not target:
        return None
    values = [v.strip() for v in re.split(r"[,，、\s]+", str(form.get("show_if_values") or "")) if v.strip()]
    if not values:
        raise InvalidInput("survey_show_if_values", "show_if_values: list the answers that show this question",
                           field="show_if_values")
    return {"question": target, "in": values}


def question_from_form(form: Mapping[str, str], before: Mapping | None = None) -> dict:
    """One question from the builder's form fields (key, type, text_zh/en, optional, scale, low_*/high_*,
    options, rows, dimension, show_if_question / show_if_values)."""
    kind = str(form.get("type") or (before or {}).get("type") or "")
    q: dict = {"key": str(form.get("key") or "").strip().lower(), "type": kind, "text": _texts(form, "text"),
               "optional": form.get("optional") in ("1", "on", "true")}
    if kind in ("rating", "matrix"):
        q |= {"scale": str(form.get("scale") or ""), "low": _texts(form, "low"), "high": _texts(form, "high")}
    if kind in ("single", "multiple"):
        q["options"] = _options(str(form.get("options") or ""))
        if kind == "multiple" and before and before.get("type") == "multiple" and before.get("max"):
            q["max"] = before["max"]
    elif kind == "matrix":
        q["rows"] = _options(str(form.get("rows") or ""), "rows")
    elif kind == "text":
        q["max_length"] = (before or {}).get("max_length", 2000) if (before or {}).get("type") == "text" else 2000
    elif kind == "servqual":
        dimension = str(form.get("dimension") or "")
        if dimension not in DIMENSIONS:
            raise InvalidInput("invalid_choice", f"dimension: '{dimension}' is not one of {', '.join(DIMENSIONS)}",
                               field="dimension", values={"value": dimension, "choices": ", ".join(DIMENSIONS)})
        q["dimension"] = dimension
    if (cond := _show_if(form, before, q["key"])) is not None:
        q["show_if"] = cond
    return q


def edit_draft(session: Session, survey: Survey, index: int | None, action: str, form: Mapping[str, str], *,
               actor: Actor) -> SurveyVersion:
    """Apply one builder action to the draft: `add` (index None), or save / up / down / delete question `index`."""
    questions = draft_questions(session, survey)
    if index is not None and not 0 <= index < len(questions):
        raise InvalidInput("invalid_question", f"questions: there is no question {index + 1}", field="questions")
    if index is None:
        questions.append(question_from_form(form))
    elif action == "save":
        questions[index] = question_from_form(form, questions[index])
    elif action == "delete":
        questions.pop(index)
    elif action in ("up", "down"):
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(questions):
            questions[index], questions[other] = questions[other], questions[index]
    else:
        raise InvalidInput("invalid_question", f"action: {action!r} is not one of {', '.join(ACTIONS)}",
                           field="action")
    draft = save_draft(session, survey, {"questions": questions}, actor=actor)
    audit(session, actor, "survey.edit_draft", "survey", survey.id, {"action": action if index is not None
                                                                     else "add", "version": draft.version})
    return draft


SCALE_NAMES = tuple(SCALES)
