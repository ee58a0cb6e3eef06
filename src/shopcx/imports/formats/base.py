"""What every format produces: complete orders whose lines keep their file line numbers, and rejected lines.

A format reads rows and feeds a `Collector`; `Collector.finish()` returns the orders and the rejects.
One bad line rejects its whole order (every line, each saying which sibling line was bad): storing the
good lines of a half order would make its totals wrong, and since an order that exists is left as it is
on the next import, the missing lines could never be added by fixing the file and importing it again.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from ...core import clock
from ...core.errors import InvalidInput
from ...core.money import exponent, format_minor, line_total_minor, to_decimal, to_minor
from ...orders.rules import PAID_STATUSES
from ..errors import ImportFileError
from .source import Row, Table, raw_of

# (line_no, sku, name, category, quantity, unit_price_amount, total_amount); money in minor units.
Line = tuple[int, str | None, str | None, str | None, int, int, int]
# (line_no, field, reason, raw); the reason starts with "line N: ".
Reject = tuple[int, str | None, str, str | None]

MAX_QUANTITY = 1_000_000_000
# Far above any real price or order, far below BIGINT (9.2e18): a number beyond is a typo or an attack.
MAX_AMOUNT = 10**15


class RowError(Exception):
    """A value in one row that cannot be used; `field` is the file's column name."""

    def __init__(self, field: str | None, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(slots=True)
class OrderHead:
    """The order-level fields of one order as the file states them (money in minor units, times in UTC)."""

    external_id: str
    placed_at: datetime
    kind: str = "sale"
    # An order-level report states no lines: the goods total is the file's, and the order is marked so that
    # product figures know it is missing (revenue still counts it).
    lines_missing: bool = False
    goods_amount: int | None = None
    status: str = "completed"
    currency: str | None = None
    customer_key: str | None = None  # the buyer's id in the format's identity source; None = guest
    customer_name: str | None = None
    customer_phone: str | None = None
    customer_email: str | None = None
    customer_country: str | None = None
    customer_province: str | None = None
    customer_city: str | None = None
    accepts_marketing: bool | None = None
    buyer_name: str | None = None
    ship_country: str | None = None
    ship_province: str | None = None
    ship_city: str | None = None
    buyer_note: str | None = None
    paid_at: datetime | None = None
    completed_at: datetime | None = None
    shipping_amount: int = 0
    discount_amount: int = 0
    paid_amount: int | None = None  # None: goods + shipping − discount
    refunded_amount: int = 0
    tax_amount: int = 0
    taxes_included: bool = True  # False: the tax was added on top of the prices (part of paid, not of goods)
    carrier: str | None = None
    tracking_no: str | None = None
    shipped_at: datetime | None = None


class Lines(list):
    """An order's lines, refusing the file once one order passes the per-order limit (a zip bomb of one order
    with a million lines would otherwise be collected in memory before anything could refuse it)."""

    __slots__ = ("key",)
    limit = 10_000  # set from the settings by each Collector

    def append(self, line: Line) -> None:
        if len(self) >= Lines.limit:
            raise ImportFileError("order_too_long", f"line {line[0]}: order {self.key} has more than {Lines.limit:,} "
                                  "lines (SHOPCX_IMPORT_MAX_ORDER_LINES); no real order has so many, the file is "
                                  f"refused / 订单 {self.key} 超过 {Lines.limit:,} 行，文件被拒绝", field="file")
        super().append(line)


class Pending:
    """An order being collected: its head (once a row carried it), its lines and its bad lines."""

    __slots__ = ("head", "lines", "bad", "problem", "mark", "line_no")

    def __init__(self, head: OrderHead | None, key: str = "", line_no: int = 0):
        self.head = head
        self.line_no = line_no  # the row of an order-level report (an order with no lines)
        self.lines: list[Line] = Lines()
        self.lines.key = key
        self.bad: list[Reject] | None = None
        self.problem: tuple[int, str] | None = None  # (line_no, message) of an order-level problem
        self.mark: object = None  # the format's own note (e.g. the first row's raw customer id)


@dataclass(frozen=True)
class ShopDefaults:
    """The shop a format's orders go to when no shop is named (created on first import)."""

    code: str
    name: str
    platform: str = "other"
    timezone: str | None = None  # None: the settings' default
    currency: str | None = None  # None: the file's (Shopify) or the settings' default


@dataclass
class Context:
    """What parsing needs to know about the shop: its currency and the parsers in its timezone."""

    currency: str
    parsers: Parsers
    source: str
    region: str | None = None  # the shop's country: phones written without a country code are from there


@dataclass
class Parsed:
    """A whole file, grouped: complete orders in order of first appearance, rejects by line."""

    orders: list[tuple[OrderHead, list[Line]]]
    rejects: list[Reject]
    total_rows: int
    encoding: str | None


def clip(text: str | None, size: int) -> str | None:
    """Text stripped and cut to a column's size; empty becomes None."""
    if not text:
        return None
    text = text.strip()
    return text[:size] if text else None


class TextCache(dict):
    """raw text -> cleaned value, computed once per distinct text (exports repeat ids, SKUs and titles)."""

    # A cleaner that raises (RowError) caches nothing, so the error is raised again for every such row.

    __slots__ = ("clean",)

    def __init__(self, clean: Callable[[str], object]):
        super().__init__()
        self.clean = clean

    def __missing__(self, raw: str):
        value = self[raw] = self.clean(raw)
        return value


class Collector:
    """Groups rows by external order id and keeps what was wrong with them."""

    def __init__(self, table: Table):
        from ...core.settings import get_settings

        Lines.limit = get_settings().import_max_order_lines
        self.table = table
        self.orders: dict[str, Pending] = {}
        self.rejects: list[Reject] = []
        self.rows: Iterator[Row] = iter(())  # the data rows, once the header is read
        self.width = 0  # the header's number of columns; data rows are fitted to it plus one blank cell
        self.where = "line"  # how a reject names its row: "line 7", or "<file> line 7" when files are joined
        # A format whose source records free items and stock write-offs as sale lines (UCI Online Retail, CDNOW)
        # sets this; for the others a sale line of zero or negative quantity or price is refused.
        self.free_lines = False

    def first_row(self) -> Row | None:
        """The file's first non-blank row (the header, for most formats)."""
        self.rows = self.table.rows()
        return next(self.rows, None)

    def push_back(self, row: Row) -> None:
        """Treat a row read by `first_row` as data after all (a headerless file)."""
        self.rows = itertools.chain([row], self.rows)

    def header(self, required: Sequence[str], optional: Sequence[str] = ()) -> dict[str, int]:
        """Column name -> index from the first row; names match without case or surrounding spaces."""
        first = self.first_row()
        if first is None:
            raise ImportFileError("empty_file", "file: there is no header row and no data", field="file")
        line_no, fields, problem = first
        if problem:
            raise ImportFileError("bad_header", f"line {line_no}: the header {problem}", field="header")
        self.width = len(fields)
        found: dict[str, int] = {}
        for index, name in enumerate(fields):
            found.setdefault(_column_key(name), index)
        missing = [name for name in required if _column_key(name) not in found]
        if missing:
            raise ImportFileError("missing_columns", f"line {line_no}: the header lacks the column(s) "
                                  f"{', '.join(missing)}", field="header")
        return {name: found[_column_key(name)] for name in (*required, *optional) if _column_key(name) in found}

    def with_blanks(self, columns: dict[str, int], names: Sequence[str]) -> dict[str, int]:
        """Map every absent column among names to the blank cell `fit` adds after each row's last column."""
        return {**{name: self.width for name in names}, **columns}

    def fit(self, fields: list[str]) -> list[str]:
        """A row cut or padded to the header's width, plus the blank cell absent columns point at."""
        return (fields + [""] * (self.width - len(fields)))[: self.width] + [""]

    def fitted_rows(self) -> Iterator[Row]:
        """The data rows, each fitted to the header's width plus the blank cell (see `fit`)."""
        width = self.width
        for line_no, fields, problem in self.rows:
            if problem and not fields:  # nothing to tell its order by: rejected here, with what was wrong
                self.rejects.append((line_no, None, f"line {line_no}: {problem}"[:255], ""))
                continue
            if len(fields) == width:
                fields.append("")
            else:
                fields = self.fit(fields)
            yield line_no, fields, problem

    def pending(self, key: str, head: OrderHead | None = None) -> Pending:
        order = self.orders.get(key)
        if order is None:
            order = self.orders[key] = Pending(head, key)
        return order

    def reject(self, key: str | None, line_no: int, field: str | None, message: str, fields: list[str]) -> None:
        """Reject one row; with a key its whole order goes with it."""
        reject = (line_no, field, f"{self.where} {line_no}: {message}"[:255], raw_of(fields, self.table.delimiter))
        if not key:
            self.rejects.append(reject)
            return
        order = self.pending(key)
        if order.bad is None:
            order.bad = []
        order.bad.append(reject)

    def finish(self, check: Callable[[OrderHead, list[Line]], str | None] | None = None) -> Parsed:
        """Complete orders and all rejects; `check` may refuse a whole order with a message."""
        orders: list[tuple[OrderHead, list[Line]]] = []
        rejects = list(self.rejects)
        for key, order in self.orders.items():
            if order.bad is None and order.problem is None:
                if order.head is None:  # (an order without lines always has its head)
                    first = order.lines[0][0]
                    order.problem = (first, "no row of this order carries the order's own fields")
                elif (bad := _line_problem(order.head, order.lines, self.free_lines)) is not None:
                    order.problem = (bad[0] or order.line_no, bad[1])  # an order without lines: its own row
                elif (check is not None and (message := check(order.head, order.lines))) or \
                        (message := _money_problem(order.head, order.lines)):
                    order.problem = (order.lines[0][0] if order.lines else order.line_no, message)
                else:
                    orders.append((order.head, order.lines))
                    continue
            rejects.extend(_order_rejects(key, order, self.where))
        wanted = {line_no for line_no, _, _, raw in rejects if raw is None}
        if wanted:
            raws = self.table.raw_lines(wanted)
            rejects = [(n, f, r, raws.get(n) if raw is None else raw) for n, f, r, raw in rejects]
        rejects.sort(key=lambda reject: reject[0])
        # Every data row became a line of an order (an order-level row: the order), or a reject.
        total = sum(len(lines) or 1 for _, lines in orders) + len(rejects)
        return Parsed(orders=orders, rejects=rejects, total_rows=total, encoding=self.table.encoding)


def _line_problem(head: OrderHead, lines: list[Line], free_lines: bool) -> tuple[int, str] | None:
    """(line_no, reason) of the first line no order can hold: a number out of range, or (on a sale) a quantity of
    zero or below, a negative price, or a price of zero on every line. A 0.00 line beside paid ones is a gift
    (赠品), which Chinese platforms list as its own line, and stays."""
    if head.kind == "sale" and not free_lines and lines and all(line[5] == 0 for line in lines):
        price = format_minor(0, head.currency or "CNY")
        return lines[0][0], f"unit price {price} on a sale line must be above zero / 销售行单价必须大于 0"
    for line_no, _, _, _, quantity, unit, total in lines:
        if not -MAX_QUANTITY <= quantity <= MAX_QUANTITY:
            return line_no, f"quantity {quantity} is out of range (at most {MAX_QUANTITY:,}) / 数量超出范围"
        if not -MAX_AMOUNT <= unit <= MAX_AMOUNT or not -MAX_AMOUNT <= total <= MAX_AMOUNT:
            return line_no, (f"the price {format_minor(unit, head.currency or 'CNY')} × {quantity} is out of range "
                             "/ 金额超出范围")
        if head.kind == "sale" and not free_lines:
            if quantity <= 0:
                return line_no, f"quantity {quantity} on a sale line must be 1 or more / 销售行数量必须大于 0"
            if unit < 0:
                price = format_minor(unit, head.currency or "CNY")
                return line_no, f"unit price {price} on a sale line must be above zero / 销售行单价必须大于 0"
    for name in ("shipping_amount", "discount_amount", "paid_amount", "refunded_amount"):
        value = getattr(head, name)
        if value is not None and not -MAX_AMOUNT <= value <= MAX_AMOUNT:
            return (lines[0][0] if lines else 0), f"{name} {value} is out of range / 金额超出范围"
    return None


def _money_problem(head: OrderHead, lines: list[Line]) -> str | None:
    """What the order service would refuse about a refund: negative, on an unpaid order, or more than paid."""
    refunded = head.refunded_amount
    if not refunded:
        return None
    if refunded < 0:
        return f"its refunded amount {format_minor(refunded, head.currency)} is negative"
    if head.status not in PAID_STATUSES:
        return f"it is {head.status} (never paid) but reports a refund of {format_minor(refunded, head.currency)}"
    paid = head.paid_amount if head.paid_amount is not None else \
        sum(line[6] for line in lines) + head.shipping_amount - head.discount_amount
    if refunded > paid:
        return (f"its refund of {format_minor(refunded, head.currency)} exceeds what was paid "
                f"({format_minor(paid, head.currency)})")
    return None


def _order_rejects(key: str, order: Pending, where: str = "line") -> Iterable[Reject]:
    bad = order.bad or []
    if bad:
        first_no, _, first_reason, _ = bad[0]
        why = first_reason.split(": ", 1)[1]
        sibling = f"order {key} not imported: its line {first_no} is bad ({why})"
    else:
        problem_no, message = order.problem
        sibling = f"order {key} not imported: {message}"
        bad = [(problem_no, None, f"{where} {problem_no}: {sibling}"[:255], None)]
    yield from bad
    bad_lines = {reject[0] for reject in bad}
    for line in order.lines:
        if line[0] not in bad_lines:
            yield line[0], None, f"{where} {line[0]}: {sibling}"[:255], None


def _column_key(name: str) -> str:
    return name.strip().strip("\ufeff").strip('"').strip().lower()


_SLASHED = re.compile(r"^(\d{1,4})/(\d{1,2})/(\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_FLOAT_ID = re.compile(r"^(\d+)\.0+$")


def _parse_when(text: str) -> datetime:
    """A timestamp: ISO 8601 (with or without offset), 'YYYY/M/D H:MM[:SS]', US 'M/D/YYYY H:MM' or YYYYMMDD."""
    text = text.strip()
    if len(text) == 8 and text.isdigit():
        return datetime(int(text[:4]), int(text[4:6]), int(text[6:]))
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _SLASHED.match(text)
    if match is None:
        raise ValueError(text)
    a, b, c, hh, mm, ss = match.groups()
    if len(a) == 4:
        year, month, day = int(a), int(b), int(c)
    elif len(c) == 4:
        month, day, year = int(a), int(b), int(c)
    else:
        raise ValueError(text)
    return datetime(year, month, day, int(hh or 0), int(mm or 0), int(ss or 0))


class Parsers:
    """Field parsers memoised per distinct text: exports repeat the same timestamps and prices endlessly."""

    def __init__(self, tz: str):
        self.tz = tz
        ZoneInfo(tz)
        self.when_cache: dict[str, datetime] = {}
        # UTC offsets the file's timestamps state, with a few UTC instants of each (a new shop's timezone).
        self.offsets: dict[timedelta, list[datetime]] = {}
        self._prices: dict[str, dict[str, tuple[int, Decimal | None]]] = {}
        self._amounts: dict[str, dict[str, int]] = {}
        self._ids: dict[str, str] = {}

    def when(self, text: str, field: str) -> datetime:
        """A timestamp in UTC; a time without offset is the shop's local time."""
        found = self.when_cache.get(text)
        if found is None:
            try:
                value = _parse_when(text)
            except ValueError:
                if not text.strip():
                    raise RowError(field, f"{field} is missing") from None
                raise RowError(field, f"{field} '{text}' is not a date and time (use YYYY-MM-DD HH:MM:SS)") from None
            if not 1970 <= value.year <= 2100:
                raise RowError(field, f"{field} '{text}' is out of range (years 1970–2100)")
            found = self.when_cache[text] = clock.to_utc(value, self.tz)
            if value.tzinfo is not None:
                seen = self.offsets.setdefault(value.utcoffset(), [])
                if len(seen) < 64:
                    seen.append(found)
        return found

    def maybe_when(self, text: str, field: str) -> datetime | None:
        return self.when(text, field) if text and text.strip() else None

    def whole(self, text: str, field: str) -> int:
        """A whole number ('6', ' 6 ', '6.0'); anything else is an error naming the field."""
        try:
            value = int(text)
        except ValueError:
            try:
                number = Decimal(text.strip().replace(",", ""))
            except InvalidOperation:
                number = None
            if number is None or not number.is_finite() or number != number.to_integral_value():
                if not text.strip():
                    raise RowError(field, f"{field} is missing") from None
                raise RowError(field, f"{field} '{text}' is not a whole number") from None
            value = int(number)
        if not -MAX_QUANTITY <= value <= MAX_QUANTITY:
            raise RowError(field, f"{field} '{text}' is out of range")
        return value

    def amount(self, text: str, currency: str, field: str, *, default: int | None = 0) -> int | None:
        """Money in minor units (half-even below the minor unit); empty gives `default`."""
        if not text or not text.strip():
            return default
        cache = self._amounts.setdefault(currency, {})
        found = cache.get(text)
        if found is None:
            try:
                found = cache[text] = to_minor(text, currency, field)
            except InvalidInput:
                raise RowError(field, f"{field} '{text}' is not an amount of money") from None
        return found

    def price_cache(self, currency: str) -> dict[str, tuple[int, Decimal | None]]:
        """text -> parsed unit price in this currency (for loops that read the cache inline)."""
        return self._prices.setdefault(currency, {})

    def price(self, text: str, currency: str, field: str) -> tuple[int, Decimal | None]:
        """(unit price in minor units, the exact Decimal when it has more places than the minor unit)."""
        cache = self.price_cache(currency)
        found = cache.get(text)
        if found is None:
            if not text or not text.strip():
                raise RowError(field, f"{field} is missing")
            try:
                exact = to_minor_exact(text, currency, field)
            except InvalidInput:
                raise RowError(field, f"{field} '{text}' is not an amount of money") from None
            found = cache[text] = exact
        return found

    def customer_id(self, text: str) -> str:
        """A customer id as text; ids exported as floats ('17850.0') lose the '.0'."""
        found = self._ids.get(text)
        if found is None:
            stripped = text.strip()
            match = _FLOAT_ID.match(stripped)
            found = self._ids[text] = match.group(1) if match else stripped
        return found


def to_minor_exact(text: str, currency: str, field: str) -> tuple[int, Decimal | None]:
    """Unit price in minor units, plus the Decimal when rounding lost something (line totals use it)."""
    value = to_decimal(text, field)
    scaled = value.scaleb(exponent(currency))
    minor = to_minor(value, currency, field)
    return minor, (None if scaled == minor else value)


def line_total(quantity: int, unit: int, exact: Decimal | None, currency: str) -> int:
    """quantity × unit price, rounded once on the exact product (0.001 GBP × 1 → 0 pence)."""
    return quantity * unit if exact is None else line_total_minor(quantity, exact, currency)
