"""What the platform mappings share: a reject that names the field in both languages, money and time readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ...core.errors import InvalidInput
from ...core.money import to_minor
from ...customers.rules import normalize_phone
from ...customers.schemas import CustomerIn
from ...orders.schemas import OrderIn, RefundIn


class WebhookReject(InvalidInput):
    """A delivery that cannot be used; `message` is English, `message_zh` Chinese, both start with the field."""

    def __init__(self, code: str, field: str, en: str, zh: str, *, status: int | None = None):
        super().__init__(code, f"{field}: {en}", field=field, status=status)
        self.message_zh = f"{field}：{zh}"

    def as_dict(self) -> dict:
        return super().as_dict() | {"message_zh": self.message_zh}


@dataclass
class Mapped:
    """One delivery in ShopCX's terms: what it is about, and the data to store (order, refund or customer)."""

    object_type: str  # order | refund | customer
    object_id: str
    updated_at: datetime | None
    order: OrderIn | None = None
    order_ref: str | None = None  # a refund's order: the platform's order id
    refund: RefundIn | None = None
    refund_items: list[dict] = field(default_factory=list)  # a refund's lines as the platform names them
    customer: CustomerIn | None = None
    deleted: bool = False  # the platform deleted the order: cancelled here if its status allows
    ignored: str | None = None  # why a delivery that verified is deliberately not stored (a deleted order)


def need_object(body) -> dict:
    if not isinstance(body, dict):
        raise WebhookReject("invalid_input", "body", "must be one JSON object", "必须是一个 JSON 对象")
    return body


def text(value, size: int | None = None) -> str | None:
    """A value as stripped text cut to a column's size; empty and null become None."""
    if value is None:
        return None
    out = str(value).strip()
    if not out:
        return None
    return out[:size] if size else out


def object_id(body: dict, key: str = "id") -> str:
    value = body.get(key)
    if value is None or isinstance(value, (dict, list, bool)) or not str(value).strip():
        raise WebhookReject("invalid_input", key, "is missing", "缺少该字段")
    return str(value).strip()[:64]


def money(value, currency: str, field: str, *, default: int = 0) -> int:
    """A platform amount ('199.00', 199.0 or 199) in minor units; a missing one gives default."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, (bool, dict, list)):
        raise WebhookReject("invalid_input", field, f"'{value}' is not an amount of money", f"'{value}' 不是金额")
    try:
        return to_minor(str(value), currency, field)
    except InvalidInput:
        raise WebhookReject("invalid_input", field, f"'{value}' is not an amount of money",
                            f"'{value}' 不是金额") from None


def when(value, field: str, *, required: bool = False) -> datetime | None:
    """An ISO 8601 time with its offset (platforms send one); None when absent and not required."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise WebhookReject("invalid_input", field, "is missing", "缺少该字段")
        return None
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise WebhookReject("invalid_input", field, f"'{value}' is not an ISO 8601 date and time",
                            f"'{value}' 不是 ISO 8601 日期时间") from None
    if moment.tzinfo is None:
        raise WebhookReject("invalid_input", field, f"'{value}' has no UTC offset", f"'{value}' 没有时区偏移")
    return moment


def whole(value, field: str) -> int:
    if isinstance(value, bool):
        value = None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise WebhookReject("invalid_input", field, f"'{value}' is not a whole number",
                            f"'{value}' 不是整数") from None


def phone(value, region: str | None) -> str | None:
    """A phone in E.164; one that is no phone number at all is left out rather than losing the delivery."""
    try:
        return normalize_phone(text(value), region=region)
    except InvalidInput:
        return None
