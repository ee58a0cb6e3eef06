"""Ratings over JSON: DSR and its series and forecast, class counts, 好评率, negatives by driver, rankings,
late delivery vs rating, revisions and response times."""


from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from ...shops import service as shops
from ...shops.models import Shop
from ...web.api import SessionDep
from ...web.deps import MAX_ID
from .. import service
from .base import (
    Reader,
    Since,
    Until,
)

router = APIRouter()


def _scope(shop: Shop, product_id: int | None, category: str | None, carrier: str | None):
    return service.metrics.scope(shop, product_id=product_id, category=category, carrier=carrier)


ProductQuery = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this product's reviews")]
CategoryQuery = Annotated[str | None, Query(max_length=80, description="Only this product category")]
CarrierQuery = Annotated[str | None, Query(max_length=60, description="Only orders shipped by this carrier")]


@router.get("/shops/{shop_code}/ratings/dsr", tags=["ratings"])
def dsr(shop_code: str, actor: Reader, session: SessionDep, as_of: Until = None, product_id: ProductQuery = None,
        category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """DSR per dimension over the 180 days to as_of, with the benchmark and the gap as ±%."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_summary(session, shop, as_of=as_of, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/dsr-series", tags=["ratings"])
def dsr_series(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
               product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Each day's 180-day DSR per dimension (default: the last 90 days)."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_series(session, shop, start=start, end=end, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/forecast", tags=["ratings"])
def forecast(shop_code: str, actor: Reader, session: SessionDep, as_of: Until = None,
             horizon: Annotated[int, Query(ge=1, le=180)] = 30, product_id: ProductQuery = None,
             category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Ratings leaving the 180-day window in the next days, the DSR after, and the 5-star ratings to gain 0.1."""
    shop = shops.get_shop(session, shop_code)
    return service.dsr_forecast(session, shop, as_of=as_of, horizon=horizon,
                                sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/counts", tags=["ratings"])
def counts(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
           by: Annotated[Literal["product", "category", "carrier"] | None, Query()] = None,
           product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """Reviews by class and 好评率 in the window (default 180 days), overall or per product/category/carrier."""
    shop = shops.get_shop(session, shop_code)
    sc = _scope(shop, product_id, category, carrier)
    if by:
        return service.class_counts_by(session, shop, by=by, start=start, end=end, sc=sc)
    return service.class_counts(session, shop, start=start, end=end, sc=sc)


@router.get("/shops/{shop_code}/ratings/good-rate", tags=["ratings"])
def good_rate(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
              period: Literal["day", "week", "month"] = "week", product_id: ProductQuery = None,
              category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """好评率 per day, week or month (default: the last 26 weeks)."""
    shop = shops.get_shop(session, shop_code)
    return service.good_rate_trend(session, shop, start=start, end=end, period=period,
                                   sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/drivers", tags=["ratings"])
def drivers(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
            product_id: ProductQuery = None, category: CategoryQuery = None, carrier: CarrierQuery = None) -> dict:
    """中/差评 and hidden negatives per driver their text is about."""
    shop = shops.get_shop(session, shop_code)
    return service.negatives_by_driver(session, shop, start=start, end=end,
                                       sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/ranking", tags=["ratings"])
def ranking(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
            by: Literal["product", "category", "carrier"] = "product",
            min_count: Annotated[int, Query(ge=1, le=100_000)] = 5,
            limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict:
    """Products, categories or carriers ranked by 差评 rate, those with at least min_count reviews."""
    return service.bad_rate_ranking(session, shops.get_shop(session, shop_code), by=by, start=start, end=end,
                                    min_count=min_count, limit=limit)


@router.get("/shops/{shop_code}/ratings/late-vs-rating", tags=["ratings"])
def late_vs_rating(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
                   product_id: ProductQuery = None, category: CategoryQuery = None,
                   carrier: CarrierQuery = None) -> dict:
    """Mean stars and 物流服务 of reviews whose delivery was late, on time, without promise or without shipment."""
    shop = shops.get_shop(session, shop_code)
    return service.late_vs_rating(session, shop, start=start, end=end, sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/revisions", tags=["ratings"])
def revisions(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
              by_agent: bool = False, product_id: ProductQuery = None, category: CategoryQuery = None,
              carrier: CarrierQuery = None) -> dict:
    """Revision rate of the 中/差评 of the window, per class and (by_agent) per case owner."""
    shop = shops.get_shop(session, shop_code)
    return service.revision_stats(session, shop, start=start, end=end, by_agent=by_agent,
                                  sc=_scope(shop, product_id, category, carrier))


@router.get("/shops/{shop_code}/ratings/response-times", tags=["ratings"])
def response_times(shop_code: str, actor: Reader, session: SessionDep, start: Since = None, end: Until = None,
                   by_agent: bool = False, product_id: ProductQuery = None, category: CategoryQuery = None,
                   carrier: CarrierQuery = None) -> dict:
    """Hours from a 中/差评 to the first reply or contact: mean, median, 90th percentile, unanswered."""
    shop = shops.get_shop(session, shop_code)
    return service.response_times(session, shop, start=start, end=end, by_agent=by_agent,
                                  sc=_scope(shop, product_id, category, carrier))
