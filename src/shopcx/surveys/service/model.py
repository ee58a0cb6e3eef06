"""The ECSI path model of a survey's answers (PLS, as R plspm) and its satisfaction index."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ..questions import SCALES
from ..tables import Answer, Response, Survey
from .surveys import published

# The ECSI structural model of the shipped questionnaire (presets.ECSI): blocks by item prefix, Mode A, centroid
# scheme, centred only, as the ECSI reference results of R plspm; COMP (complaints) is left out when unanswered.
ECSI_BLOCKS = ("imag", "expe", "qual", "val", "sat", "comp", "loy")
ECSI_PATHS = (("IMAG", "EXPE"), ("IMAG", "SAT"), ("IMAG", "LOY"), ("EXPE", "QUAL"), ("EXPE", "VAL"), ("EXPE", "SAT"),
              ("QUAL", "VAL"), ("QUAL", "SAT"), ("VAL", "SAT"), ("SAT", "COMP"), ("SAT", "LOY"), ("COMP", "LOY"))
MIN_MODEL_ROWS = 30


@dataclass(frozen=True)
class ModelOutcome:
    """The PLS estimate of a survey's answers, or why there is none (an InvalidInput to show)."""

    result: object | None
    problem: InvalidInput | None
    rows: int


def ecsi_model(session: Session, survey: Survey) -> ModelOutcome | None:
    """The ECSI model estimated by PLS path modelling on the submitted answers (complete rows only), with the
    satisfaction index (0–100) on the questions' scale. None for a survey that is not ECSI-shaped."""
    from ..models import pls

    version = published(session, survey)
    if version is None:
        return None
    questions = {q["key"]: q for q in version.questions["questions"] if q["type"] == "rating"}
    blocks = {b.upper(): sorted((k for k in questions if re.fullmatch(rf"{b}\d+", k)), key=lambda k: int(k[len(b):]))
              for b in ECSI_BLOCKS}
    if not all(blocks[b] for b in ("IMAG", "EXPE", "QUAL", "VAL", "SAT", "LOY")):
        return None
    items = [i for b in blocks.values() for i in b]
    by_response: dict[int, dict[str, float]] = {}
    for rid, key, score in session.execute(
            select(Answer.response_id, Answer.question, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question.in_(items))):
        if score is not None:
            by_response.setdefault(rid, {})[key] = score
    answered = {b: keys for b, keys in blocks.items()
                if keys and sum(all(k in r for k in keys) for r in by_response.values()) >= MIN_MODEL_ROWS}
    if "COMP" in blocks and "COMP" not in answered:
        blocks.pop("COMP")
    complete = [r for r in by_response.values() if all(k in r for b in blocks.values() for k in b)]
    if len(complete) < MIN_MODEL_ROWS:
        return ModelOutcome(None, InvalidInput("too_few_model_answers", f"{len(complete)} complete answers; the model "
                                               f"needs at least {MIN_MODEL_ROWS}",
                                               values={"n": len(complete), "min": MIN_MODEL_ROWS}), len(complete))
    spec = {"blocks": {b: {"items": keys, "mode": "A"} for b, keys in blocks.items()},
            "paths": [list(p) for p in ECSI_PATHS if p[0] in blocks and p[1] in blocks],
            "scheme": "centroid", "scaled": False, "index": "SAT",
            "scale": list(SCALES[questions[blocks["SAT"][0]]["scale"]])}
    data = {k: [r[k] for r in complete] for b in blocks.values() for k in b}
    try:
        return ModelOutcome(pls.estimate(data, spec), None, len(complete))
    except InvalidInput as exc:
        return ModelOutcome(None, exc, len(complete))
