"""JD, Pinduoduo and Youzan order exports (hand-written samples shaped like the platforms' own files)."""

from __future__ import annotations

from shopcx.customers.models import Customer
from shopcx.orders.models import OrderLine
from shopcx.shops import service as shops

from .helpers import SAMPLES, count, order, reject_lines, run_import, stats


def test_jd_export(session):
    job = run_import(session, SAMPLES / "jd_orders.csv", format="jd")  # GB18030, as the seller centre writes it
    assert (job.status, job.total_rows, job.stored_rows, job.rejected_rows, job.orders_created) == (
        "done", 5, 4, 1, 3)
    shop = shops.get_shop(session, "jd")
    assert (shop.platform, shop.currency, shop.timezone) == ("jd", "CNY", "Asia/Shanghai")
    plates = order(session, "289014563201")
    assert [(line.sku, line.quantity, line.total_amount) for line in plates.lines] == [
        ("PLATE-8-2", 2, 11800), ("BOWL-6", 1, 0)]  # a gift line at 0.00 stays a line
    assert (plates.status, plates.paid_amount, plates.discount_amount) == ("completed", 10800, 1000)
    buyer = session.get(Customer, plates.customer_id)
    assert buyer.phone is None and buyer.name == "钱多多"  # the masked phone 130****2211 is no number
    shipped = order(session, "289014563202")
    assert (shipped.status, shipped.shipping_amount, shipped.buyer_note) == ("shipped", 600, "请用纸箱包装")
    assert order(session, "289014563203").status == "pending"
    assert order(session, "289014563203").customer_id == shipped.customer_id  # one JD account
    assert reject_lines(session, job.id) == {
        6: ("下单时间", "line 6: 下单时间 '2026-04-31 08:00:00' is not a date and time (use YYYY-MM-DD HH:MM:SS)")}
    again = run_import(session, SAMPLES / "jd_orders.csv", format="jd")
    assert (again.stored_rows, again.unchanged_rows, again.rejected_rows) == (0, 4, 1)


def test_pinduoduo_export(session):
    job = run_import(session, SAMPLES / "pinduoduo_orders.csv", format="pinduoduo")
    assert (job.total_rows, job.stored_rows, job.rejected_rows, job.orders_created) == (4, 3, 1, 3)
    towel = order(session, "260405-118833402211567")
    line = towel.lines[0]
    assert (line.sku, line.quantity, line.unit_price_amount, line.total_amount) == ("TOWEL-2-BLU", 2, 1990, 3980)
    # Both discounts (shop 5.00 and platform 3.00) are what the buyer did not pay.
    assert (towel.status, towel.paid_amount, towel.discount_amount) == ("completed", 3180, 800)
    assert towel.customer_id is None  # PDD masks the phone: a guest order
    assert towel.shipments[0].tracking_no == "YT9900011112222"
    wipes = order(session, "260405-118833402211568")
    assert wipes.status == "shipped" and wipes.customer_id is not None
    refunded = order(session, "260405-118833402211569")
    assert (refunded.status, refunded.refunded_amount) == ("refunded", 4500)
    assert refunded.customer_id == wipes.customer_id  # the same unmasked phone
    assert reject_lines(session, job.id)[5] == ("商品数量(件)", "line 5: 商品数量(件) '两' is not a whole number")
    assert stats(session, "pinduoduo")["net_revenue_minor"] == 3180 + 4000
    assert run_import(session, SAMPLES / "pinduoduo_orders.csv", format="pinduoduo").stored_rows == 0


def test_youzan_export(session):
    job = run_import(session, SAMPLES / "youzan_orders.csv", format="youzan")
    assert (job.total_rows, job.stored_rows, job.rejected_rows, job.orders_created, job.customers_created) == (
        5, 4, 1, 3, 2)
    assert shops.get_shop(session, "youzan").platform == "youzan"
    beans = order(session, "E20260410123456789012")
    assert [(line.sku, line.total_amount) for line in beans.lines] == [("COF-YJ-200", 17600), ("COF-DRIP-10", 3900)]
    # No 订单实付金额 column: paid is Σ 商品实际成交金额 + 运费.
    assert (beans.status, beans.paid_amount, beans.discount_amount) == ("completed", 20500, 1000)
    closed = order(session, "E20260411000000000001")
    assert (closed.status, closed.paid_amount, closed.refunded_amount) == ("refunded", 4700, 3900)
    # +86 135-6666-7777 and 13566667777 are one buyer.
    assert closed.customer_id == beans.customer_id
    assert session.get(Customer, beans.customer_id).phone == "+8613566667777"  # stored in E.164
    assert order(session, "E20260412000000000002").status == "pending"
    assert reject_lines(session, job.id)[6] == ("商品单价", "line 6: 商品单价 '八十八' is not an amount of money")
    lines = count(session, OrderLine)
    again = run_import(session, SAMPLES / "youzan_orders.csv", format="youzan")
    assert (again.stored_rows, again.unchanged_rows) == (0, 4) and count(session, OrderLine) == lines


def test_a_file_without_the_needed_columns_names_them(session, tmp_path):
    path = tmp_path / "jd.csv"
    path.write_text("订单号,下单时间,订单状态\n1,2026-04-01 10:00:00,完成\n", encoding="utf-8")
    job = run_import(session, path, format="jd")
    assert job.status == "failed" and "lacks the column(s) 商品名称, 订购数量, 京东价" in job.error
