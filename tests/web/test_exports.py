"""Excel exports of the staff lists: what a seller opens in Excel or WPS (frozen header, filters, widths, money and
local dates as numbers), contacts masked by role, nothing that runs as a formula, long lists in the background."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from shopcx.customers import service as customers
from shopcx.customers.schemas import CustomerIn
from shopcx.staff.models import AuditLog
from shopcx.web import exports

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _book(response):
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == XLSX
    assert response.headers["content-disposition"].startswith('attachment; filename="shopcx-')
    return load_workbook(io.BytesIO(response.content))


def _rows(sheet) -> list[dict]:
    values = list(sheet.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_customer_export_opens_as_a_real_spreadsheet(login, shop_data, session):
    owner = login("owner", locale="zh")
    book = _book(owner.get("/customers/export.xlsx"))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:M{sheet.max_row}"
    assert sheet.column_dimensions["E"].width >= 20  # e-mail
    assert [c.font.b for c in sheet[1]] == [True] * 13
    rows = {r["姓名"]: r for r in _rows(sheet)}
    wang = rows["王小明"]
    assert wang["手机"] == "+8613800138000" and wang["邮箱"] == "wang.xm@example.com"  # the owner sees contacts (E.164)
    assert wang["订单数"] == 2
    # Sale orders paid: 2×49.90 + 128.00 and 3×128.00, in yuan with two decimals (the list's currency).
    paid_cell = next(c for c in sheet["J"] if c.value == wang["累计实付"])
    assert wang["累计实付"] == pytest.approx(611.80) and paid_cell.number_format == "#,##0.00"
    assert isinstance(wang["最近下单"], datetime)  # a date Excel can sort, in the shop's local time
    assert wang["最近下单"] == datetime(2026, 4, 10, 10, 0)  # 02:00 UTC is 10:00 in Shanghai
    assert session.query(AuditLog).filter_by(action="export.run", entity_id="customers").count() == 1


def test_contacts_are_masked_for_roles_without_pii_and_filters_apply(login, shop_data):
    analyst = login("analyst", locale="en")
    rows = _rows(_book(analyst.get("/customers/export.xlsx", params={"tag": "VIP"})).active)
    assert [r["Name"] for r in rows] == ["王小明"]
    assert "13800138000" not in str(rows[0]["Phone"]) and "****" in rows[0]["Phone"]
    assert rows[0]["Email"] != "wang.xm@example.com"


@pytest.mark.parametrize("name", ["=1+1", "=HYPERLINK(\"http://evil.example\",\"x\")", "+SUM(A1)", "-2+3",
                                  "@cmd", "\tTAB"])
def test_a_name_that_looks_like_a_formula_stays_text(login, session, name):
    customers.upsert_customer(session, CustomerIn(name=name), actor=None)
    session.flush()
    owner = login("owner")
    book = _book(owner.get("/customers/export.xlsx"))
    cells = [row[1] for row in book.active.iter_rows(min_row=2)]
    assert [c.data_type for c in cells] == ["s"]  # text, never a formula
    assert cells[0].value == name and cells[0].quotePrefix


def test_a_long_export_runs_in_the_background_and_only_its_owner_downloads_it(client, login, shop_data,
                                                                               monkeypatch):
    monkeypatch.setattr(exports, "INLINE_ROWS", 1)
    monkeypatch.setattr(exports, "PAGE_ROWS", 2)  # several pages of rows
    monkeypatch.setattr(exports, "runner", exports.write_in_background)  # finish inside the request
    owner = login("owner", locale="en")
    started = owner.get("/customers/export.xlsx")
    assert started.status_code == 202 and "Export: Customers" in started.text
    job_id = started.text.split('href="/exports/')[1].split("/file")[0]
    status = owner.htmx_get(f"/exports/{job_id}", target="export-status")
    assert 'data-status="done"' in status.text and "3 of 3 rows written" in status.text
    rows = _rows(_book(owner.get(f"/exports/{job_id}/file")).active)
    assert sorted(r["Name"] for r in rows) == ["Alice Smith", "李四", "王小明"]
    client.cookies.clear()
    other = login("manager", username="another-manager")
    assert other.get(f"/exports/{job_id}/file").status_code == 404
    assert other.get("/exports/../../secret").status_code == 404


def test_order_export_has_money_per_currency_and_local_times(login, shop_data):
    manager = login("manager", locale="en")
    rows = {r["Order"]: r for r in _rows(_book(manager.get("/orders/export.xlsx")).active)}
    assert set(rows) == {"T20260301001", "T20260410002", "#1001"}
    tmall, intl = rows["T20260301001"], rows["#1001"]
    assert tmall["Currency"] == "CNY" and tmall["Refunded"] == pytest.approx(49.90)
    assert tmall["Placed"] == datetime(2026, 3, 1, 10, 0)  # Shanghai
    assert intl["Currency"] == "GBP" and intl["Paid"] == pytest.approx(15.00)
    assert intl["Placed"] == datetime(2026, 4, 2, 3, 0)  # London, summer time
    assert intl["Status"] == "Paid" and tmall["Kind"] == "Sale"
    only = _rows(_book(manager.get("/orders/export.xlsx", params={"shop": shop_data["intl"].id})).active)
    assert [r["Order"] for r in only] == ["#1001"]
    bad = manager.get("/orders/export.xlsx", params={"date_from": "yesterday"})
    assert bad.status_code == 422 and "date_from" in bad.text
