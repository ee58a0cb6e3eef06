"""Money as integer minor units plus an ISO 4217 code; parsing and formatting without floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from .errors import InvalidInput

# ISO 4217 minor-unit exponents that differ from 2.
_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}
_SYMBOL = {"CNY": "¥", "GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "HKD": "HK$"}


def exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit."""
    return _EXPONENT.get(currency.upper(), 2)


def check_currency(code: str, field: str = "currency") -> str:
    """A three-letter currency code, upper-cased, or an error naming the field."""
    code = (code or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput("invalid_currency", f"{field}: '{code}' is not a three-letter currency code", field=field)
    return code


def to_decimal(text: str | int | Decimal, field: str = "amount") -> Decimal:
    """Parse a decimal number written by a person or a platform export ('1,299.00', '¥12.5')."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    cleaned = str(text).strip().replace(",", "").replace("¥", "").replace("￥", "").replace("$", "").replace("£", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput("invalid_number", f"{field}: '{text}' is not a number", field=field) from None
    if not value.is_finite():
        raise InvalidInput("invalid_number", f"{field}: '{text}' is not a finite number", field=field)
    return value


def to_minor(value: str | int | Decimal, currency: str, field: str = "amount") -> int:
    """Major units (text or Decimal) to integer minor units, rounding half to even below the minor unit."""
    scaled = to_decimal(value, field).scaleb(exponent(currency))
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def line_total_minor(quantity: int, unit_price: Decimal, currency: str) -> int:
    """quantity × unit price in minor units, rounded once on the exact product (not per unit)."""
    return int((unit_price * quantity).scaleb(exponent(currency)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def format_minor(amount: int, currency: str) -> str:
    """12345 CNY -> '¥123.45'."""
    exp = exponent(currency)
    sign = "-" if amount < 0 else ""
    major = Decimal(abs(amount)).scaleb(-exp)
    return f"{sign}{_SYMBOL.get(currency, currency + ' ')}{major:,.{exp}f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units with its currency."""

    amount: int
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput("currency_mismatch", f"cannot add {other.currency} to {self.currency}")
        return Money(self.amount + other.amount, self.currency)

    def __str__(self) -> str:
        return format_minor(self.amount, self.currency)
