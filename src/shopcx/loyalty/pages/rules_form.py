"""The rules form: every field of a ProgramConfig as inputs a seller understands, and back.

Input names follow the document's paths (`tiers.1.min_spend_amount`, `earning.promotions.0.end_on`), so an
error pydantic reports at a location lands next to the input of that name. Amounts are typed in major units
(¥12.50, JPY without decimals), multipliers as "1.5×", dates as YYYY-MM-DD; lists come as numbered rows with
a remove box, and rows left blank are ignored. A blank scalar takes the document's default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from pydantic import ValidationError

from ...core.i18n import t
from ...core.money import exponent, format_minor
from ..config import CODE, ROLES_WITH_LIMITS, ProgramConfig
from .base import major, multiplier

# Empty rows offered under each list for adding (big rows one, small rows two).
BLANK_ROWS = {"tiers": 1, "earning.category_multipliers": 2, "earning.product_multipliers": 2,
              "earning.promotions": 1, "ladder": 1, "offers": 1}
MAX_ROWS = 200  # rows read per list; rules with a longer list are edited as JSON only (see to_form)
MAX_WHOLE = 10**12

# Each list: its path, its fields (name → kind) and the fields that do not make a row non-blank (selects).
KINDS = ("text", "int", "money", "mult", "bool", "date", "choice")
TIER_FIELDS = {"code": "text", "name_zh": "text", "name_en": "text", "min_spend_amount": "money",
               "min_orders": "int", "qualify_by": "choice", "keep_spend_amount": "money", "keep_orders": "int",
               "discount_percent": "int", "points_multiplier": "mult", "free_shipping": "bool",
               "priority_service": "bool", "birthday_points": "int"}
FACTOR_FIELDS = {"key": "text", "factor": "mult"}
PROMOTION_FIELDS = {"name": "text", "start_on": "date", "end_on": "date", "multiplier": "mult"}
LADDER_FIELDS = {"min_orders": "int", "percent_off": "int"}
OFFER_FIELDS = {"code": "text", "name_zh": "text", "name_en": "text", "audience": "choice", "kind": "choice",
                "percent_off": "int", "amount_off": "money", "min_spend_amount": "money", "min_items": "int",
                "gift": "text"}
LISTS = {"tiers": TIER_FIELDS, "earning.category_multipliers": FACTOR_FIELDS,
         "earning.product_multipliers": FACTOR_FIELDS, "earning.promotions": PROMOTION_FIELDS,
         "ladder": LADDER_FIELDS, "offers": OFFER_FIELDS}
DICT_LISTS = ("earning.category_multipliers", "earning.product_multipliers")
SCALARS = {
    "earning.points_per_unit": "int", "earning.unit_amount": "money", "earning.include_shipping": "bool",
    "earning.return_window_days": "int", "earning.auto_confirm_days": "int", "earning.start_on": "date",
    "earning.daily_cap": "int", "earning.monthly_cap": "int", "earning.join_points": "int",
    "earning.first_order_points": "int", "earning.birthday_points": "int", "earning.review_points": "int",
    "earning.review_min_chars": "int", "earning.referrer_points": "int", "earning.referee_points": "int",
    "expiry.mode": "choice", "expiry.months": "int",
    "qualification.window": "choice", "qualification.review_every_months": "int",
    "points_value_per_100": "money", "max_points_payment_percent": "int",
    **{f"adjust_limits.{role}": "int" for role in ROLES_WITH_LIMITS},
    "birthday_change_days": "int", "referral_reward_after_days": "int",
}
CHOICES = {"qualify_by": ("either", "both"), "audience": ("all", "new", "old"),
           "kind": ("percent_off", "amount_off", "gift_for_items"), "expiry.mode": ("rolling", "annual", "never"),
           "qualification.window": ("rolling_12m", "calendar_year", "anniversary")}


class FieldError(ValueError):
    """A value that cannot be read: the catalog key of the message and its values."""

    def __init__(self, key: str, **values):
        super().__init__(key)
        self.key, self.values = key, values


@dataclass
class RulesForm:
    """What the form shows: the typed values by input name, errors by input name, and rows per list."""

    values: dict[str, str]
    rows: dict[str, int]
    errors: dict[str, str] = field(default_factory=dict)

    def value(self, name: str) -> str:
        return self.values.get(name, "")

    def checked(self, name: str) -> bool:
        return bool(self.values.get(name))

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def first_blank(self, path: str) -> int:
        """The first of the blank rows at the end of a list (shown folded under "+ add")."""
        fields = LISTS[path]
        used = [i for i in range(self.rows.get(path, 0)) if not _row_is_blank(self.values, f"{path}.{i}", fields)]
        return used[-1] + 1 if used else 0

    def has_errors(self, *prefixes: str) -> bool:
        """Whether an input under one of these names has an error (its folded section then opens)."""
        return any(key == prefix or key.startswith(prefix + ".") for key in self.errors for prefix in prefixes)


# --- values as people type them ------------------------------------------------------------------------------------

def currency_unit(currency: str) -> str:
    """The sign typed amounts are in: ¥ for CNY and JPY, £ for GBP, else the code."""
    return re.sub(r"[0-9.,\s-]+$", "", format_minor(0, currency)) or currency


def money_text(amount: int | None, currency: str) -> str:
    return "" if amount is None else major(amount, currency)


def mult_text(per_mille: int | None) -> str:
    return "" if per_mille is None else multiplier(per_mille)


def parse_whole(text: str) -> int:
    cleaned = text.replace(",", "").replace("，", "").replace(" ", "")
    if cleaned.startswith("-") and cleaned[1:].isdigit():
        raise FieldError("rules.err.negative")
    if not re.fullmatch(r"[0-9]+", cleaned):
        raise FieldError("rules.err.whole", value=text)
    value = int(cleaned)
    if value > MAX_WHOLE:
        raise FieldError("rules.err.le", limit=f"{MAX_WHOLE:,}")
    return value


def _decimal(text: str, strip: str, *, grouping: bool = True) -> Decimal:
    cleaned = text.replace(" ", "")
    if grouping:  # thousands separators in amounts; a multiplier has none ("1,5" is refused, not read as 15×)
        cleaned = cleaned.replace(",", "").replace("，", "")
    for char in strip:
        cleaned = cleaned.replace(char, "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise FieldError("rules.err.number", value=text)
    if value < 0:
        raise FieldError("rules.err.negative")
    return value


def parse_money(text: str, currency: str) -> int:
    """'12.50' CNY → 1250; '1,000' → 100000; JPY takes no decimals: '12.5' is refused, not rounded."""
    value = _decimal(text, "¥￥$£€")
    digits = exponent(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        key = "rules.err.no_decimals" if digits == 0 else "rules.err.decimals"
        raise FieldError(key, currency=currency, n=digits)
    if scaled > MAX_WHOLE:
        raise FieldError("rules.err.le", limit=f"{MAX_WHOLE:,}")
    return int(scaled)


def parse_mult(text: str) -> int:
    """'1.5×', '1.5x', '1.5' or '1.5倍' → 1500 per mille; finer than 0.001× is refused."""
    value = _decimal(text, "×xX倍", grouping=False)
    scaled = value * 1000
    if scaled != scaled.to_integral_value():
        raise FieldError("rules.err.mult_precision")
    if scaled > 100_000:
        raise FieldError("rules.err.mult_max")
    return int(scaled)


def parse_date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise FieldError("rules.err.date", value=text) from None


def _read(kind: str, text: str, currency: str, choices: tuple[str, ...] = ()):
    if kind == "int":
        return parse_whole(text)
    if kind == "money":
        return parse_money(text, currency)
    if kind == "mult":
        return parse_mult(text)
    if kind == "date":
        return parse_date(text)
    if kind == "choice" and text not in choices:
        raise FieldError("rules.err.choice", value=text)
    return text


# --- document → form -----------------------------------------------------------------------------------------------

def _show(kind: str, value, currency: str) -> str:
    if value is None:
        return ""
    if kind == "money":
        return money_text(value, currency)
    if kind == "mult":
        return mult_text(value)
    if kind == "bool":
        return "on" if value else ""
    return str(value)


def _get(data: dict, path: str):
    for part in path.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def fits_form(config: ProgramConfig) -> bool:
    """Whether every list fits the form's rows (a longer one would be cut off when the form is saved)."""
    data = config.model_dump(mode="json")
    return all(len(_get(data, path)) + BLANK_ROWS[path] <= MAX_ROWS for path in LISTS)


