"""Parsing the sample files without a database: grouping, line numbers, money, times, encodings."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook

from shopcx.imports.errors import ImportFileError
from shopcx.imports.formats import cdnow, generic, get_format, online_retail, shopify, taobao
from shopcx.imports.formats.base import Context, Parsers
from shopcx.imports.formats.customers import lunar
from shopcx.imports.formats.fields import excel_text
from shopcx.imports.formats.source import Table, detect_encoding

from .helpers import SAMPLES


def parse(module, path, tz="Asia/Shanghai", currency="CNY"):
    return module.parse(Table(path, module.DELIMITER), Context(currency=currency, parsers=Parsers(tz), source="t"))


def by_id(parsed):
    return {head.external_id: (head, lines) for head, lines in parsed.orders}


def test_generic_groups_lines_by_order_in_file_order():
    parsed = parse(generic, SAMPLES / "generic.csv")
    orders = by_id(parsed)
    assert list(orders) == ["G1001", "G1002", "G1003", "G1004", "G1005"]
    head, lines = orders["G1004"]
    # Identical lines stay separate lines; each keeps its file line number (header = line 1).
    assert [(line[0], line[1], line[4], line[6]) for line in lines] == [
        (6, "TEA-7", 2, 25600), (7, "CUP-1", 1, 4990), (8, "CUP-1", 1, 4990)]
    assert head.placed_at == datetime(2026, 3, 4, 1, 30, tzinfo=UTC)  # +08:00 in the file
    first, _ = orders["G1001"]
    assert first.placed_at == datetime(2026, 3, 1, 2, 15, tzinfo=UTC)  # shop time Asia/Shanghai
    assert (first.shipping_amount, first.discount_amount, first.customer_phone) == (800, 500, "+8613800138000")
    assert orders["G1003"][0].customer_key is None  # guest
    assert parsed.total_rows == 8 and parsed.rejects == []


def test_taobao_gb18030_ids_statuses_and_discount():
    parsed = parse(taobao, SAMPLES / "taobao.csv")
    assert parsed.encoding == "gb18030"
    orders = by_id(parsed)
    head, lines = orders["3021458866120538"]  # ="…" guard removed
    assert head.status == "completed" and head.customer_key == "tb_buyer_88"
    assert [line[4:] for line in lines] == [(2, 4990, 9980), (1, 3990, 3990)]
    assert (head.paid_amount, head.discount_amount) == (12970, 1000)
    assert head.tracking_no == "75312345678901" and head.carrier == "中通快递"
    assert (head.ship_province, head.ship_city) == ("浙江省", "杭州市")
    assert orders["3021458866120539"][0].status == "paid"
    assert orders["3021458866120539"][0].customer_phone is None  # masked 138****5678
    assert orders["3021458866120540"][0].status == "pending"
    closed = orders["3021458866120541"][0]
    assert (closed.status, closed.refunded_amount) == ("refunded", 12800)
    assert orders["3021458866120542"][0].status == "shipped"


def test_shopify_order_fields_come_from_the_first_row():
    orders = by_id(parse(shopify, SAMPLES / "shopify.csv", currency="USD"))
    head, lines = orders["#1001"]
    assert (head.status, head.currency, head.paid_amount, head.shipping_amount) == ("shipped", "USD", 5900, 500)
    assert head.customer_key == "ada@example.com" and head.accepts_marketing is True
    assert [line[1] for line in lines] == ["MUG-BLUE", "TEAPOT-1"]
    assert orders["#1002"][0].placed_at == datetime(2026, 2, 12, 23, 30, tzinfo=UTC)  # -0500
    assert orders["#1003"][0].refunded_amount == 1200
    assert (orders["#1004"][0].status, orders["#1004"][0].customer_key) == ("cancelled", None)


def test_online_retail_kinds_guests_duplicates_and_sub_penny_prices():
    orders = by_id(parse(online_retail, SAMPLES / "online_retail_small.csv", tz="Europe/London", currency="GBP"))
    head, lines = orders["700101"]
    assert head.customer_key == "19001"  # written 19001.0
    assert [line[0] for line in lines] == [2, 3, 5]  # the invoice is not contiguous; the copy on line 5 is kept
    assert orders["C700103"][0].kind == "return" and orders["C700103"][1][0][6] == -2750
    assert orders["A700104"][0].kind == "adjustment"
    assert orders["700102"][0].customer_key is None
    assert orders["700102"][0].placed_at == datetime(2010, 12, 1, 8, 27, tzinfo=UTC)  # earliest line
    assert orders["700105"][1][0][2] == "90005"  # no description: the stock code names it
    assert orders["700106"][1][0][5:] == (0, 0)  # 0.001 GBP rounds half-even to 0 pence


def test_cdnow_one_order_per_purchase_with_a_stable_id():
    parsed = parse(cdnow, SAMPLES / "cdnow_small.txt", tz="America/New_York", currency="USD")
    ids = [head.external_id for head, _ in parsed.orders]
    assert ids[:3] == ["90001-19970101-1", "90002-19970112-1", "90002-19970112-2"]
    head, lines = parsed.orders[2]
    assert head.placed_at == datetime(1997, 1, 12, 5, 0, tzinfo=UTC)
    assert lines[0][4:] == (5, 1540, 7700)


def test_a_bad_line_rejects_its_whole_order_with_reasons():
    parsed = parse(generic, SAMPLES / "broken.csv")
    assert sorted(head.external_id for head, _ in parsed.orders) == ["B1", "B10", "B6"]
    rejects = {line_no: (field, reason, raw) for line_no, field, reason, raw in parsed.rejects}
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert rejects[4][:2] == ("quantity", "line 4: quantity 'abc' is not a whole number")
    assert rejects[5][:2] == ("order_id", "line 5: order_id is missing")
    assert "line 8 is bad" in rejects[7][1] and rejects[7][2].startswith("B5,")  # sibling keeps its raw line
    assert "wrong encoding" in rejects[10][1] and "刘德华" in rejects[10][2]
    assert parsed.total_rows == 13


def test_xlsx_and_gzip_read_like_csv(tmp_path):
    rows = [line.split(",") for line in (SAMPLES / "online_retail_small.csv").read_text().splitlines()]
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append([float(value) if value.replace(".", "").isdigit() and "." in value else value for value in row])
    book.save(tmp_path / "retail.xlsx")
    (tmp_path / "retail.csv.gz").write_bytes(gzip.compress((SAMPLES / "online_retail_small.csv").read_bytes()))
    expected = by_id(parse(online_retail, SAMPLES / "online_retail_small.csv", "Europe/London", "GBP"))
    for name in ("retail.xlsx", "retail.csv.gz"):
        got = by_id(parse(online_retail, tmp_path / name, "Europe/London", "GBP"))
        assert {k: [line[4:] for line in v[1]] for k, v in got.items()} == \
            {k: [line[4:] for line in v[1]] for k, v in expected.items()}
        assert got["700101"][0].customer_key == "19001"


def test_missing_columns_fail_the_file():
    with pytest.raises(ImportFileError) as err:
        parse(online_retail, SAMPLES / "generic.csv")
    assert "InvoiceNo" in err.value.message and err.value.code == "missing_columns"


def test_helpers():
    assert excel_text('="3021458866120538"') == "3021458866120538"
    assert excel_text("'0571") == "0571"
    assert lunar("L8-15") == {"month": 8, "day": 15, "leap_month": False}
    assert lunar("闰4-8") == {"month": 4, "day": 8, "leap_month": True}
    assert detect_encoding("订单编号,买家\n".encode("gb18030") * 3) == "gb18030"
    assert detect_encoding("订单编号,买家\n".encode() * 3 + "坏行\n".encode("gbk")) == "utf-8"
    with pytest.raises(Exception) as err:
        get_format("ebay")
    assert "generic, taobao, shopify, online-retail, cdnow" in str(err.value)


def test_tab_separated_files_and_damaged_gzip(tmp_path):
    (tmp_path / "tabs.csv").write_text("order_id\tplaced_at\tsku\tquantity\tunit_price\n"
                                       "X1\t2026-01-01 10:00\tA\t1\t2.50\n"
                                       "X2\t2026-01-01\tB\tzwei\t1\n", encoding="utf-8")
    parsed = parse(generic, tmp_path / "tabs.csv")
    assert [line[4:] for line in parsed.orders[0][1]] == [(1, 250, 250)]
    assert parsed.rejects[0][3] == "X2\t2026-01-01\tB\tzwei\t1"  # the raw line keeps its tabs
    whole = (SAMPLES / "generic.csv").read_bytes() * 50
    (tmp_path / "bad.csv.gz").write_bytes(gzip.compress(whole)[:-40])  # cut short: no end-of-stream marker
    with pytest.raises(ImportFileError) as err:
        parse(generic, tmp_path / "bad.csv.gz")
    assert err.value.code == "file_unreadable"
