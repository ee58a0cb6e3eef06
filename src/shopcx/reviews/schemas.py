"""Review data in and out. Stars and DSR ratings are 1–5; money is integer minor units with a currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from . import rules

ClassName = Literal["good", "neutral", "bad"]
Rating = Field(default=None, ge=1, le=5)


def _class(value):
    try:
        return rules.parse_class(value)
    except ValueError as exc:
        raise ValueError(str(exc)) from None


def _url(value: str) -> str:
    value = value.strip()
    if not value.lower().startswith(("http://", "https://")) or len(value) > 1000 or any(c.isspace() for c in value):
        raise ValueError(f"'{value[:60]}' is not an http(s) link")
    return value


class ReviewIn(BaseModel):
    """A review as a platform reports it; (shop, platform, external_id) identifies it, replays change nothing."""

    model_config = ConfigDict(extra="forbid")

    platform: str | None = Field(default=None, max_length=20, description="Defaults to the shop's platform")
    external_id: str = Field(min_length=1, max_length=128, description="The platform's review id")
    order_external_id: str = Field(min_length=1, max_length=128, description="The order's id on the platform")
    line_no: int | None = Field(default=None, ge=1, description="The order line reviewed, if the review is per line")
    sku: str | None = Field(default=None, max_length=64, description="Or the SKU of the line reviewed")
    stars: int | None = Rating
    rating: ClassName | None = Field(default=None, description="The platform's 好/中/差 (good/neutral/bad, or "
                                     "好评/中评/差评); wins over stars")
    is_default: bool = Field(default=False, description="系统默认好评: the platform's default good review")
    dsr_description: int | None = Rating
    dsr_service: int | None = Rating
    dsr_logistics: int | None = Rating
    text: str | None = Field(default=None, max_length=5000)
    image_urls: list[str] = Field(default_factory=list, max_length=20)
    reviewer_name: str | None = Field(default=None, max_length=120)
    reviewed_at: AwareDatetime
    revised_at: AwareDatetime | None = Field(default=None, description="When the buyer changed the review (for a "
                                             "replay that carries a new class or stars); default now")
    reply_text: str | None = Field(default=None, max_length=2000, description="The seller's public reply")
    replied_at: AwareDatetime | None = None
    followup_text: str | None = Field(default=None, max_length=5000, description="追评")
    followup_at: AwareDatetime | None = None

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, value):
        return _class(value)

    @field_validator("image_urls")
    @classmethod
    def _images(cls, value):
        return [_url(item) for item in value if item and item.strip()]

    @field_validator("text", "reply_text", "followup_text", "reviewer_name", "sku", "platform")
    @classmethod
    def _blank_is_none(cls, value):
        if value is None:
            return None
        value = value.strip()
        return value or None

    @model_validator(mode="after")
    def _complete(self):
        if self.stars is None and self.rating is None and not self.is_default:
            raise ValueError("stars: a review needs stars, a rating (好评/中评/差评) or is_default")
        if self.is_default and self.rating not in (None, "good"):
            raise ValueError("rating: a default review (系统默认好评) is always good")
        if self.followup_text and self.followup_at is None:
            raise ValueError("followup_at: a 追评 needs its date")
        if self.followup_at and self.followup_at < self.reviewed_at:
            raise ValueError("followup_at: a 追评 cannot come before the review")
        return self


class UpsertResult(BaseModel):
    review_id: int
    created: bool
    changed: bool
    revised: bool = Field(description="The replay carried a new class or stars and a revision was recorded")
    rating_class: ClassName
    case_id: int | None = Field(description="The care case or follow-up task opened for a 中/差评")


class BatchItemResult(BaseModel):
    index: int
    ok: bool
    result: UpsertResult | None = None
    error: str | None = None
    message: str | None = None
    field: str | None = None


class BatchResult(BaseModel):
    created: int
    updated: int
    unchanged: int
    rejected: int
    items: list[BatchItemResult]


class ReviewBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reviews: list[ReviewIn] = Field(min_length=1, max_length=500)


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    from_class: str
    to_class: str
    from_stars: int | None
    to_stars: int | None
    previous_text: str | None
    revised_at: datetime
    contact_id: int | None
    source: str
    recorded_by: str


class FollowupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    text: str
    followed_at: datetime


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    channel: str
    result: str
    note: str | None
    staff_id: int | None
    actor: str


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    review_id: int
    shop_id: int
    customer_id: int | None
    kind: str
    status: str
    owner_id: int | None
    driver: str | None
    opened_at: datetime
    due_at: datetime
    revision_due_at: datetime
    first_contact_at: datetime | None
    resolution: str | None
    compensation_amount: int | None
    currency: str | None
    resolved_at: datetime | None
    outcome: str | None
    closed_at: datetime | None
    overdue: bool = False
    contacts: list[ContactOut] = Field(default_factory=list)


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    shop_id: int
    platform: str
    external_id: str
    order_id: int
    order_line_id: int | None
    product_id: int | None
    customer_id: int | None
    stars: int | None
    rating_class: ClassName
    first_class: ClassName
    is_default: bool
    dsr_description: int | None
    dsr_service: int | None
    dsr_logistics: int | None
    text: str | None
    image_urls: list[str]
    reviewer_name: str | None
    reviewed_at: datetime
    reviewed_on: date
    reply_text: str | None
    replied_at: datetime | None
    replied_by_id: int | None
    followup_text: str | None
    followup_at: datetime | None
    revision_count: int
    polarity: str | None
    polarity_score: float | None
    aspects: list[str]
    hidden_negative: bool


class ShipmentView(BaseModel):
    carrier: str | None
    tracking_no: str | None
    shipped_at: datetime | None
    promised_at: datetime | None
    delivered_at: datetime | None
    damaged: bool
    late: bool
    days_late: float | None = Field(description="Delivered (or now, if not yet) minus promised, in days; "
                                    "negative = early")


class OrderView(BaseModel):
    id: int
    external_id: str
    status: str
    placed_at: datetime
    completed_at: datetime | None
    paid_amount: int
    refunded_amount: int
    currency: str
    product_name: str | None
    rating_deadline: datetime | None = Field(description="Completion + the platform's rating window")
    shipments: list[ShipmentView]


class ReviewDetailOut(ReviewOut):
    order: OrderView
    revisions: list[RevisionOut]
    followups: list[FollowupOut]
    case: CaseOut | None
    revision_deadline: datetime | None = Field(description="Until when a 中/差评 may be revised")
    earlier_reviews: int = Field(description="Other reviews by the same customer")


class ReviewPage(BaseModel):
    items: list[ReviewOut]
    total: int
    page: int
    page_size: int


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class FollowupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=5000)
    followed_at: AwareDatetime | None = Field(default=None, description="Default now")


class RevisionIn(BaseModel):
    """The buyer changed the review: the new class and/or stars, when, and the contact that preceded it."""

    model_config = ConfigDict(extra="forbid")
    rating: ClassName | None = None
    stars: int | None = Rating
    text: str | None = Field(default=None, max_length=5000, description="The rewritten text, if the buyer "
                             "rewrote it")
    revised_at: AwareDatetime | None = Field(default=None, description="Default now")
    contact_id: int | None = Field(default=None, ge=1, description="Default: the latest contact before it")

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, value):
        return _class(value)

    @model_validator(mode="after")
    def _something(self):
        if self.rating is None and self.stars is None:
            raise ValueError("rating: give the new rating or stars")
        return self


class CaseOpenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: int | None = Field(default=None, ge=1)
    due_at: AwareDatetime | None = Field(default=None, description="Default: review + the platform's care hours")


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    owner_id: int | None = Field(ge=1, description="A staff member who may answer reviews; null unassigns")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Literal[rules.CONTACT_CHANNELS]
    result: Literal[rules.CONTACT_RESULTS]
    note: str | None = Field(default=None, max_length=4000)
    at: AwareDatetime | None = Field(default=None, description="Default now")


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    resolution: str = Field(min_length=1, max_length=4000, description="What was done for the buyer")
    compensation_amount: int | None = Field(default=None, ge=0, description="Minor units, for a real problem; "
                                            "never conditional on a revision")


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal[rules.CASE_OUTCOMES] | None = Field(default=None, description="Default: revised if the buyer "
                                                         "revised, else not_revised")


class SettingsIn(BaseModel):
    """Change the fields given; absent keeps the current (or default) value."""

    model_config = ConfigDict(extra="forbid")
    rating_days: int | None = Field(default=None, ge=1, le=365)
    revision_days: int | None = Field(default=None, ge=0, le=365)
    max_revisions: int | None = Field(default=None, ge=0, le=10)
    reply_allowed: bool | None = None
    care_due_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    followup_due_hours: int | None = Field(default=None, ge=1, le=24 * 30)
    benchmark_description: float | None = Field(default=None, ge=1, le=5)
    benchmark_service: float | None = Field(default=None, ge=1, le=5)
    benchmark_logistics: float | None = Field(default=None, ge=1, le=5)


class SettingsOut(BaseModel):
    shop: str
    platform: str
    stored: bool = Field(description="False: nothing configured yet, these are the defaults")
    rating_days: int
    revision_days: int
    max_revisions: int
    reply_allowed: bool
    care_due_hours: int
    followup_due_hours: int
    benchmark_description: float | None
    benchmark_service: float | None
    benchmark_logistics: float | None


class TemplateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating_class: ClassName
    locale: Literal["zh", "en"] = "zh"
    body: str = Field(min_length=1, max_length=2000, description="May use {name}, {product} and {shop}")


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    rating_class: str
    locale: str
    body: str
    is_active: bool


class Suggestion(BaseModel):
    template_id: int | None = Field(description="None: a built-in template")
    text: str


class InboxItem(BaseModel):
    review: ReviewOut
    action: Literal["thank", "apologise", "care"]
    case: CaseOut | None
    due_at: datetime | None = Field(description="The case's first-contact deadline, if there is a case")
    revision_due_at: datetime | None
    overdue: bool


class InboxPage(BaseModel):
    items: list[InboxItem]
    total: int
    page: int
    page_size: int
    counts: dict[str, int] = Field(description="Items needing action per class (good/neutral/bad) and overdue")