def to_form(config: ProgramConfig, currency: str) -> RulesForm:
    """The form's values for a rule set (plus blank rows to add to each list); see fits_form."""
    data = config.model_dump(mode="json")
    values: dict[str, str] = {}
    rows: dict[str, int] = {}
    for path, fields in LISTS.items():
        items = _get(data, path)
        if path in DICT_LISTS:
            items = [{"key": key, "factor": factor} for key, factor in items.items()]
        for i, item in enumerate(items):
            for name, kind in fields.items():
                values[f"{path}.{i}.{name}"] = _show(kind, item.get(name), currency)
        rows[path] = len(items) + BLANK_ROWS[path]
    for path, kind in SCALARS.items():
        values[path] = _show(kind, _get(data, path), currency)
    return RulesForm(values=values, rows=rows)


def with_blank_rows(form: RulesForm) -> RulesForm:
    """A form read back (with its typed values) keeps its rows and offers blank ones again."""
    for path, fields in LISTS.items():
        used = [i for i in range(MAX_ROWS) if not _row_is_blank(form.values, f"{path}.{i}", fields)]
        form.rows[path] = max(form.rows.get(path, 0), (max(used) + 1 if used else 0) + BLANK_ROWS[path])
    return form


# --- form → document -----------------------------------------------------------------------------------------------

