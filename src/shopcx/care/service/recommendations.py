"""Bought-together recommendations from the shop's own orders (care/models/together.py), computed by a job and
stored per shop; a customer's recommendation excludes what they already have and comes with its reason."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import delete
from sqlalchemy.orm import Session

from ...core import clock
from .. import repository
from ..models import together
from ..tables import ProductPair


def compute_pairs(session: Session, shop_id: int, *, min_together: int = 2, top: int = 10) -> dict:
    """Recompute the shop's bought-together table from every customer's paid products; returns a summary."""
    counted = {"baskets": 0}

    def counting():
        for basket in repository.baskets(session, shop_id):
            counted["baskets"] += 1
            yield basket

    found = together.pairs(counting(), min_together=min_together, top=top)
    session.execute(delete(ProductPair).where(ProductPair.shop_id == shop_id))
    now = clock.now()
    session.add_all(ProductPair(shop_id=shop_id, product_id=p.product_id, other_id=p.other_id, together=p.together,
                                confidence=float(p.confidence), lift=float(p.lift), baskets=counted["baskets"],
                                computed_at=now) for p in found)
    session.flush()
    return {"shop_id": shop_id, "baskets": counted["baskets"], "pairs": len(found), "computed_at": now.isoformat()}


def recommend_for(session: Session, shop_id: int, customer_id: int, *, language: str = "zh") -> dict | None:
    """The product to recommend to a customer, with the reason in their language, or None."""
    owned = repository.owned_products(session, shop_id, customer_id)
    stored = repository.pairs_from(session, shop_id, sorted(owned))
    table = [together.Pair(p.product_id, p.other_id, p.together, Fraction(p.confidence).limit_denominator(10_000),
                           Fraction(p.lift).limit_denominator(10_000)) for p in stored]
    pick = together.recommend(owned, table)
    if pick is None:
        return None
    names = repository.product_names(session, [pick.product_id, pick.other_id])
    base, name = names.get(pick.product_id, "?"), names.get(pick.other_id, "?")
    lift = float(pick.lift)
    if language == "zh":
        reason = f"买过「{base}」的顾客中有{pick.together}位也买了「{name}」（提升度 {lift:.1f}）"
    else:
        reason = f"{pick.together} customers who bought '{base}' also bought '{name}' (lift {lift:.1f})"
    return {"product_id": pick.other_id, "name": name, "because_of": base, "together": pick.together,
            "lift": round(lift, 3), "reason": reason}
