"""Reading a survey's answers against the operations behind them: each submitted answer linked to its customer,
order, shipment (late / on time / damaged, carrier), products and categories, review and ticket agent, loyalty
tier and lifecycle stage; the headline measure by each of those segments; the importance–performance grid.

Answers, orders and shipments are read with a join on the order each response keeps (the orders domain's tables,
read only, as reviews does); tier and lifecycle stage come through the loyalty and insights services.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core.errors import InvalidInput
from ...orders.models import OrderLine, Product, Shipment
from .. import rules
from ..models import drivers
from ..questions import SCALES, SERVQUAL_SCALE
from ..tables import Answer, Response, Survey
from .model import ecsi_model
from .results import _MEASURES, _scale_fits, servqual_gaps
from .surveys import published

SEGMENTS = ("window", "carrier", "delivery", "product", "category", "agent", "review", "tier", "stage")


@dataclass(frozen=True)
class Linked:
    """One submitted answer's score and what it is linked to (None where there is nothing)."""

    response_id: int
    score: int
    window: str | None
    carrier: str | None = None
    delivery: str | None = None
    products: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    agent: str | None = None
    review: str | None = None
    tier: str | None = None
    stage: str | None = None


def headline_key(session: Session, survey: Survey) -> str | None:
    """The survey's first headline question whose scale is its measure's (nps, csat, ces, enps)."""
    return next((k for k in ("nps", "csat", "ces", "enps") if _scale_fits(session, survey, k, _MEASURES[k])), None)


def linked_answers(session: Session, survey: Survey, key: str, *, with_people: bool = True) -> list[Linked]:
    """The submitted scores of question `key`, each with its order's shipment, products, review, agent, and the
    customer's tier and stage (with_people)."""
    rows = session.execute(
        select(Response.id, Response.wave, Response.order_id, Response.customer_id, Response.shop_id, Answer.score)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question == key,
               Answer.score.is_not(None)).order_by(Response.id)).all()
    orders = {r.order_id for r in rows if r.order_id}
    ships: dict[int, Shipment] = {}
    products: dict[int, list[tuple[str, str | None]]] = {}
    reviews: dict[int, str] = {}
    agents: dict[int, str] = {}
    if orders:
        for s in session.scalars(select(Shipment).where(Shipment.order_id.in_(orders)).order_by(Shipment.id)):
            ships.setdefault(s.order_id, s)
        for oid, name, line_name, category in session.execute(
                select(OrderLine.order_id, Product.name, OrderLine.name, Product.category)
                .outerjoin(Product, Product.id == OrderLine.product_id).where(OrderLine.order_id.in_(orders))):
            products.setdefault(oid, []).append((name or line_name or "?", category))
        reviews = _reviews(session, orders)
        agents = _agents(session, orders)
    tier_of, stage_of = _people(session) if with_people else (lambda *_: None, lambda *_: None)
    out = []
    for r in rows:
        ship = ships.get(r.order_id)
        lines = products.get(r.order_id, [])
        out.append(Linked(
            r.id, int(r.score), r.wave, carrier=ship.carrier if ship else None,
            delivery=drivers.delivery_status(ship.promised_at, ship.delivered_at, ship.damaged) if ship else None,
            products=tuple(dict.fromkeys(p for p, _ in lines)), categories=tuple(dict.fromkeys(c for _, c in lines
                                                                                               if c)),
            agent=agents.get(r.order_id), review=reviews.get(r.order_id),
            tier=tier_of(r.shop_id, r.customer_id) if r.customer_id else None,
            stage=stage_of(r.customer_id) if r.customer_id else None))
    return out


def _reviews(session: Session, orders: set[int]) -> dict[int, str]:
    from ...reviews.models import Review

    return {oid: cls for oid, cls in session.execute(select(Review.order_id, Review.rating_class)
                                                     .where(Review.order_id.in_(orders)).order_by(Review.id))}


def _agents(session: Session, orders: set[int]) -> dict[int, str]:
    from ...desk.models import Ticket
    from ...staff.models import StaffUser

    return {oid: name for oid, name in session.execute(
        select(Ticket.order_id, StaffUser.display_name).join(StaffUser, StaffUser.id == Ticket.owner_id)
        .where(Ticket.order_id.in_(orders)).order_by(Ticket.id))}


def _people(session: Session) -> tuple[Callable, Callable]:
    """Look-ups of a customer's loyalty tier and latest lifecycle stage, through the other domains' services."""
    from ...insights import service as insights
    from ...loyalty import service as loyalty

    programs: dict[int, object] = {}

    def tier(shop_id: int, customer_id: int) -> str | None:
        if shop_id not in programs:
            programs[shop_id] = loyalty.active(session, shop_id)
        program = programs[shop_id]
        account = loyalty.find_account(session, program.program.id, customer_id) if program else None
        return account.tier_code if account is not None else None

    def stage(customer_id: int) -> str | None:
        latest = insights.customer_value(session, customer_id)["latest"]
        return latest["stage"] if latest else None

    return tier, stage


