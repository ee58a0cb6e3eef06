"""CDNOW purchase log: whitespace-separated `customer_id date number_of_cds dollar_value`.

Each row is one purchase (an order with one line of `number_of_cds` CDs for `dollar_value` USD). The
header line is optional (CDNOW_master.txt has one). A customer may buy twice on one day, so the order's
external id is `<customer>-<YYYYMMDD>-<n>`, n counting that customer's purchases on that day in file order:
stable when rows are appended, unlike a line number. Dates are the shop's local midnight (America/New_York).
"""

from __future__ import annotations

from decimal import Decimal

from ...core.money import to_minor
from ..errors import ImportFileError
from .base import Collector, Context, OrderHead, Parsed, RowError, ShopDefaults
from .source import Table

NAME = "cdnow"
SOURCE = "cdnow"
DELIMITER = None
DEFAULT_SHOP = ShopDefaults(code="cdnow", name="CDNOW", platform="other", timezone="America/New_York",
                            currency="USD")
COLUMNS = ("customer_id", "date", "number_of_cds", "dollar_value")


def parse(table: Table, ctx: Context) -> Parsed:
    """One order per purchase row."""
    out = Collector(table)
    out.free_lines = True  # the dataset's own zero-price and write-off lines are part of its figures
    first = out.first_row()
    if first is not None and first[1] and not first[1][0].isdigit():
        missing = [name for name in COLUMNS if name not in first[1]]
        if missing:
            raise ImportFileError("missing_columns", f"line {first[0]}: the header lacks the column(s) "
                                  f"{', '.join(missing)}", field="header")
    elif first is not None:
        out.push_back(first)
    parsers, currency = ctx.parsers, ctx.currency
    seen: dict[str, int] = {}
    for line_no, f, problem in out.rows:
        key = None
        try:
            if problem:
                raise RowError(None, problem)
            if len(f) != 4:
                raise RowError(None, f"has {len(f)} values; expected customer_id date number_of_cds dollar_value")
            customer, day, cds, dollars = f
            if len(day) != 8 or not day.isdigit():
                raise RowError("date", f"date '{day}' is not a date written YYYYMMDD")
            if len(customer) > 100:
                raise RowError("customer_id", "customer_id is longer than 100 characters")
            day_key = f"{customer}-{day}"
            n = seen.get(day_key, 0) + 1
            seen[day_key] = n
            key = f"{day_key}-{n}"
            at = parsers.when(day, "date")
            quantity = parsers.whole(cds, "number_of_cds")
            total = parsers.amount(dollars, currency, "dollar_value", default=None)
            if total is None:
                raise RowError("dollar_value", "dollar_value is missing")
            if quantity < 0 or total < 0:
                field = "number_of_cds" if quantity < 0 else "dollar_value"
                raise RowError(field, f"{field} must not be negative")
            unit = to_minor(Decimal(dollars) / quantity, currency) if quantity else total
            head = OrderHead(external_id=key, placed_at=at, status="completed", currency=currency,
                             customer_key=customer, paid_at=at)
            out.pending(key, head).lines.append((line_no, None, "CD", "CD", quantity, unit, total))
        except RowError as exc:
            out.reject(key, line_no, exc.field, exc.message, f)
    return out.finish()
