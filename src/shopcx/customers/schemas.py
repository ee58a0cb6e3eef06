"""Customer data in and out of the API, the webhook and the importers."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .models import CONSENT_CHANNELS, GENDERS


class LunarBirthday(BaseModel):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=30)
    leap_month: bool = False


class AnniversaryIn(BaseModel):
    kind: str = Field(max_length=30, description="e.g. wedding, membership, first_order")
    on: date
    label: str | None = Field(default=None, max_length=120)


class CustomerIn(BaseModel):
    """A customer as a platform or a person describes them; absent fields are left as they are."""

    model_config = ConfigDict(extra="forbid")

    source: str | None = Field(default=None, max_length=40, description="Platform or system the id belongs to")
    external_id: str | None = Field(default=None, max_length=128)
    shop: str | None = Field(default=None, description="Shop code the identity belongs to")
    name: str | None = Field(default=None, max_length=120)
    nickname: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)
    gender: str | None = None
    birthday: date | None = None
    birthday_lunar: LunarBirthday | None = None
    country: str | None = Field(default=None, max_length=64)
    province: str | None = Field(default=None, max_length=64)
    city: str | None = Field(default=None, max_length=64)
    tags: list[str] | None = None
    consents: dict[str, bool] | None = None
    preferences: dict | None = None
    anniversaries: list[AnniversaryIn] | None = None
    note: str | None = None

    @field_validator("gender")
    @classmethod
    def _gender(cls, value):
        if value is not None and value not in GENDERS:
            raise ValueError(f"must be one of {', '.join(GENDERS)}")
        return value

    @field_validator("consents")
    @classmethod
    def _channels(cls, value):
        for channel in value or {}:
            if channel not in CONSENT_CHANNELS:
                raise ValueError(f"unknown channel '{channel}'; use {', '.join(CONSENT_CHANNELS)}")
        return value


class IdentityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    source: str
    external_id: str
    shop_id: int | None


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str | None
    nickname: str | None
    phone: str | None
    email: str | None
    gender: str
    birthday: date | None
    birthday_lunar: LunarBirthday | None
    country: str | None
    province: str | None
    city: str | None
    tags: list[str]
    consents: dict[str, bool]
    preferences: dict
    identities: list[IdentityOut]
    created_at: datetime
    updated_at: datetime


# --- API answers (appended for the JSON API) ---------------------------------------------------------------


class AnniversaryOut(AnniversaryIn):
    model_config = ConfigDict(from_attributes=True)


class CustomerDetailOut(CustomerOut):
    """One customer with everything the API knows about them."""

    anniversaries: list[AnniversaryOut]
    note: str | None


class CustomerResult(BaseModel):
    created: bool = Field(description="True when no stored customer matched and a new one was made")
    customer: CustomerDetailOut


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    total: int
    page: int
    page_size: int
