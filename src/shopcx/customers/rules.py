"""Pure rules for customer contacts: phone numbers in E.164 and the region a shop's local numbers belong to."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import phonenumbers

from ..core.errors import InvalidInput

_NOISE = re.compile(r"[\s\-().\u00a0/]")
_MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")

# Currencies used by one country; EUR and other shared ones fall through to the timezone.
_COUNTRY_OF_CURRENCY = {
    "CNY": "CN", "HKD": "HK", "TWD": "TW", "MOP": "MO", "USD": "US", "CAD": "CA", "GBP": "GB", "JPY": "JP",
    "KRW": "KR", "SGD": "SG", "MYR": "MY", "THB": "TH", "VND": "VN", "IDR": "ID", "PHP": "PH", "INR": "IN",
    "AUD": "AU", "NZD": "NZ", "TRY": "TR", "RUB": "RU", "BRL": "BR", "MXN": "MX", "CHF": "CH", "SEK": "SE",
    "NOK": "NO", "DKK": "DK", "PLN": "PL", "CZK": "CZ", "HUF": "HU", "ZAR": "ZA", "AED": "AE", "SAR": "SA",
    "ILS": "IL", "EGP": "EG", "UAH": "UA", "RON": "RO", "CLP": "CL", "COP": "CO", "ARS": "AR", "PEN": "PE",
}
DEFAULT_COUNTRY = "CN"


@lru_cache
def _zone_countries() -> dict[str, str]:
    """IANA timezone -> ISO country from the system's zone.tab (empty where the file is missing)."""
    path = Path("/usr/share/zoneinfo/zone.tab")
    found: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                parts = line.split("\t")
                if len(parts) >= 3:
                    found[parts[2]] = parts[0]
    return found


def country_for(currency: str | None, timezone: str | None) -> str:
    """The country a shop most likely sells in: from a one-country currency, else its timezone, else CN."""
    by_currency = _COUNTRY_OF_CURRENCY.get((currency or "").upper())
    if by_currency:
        return by_currency
    return _zone_countries().get(timezone or "", DEFAULT_COUNTRY)


def check_country(code: str | None, field: str = "country") -> str:
    """An ISO 3166 alpha-2 code phone numbers know, upper-cased, or an error naming the field."""
    value = (code or "").strip().upper()
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise InvalidInput("invalid_country", f"{field}: '{code}' is not a two-letter country code (CN, US, TR …)",
                           field=field)
    return value


def normalize_phone(raw: str | None, field: str = "phone", region: str | None = None) -> str | None:
    """A phone in E.164 (+8617310673542): a number without a country code belongs to `region` (default CN).

    A mainland mobile (11 digits starting 13–19) matches with or without +86/0086, spaces and dashes, whatever the
    region. A number the numbering plan does not know (short codes, extensions) keeps its digits (and a leading +),
    so it still matches itself; text that is no phone number at all is an error naming the field.
    """
    if raw is None or not str(raw).strip():
        return None
    text = _NOISE.sub("", str(raw))
    plus = text.startswith("+")
    digits = text.lstrip("+")
    if not digits.isdigit() or not 5 <= len(digits) <= 20:
        raise InvalidInput("invalid_phone", f"{field}: '{raw}' is not a phone number", field=field)
    if not plus and _MAINLAND_MOBILE.match(digits):
        return "+86" + digits
    for prefix in ("86", "0086"):
        if not plus and digits.startswith(prefix) and _MAINLAND_MOBILE.match(digits[len(prefix):]):
            return "+" + digits[len(prefix) - 2:]
    try:
        number = phonenumbers.parse(text, region or DEFAULT_COUNTRY)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return ("+" if plus else "") + digits


def phone_search_forms(query: str, region: str | None = None) -> list[str]:
    """What a search text could match in stored phones: its E.164 form (when it reads as a number) and its digits."""
    forms = []
    try:
        normal = normalize_phone(query, region=region)
    except InvalidInput:
        normal = None
    if normal:
        forms.append(normal)
    return forms
