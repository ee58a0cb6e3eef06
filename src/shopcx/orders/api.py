"""Orders and products over JSON: idempotent upserts, lists, one order in full, status, shipments, refunds."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from ..core import clock
from ..customers import service as customers
from ..shops import service as shops
from ..staff.service import Actor
from ..web.api import API_ERRORS, ErrorOut, PageDep, Paging, SessionDep, bearer_scheme
from ..web.deps import MAX_ID, RowId, require_scope
from ..web.format import mask_text
from . import actions, products, repository, rules, service
from .models import Order, Refund, Shipment
from .schemas import (
    KINDS,
    LineOut,
    OrderDetailOut,
    OrderIn,
    OrderPage,
    OrderSummaryOut,
    ProductIn,
    ProductOut,
    ProductPage,
    ProductResult,
    RefundDetailOut,
    RefundIn,
    RefundLineOut,
    RefundOut,
    RefundResult,
    ShipmentIn,
    ShipmentOut,
    ShipmentResult,
    StatusChangeOut,
    StatusIn,
    UpsertResult,
)

router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer_scheme)], responses=API_ERRORS)

ProductReader = Annotated[Actor, Depends(require_scope("products:read"))]
ProductWriter = Annotated[Actor, Depends(require_scope("products:write"))]
OrderReader = Annotated[Actor, Depends(require_scope("orders:read"))]
OrderWriter = Annotated[Actor, Depends(require_scope("orders:write"))]

_CONFLICT = {409: {"model": ErrorOut, "description": "The order's status does not allow this"}}


def _shipment(shipment: Shipment, now: datetime, actor: Actor) -> ShipmentOut:
    late = rules.shipment_is_late(shipment.promised_at, shipment.delivered_at, now)
    note = shipment.note if actor.allows("pii") else mask_text(shipment.note)
    return ShipmentOut.model_validate(shipment).model_copy(update={"late": late, "note": note})


def _refund(refund: Refund, line_nos: dict[int, int]) -> RefundDetailOut:
    lines = [RefundLineOut(line_no=line_nos[item.order_line_id], quantity=item.quantity, amount=item.amount)
             for item in refund.lines]
    return RefundDetailOut(**RefundOut.model_validate(refund).model_dump(), lines=lines)


def _detail(order: Order, actor: Actor) -> OrderDetailOut:
    """The order in full; phones and emails in the free-text notes are masked without `pii`."""
    now = clock.now()
    line_nos = {line.id: line.line_no for line in order.lines}
    buyer_note = order.buyer_note if actor.allows("pii") else mask_text(order.buyer_note)
    return OrderDetailOut(
        **OrderSummaryOut.model_validate(order).model_dump(), buyer_note=buyer_note,
        ship_country=order.ship_country, ship_province=order.ship_province, ship_city=order.ship_city,
        lines=[LineOut.model_validate(line) for line in order.lines],
        shipments=[_shipment(shipment, now, actor) for shipment in order.shipments],
        refunds=[_refund(refund, line_nos) for refund in order.refunds],
        history=[StatusChangeOut.model_validate(change) for change in order.history])


def _page(session: Session, flt: repository.OrderFilter, page: Paging) -> OrderPage:
    rows, total = repository.search(session, flt, offset=page.offset, limit=page.page_size)
    return OrderPage(items=[OrderSummaryOut.model_validate(order) for order in rows], total=total,
                     page=page.page, page_size=page.page_size)


# --- products ----------------------------------------------------------------------------------------------


@router.post("/shops/{shop_code}/products", response_model=ProductResult, status_code=201, tags=["products"],
             responses={200: {"model": ProductResult, "description": "Known SKU; fields updated"}})
def upsert_product(shop_code: str, data: ProductIn, response: Response, actor: ProductWriter,
                   session: SessionDep) -> ProductResult:
    """Create the shop's product with this SKU (201) or update given fields (200); replays change nothing."""
    shop = shops.get_shop(session, shop_code)
    product, created, changed = products.upsert_product(session, shop, data, actor=actor)
    response.status_code = 201 if created else 200
    return ProductResult(created=created, changed=changed, product=ProductOut.model_validate(product))


@router.get("/shops/{shop_code}/products", response_model=ProductPage, tags=["products"])
def list_products(shop_code: str, actor: ProductReader, session: SessionDep, page: PageDep,
                  q: Annotated[str | None, Query(description="Part of the SKU or name")] = None,
                  category: str | None = None, active: bool | None = None) -> ProductPage:
    """One page of the shop's products ordered by SKU, with the total that match."""
    shop = shops.get_shop(session, shop_code)
    rows, total = products.list_products(session, shop, query=q, category=category, active=active,
                                         offset=page.offset, limit=page.page_size)
    return ProductPage(items=[ProductOut.model_validate(p) for p in rows], total=total, page=page.page,
                       page_size=page.page_size)


