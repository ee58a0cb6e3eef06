"""The two files of a 千牛 order export imported as a pair, and the order-level report alone."""

from __future__ import annotations

import zipfile

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.customers.models import Customer
from shopcx.imports import service
from shopcx.imports.formats import bundle
from shopcx.orders.models import OrderLine

from .helpers import SAMPLES, count, order, reject_lines, run_import, stats

ORDERS = SAMPLES / "taobao_orders_report.csv"  # GB18030, header names with trailing spaces, Excel guards
ITEMS = SAMPLES / "taobao_items_report.csv"  # UTF-8 with BOM


def pair(tmp_path, name="qianniu.zip"):
    return bundle.pack([ORDERS, ITEMS], tmp_path / name)


def test_the_pair_joins_on_the_order_id_with_line_titles_from_the_item_report(session, tmp_path):
    job = run_import(session, pair(tmp_path), format="taobao")
    # 6 item rows + 1 order without items: orders 0001–0003 stored (4 item rows); 0004 (a bad quantity),
    # 0005 (no item row) and the item of 0009 (not in the 订单报表) rejected.
    assert (job.status, job.total_rows, job.stored_rows, job.rejected_rows) == ("done", 7, 4, 3)
    assert (job.orders_created, job.customers_created) == (3, 2)
    first = order(session, "4102938475610001")
    assert [(line.sku, line.name, line.quantity, line.total_amount) for line in first.lines] == [
        ("CUP-500-BLU", "保温杯 500ml 雾蓝色", 2, 9980), ("MUG-RETRO", "陶瓷马克杯 复古款", 1, 3990)]
    assert (first.goods_amount, first.discount_amount, first.paid_amount, first.status) == (
        13970, 1000, 12970, "completed")
    assert first.lines_missing is False
    assert first.shipments[0].tracking_no == "YT8800012345678"
    buyer = session.get(Customer, first.customer_id)
    assert (buyer.nickname, buyer.phone, buyer.province) == ("星河小铺的回头客", "+8613712345678", "浙江省")
    assert order(session, "4102938475610003").customer_id == first.customer_id
    rejects = [(row.line_no, row.field, row.reason) for row in service.reject_rows(session, job.id)[0]]
    # Line numbers are the 宝贝报表's, except for the order with no item, which is found in the 订单报表.
    assert rejects == [
        (6, "购买数量", "line 6: 购买数量 'two' is not a whole number"),
        (6, "订单编号", "line 6: order 4102938475610005 not imported: the 宝贝报表 (taobao_items_report.csv) has no "
                    "item of it (line 6 of the 订单报表 taobao_orders_report.csv)"),
        (7, None, "line 7: no row of this order carries the order's own fields")]  # 0009 is not in the 订单报表

def test_a_pair_imported_twice_changes_nothing(session, tmp_path):
    run_import(session, pair(tmp_path), format="taobao")
    lines, revenue = count(session, OrderLine), stats(session, "taobao")["net_revenue_minor"]
    again = run_import(session, pair(tmp_path, "again.zip"), format="taobao")
    assert (again.stored_rows, again.unchanged_rows, again.rejected_rows, again.orders_created) == (0, 4, 3, 0)
    assert count(session, OrderLine) == lines and stats(session, "taobao")["net_revenue_minor"] == revenue


def test_each_file_alone(session, tmp_path):
    items_only = run_import(session, ITEMS, format="taobao")
    assert items_only.status == "failed" and "宝贝报表" in items_only.error and "订单报表" in items_only.error
    # The 订单报表 alone: every order, none with lines, each marked as such.
    job = run_import(session, ORDERS, format="taobao")
    assert (job.status, job.total_rows, job.stored_rows, job.rejected_rows) == ("done", 5, 5, 0)
    first = order(session, "4102938475610001")
    assert (first.lines_missing, first.lines, first.goods_amount, first.paid_amount) == (True, [], 13970, 12970)


def test_two_item_reports_are_refused_with_what_was_found(session, tmp_path):
    job = run_import(session, bundle.pack([ITEMS, ITEMS], tmp_path / "two.zip"), format="taobao")
    assert job.status == "failed"
    assert "found taobao_items_report-2.csv (宝贝报表), taobao_items_report.csv (宝贝报表)" in job.error
    job = run_import(session, pair(tmp_path), format="generic")
    assert job.status == "failed" and "reads one file" in job.error


def test_a_zip_made_by_windows_with_gbk_names_and_a_folder(session, tmp_path):
    path = tmp_path / "导出.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(ORDERS, "导出/ExportOrderList202603.csv")
        archive.write(ITEMS, "导出/ExportOrderDetailList202603.csv")
        archive.writestr("__MACOSX/._x", b"junk")
    job = run_import(session, path, format="taobao")
    assert (job.stored_rows, job.rejected_rows) == (4, 3)


def test_the_order_level_report_imports_orders_without_lines(session):
    job = run_import(session, SAMPLES / "taobao_order_level.csv", format="taobao")
    assert (job.total_rows, job.stored_rows, job.rejected_rows, job.orders_created) == (5, 4, 1, 4)
    assert reject_lines(session, job.id)[6] == ("总金额", "line 6: 总金额 'abc' is not an amount of money")
    paid = order(session, "4102938475620001")
    assert (paid.status, paid.lines_missing, paid.goods_amount, paid.paid_amount, paid.discount_amount) == (
        "paid", True, 16800, 15800, 1000)
    assert paid.customer_id is None and paid.ship_province == "江苏省"
    assert order(session, "4102938475620002").status == "refunded"
    assert order(session, "4102938475620003").status == "pending"
    part = order(session, "4102938475620004")
    assert (part.status, part.refunded_amount) == ("paid", 3000)
    figures = stats(session, "taobao")
    # Revenue counts them (158.00 + 0 after the full refund + 76.50 − 30.00); product figures have no line.
    assert figures["net_revenue_minor"] == 15800 + 7650 - 3000 and figures["order_lines"] == 0
    again = run_import(session, SAMPLES / "taobao_order_level.csv", format="taobao")
    assert (again.stored_rows, again.unchanged_rows, again.rejected_rows) == (0, 4, 1)


def test_the_combined_layout_still_works(session):
    job = run_import(session, SAMPLES / "taobao.csv", format="taobao")
    assert (job.stored_rows, job.rejected_rows) == (6, 0)
    assert order(session, "3021458866120538").lines_missing is False


def test_pack_refuses_nothing_but_unpacked_refuses_an_empty_zip(tmp_path):
    path = tmp_path / "empty.zip"
    with zipfile.ZipFile(path, "w"):
        pass
    with pytest.raises(InvalidInput, match="holds no file"), bundle.unpacked(path):
        pass
