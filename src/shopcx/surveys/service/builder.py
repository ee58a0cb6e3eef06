"""The draft builder: add, edit, move and remove one question of a survey's draft from a form (texts in zh and
en), each change checked as the whole questionnaire (questions.validate_questions) before the draft is saved.
A published version is never edited: the first change after publishing starts a new draft from it."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...staff.service import Actor, audit
from ..questions import SCALES
from ..tables import Survey, SurveyVersion
from .surveys import latest_draft, published, save_draft

EDITABLE = ("rating", "single", "multiple", "text")
ACTIONS = ("save", "up", "down", "delete")


def draft_questions(session: Session, survey: Survey) -> list[dict]:
    """The questions the builder shows: the draft's, else the published version's (copied on the first change)."""
    version = latest_draft(session, survey) or published(session, survey)
    return copy.deepcopy(version.questions["questions"]) if version else []


def _texts(form: Mapping[str, str], name: str) -> dict[str, str]:
    return {"zh": str(form.get(f"{name}_zh") or "").strip(), "en": str(form.get(f"{name}_en") or "").strip()}


def _options(text: str) -> list[dict]:
    """Options typed one per line as "key | 中文 | English"."""
    out = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise InvalidInput("invalid_option_line", f"options: line {n}: write key | 中文 | English",
                               field="options", line=n)
        out.append({"key": parts[0], "text": {"zh": parts[1], "en": parts[2]}})
    return out


def question_from_form(form: Mapping[str, str], before: Mapping | None = None) -> dict:
    """One question from the builder's form fields (key, type, text_zh/en, optional, scale, low_*/high_*,
    options); a SERVQUAL or matrix question keeps what the form cannot change."""
    kind = str(form.get("type") or (before or {}).get("type") or "")
    q: dict = dict(before or {}) if kind not in EDITABLE else {}
    q |= {"key": str(form.get("key") or "").strip().lower(), "type": kind, "text": _texts(form, "text"),
          "optional": form.get("optional") in ("1", "on", "true")}
    if kind == "rating":
        q |= {"scale": str(form.get("scale") or ""), "low": _texts(form, "low"), "high": _texts(form, "high")}
    elif kind in ("single", "multiple"):
        q["options"] = _options(str(form.get("options") or ""))
    elif kind == "text":
        q["max_length"] = 2000
    if before and before.get("show_if") and q["key"] == before.get("key"):
        q["show_if"] = before["show_if"]
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
