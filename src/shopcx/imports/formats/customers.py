"""Generic customers CSV/XLSX: one row per customer; empty cells leave what is stored as it is.

| column | meaning |
|---|---|
| external_id | the customer's id in `source`; with it re-imports update the same person |
| source | the system the id belongs to (taobao, shopify, …); default: the shop's code, as generic orders use |
| name, nickname, phone, email | contacts; a customer without external_id is matched by phone, then email |
| gender | female/male/other/unknown (also f/m, 女/男) |
| birthday | solar birthday `YYYY-MM-DD` |
| lunar_birthday | lunar month-day: `L8-15`, `8-15`, leap month `闰4-8` or `L闰4-8` |
| country, province, city, note | as written |
| tags | `;`-separated (full-width `；` too) |
| consent_email, consent_sms, consent_wechat, consent_phone, consent_app_push | yes/no, true/false, 1/0, 是/否 |

A row needs an external_id, phone, email or name. At least one of those columns must be in the header.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import ValidationError

from ...customers.models import CONSENT_CHANNELS
from ...customers.schemas import CustomerIn
from ..errors import ImportFileError
from . import fields
from .base import Collector, Parsers, RowError
from .source import Table, raw_of

IDENTIFYING = ("external_id", "phone", "email", "name")
OPTIONAL = ("source", "nickname", "gender", "birthday", "lunar_birthday", "country", "province", "city", "tags",
            "note", *(f"consent_{channel}" for channel in CONSENT_CHANNELS))
GENDERS = {"female": "female", "f": "female", "女": "female", "male": "male", "m": "male", "男": "male",
           "other": "other", "unknown": "unknown", "未知": "unknown"}
_LUNAR = re.compile(r"^(?:L|农历)?\s*(闰)?\s*(\d{1,2})\s*[-/月]\s*(\d{1,2})\s*日?$", re.IGNORECASE)

# (line_no, the customer, the raw row)
Row = tuple[int, CustomerIn, str]


def lunar(text: str) -> dict | None:
    """'L8-15' → month 8 day 15; '闰4-8' → leap month 4, day 8."""
    value = text.strip()
    if not value:
        return None
    match = _LUNAR.match(value)
    if match is None:
        raise RowError("lunar_birthday", f"lunar_birthday '{text}' is not a lunar month-day such as L8-15 or 闰4-8")
    leap, month, day = bool(match.group(1)), int(match.group(2)), int(match.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise RowError("lunar_birthday", f"lunar_birthday '{text}': month must be 1–12 and day 1–30")
    return {"month": month, "day": day, "leap_month": leap}


def solar(text: str) -> date | None:
    value = text.strip().replace("/", "-")
    if not value:
        return None
    try:
        born = date.fromisoformat(value)
    except ValueError:
        raise RowError("birthday", f"birthday '{text}' is not a date written YYYY-MM-DD") from None
    if not 1900 <= born.year <= 2100:
        raise RowError("birthday", f"birthday '{text}' is out of range")
    return born


def _customer(f: list[str], c: dict[str, int], parsers: Parsers, default_source: str) -> CustomerIn:
    def get(name: str) -> str:
        return f[c[name]].strip() if name in c else ""

    data: dict = {}
    external_id = parsers.customer_id(get("external_id")) if get("external_id") else ""
    if external_id:
        data["external_id"] = external_id
        data["source"] = get("source") or default_source
    for name, size in (("name", 120), ("nickname", 120), ("country", 64), ("province", 64), ("city", 64)):
        if get(name):
            if len(get(name)) > size:
                raise RowError(name, f"{name} is longer than {size} characters")
            data[name] = get(name)
    if get("note"):
        data["note"] = get("note")
    phone = fields.phone(get("phone"), "phone")
    email = fields.email(get("email"), "email")
    if phone:
        data["phone"] = phone
    if email:
        data["email"] = email
    if not (external_id or phone or email or data.get("name")):
        raise RowError("external_id", "the row has no external_id, phone, email or name to know the customer by")
    if get("gender"):
        gender = GENDERS.get(get("gender").lower())
        if gender is None:
            raise RowError("gender", f"gender '{get('gender')}' is not female, male, other or unknown")
        data["gender"] = gender
    if (born := solar(get("birthday"))) is not None:
        data["birthday"] = born
    if (moon := lunar(get("lunar_birthday"))) is not None:
        data["birthday_lunar"] = moon
    if get("tags"):
        tags = [tag.strip() for tag in get("tags").replace("；", ";").split(";") if tag.strip()]
        too_long = next((tag for tag in tags if len(tag) > 64), None)
        if too_long:
            raise RowError("tags", f"tags: '{too_long[:20]}…' is longer than 64 characters")
        data["tags"] = tags
    consents = {}
    for channel in CONSENT_CHANNELS:
        granted = fields.yes_no(get(f"consent_{channel}"), f"consent_{channel}")
        if granted is not None:
            consents[channel] = granted
    if consents:
        data["consents"] = consents
    try:
        return CustomerIn(**data)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"]) or "row"
        raise RowError(name, f"{name}: {error['msg']}") from None


def parse(table: Table, parsers: Parsers, default_source: str) -> tuple[list[Row], list, int]:
    """(customers, rejects, total rows) of a customers file."""
    out = Collector(table)
    c = out.header((), (*IDENTIFYING, *OPTIONAL))
    if not any(name in c for name in IDENTIFYING):
        raise ImportFileError("missing_columns", "line 1: the header needs at least one of the columns "
                              f"{', '.join(IDENTIFYING)}", field="header")
    width = max(c.values()) + 1
    good: list[Row] = []
    for line_no, f, problem in out.rows:
        if len(f) < width:
            f = f + [""] * (width - len(f))
        try:
            if problem:
                raise RowError(None, problem)
            good.append((line_no, _customer(f, c, parsers, default_source), raw_of(f, table.delimiter)))
        except RowError as exc:
            out.reject(None, line_no, exc.field, exc.message, f)
    return good, out.rejects, len(good) + len(out.rejects)

