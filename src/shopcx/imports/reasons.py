"""Reject reasons in the reader's language. The parsers store each reason as one English line
("line 3: placed_at 'x' is not a date and time (use …)"), shaped by the few sentences in formats/; here each shape
is matched to a catalog text (`imports.reason.<key>` in locales/<locale>.reasons.json) with the line, the column and
the value filled in. A reason of no known shape still reads in the page's language: the line, the column and
"cannot be used". tests/imports/test_reasons.py renders each shape in both languages.
"""

from __future__ import annotations

import re

from ..core import i18n

_LINE = re.compile(r"^line (?P<line>\d+): (?P<rest>.*)$", re.S)
_ORDER_LINE = re.compile(r"^order (?P<order>.+?) not imported: its line (?P<other>\d+) is bad \((?P<why>.*)\)$", re.S)
_ORDER = re.compile(r"^order (?P<order>.+?) not imported: (?P<why>.*)$", re.S)
_V = r"'(?P<value>.*)'"
# A reason written in both languages at once ("quantity 0 on a sale line must be 1 or more / 销售行数量必须大于 0").
_BOTH = re.compile(r"^(?P<en>[^/]*?) / (?P<zh>[^/]*[\u4e00-\u9fff][^/]*)$", re.S)
# (catalog key, pattern of the English sentence after "line N: "); the first match wins.
SHAPES: tuple[tuple[str, re.Pattern], ...] = tuple((key, re.compile(pattern, re.S)) for key, pattern in (
    ("missing", r"^(?P<column>[^']+?) is missing(?: on the order's first row.*)?$"),
    ("not_datetime", rf"^(?P<column>.+?) {_V} is not a date and time"),
    ("not_date", rf"^(?P<column>.+?) {_V} is not a date written (?P<format>\S+)$"),
    ("out_of_range", rf"^(?P<column>.+?) {_V} is out of range"),
    ("not_integer", rf"^(?P<column>.+?) {_V} is not a whole number$"),
    ("not_money", rf"^(?P<column>.+?) {_V} is not an amount of money$"),
    ("too_long", rf"^(?P<column>.+?):? {_V} is longer than (?P<size>\d+) characters$"),
    ("too_long", r"^(?P<column>[^']+?) is longer than (?P<size>\d+) characters$"),
    ("not_phone", rf"^(?P<column>.+?) {_V} is not a phone number$"),
    ("not_email", rf"^(?P<column>.+?) {_V} is not an email address$"),
    ("not_yes_no", rf"^(?P<column>.+?) {_V} is not yes or no$"),
    ("not_currency", rf"^(?P<column>.+?) {_V} is not a three-letter currency code$"),
    ("not_lunar", rf"^(?P<column>lunar_birthday) {_V}"),
    ("not_choice", rf"^(?P<column>.+?) {_V} is not (?:one of|a Taobao order status|female, male)"),
    ("differs", rf"^(?P<column>.+?) {_V} differs from the (?:order|invoice)"),
    ("negative", r"^(?P<column>[^']+?) must not be negative$"),
    ("sku_and_name_missing", r"^sku and product_name are both missing$"),
    ("no_head", r"^no row of this order carries the order's own fields$"),
    ("no_identity", r"^the row has no external_id, phone, email or name"),
    ("refund_negative", r"^its refunded amount (?P<amount>.+) is negative$"),
    ("refund_unpaid", r"^it is (?P<status>\S+) \(never paid\) but reports a refund of (?P<amount>.+)$"),
    ("refund_too_large", r"^its refund of (?P<amount>.+) exceeds what was paid \((?P<paid>.+)\)$"),
    ("value_count", r"^has (?P<count>\d+) values; expected"),
    ("unknown_order", rf"^(?P<column>.+?): no order {_V} in shop '(?P<shop>.*)'; import the order first$"),
))


def _sentence(text: str, field: str | None, locale: str) -> str:
    for key, pattern in SHAPES:
        found = pattern.match(text)
        if found:
            return i18n.t(f"imports.reason.{key}", locale, **found.groupdict())
    both = _BOTH.match(text)
    if both:
        return both["zh"] if locale == "zh" else both["en"]
    inner = _ORDER_LINE.match(text)
    if inner:
        return i18n.t("imports.reason.order_line_bad", locale, order=inner["order"], other=inner["other"],
                      why=_sentence(inner["why"], field, locale))
    inner = _ORDER.match(text)
    if inner:
        return i18n.t("imports.reason.order_not_imported", locale, order=inner["order"],
                      why=_sentence(inner["why"], field, locale))
    if field:
        return i18n.t("imports.reason.unusable_column", locale, column=field)
    return i18n.t("imports.reason.unusable_row", locale)


def reason_text(reason: str, field: str | None, locale: str) -> str:
    """A stored reject reason as the reader reads it: '第 3 行：“placed_at”的值“x”不是日期时间…'."""
    found = _LINE.match(reason or "")
    if not found:
        return _sentence(reason or "", field, locale)
    return i18n.t("imports.reason.at_line", locale, line=found["line"],
                  text=_sentence(found["rest"], field, locale))