@router.get("/shops/{shop_code}/products/{sku}", response_model=ProductOut, tags=["products"])
def get_product(shop_code: str, sku: str, actor: ProductReader, session: SessionDep) -> ProductOut:
    """One product of the shop by SKU."""
    return ProductOut.model_validate(products.get_product(session, shops.get_shop(session, shop_code), sku))


# --- orders ------------------------------------------------------------------------------------------------


@router.post("/shops/{shop_code}/orders", response_model=UpsertResult, status_code=201, tags=["orders"],
             responses={200: {"model": UpsertResult, "description": "The order existed; see `changed`"},
                        **_CONFLICT})
def upsert_order(shop_code: str, data: OrderIn, response: Response, actor: OrderWriter,
                 session: SessionDep) -> UpsertResult:
    """Create the order (201) or bring it up to date (200); replaying the same body changes nothing."""
    result = service.upsert_order(session, shops.get_shop(session, shop_code), data, actor=actor)
    response.status_code = 201 if result.created else 200
    return result


@router.get("/orders", response_model=OrderPage, tags=["orders"])
def list_orders(
    actor: OrderReader, session: SessionDep, page: PageDep,
    shop: Annotated[str | None, Query(description="Shop code")] = None,
    customer_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    status: Literal[rules.STATUSES] | None = None,
    kind: Literal[KINDS] | None = None,
    placed_from: Annotated[datetime | None, Query(description="Inclusive; without a zone it is UTC")] = None,
    placed_to: Annotated[datetime | None, Query(description="Exclusive; without a zone it is UTC")] = None,
    q: Annotated[str | None, Query(description="External id or part of the buyer's name")] = None,
) -> OrderPage:
    """One page of orders, newest first, with the total that match."""
    flt = repository.OrderFilter(query=q, shop_id=shops.get_shop(session, shop).id if shop else None,
                                 customer_id=customer_id, status=status, kind=kind,
                                 placed_from=clock.as_utc(placed_from), placed_to=clock.as_utc(placed_to))
    return _page(session, flt, page)


@router.get("/customers/{customer_id}/orders", response_model=OrderPage, tags=["customers"],
            dependencies=[Depends(require_scope("customers:read")), Depends(require_scope("orders:read"))])
def list_customer_orders(customer_id: RowId, session: SessionDep, page: PageDep) -> OrderPage:
    """One page of a customer's orders, newest first (scopes customers:read and orders:read)."""
    customers.get_customer(session, customer_id)
    return _page(session, repository.OrderFilter(customer_id=customer_id), page)


@router.get("/orders/{order_id}", response_model=OrderDetailOut, tags=["orders"])
def get_order(order_id: RowId, actor: OrderReader, session: SessionDep) -> OrderDetailOut:
    """One order with lines, shipments (with `late`), refunds and its status history."""
    return _detail(service.get_order(session, order_id), actor)


@router.post("/orders/{order_id}/status", response_model=OrderDetailOut, tags=["orders"], responses=_CONFLICT)
def change_status(order_id: RowId, data: StatusIn, actor: OrderWriter, session: SessionDep) -> OrderDetailOut:
    """Move the order to a new status if the transition table allows it (409 if not; same status: no-op)."""
    order = service.get_order(session, order_id)
    actions.change_status(session, order, data.status, actor=actor, reason=data.reason)
    return _detail(order, actor)


@router.post("/orders/{order_id}/shipments", response_model=ShipmentResult, status_code=201, tags=["orders"],
             responses={200: {"model": ShipmentResult, "description": "The tracking number was known"}})
def add_shipment(order_id: RowId, data: ShipmentIn, response: Response, actor: OrderWriter,
                 session: SessionDep) -> ShipmentResult:
    """Add a shipment (201) or update the one with the same tracking number (200)."""
    order = service.get_order(session, order_id)
    shipment, created, changed = actions.add_shipment(session, order, data, actor=actor)
    response.status_code = 201 if created else 200
    return ShipmentResult(created=created, changed=changed, shipment=_shipment(shipment, clock.now(), actor))


@router.post("/orders/{order_id}/refunds", response_model=RefundResult, status_code=201, tags=["orders"],
             responses={200: {"model": RefundResult, "description": "This external_id was already recorded"},
                        **_CONFLICT})
def add_refund(order_id: RowId, data: RefundIn, response: Response, actor: OrderWriter,
               session: SessionDep) -> RefundResult:
    """Record a refund once per external_id (more than is left → 422); a full refund marks it refunded."""
    order = service.get_order(session, order_id)
    refund, created = actions.add_refund(session, order, data, actor=actor)
    response.status_code = 201 if created else 200
    line_nos = {line.id: line.line_no for line in order.lines}
    return RefundResult(created=created, refund=_refund(refund, line_nos), order_status=order.status,
                        refunded_amount=order.refunded_amount)
