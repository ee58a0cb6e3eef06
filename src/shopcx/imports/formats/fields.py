"""Cleaning of the contact and text fields platform exports share (ids guarded against Excel, phones, flags)."""

from __future__ import annotations

from ...core.errors import InvalidInput
from ...core.money import check_currency
from ...customers.service import normalize_email, normalize_phone
from .base import RowError

_YES = {"yes", "y", "true", "1", "是", "t"}
_NO = {"no", "n", "false", "0", "否", "f", ""}


def excel_text(text: str) -> str:
    """An id kept as text against Excel: `="12345"`, `'12345` or a tab prefix become `12345`."""
    text = text.strip().lstrip("\t")
    if text.startswith("="):
        text = text[1:]
    text = text.strip().strip('"').strip("'").strip()
    return text


def order_id(text: str, field: str) -> str:
    """An external order id: cleaned, present and at most 128 characters."""
    value = text.strip()
    if value[:1] in ("=", '"', "'"):
        value = excel_text(value)
    if not value:
        raise RowError(field, f"{field} is missing")
    if len(value) > 128:
        raise RowError(field, f"{field} is longer than 128 characters")
    return value


def phone(text: str, field: str, region: str | None = None) -> str | None:
    """A phone number in E.164 (local numbers are from region); a masked one (138****8000) gives None."""
    if not text:
        return None
    value = excel_text(text)
    if not value or "*" in value:
        return None
    try:
        return normalize_phone(value, field, region)
    except InvalidInput:
        raise RowError(field, f"{field} '{text}' is not a phone number") from None


def email(text: str, field: str) -> str | None:
    """An email address, lower-cased; a masked one gives None."""
    value = text.strip()
    if not value or "*" in value:
        return None
    try:
        return normalize_email(value, field)
    except InvalidInput:
        raise RowError(field, f"{field} '{text}' is not an email address") from None


def yes_no(text: str, field: str) -> bool | None:
    """yes/no, true/false, 1/0, 是/否; empty is None."""
    value = text.strip().lower()
    if not value:
        return None
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise RowError(field, f"{field} '{text}' is not yes or no")


def currency(text: str, field: str, default: str) -> str:
    if not text or not text.strip():
        return default
    try:
        return check_currency(text, field)
    except InvalidInput:
        raise RowError(field, f"{field} '{text}' is not a three-letter currency code") from None


def address_parts(text: str) -> tuple[str | None, str | None]:
    """(province, city) from a Chinese address written 'province city district street'."""
    parts = text.replace("\u3000", " ").split()
    province = parts[0][:64] if parts else None
    city = parts[1][:64] if len(parts) > 1 else None
    return province, city
