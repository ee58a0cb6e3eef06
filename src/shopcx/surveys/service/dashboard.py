"""The results dashboard's figures (each chart's data from the same service calls as the tables beside it), the
satisfaction index per wave, and the responses list with its filters (also what the Excel export reads).

Index per wave: for an ECSI survey with an estimated model, the satisfaction block's items weighted by their
normalised PLS outer weights (estimated on all answers) and rescaled to 0–100, as ACSI reports its index;
otherwise the headline question's mean rescaled to 0–100 (the weighted-mean formula of DESIGN.md §4 with one
item).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import rules
from ..questions import SCALES
from ..tables import SOURCES, Answer, Followup, Response, Survey
from .analysis import headline_key, ipa_for, segments
from .model import ecsi_model
from .results import _MEASURES, servqual_gaps
from .surveys import published

STATES = ("submitted", "partial")


@dataclass(frozen=True)
class WaveIndex:
    wave: str
    index: float
    n: int


def _waves_in_order(session: Session, survey: Survey) -> list[str]:
    rows = session.execute(select(Response.wave, func.min(Response.submitted_at))
                           .where(Response.survey_id == survey.id, Response.partial.is_(False),
                                  Response.wave.is_not(None)).group_by(Response.wave)).all()
    return [w for w, _ in sorted(rows, key=lambda r: (r[1] is None, r[1], r[0]))]


def _item_means_by_wave(session: Session, survey: Survey, items: list[str]) -> dict[str, tuple[dict, int]]:
    found: dict[str, dict[str, list[float]]] = {}
    people: dict[str, set[int]] = {}
    for wave, rid, question, score in session.execute(
            select(Response.wave, Response.id, Answer.question, Answer.score)
            .join(Answer, Answer.response_id == Response.id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Response.wave.is_not(None),
                   Answer.question.in_(items), Answer.score.is_not(None))):
        found.setdefault(wave, {}).setdefault(question, []).append(score)
        people.setdefault(wave, set()).add(rid)
    return {w: ({k: sum(v) / len(v) for k, v in by.items()}, len(people[w])) for w, by in found.items()}


def index_by_wave(session: Session, survey: Survey) -> tuple[str, list[WaveIndex]]:
    """("pls" or "mean", the satisfaction index 0–100 of each wave in answer order)."""
    version = published(session, survey)
    if version is None:
        return "mean", []
    questions = {q["key"]: q for q in version.questions["questions"]}
    model = ecsi_model(session, survey)
    if model is not None and model.result is not None:
        res = model.result
        weights = {i: float(w) for i, w in zip(res.items, res.weights, strict=True) if i.startswith("sat")}
        scale, method = SCALES[questions[next(iter(weights))]["scale"]], "pls"
    else:
        key = headline_key(session, survey)
        if key is None:
            return "mean", []
        weights, scale, method = {key: 1.0}, SCALES[questions[key]["scale"]], "mean"
    means = _item_means_by_wave(session, survey, list(weights))
    out = []
    for wave in _waves_in_order(session, survey):
        item_means, n = means.get(wave, ({}, 0))
        if item_means and all(k in item_means for k in weights):
            out.append(WaveIndex(wave, rules.satisfaction_index(item_means, scale=scale, weights=weights), n))
    return method, out


def _trend(session: Session, survey: Survey, key: str) -> list[dict]:
    rows: dict[str, list[int]] = {}
    for wave, score in session.execute(
            select(Response.wave, Answer.score).join(Answer, Answer.response_id == Response.id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question == key,
                   Answer.score.is_not(None), Response.wave.is_not(None))):
        rows.setdefault(wave, []).append(int(score))
    out = []
    for wave in _waves_in_order(session, survey):
        if wave in rows:
            m = _MEASURES[key](rows[wave])
            out.append({"wave": wave, "value": m.value, "low": m.low, "high": m.high, "n": m.n})
    return out


def _num(v: float) -> float | None:
    return None if v != v else round(float(v), 4)


def charts(session: Session, survey: Survey) -> dict:
    """Every chart's figures as plain JSON values; a chart without data is None."""
    key = headline_key(session, survey)
    out: dict = {"key": key, "gauge": None, "trend": None, "segments": None, "servqual": None, "radar": None,
                 "ipa": None, "model": None, "index": None}
    if key is not None:
        trend = _trend(session, survey, key)
        scores = [int(s) for s in session.scalars(
            select(Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question == key,
                   Answer.score.is_not(None)))]
        if scores:
            m = _MEASURES[key](scores)
            out["gauge"] = {"value": _num(m.value), "low": _num(m.low), "high": _num(m.high), "n": m.n, "unit": m.unit}
        out["trend"] = [{**t, "value": _num(t["value"]), "low": _num(t["low"]), "high": _num(t["high"])}
                        for t in trend] or None
        found = segments(session, survey, key=key)
        out["segments"] = {kind: [{"segment": s.segment, "value": _num(s.measure.value), "n": s.measure.n}
                                  for s in rows] for kind, rows in found.items()} or None
    gaps = servqual_gaps(session, survey)
    if gaps is not None:
        out["servqual"] = {"dimensions": {d: _num(v) for d, v in gaps.dimensions.items()},
                           "overall": _num(gaps.overall)}
        out["radar"] = servqual_means(session, survey)
    ipa = ipa_for(session, survey)
    if ipa is not None:
        out["ipa"] = {"source": ipa.source, "importance_cut": _num(ipa.ipa.importance_cut),
                      "performance_cut": _num(ipa.ipa.performance_cut),
                      "items": [{"name": i.name, "importance": _num(i.importance), "performance": _num(i.performance),
                                 "quadrant": i.quadrant} for i in ipa.ipa.items],
                      "fix_first": [i.name for i in ipa.ipa.fix_first]}
    model = ecsi_model(session, survey)
    if model is not None and model.result is not None:
        res = model.result
        out["model"] = {"nodes": [{"name": lv, "r2": _num(r2)} for lv, r2 in zip(res.lvs, res.r_squared,
                                                                                  strict=True)],
                        "edges": [{"from": a, "to": b, "coefficient": _num(res.path(a, b))}
                                  for a, b in res.model.paths]}
    method, waves = index_by_wave(session, survey)
    out["index"] = {"method": method, "waves": [{"wave": w.wave, "index": _num(w.index), "n": w.n}
                                                for w in waves]} if waves else None
    return out


