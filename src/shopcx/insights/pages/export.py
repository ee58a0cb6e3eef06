"""Excel exports of the customer-value pages: bold header, numbers as numbers, money in major units."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import NotFound
from ...core.money import exponent
from ...core.security import mask_email, mask_phone
from ...core.spreadsheet import xlsx_cell
from ...web import exports
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.templating import SECURITY_HEADERS
from .. import service as insights
from .format import major, segment_slug

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])

EXPORTS = ("scores", "at_risk", "key_customers", "rfm", "cohorts")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_ROWS = 1_048_575  # Excel's row limit less the header; longer exports continue on another sheet
_PII = {"phone": mask_phone, "email": mask_email}
PERCENT_COLUMNS = frozenset({"p_alive", "churn_risk"})
# Columns whose codes are shown as their labels (Champions -> 冠军客户).
LABELS = {"stage": "insights.stage", "segment": "insights.segment", "kind": "insights.export_kind",
          "measure": "insights.export_measure"}


def column_title(name: str, currency: str, locale: str) -> str:
    """A column's header in the viewer's language; money columns name the currency ('12 个月 CLV (CNY)')."""
    if name.startswith("month_") and name[6:].isdigit():
        return i18n.t("insights.col.month_n", locale, n=name[6:])
    base = name[:-len("_amount")] if name.endswith("_amount") else name
    key = f"insights.col.{base}"
    title = i18n.t(key, locale) if i18n.has(key, locale) else name
    return f"{title} ({currency})" if name.endswith("_amount") else title


def _label(prefix: str, value, locale: str):
    key = f"{prefix}.{segment_slug(value) if prefix == 'insights.segment' else value}"
    return i18n.t(key, locale) if i18n.has(key, locale) else value


class _Cells:
    """How one export's values become Excel cells: labels translated, money in major units, shares as %."""

    def __init__(self, header: list[str], currency: str, locale: str, reveal_pii: bool):
        self.header, self.currency, self.locale, self.reveal_pii = header, currency, locale, reveal_pii
        places = exponent(currency)
        self.money_format = "#,##0" if places == 0 else "#,##0." + "0" * places

    def value(self, name: str, value, row_kind: str | None):
        """(cell value, number format or None) for column `name`; `row_kind` is a cohort row's measure."""
        if value is None:
            return None, None
        if name.endswith("_amount") or (row_kind == "revenue" and name.startswith("month_")):
            return major(value, self.currency), self.money_format
        if name in PERCENT_COLUMNS or (row_kind == "retention" and name.startswith("month_")):
            return float(value), "0.0%"
        if name in _PII and not self.reveal_pii:
            return _PII[name](value), None
        if name in LABELS:
            label = _label(LABELS[name], value, self.locale)
            return (f"{label} ({self.currency})" if name == "measure" and value == "revenue" else label), None
        if isinstance(value, datetime):
            return clock.as_utc(value).replace(tzinfo=None), None
        if isinstance(value, float):
            return value, "0.00"
        if isinstance(value, date | int | Decimal | str | bool):
            return value, None
        return str(value), None

    def row(self, sheet, row: tuple) -> list:
        kind = row[self.header.index("measure")] if "measure" in self.header else None
        cells = []
        for name, raw in zip(self.header, row, strict=False):
            value, number_format = self.value(name, raw, kind)
            cell = xlsx_cell(sheet, value)  # a customer named '=HYPERLINK(...)' stays text
            if number_format:
                cell.number_format = number_format
            cells.append(cell)
        return cells


def workbook_file(title: str, header: list[str], rows: Iterable[tuple], *, currency: str, locale: str,
                  reveal_pii: bool):
    """The rows as an .xlsx in a temporary file (rewound), written row by row in openpyxl's write-only mode."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    cells = _Cells(header, currency, locale, reveal_pii)

    def new_sheet(number: int):
        sheet = book.create_sheet(title if number == 1 else f"{title} ({number})")
        titles = []
        for name in header:
            cell = xlsx_cell(sheet, column_title(name, currency, locale))
            cell.font = bold
            titles.append(cell)
        sheet.append(titles)
        sheet.freeze_panes = "A2"
        return sheet

    sheets, sheet, written = 1, new_sheet(1), 0
    for row in rows:
        if written == SHEET_ROWS:
            sheets, written = sheets + 1, 0
            sheet = new_sheet(sheets)
        sheet.append(cells.row(sheet, row))
        written += 1
    target = tempfile.TemporaryFile()
    book.save(target)
    target.seek(0)
    return target


def _chunks(handle, size: int = 1 << 16) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(size):
            yield chunk


@router.get("/insights/export/{which}.xlsx")
def export(request: Request, which: str, run: str = "", viewer: Viewer = Depends(require("customers:read")),
           session: Session = PageSession):
    """One analysis table as an Excel workbook (contacts masked for roles without 'pii')."""
    from .reports import chosen_run

    if which not in EXPORTS:
        raise NotFound("export_not_found", f"which: there is no export '{which}'", field="which")
    chosen = chosen_run(session, run)
    if chosen is None:
        raise NotFound("analysis_run_not_found", "there is no analysis yet; run `shopcx analyze` first")
    header, rows = insights.export_rows(session, chosen, which)
    title = i18n.t(f"insights.export_{which}", viewer.locale)[:24]
    shown = [name for name in _PII if name in header] if viewer.can("pii") else []
    seen: set = set()
    if shown and "customer_id" in header:
        at = list(header).index("customer_id")
        rows = exports.counting(rows, lambda row: row[at], seen)
    handle = workbook_file(title, list(header), rows, currency=chosen.currency, locale=viewer.locale,
                           reveal_pii=viewer.can("pii"))
    if shown:  # the at-risk and key-customer lists with their contacts: one PII view for the file
        exports.log_view(session, viewer.actor.label, f"insights_{which}", seen, shown, request.url.path)
    filename = f"shopcx-{which.replace('_', '-')}-{chosen.as_of_on.isoformat()}.xlsx"
    return StreamingResponse(_chunks(handle), media_type=XLSX, headers=SECURITY_HEADERS | {
        "Content-Disposition": f'attachment; filename="{filename}"'})
