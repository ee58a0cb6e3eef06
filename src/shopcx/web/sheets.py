"""Excel workbooks of staff lists: a frozen, bold header with filters, column widths, money in major units with the
currency's decimals, local dates and times, contacts masked for roles without `pii`, and text that could run as a
formula kept as text (core.spreadsheet)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ..core import clock, i18n
from ..core.money import exponent
from ..core.security import mask_email, mask_identity, mask_phone, mask_text
from ..core.spreadsheet import xlsx_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROWS = 1_048_575  # Excel's row limit less the header; longer lists continue on another sheet
KINDS = ("text", "int", "money", "date", "datetime", "percent", "number")
_MASKS = {"phone": mask_phone, "email": mask_email, "identity": mask_identity, "text": mask_text}


@dataclass(frozen=True)
class Column:
    """One column: the row key, its header's label key, how values are shown, its width in characters, and
    `pii` ("phone", "email", "identity": a platform id that may be a contact, "text": contacts inside free text)
    when the value is masked for roles without `pii`. Money columns read the minor units
    from `key` and the currency from the row's `currency` (or the sheet's); times show in the row's `tz` (or the
    sheet's)."""

    key: str
    label: str
    kind: str = "text"
    width: int = 14
    pii: str | None = None


@dataclass
class Sheet:
    """What a list looks like in Excel: its title, columns, the shop's timezone and (default) currency."""

    title: str
    columns: list[Column]
    tz: str = "UTC"
    currency: str = "CNY"
    locale: str = "zh"
    reveal_pii: bool = False
    label_values: dict = field(default_factory=dict)  # placeholders in the column labels ({days})

    def header(self) -> list[str]:
        return [i18n.t(c.label, self.locale, **self.label_values) if i18n.has(c.label, self.locale) else c.label
                for c in self.columns]


def _money_format(currency: str) -> str:
    places = exponent(currency)
    return "#,##0" if places == 0 else "#,##0." + "0" * places


def cell_value(sheet: Sheet, column: Column, row: dict) -> tuple[Any, str | None]:
    """(value, number format) of one cell."""
    value = row.get(column.key)
    if value is None or value == "":
        return None, None
    if column.pii and not sheet.reveal_pii:
        return _MASKS[column.pii](str(value)), None
    if column.kind == "money":
        currency = row.get("currency") or sheet.currency
        places = exponent(currency)
        return (int(value) if places == 0 else int(value) / 10 ** places), _money_format(currency)
    if column.kind == "datetime" and isinstance(value, datetime):
        local = clock.as_utc(value).astimezone(ZoneInfo(row.get("tz") or sheet.tz))
        return local.replace(tzinfo=None), "yyyy-mm-dd hh:mm"
    if column.kind == "date" and isinstance(value, date):
        return (value.date() if isinstance(value, datetime) else value), "yyyy-mm-dd"
    if column.kind == "percent":
        return float(value), "0.0%"
    if column.kind == "int":
        return int(value), "#,##0"
    if column.kind == "number":
        return float(value), "0.00"
    if isinstance(value, bool):
        return i18n.t("common.yes" if value else "common.no", sheet.locale), None
    return str(value), None


def write(sheet: Sheet, rows: Iterable[dict], target: IO[bytes],
          progress: Callable[[int], None] | None = None) -> int:
    """Write the rows as an .xlsx into `target` (openpyxl's write-only mode, row by row); returns the row count.
    `progress(n)` is called every 500 rows."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    last = get_column_letter(len(sheet.columns))

    def new_sheet(number: int):
        ws = book.create_sheet((sheet.title if number == 1 else f"{sheet.title} ({number})")[:31])
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        titles = []
        for title in sheet.header():
            cell = xlsx_cell(ws, title)
            cell.font = bold
            titles.append(cell)
        ws.append(titles)
        return ws

    numbers, ws, on_sheet, written = 1, new_sheet(1), 0, 0
    sizes: list[int] = []
    for row in rows:
        if on_sheet == SHEET_ROWS:
            sizes.append(on_sheet)
            numbers, on_sheet = numbers + 1, 0
            ws = new_sheet(numbers)
        cells = []
        for column in sheet.columns:
            value, number_format = cell_value(sheet, column, row)
            cell = xlsx_cell(ws, value)  # formula-like text stays text
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        ws.append(cells)
        on_sheet += 1
        written += 1
        if progress and written % 500 == 0:
            progress(written)
    sizes.append(on_sheet)
    for ws_, size in zip(book.worksheets, sizes, strict=True):
        ws_.auto_filter.ref = f"A1:{last}{size + 1}"
    book.save(target)
    return written
