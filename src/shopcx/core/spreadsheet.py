"""Cells for CSV and Excel exports that a spreadsheet will never run as a formula (OWASP "CSV injection").

Every export goes through these: a text cell starting with = + - @ (or tab, CR, LF) is a formula or a DDE call
to Excel and LibreOffice. In CSV it is prefixed with an apostrophe (the convention spreadsheets themselves use
for "this is text"); in .xlsx it is stored as a string with the quote-prefix style, so it shows exactly as written
and stays text if the sheet is edited. A plain signed number ("-12.50") is data, not a formula, and is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")  # full-width forms too: Excel folds them
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """True when a spreadsheet could read this text as a formula."""
    if not isinstance(value, str) or not value.startswith(_TRIGGERS):
        return False
    return not _PLAIN_NUMBER.fullmatch(value)


def csv_cell(value: object) -> object:
    """The value, with an apostrophe in front when it would otherwise be a live formula."""
    return "'" + value if is_formula_like(value) else value


def csv_row(values: Iterable[object]) -> list[object]:
    """csv_cell over a whole row (for csv.writer.writerow)."""
    return [csv_cell(v) for v in values]


def xlsx_cell(sheet, value: object):
    """An openpyxl write-only cell holding the value; formula-like text is stored as quote-prefixed text."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
