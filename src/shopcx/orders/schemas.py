"""Order data in and out. Money is always integer minor units (分) with the order's currency."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from ..customers.schemas import CustomerIn
from .rules import STATUSES

KINDS = ("sale", "return", "adjustment")


class LineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sku: str | None = Field(default=None, max_length=64)
    name: str | None = Field(default=None, max_length=255)
    category: str | None = Field(default=None, max_length=80)
    quantity: int
    unit_price_amount: int = Field(description="Price of one unit in minor units")
    total_amount: int | None = Field(default=None, description="Defaults to quantity × unit price")


class ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    carrier: str | None = Field(default=None, max_length=60)
    tracking_no: str | None = Field(default=None, max_length=80)
    shipped_at: AwareDatetime | None = None
    promised_at: AwareDatetime | None = None
    delivered_at: AwareDatetime | None = None
    damaged: bool = False
    note: str | None = Field(default=None, max_length=255)


class RefundLineIn(BaseModel):
    line_no: int = Field(ge=1)
    quantity: int = Field(ge=1)
    amount: int = Field(ge=0)


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    external_id: str = Field(max_length=128)
    kind: str = Field(default="refund_only", pattern="^(refund_only|return_refund)$")
    amount: int = Field(ge=1, description="Minor units")
    reason: str | None = Field(default=None, max_length=255)
    requested_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    lines: list[RefundLineIn] = Field(default_factory=list)


class OrderIn(BaseModel):
    """An order as a platform reports it. Replaying the same order changes nothing."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(max_length=40)
    external_id: str = Field(min_length=1, max_length=128)
    kind: str = Field(default="sale", pattern="^(sale|return|adjustment)$")
    status: str = "paid"
    currency: str | None = Field(default=None, description="Defaults to the shop's currency")
    customer: CustomerIn | None = Field(default=None, description="None for a guest order")
    placed_at: AwareDatetime
    paid_at: AwareDatetime | None = None
    completed_at: AwareDatetime | None = None
    shipping_amount: int = 0
    discount_amount: int = 0
    paid_amount: int | None = Field(default=None, description="Defaults to goods + shipping − discount")
    tax_amount: int = Field(default=0, ge=0, description="Tax the platform reports, minor units")
    taxes_included: bool = Field(default=True, description="False: the tax was added on top of the prices "
                                 "(part of paid_amount, not of goods; no points are earned on it)")


    updated_at: AwareDatetime | None = Field(default=None, description="The platform's own last-modified time: a "
                                             "re-sent order changes its stored amounts only with a later one")
    buyer_note: str | None = None
    ship_country: str | None = Field(default=None, max_length=64)
    ship_province: str | None = Field(default=None, max_length=64)
    ship_city: str | None = Field(default=None, max_length=64)
    lines: list[LineIn] = Field(default_factory=list)
    shipments: list[ShipmentIn] = Field(default_factory=list)
    refunds: list[RefundIn] = Field(default_factory=list)

    @field_validator("status")
    @classmethod
    def _status(cls, value):
        if value not in STATUSES:
            raise ValueError(f"must be one of {', '.join(STATUSES)}")
        return value


class LineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    line_no: int
    sku: str | None
    name: str | None
    quantity: int
    unit_price_amount: int
    total_amount: int


class ShipmentOut(ShipmentIn):
    model_config = ConfigDict(from_attributes=True)
    id: int
    late: bool = False


class RefundOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    external_id: str
    kind: str
    amount: int
    reason: str | None
    requested_at: datetime
    completed_at: datetime | None


class UpsertResult(BaseModel):
    order_id: int
    created: bool
    changed: bool
    status: str
    changes: list[str] = Field(default_factory=list, description="What a re-sent order changed: 'paid_amount: "
                               "500 -> 50000', ...")


# --- API answers (appended for the JSON API) ---------------------------------------------------------------


class StatusChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_status: str | None
    to_status: str
    at: datetime
    actor: str | None
    reason: str | None


class RefundLineOut(BaseModel):
    line_no: int
    quantity: int
    amount: int


class RefundDetailOut(RefundOut):
    lines: list[RefundLineOut]


class OrderSummaryOut(BaseModel):
    """An order in a list: its money and dates without lines, shipments or refunds."""

    model_config = ConfigDict(from_attributes=True)
    id: int
    shop_id: int
    customer_id: int | None
    source: str
    external_id: str
    kind: str
    status: str
    currency: str
    goods_amount: int
    shipping_amount: int
    discount_amount: int
    paid_amount: int
    refunded_amount: int
    tax_amount: int = 0
    taxes_included: bool = True
    item_count: int
    lines_missing: bool = False  # imported from an order-level report: no lines, not in product figures
    buyer_name: str | None
    placed_at: datetime
    paid_at: datetime | None
    completed_at: datetime | None


class OrderDetailOut(OrderSummaryOut):
    """One order with its lines, shipments (`late` computed now), refunds and status history."""

    buyer_note: str | None
    ship_country: str | None
    ship_province: str | None
    ship_city: str | None
    lines: list[LineOut]
    shipments: list[ShipmentOut]
    refunds: list[RefundDetailOut]
    history: list[StatusChangeOut]


class OrderPage(BaseModel):
    items: list[OrderSummaryOut]
    total: int
    page: int
    page_size: int


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: str = Field(pattern=f"^({'|'.join(STATUSES)})$", description=f"One of {', '.join(STATUSES)}")
    reason: str | None = Field(default=None, max_length=255)


class ShipmentResult(BaseModel):
    created: bool
    changed: bool
    shipment: ShipmentOut


class RefundResult(BaseModel):
    created: bool = Field(description="False when a refund with this external_id was already recorded")
    refund: RefundDetailOut
    order_status: str
    refunded_amount: int


class ProductIn(BaseModel):
    """A product as a shop describes it, identified by its SKU; an update keeps the fields left out."""

    model_config = ConfigDict(extra="forbid")
    sku: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=255)
    category: str | None = Field(default=None, max_length=80)
    price_amount: int | None = Field(default=None, ge=0, description="Minor units")
    currency: str | None = Field(default=None, description="Defaults to the shop's currency")
    is_active: bool = True


class ProductOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    shop_id: int
    sku: str
    name: str
    category: str | None
    price_amount: int | None
    currency: str
    is_active: bool
    created_at: datetime
    updated_at: datetime


class ProductResult(BaseModel):
    created: bool
    changed: bool
    product: ProductOut


class ProductPage(BaseModel):
    items: list[ProductOut]
    total: int
    page: int
    page_size: int
