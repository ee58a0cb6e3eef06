"""Builders for review tests: a shop's orders with shipments, and review data with keyword overrides."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from shopcx.reviews import service
from shopcx.reviews.schemas import ReviewIn
from shopcx.staff.service import SYSTEM

from ..factories import make_order

_seq = itertools.count(1)


def at(day: str, hour: int = 2, minute: int = 0) -> datetime:
    """A UTC instant; hour 2 UTC is 10:00 in Shanghai, the same local day."""
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


def order(session, shop, external_id: str | None = None, *, sku: str = "CUP-1", name: str = "保温杯",
          category: str = "厨具", shipments: list | None = None, status: str = "completed", buyer: str | None = None,
          lines: list | None = None, completed_at: datetime | None = None):
    """A completed order with one line (or the lines given)."""
    n = next(_seq)
    external_id = external_id or f"R{n:06d}"
    buyer = buyer or f"buyer{n}"
    return make_order(session, shop, external_id=external_id, status=status,
                      customer={"source": "taobao", "external_id": buyer, "name": f"买家{buyer}"},
                      lines=lines or [{"sku": sku, "name": name, "category": category, "quantity": 1,
                                       "unit_price_amount": 4990}],
                      shipments=shipments or [], completed_at=completed_at)


def review_data(order_external_id: str, **overrides) -> ReviewIn:
    n = next(_seq)
    values = {"external_id": f"RV{n:06d}", "order_external_id": order_external_id, "stars": 5,
              "reviewed_at": at("2026-03-10")} | overrides
    return ReviewIn.model_validate(values)


def record(session, shop, order_or_id, actor=SYSTEM, source: str = "api", **overrides):
    """Record a review of the order (an Order or its external id); returns the stored Review."""
    external = order_or_id if isinstance(order_or_id, str) else order_or_id.external_id
    result = service.record_review(session, shop, review_data(external, **overrides), actor=actor, source=source)
    return service.get_review(session, result.review_id)


def two_category_reviews(per_class: int = 30):
    """Hotel reviews where 小 is a complaint and phone reviews where it is praise, with neutral filler."""
    fillers = ["这次", "总体", "感觉", "说实话", "整体", "用了几天", "入住后", "收到后", "朋友推荐", "第二次"]
    texts, labels, categories = [], [], []
    for i in range(per_class):
        filler = fillers[i % len(fillers)] + fillers[(i * 3 + 1) % len(fillers)]
        for category, noun, good, bad in (("酒店", "房间", "大", "小"), ("手机", "机身", "小", "大")):
            texts += [f"{filler}{noun}{good}", f"{filler}{noun}{bad}"]
            labels += [1, 0]
            categories += [category, category]
    return texts, labels, categories