def segments(session: Session, survey: Survey, *, key: str | None = None, min_answers: int = 1,
             with_people: bool = True) -> dict[str, list[drivers.SegmentMeasure]]:
    """The headline measure (or question `key`'s) per window, carrier, delivery status, product, category,
    ticket agent, review class, tier and stage; a segment kind with no linked answers is left out."""
    key = key or headline_key(session, survey)
    if key is None:
        return {}
    measure = _MEASURES[key]
    linked = linked_answers(session, survey, key, with_people=with_people)
    out: dict[str, list[drivers.SegmentMeasure]] = {}
    for kind in SEGMENTS:
        if kind in ("product", "category"):
            rows = [(v, a.score) for a in linked for v in (a.products if kind == "product" else a.categories)]
            rows += [(None, a.score) for a in linked if not (a.products if kind == "product" else a.categories)]
        else:
            rows = [(getattr(a, kind), a.score) for a in linked]
        found = drivers.by_segment(rows, measure, min_answers=min_answers)
        if found:
            out[kind] = found
    return out


@dataclass(frozen=True)
class IpaOutcome:
    ipa: rules.Ipa
    source: str  # "pls" (total effects), "regression" (on the overall item) or "stated" (SERVQUAL importance)


def ipa_for(session: Session, survey: Survey) -> IpaOutcome | None:
    """The importance–performance grid: an ECSI survey's blocks by their PLS total effect on satisfaction, a
    SERVQUAL survey's dimensions by stated importance, else the other rating questions by regression on the
    overall item; performance on 0–100. None when there is too little to say."""
    version = published(session, survey)
    if version is None:
        return None
    model = ecsi_model(session, survey)
    if model is not None and model.result is not None:
        res = model.result
        importance = drivers.effects_importance(((e.source, e.target, e.total) for e in res.effects), "SAT")
        block_of = {b: [i for i in res.items if i.upper().rstrip("0123456789") == b] for b in importance}
        means = _means(session, survey, [i for items in block_of.values() for i in items])
        scale = SCALES[next(q["scale"] for q in version.questions["questions"] if q["key"] == res.items[0])]
        performance = {b: drivers.to_hundred(sum(means[i] for i in items) / len(items), scale)
                       for b, items in block_of.items() if items and all(i in means for i in items)}
        return IpaOutcome(drivers.fix_first(performance, {b: importance[b] for b in performance}), "pls")
    gaps = servqual_gaps(session, survey)
    stated = _stated(session, survey)
    if gaps is not None and stated:
        perf = _perceptions(session, survey)
        performance = {d: drivers.to_hundred(v, SERVQUAL_SCALE) for d, v in perf.items() if d in stated}
        if performance:
            return IpaOutcome(drivers.fix_first(performance, {d: stated[d] for d in performance}), "stated")
    return _regression_ipa(session, survey, version)


def _regression_ipa(session: Session, survey: Survey, version) -> IpaOutcome | None:
    overall = headline_key(session, survey)
    ratings = {q["key"]: q for q in version.questions["questions"] if q["type"] == "rating" and q["key"] != overall}
    if overall is None or len(ratings) < 2:
        return None
    by_response: dict[int, dict[str, float]] = {}
    for rid, question, score in session.execute(
            select(Answer.response_id, Answer.question, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False),
                   Answer.question.in_([overall, *ratings]), Answer.score.is_not(None))):
        by_response.setdefault(rid, {})[question] = score
    complete = [r for r in by_response.values() if all(k in r for k in (overall, *ratings))]
    try:
        importance = rules.derived_importance([r[overall] for r in complete],
                                              {k: [r[k] for r in complete] for k in ratings})
    except InvalidInput:
        return None
    performance = {k: drivers.to_hundred(sum(r[k] for r in complete) / len(complete), SCALES[q["scale"]])
                   for k, q in ratings.items()}
    return IpaOutcome(drivers.fix_first(performance, importance), "regression")


def _means(session: Session, survey: Survey, items: list[str]) -> dict[str, float]:
    sums: dict[str, list[float]] = {}
    for question, score in session.execute(
            select(Answer.question, Answer.score).join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Response.partial.is_(False), Answer.question.in_(items),
                   Answer.score.is_not(None))):
        sums.setdefault(question, []).append(score)
    return {k: sum(v) / len(v) for k, v in sums.items()}


def _answers_of(session: Session, survey: Survey, kinds: tuple[str, ...]):
    version = published(session, survey)
    keys = {q["key"]: q for q in version.questions["questions"] if q["type"] in kinds}
    rows = session.execute(select(Answer.question, Answer.value).join(Response, Response.id == Answer.response_id)
                           .where(Response.survey_id == survey.id, Response.partial.is_(False),
                                  Answer.question.in_(list(keys)))).all()
    return keys, rows


def _stated(session: Session, survey: Survey) -> dict[str, float]:
    """The mean importance respondents gave each SERVQUAL dimension (the `importance` matrix)."""
    found: dict[str, list[int]] = {}
    for _key, value in _answers_of(session, survey, ("matrix",))[1]:
        if _key == "importance" and isinstance(value, dict):
            for dim, rating in value.items():
                found.setdefault(dim, []).append(int(rating))
    return {d: sum(v) / len(v) for d, v in found.items()}


def _perceptions(session: Session, survey: Survey) -> dict[str, float]:
    """The mean perception (1–7) per SERVQUAL dimension."""
    keys, rows = _answers_of(session, survey, ("servqual",))
    found: dict[str, list[int]] = {}
    for key, value in rows:
        if isinstance(value, dict) and "perception" in value:
            found.setdefault(keys[key]["dimension"], []).append(int(value["perception"]))
    return {d: sum(v) / len(v) for d, v in found.items()}