def servqual_means(session: Session, survey: Survey) -> dict | None:
    """Mean expectation and perception (1–7) per SERVQUAL dimension, for the five-dimension radar."""
    version = published(session, survey)
    dims = {q["key"]: q["dimension"] for q in version.questions["questions"] if q["type"] == "servqual"}
    sums: dict[str, list[list[int]]] = {}
    for key, value in session.execute(select(Answer.question, Answer.value).join(Response,
                                                                                  Response.id == Answer.response_id)
                                      .where(Response.survey_id == survey.id, Response.partial.is_(False),
                                             Answer.question.in_(list(dims)))):
        if isinstance(value, dict) and "expectation" in value:
            pair = sums.setdefault(dims[key], [[], []])
            pair[0].append(int(value["expectation"]))
            pair[1].append(int(value["perception"]))
    if not sums:
        return None
    order = [d for d in rules.DIMENSIONS if d in sums]
    return {"dimensions": order, "expectation": [_num(sum(sums[d][0]) / len(sums[d][0])) for d in order],
            "perception": [_num(sum(sums[d][1]) / len(sums[d][1])) for d in order]}


@dataclass(frozen=True)
class ResponseFilter:
    wave: str = ""
    source: str = ""
    state: str = ""
    followup: str = ""  # "open", "closed", "any"

    def apply(self, query):
        if self.wave:
            query = query.where(Response.wave == self.wave)
        if self.source in SOURCES:
            query = query.where(Response.source == self.source)
        if self.state in STATES:
            query = query.where(Response.partial.is_(self.state == "partial"))
        if self.followup in ("open", "closed", "any"):
            query = query.join(Followup, Followup.response_id == Response.id)
            if self.followup != "any":
                query = query.where(Followup.status == self.followup)
        return query


def filtered_responses(session: Session, survey: Survey, where: ResponseFilter, *, offset: int = 0,
                       limit: int = 50) -> tuple[list[tuple[Response, dict]], int]:
    """A page of the survey's responses matching the filter, latest first, each with its answers, and the total."""
    base = where.apply(select(Response).where(Response.survey_id == survey.id))
    total = session.scalar(select(func.count()).select_from(base.subquery()))
    rows = list(session.scalars(base.order_by(Response.updated_at.desc(), Response.id.desc())
                                .offset(offset).limit(limit)))
    answers: dict[int, dict] = {r.id: {} for r in rows}
    if rows:
        for rid, question, value in session.execute(select(Answer.response_id, Answer.question, Answer.value)
                                                    .where(Answer.response_id.in_(list(answers)))):
            answers[rid][question] = value
    return [(r, answers[r.id]) for r in rows], total


def wave_names(session: Session, survey: Survey) -> list[str]:
    return sorted({w for w in session.scalars(select(Response.wave).where(Response.survey_id == survey.id)
                                               .distinct()) if w})