def _slug(text: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
    return slug if CODE.match(slug) else fallback


@dataclass
class _Reading:
    currency: str
    locale: str
    errors: dict[str, str] = field(default_factory=dict)
    # For each list, the form row each kept document item came from (removed and blank rows are skipped).
    origin: dict[str, list[int]] = field(default_factory=dict)

    def fail(self, name: str, key: str, **values) -> None:
        if name not in self.errors:
            self.errors[name] = f"{label(name, self.locale)}：{t(key, self.locale, **values)}" \
                if self.locale == "zh" else f"{label(name, self.locale)}: {t(key, self.locale, **values)}"

    def read(self, values: Mapping[str, str], name: str, kind: str, choices: tuple[str, ...] = ()):
        """The typed value, or None when blank (the document's default) or unreadable (an error is noted)."""
        if kind == "bool":
            return bool(values.get(name))
        text = (values.get(name) or "").strip()
        if not text:
            return None
        try:
            return _read(kind, text, self.currency, choices)
        except FieldError as exc:
            self.fail(name, exc.key, **exc.values)
            return None


def _row_is_blank(values: Mapping[str, str], prefix: str, fields: dict[str, str]) -> bool:
    return not any((values.get(f"{prefix}.{name}") or "").strip() for name, kind in fields.items()
                   if kind != "choice")


def _read_list(reading: _Reading, values: Mapping[str, str], path: str) -> list[dict]:
    fields = LISTS[path]
    items, origin = [], []
    for i in range(MAX_ROWS):
        prefix = f"{path}.{i}"
        if values.get(f"{prefix}.remove") or _row_is_blank(values, prefix, fields):
            continue
        item = {}
        for name, kind in fields.items():
            value = reading.read(values, f"{prefix}.{name}", kind, CHOICES.get(name, ()))
            if value is not None:
                item[name] = value
        items.append(item)
        origin.append(i)
    reading.origin[path] = origin
    return items


def _set(data: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for part in parents:
        data = data.setdefault(part, {})
    data[last] = value


def read_form(values: Mapping[str, str], currency: str, locale: str) -> tuple[ProgramConfig | None, dict[str, str]]:
    """The rule set a submitted form describes, or the errors by input name (in the page's language)."""
    reading = _Reading(currency=currency, locale=locale)
    data: dict = {"earning": {}, "expiry": {}, "qualification": {}, "adjust_limits": {}}
    for path in LISTS:
        items = _read_list(reading, values, path)
        if path in DICT_LISTS:
            _check_factors(reading, path, items)
            items = {item["key"]: item["factor"] for item in items if "key" in item and "factor" in item}
        _set(data, path, items)
    for path, kind in SCALARS.items():
        value = reading.read(values, path, kind, CHOICES.get(path, ()))
        if value is not None or path.startswith("adjust_limits."):
            if value is not None:
                _set(data, path, value)
    _fill_codes(data, reading)
    _check_consistency(data, reading)
    checked = bool(reading.errors)
    try:
        config = ProgramConfig.model_validate(data)
    except ValidationError as exc:
        # Every field pydantic refuses is reported too (all at once, not one per save); its whole-document and
        # whole-row checks repeat the ones above, so they only count when nothing else was found.
        for error in exc.errors():
            if not checked or _names_a_field(error):
                _pydantic_error(reading, error)
        return None, reading.errors
    return (None, reading.errors) if reading.errors else (config, {})


def _names_a_field(error: dict) -> bool:
    loc = error.get("loc", ())
    return bool(loc) and not isinstance(loc[-1], int)


def _fill_codes(data: dict, reading: _Reading) -> None:
    """A new tier or offer typed without a code gets one from its English name (codes stay once stored)."""
    for path, prefix in (("tiers", "tier"), ("offers", "offer")):
        taken = {item.get("code") for item in data[path]}
        for n, item in enumerate(data[path], start=1):
            if "code" not in item and (item.get("name_en") or item.get("name_zh")):
                code = _slug(item.get("name_en", ""), f"{prefix}-{n}")
                while code in taken:
                    code = f"{code[:36]}-{n}"
                    n += 1
                item["code"] = code
                taken.add(code)


def _check_factors(reading: _Reading, path: str, items: list[dict]) -> None:
    seen: dict[str, int] = {}
    for doc_i, item in enumerate(items):
        row = reading.origin[path][doc_i]
        if "key" not in item:
            reading.fail(f"{path}.{row}.key", "rules.err.required")
        elif item["key"] in seen:
            reading.fail(f"{path}.{row}.key", "rules.err.duplicate", n=seen[item["key"]] + 1)
        else:
            seen[item["key"]] = row
        if "factor" not in item:
            reading.fail(f"{path}.{row}.factor", "rules.err.required")


def _check_consistency(data: dict, reading: _Reading) -> None:
    """The document's cross-field rules, reported at the input to change (pydantic names only the document)."""
    tiers, rows = data["tiers"], reading.origin["tiers"]
    if not tiers:
        reading.fail("tiers.0.name_zh", "rules.err.no_tiers")
        return
    codes: dict[str, int] = {}
    for doc_i, tier in enumerate(tiers):
        if tier.get("code") in codes:
            reading.fail(f"tiers.{rows[doc_i]}.code", "rules.err.duplicate", n=codes[tier["code"]] + 1)
        codes.setdefault(tier.get("code"), rows[doc_i])
    first = tiers[0]
    for name in ("min_spend_amount", "min_orders"):
        if first.get(name):
            reading.fail(f"tiers.{rows[0]}.{name}", "rules.err.entry_tier")
    for doc_i in range(1, len(tiers)):
        lower, higher = tiers[doc_i - 1], tiers[doc_i]
        for name in ("min_spend_amount", "min_orders"):
            if higher.get(name, 0) < lower.get(name, 0):
                reading.fail(f"tiers.{rows[doc_i]}.{name}", "rules.err.tier_order",
                             previous=lower.get(f"name_{reading.locale}") or lower.get("code", ""))
    steps, rows = data["ladder"], reading.origin["ladder"]
    for doc_i in range(1, len(steps)):
        if "min_orders" in steps[doc_i] and steps[doc_i]["min_orders"] <= steps[doc_i - 1].get("min_orders", 0):
            reading.fail(f"ladder.{rows[doc_i]}.min_orders", "rules.err.ladder_order")
    offers, rows = data["offers"], reading.origin["offers"]
    codes = {}
    for doc_i, offer in enumerate(offers):
        row = rows[doc_i]
        if offer.get("code") in codes:
            reading.fail(f"offers.{row}.code", "rules.err.duplicate", n=codes[offer["code"]] + 1)
        codes.setdefault(offer.get("code"), row)
        kind = offer.get("kind")
        need = {"percent_off": "percent_off", "amount_off": "amount_off", "gift_for_items": "gift"}.get(kind)
        if need and need not in offer:
            reading.fail(f"offers.{row}.{need}", "rules.err.offer_value")
        if kind == "gift_for_items" and offer.get("min_items", 0) < 1:
            reading.fail(f"offers.{row}.min_items", "rules.err.gift_items")
    promotions, rows = data["earning"]["promotions"], reading.origin["earning.promotions"]
    for doc_i, promotion in enumerate(promotions):
        if "start_on" in promotion and "end_on" in promotion and promotion["end_on"] < promotion["start_on"]:
            reading.fail(f"earning.promotions.{rows[doc_i]}.end_on", "rules.err.end_before_start")


_PYDANTIC = {"missing": "rules.err.required", "greater_than_equal": "rules.err.ge",
             "less_than_equal": "rules.err.le", "string_too_short": "rules.err.required",
             "string_too_long": "rules.err.too_long", "too_short": "rules.err.required",
             "literal_error": "rules.err.choice"}


def _pydantic_error(reading: _Reading, error: dict) -> None:
    """A pydantic error at the input its location names (list indexes mapped back to the form's rows)."""
    loc = [str(part) for part in error.get("loc", ())]
    name = ".".join(loc)
    for path in LISTS:
        parts = path.split(".")
        if loc[:len(parts)] == parts and len(loc) > len(parts) and loc[len(parts)].isdigit():
            doc_i = int(loc[len(parts)])
            rows = reading.origin.get(path, [])
            row = rows[doc_i] if doc_i < len(rows) else doc_i
            rest = loc[len(parts) + 1:]
            name = ".".join([path, str(row), *(rest or [next(iter(LISTS[path]))])])
    if name == "tiers":
        name = "tiers.0.name_zh"
    ctx = error.get("ctx") or {}
    key = _PYDANTIC.get(error.get("type", ""))
    if loc and loc[-1] == "code" and error.get("type") == "value_error":
        key = "rules.err.code"
    if key is None:
        reading.fail(name or "rules", "rules.err.invalid", message=error.get("msg", "").removeprefix("Value error, "))
        return
    limit = ctx.get("ge", ctx.get("le", ctx.get("max_length", "")))
    field_kind = _kind(name)
    if field_kind == "money" and isinstance(limit, int):
        limit = money_text(limit, reading.currency)
    elif field_kind == "mult" and isinstance(limit, int):
        limit = mult_text(limit)
    reading.fail(name, key, limit=limit)


def _kind(name: str) -> str | None:
    if name in SCALARS:
        return SCALARS[name]
    for path, fields in LISTS.items():
        if name.startswith(path + "."):
            return fields.get(name.rsplit(".", 1)[-1])
    return None


def label(name: str, locale: str) -> str:
    """The field's name as the form shows it: 'Tier 2 · Spend to qualify' for tiers.1.min_spend_amount."""
    for path in LISTS:
        match = re.fullmatch(re.escape(path) + r"\.(\d+)\.(\w+)", name)
        if match:
            row, part = int(match.group(1)) + 1, match.group(2)
            return (f"{t('rules.row.' + path, locale)} {row} · "
                    f"{t('rules.field.' + path.split('.')[-1] + '.' + part, locale)}")
    if name.startswith("adjust_limits."):
        return f"{t('rules.field.adjust_limits', locale)} · {t('role.' + name.split('.', 1)[1], locale)}"
    return t("rules.field." + name, locale)
