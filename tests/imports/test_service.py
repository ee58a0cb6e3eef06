"""Import jobs against the database: every sample format, rejects, replays, dry runs, status updates."""

from __future__ import annotations

import csv
import gzip
import io
from datetime import datetime, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from shopcx.core.errors import InvalidInput, NotFound
from shopcx.core.events import OutboxEvent
from shopcx.customers.models import Customer, CustomerIdentity
from shopcx.imports import service
from shopcx.imports.models import ImportJob, ImportReject
from shopcx.orders.models import Order, OrderLine, OrderStatusChange, Product, Refund, Shipment
from shopcx.shops import service as shops
from shopcx.staff.models import AuditLog

from .helpers import SAMPLES, count, order, reject_lines, run_import, stats


def test_generic_sample(session):
    seen = []
    job = run_import(session, SAMPLES / "generic.csv", progress=lambda done, total: seen.append((done, total)))
    assert (job.status, job.total_rows, job.stored_rows, job.rejected_rows) == ("done", 8, 8, 0)
    assert (job.orders_created, job.customers_created) == (5, 3)
    assert seen[-1] == (8, 8)
    assert shops.get_shop(session, "main").id == job.shop_id  # the settings' default shop
    g1004 = order(session, "G1004")
    assert [(line.line_no, line.sku, line.total_amount) for line in g1004.lines] == [
        (1, "TEA-7", 25600), (2, "CUP-1", 4990), (3, "CUP-1", 4990)]
    assert (g1004.goods_amount, g1004.discount_amount, g1004.paid_amount) == (35580, 2000, 33580)
    assert g1004.status == "shipped" and g1004.shipments[0].tracking_no == "SF100200300"
    # The history is dated by the file (placed 09:30, paid 09:31 on 4 March, shipped 14:00 on 5 March, UTC+8).
    assert [(h.from_status, h.to_status, h.actor, h.at.astimezone(timezone.utc)) for h in g1004.history] == [
        (None, "pending", f"import:job {job.id}", datetime(2026, 3, 4, 1, 30, tzinfo=timezone.utc)),
        ("pending", "paid", f"import:job {job.id}", datetime(2026, 3, 4, 1, 31, tzinfo=timezone.utc)),
        ("paid", "shipped", f"import:job {job.id}", datetime(2026, 3, 5, 6, 0, tzinfo=timezone.utc))]
    assert order(session, "G1003").customer_id is None
    assert order(session, "G1001").customer_id == g1004.customer_id  # C001 is one customer
    # One event and one audit entry for the whole job, not one per order.
    events = session.scalars(select(OutboxEvent).where(OutboxEvent.aggregate == "import_job")).all()
    assert [(e.topic, e.aggregate_id, e.payload["orders_created"]) for e in events] == [("orders_imported", job.id, 5)]
    audits = session.scalars(select(AuditLog).where(AuditLog.entity == "import_job")).all()
    assert [(a.actor, a.action) for a in audits] == [("test", "import.orders")]
    figures = stats(session, "main")
    # Net revenue counts what paid orders paid: G1001 (goods 22780 + shipping 800 − discount 500), G1002, G1004.
    assert figures["order_lines"] == 8 and figures["net_revenue_minor"] == 23080 + 4990 + 33580


def test_taobao_sample_with_refund_shipment_and_customers(session):
    job = run_import(session, SAMPLES / "taobao.csv", format="taobao")
    assert (job.stored_rows, job.rejected_rows, job.orders_created, job.customers_created) == (6, 0, 5, 3)
    shop = shops.get_shop(session, "taobao")
    assert (shop.platform, shop.currency, shop.timezone) == ("taobao", "CNY", "Asia/Shanghai")
    closed = order(session, "3021458866120541")
    assert closed.status == "refunded" and [r.amount for r in closed.refunds] == [12800]
    done = order(session, "3021458866120538")
    assert (done.paid_amount, done.discount_amount, done.shipments[0].carrier) == (12970, 1000, "中通快递")
    buyer = session.get(Customer, done.customer_id)
    assert (buyer.nickname, buyer.phone, buyer.province) == ("tb_buyer_88", "+8613800138000", "浙江省")
    assert stats(session, "taobao")["refunds"] == 1


def test_shopify_sample_creates_its_shop_in_the_file_currency(session):
    job = run_import(session, SAMPLES / "shopify.csv", format="shopify")
    assert (job.stored_rows, job.orders_created, job.customers_created) == (6, 4, 2)
    assert shops.get_shop(session, "shopify").currency == "USD"
    assert order(session, "#1003").refunded_amount == 1200
    assert order(session, "#1004").customer_id is None
    ada = session.scalar(select(Customer).where(Customer.email == "ada@example.com"))
    assert {c.channel: c.granted for c in ada.consents} == {"email": True}


def test_online_retail_and_cdnow_samples(session):
    job = run_import(session, SAMPLES / "online_retail_small.csv", format="online-retail")
    assert (job.stored_rows, job.orders_created, job.customers_created) == (9, 6, 3)
    figures = stats(session, "online-retail")
    assert figures["orders_by_kind"] == {"sale": 4, "return": 1, "adjustment": 1}
    assert figures["guest_order_lines"] == 4 and figures["currency"] == "GBP"
    assert figures["net_revenue_minor"] == 1530 + 2034 * 2 + 1110 * 2 - 2750 + 1106206
    job = run_import(session, SAMPLES / "cdnow_small.txt", format="cdnow")
    assert (job.stored_rows, job.orders_created, job.customers_created) == (6, 6, 4)
    assert stats(session, "cdnow")["net_revenue_minor"] == 1099 + 1200 + 7700 + 2076 * 2


def test_broken_file_keeps_good_rows_and_explains_the_rest(session):
    job = run_import(session, SAMPLES / "broken.csv")
    assert (job.total_rows, job.stored_rows, job.rejected_rows) == (13, 4, 9)
    assert job.stored_rows + job.rejected_rows == 13
    rejects = reject_lines(session, job.id)
    assert sorted(rejects) == [3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert rejects[3] == ("placed_at", "line 3: placed_at '2026-03-31 25:61:00' is not a date and time "
                                       "(use YYYY-MM-DD HH:MM:SS)")
    assert rejects[6][0] == "unit_price" and "'ten' is not an amount of money" in rejects[6][1]
    assert "order B5 not imported: its line 8 is bad" in rejects[7][1]
    assert "wrong encoding" in rejects[10][1]
    assert session.scalar(select(Order.id).where(Order.external_id == "B5")) is None  # no half order
    assert [line.sku for line in order(session, "B1").lines] == ["SKU-1", "SKU-2"]
    report = list(csv.reader(io.StringIO("".join(service.reject_report_csv(session, job.id)))))
    assert report[0] == ["line_no", "field", "reason", "raw"] and len(report) == 10
    assert report[1][0] == "3" and report[1][3].startswith("B2,2026-03-31 25:61:00")


def test_replaying_a_file_changes_nothing(session):
    first = run_import(session, SAMPLES / "generic.csv")
    run_import(session, SAMPLES / "taobao.csv", format="taobao")
    run_import(session, SAMPLES / "shopify.csv", format="shopify")
    before = stats(session)
    counts = {model: count(session, model) for model in (Order, OrderLine, Customer, CustomerIdentity, Product,
                                                          OrderStatusChange, Shipment, Refund, OutboxEvent,
                                                          AuditLog)}
    again = run_import(session, SAMPLES / "generic.csv")
    assert (again.stored_rows, again.unchanged_rows, again.orders_created, again.customers_created) == (0, 8, 0, 0)
    assert run_import(session, SAMPLES / "taobao.csv", format="taobao").stored_rows == 0
    assert run_import(session, SAMPLES / "shopify.csv", format="shopify").stored_rows == 0
    assert stats(session) == before
    # Not even an `orders_imported` event or an audit entry: handlers and auditors would see a change.
    assert {model: count(session, model) for model in counts} == counts
    assert first.id != again.id


def test_reimport_moves_status_forward_but_never_back(session, tmp_path):
    run_import(session, SAMPLES / "taobao.csv", format="taobao")
    text = (SAMPLES / "taobao.csv").read_bytes().decode("gb18030")
    later = text.replace('"买家已付款，等待卖家发货"', "交易成功").replace("等待买家付款", "交易关闭")
    earlier = text.replace('"卖家已发货，等待买家确认"', '"买家已付款，等待卖家发货"')
    (tmp_path / "later.csv").write_bytes(later.encode("gb18030"))
    (tmp_path / "earlier.csv").write_bytes(earlier.encode("gb18030"))
    job = run_import(session, tmp_path / "later.csv", format="taobao")
    assert (job.stored_rows, job.unchanged_rows, job.orders_created) == (2, 4, 0)
    moved = order(session, "3021458866120539")
    assert moved.status == "completed" and [(h.from_status, h.to_status) for h in moved.history] == [
        (None, "pending"), ("pending", "paid"), ("paid", "completed")]
    assert order(session, "3021458866120540").status == "cancelled"
    job = run_import(session, tmp_path / "earlier.csv", format="taobao")  # a stale export
    assert job.stored_rows == 0 and order(session, "3021458866120542").status == "shipped"


def test_taobao_dates_come_from_the_file(session):
    """交易成功 with a 确认收货时间: delivered then, not 运输中; every history entry dated by the file (issue 13,
    item 10)."""
    job = run_import(session, SAMPLES / "taobao.csv", format="taobao")
    done = order(session, "3021458866120538")
    utc = timezone.utc
    assert done.status == "completed" and done.completed_at.astimezone(utc) == datetime(2026, 1, 9, 2, 2, 11,
                                                                                         tzinfo=utc)
    (shipment,) = done.shipments
    assert shipment.delivered_at.astimezone(utc) == datetime(2026, 1, 9, 2, 2, 11, tzinfo=utc)
    assert shipment.shipped_at.astimezone(utc) == datetime(2026, 1, 6, 8, 20, tzinfo=utc)
    assert [(h.from_status, h.to_status, h.at.astimezone(utc)) for h in done.history] == [
        (None, "pending", datetime(2026, 1, 5, 13, 14, 9, tzinfo=utc)),
        ("pending", "paid", datetime(2026, 1, 5, 13, 14, 30, tzinfo=utc)),
        ("paid", "shipped", datetime(2026, 1, 6, 8, 20, tzinfo=utc)),
        ("shipped", "completed", datetime(2026, 1, 9, 2, 2, 11, tzinfo=utc))]
    assert all(h.actor == f"import:job {job.id}" for h in done.history)
    # shipped, not yet received: still in transit, dated by its 发货时间
    sent = order(session, "3021458866120542")
    assert sent.shipments[0].delivered_at is None
    assert [h.to_status for h in sent.history] == ["pending", "paid", "shipped"]
    # 交易关闭 after payment and a full refund: cancelled at the last time the file knows (its payment)
    closed = order(session, "3021458866120541")
    assert [(h.to_status, h.at.astimezone(utc)) for h in closed.history][-1][1] == datetime(2026, 1, 8, 0, 10,
                                                                                           tzinfo=utc)


def test_a_later_export_with_the_receipt_marks_the_parcel_delivered(session, tmp_path):
    run_import(session, SAMPLES / "taobao.csv", format="taobao")
    text = (SAMPLES / "taobao.csv").read_bytes().decode("gb18030")
    later = text.replace('"卖家已发货，等待买家确认",2026-01-10 19:45:00,2026-01-10 19:46:00,,',
                         "交易成功,2026-01-10 19:45:00,2026-01-10 19:46:00,2026-01-14 18:00:00,")
    (tmp_path / "later.csv").write_bytes(later.encode("gb18030"))
    run_import(session, tmp_path / "later.csv", format="taobao")
    received = order(session, "3021458866120542")
    session.refresh(received)
    for shipment in received.shipments:
        session.refresh(shipment)
    utc = timezone.utc
    assert received.status == "completed"
    assert received.shipments[0].delivered_at.astimezone(utc) == datetime(2026, 1, 14, 10, 0, tzinfo=utc)
    assert [(h.to_status, h.at.astimezone(utc)) for h in received.history][-1] == (
        "completed", datetime(2026, 1, 14, 10, 0, tzinfo=utc))


def test_dry_run_writes_only_the_job_and_its_rejects(session):
    before = {model: count(session, model) for model in (Order, OrderLine, Customer, Product, OutboxEvent)}
    job = run_import(session, SAMPLES / "broken.csv", dry_run=True)
    assert (job.status, job.stored_rows, job.rejected_rows, job.orders_created, job.customers_created) == \
        ("done", 4, 9, 3, 2)
    assert {model: count(session, model) for model in before} == before
    assert count(session, ImportReject) >= 9
    with pytest.raises(NotFound):
        shops.get_shop(session, "main")  # not even the default shop


def test_xlsx_and_gzip_inputs(session, tmp_path):
    (tmp_path / "generic.csv.gz").write_bytes(gzip.compress((SAMPLES / "generic.csv").read_bytes()))
    book = Workbook()
    for row in csv.reader(io.StringIO((SAMPLES / "generic.csv").read_text())):
        book.active.append([int(v) if v.isdigit() else v for v in row])
    book.save(tmp_path / "generic.xlsx")
    job = run_import(session, tmp_path / "generic.xlsx")
    assert (job.stored_rows, job.rejected_rows, job.orders_created) == (8, 0, 5)
    job = run_import(session, tmp_path / "generic.csv.gz")
    assert (job.unchanged_rows, job.stored_rows) == (8, 0)  # the same orders, read from another container


def test_a_file_without_the_needed_columns_fails_the_job(session):
    job = run_import(session, SAMPLES / "generic.csv", format="online-retail")
    assert job.status == "failed" and "lacks the column(s) InvoiceNo" in job.error


def test_create_job_checks_its_arguments(session):
    with pytest.raises(InvalidInput) as err:
        service.create_job(session, kind="orders", format="ebay", filename="x.csv", shop_code=None, actor_label="t")
    assert err.value.field == "format"
    with pytest.raises(InvalidInput):
        service.create_job(session, kind="products", format="generic", filename="x.csv", shop_code=None,
                           actor_label="t")
    with pytest.raises(NotFound):
        service.create_job(session, kind="orders", format="generic", filename="x.csv", shop_code="nope",
                           actor_label="t")
    job = service.create_job(session, kind="orders", format="TAOBAO", filename="/tmp/a/b.csv", shop_code=None,
                             actor_label="user:alice")
    assert (job.format, job.filename, job.status, job.created_by) == ("taobao", "b.csv", "queued", "user:alice")


def test_jobs_and_rejects_are_paginated(session):
    run_import(session, SAMPLES / "generic.csv")
    job = run_import(session, SAMPLES / "broken.csv")
    jobs, total = service.list_jobs(session, offset=0, limit=1)
    assert total >= 2 and [j.id for j in jobs] == [job.id]
    page, total = service.reject_rows(session, job.id, offset=2, limit=3)
    assert total == 9 and [r.line_no for r in page] == [5, 6, 7]
    with pytest.raises(NotFound):
        service.get_job(session, 10**9)


def test_customers_import_and_replay(session):
    job = run_import(session, SAMPLES / "customers.csv", kind="customers", format="customers")
    assert (job.status, job.total_rows, job.stored_rows, job.rejected_rows, job.customers_created) == \
        ("done", 10, 4, 6, 4)
    rejects = reject_lines(session, job.id)
    assert rejects[6][0] == "phone" and "'12ab34' is not a phone number" in rejects[6][1]
    assert rejects[7][0] == "birthday" and rejects[8][0] == "lunar_birthday" and rejects[9][0] == "external_id"
    assert rejects[10][0] == "gender" and rejects[11][0] == "consent_email"
    wang = session.scalar(select(Customer).where(Customer.phone == "+8613800138000"))
    assert (wang.name, wang.gender, str(wang.birthday_on)) == ("王芳", "female", "1990-05-20")
    assert sorted(t.tag for t in wang.tags) == ["VIP", "老客"]
    assert {c.channel: c.granted for c in wang.consents} == {"email": True, "sms": False}
    zhao = session.scalar(select(Customer).where(Customer.name == "赵敏"))
    assert (zhao.birthday_lunar_month, zhao.birthday_lunar_day, zhao.phone) == (8, 15, "+8613600136000")
    chen = session.scalar(select(Customer).where(Customer.name == "陈静"))
    assert (chen.birthday_lunar_month, chen.birthday_is_leap_month) == (4, True)
    audits = count(session, AuditLog)
    again = run_import(session, SAMPLES / "customers.csv", kind="customers", format="customers")
    assert (again.stored_rows, again.unchanged_rows, again.customers_created) == (0, 4, 0)
    assert count(session, AuditLog) == audits  # a replay is no change to audit


def test_customers_file_links_to_customers_from_orders(session):
    run_import(session, SAMPLES / "generic.csv")
    job = run_import(session, SAMPLES / "customers.csv", kind="customers", format="customers", shop="main")
    assert job.customers_created == 3  # C001 exists already (identity main/C001)
    wang = session.get(Customer, order(session, "G1001").customer_id)
    assert wang.nickname == "芳芳" and wang.birthday_on is not None


def test_run_job_on_a_done_job_returns_it(session):
    job = run_import(session, SAMPLES / "generic.csv")
    again = service.run_job(job.id, SAMPLES / "generic.csv")
    assert again.id == job.id and again.stored_rows == 8
    assert session.scalar(select(ImportJob.status).where(ImportJob.id == job.id)) == "done"


def test_refund_rows_are_counted_in_stats(session):
    run_import(session, SAMPLES / "shopify.csv", format="shopify")
    assert session.scalar(select(Refund.amount).where(Refund.external_id == "import")) == 1200


def test_customers_file_repeating_a_person_and_a_changed_reimport(session, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("external_id,name,phone,tags\n"
                    "P1,林一,13811112222,新客\n"
                    ",林一（新名字）,13811112222,回头客\n"  # same phone: the same person, updated
                    "P2,林二,,\n", encoding="utf-8")
    job = run_import(session, path, kind="customers", format="customers")
    assert (job.stored_rows, job.unchanged_rows, job.customers_created) == (3, 0, 2)
    lin = session.scalar(select(Customer).where(Customer.phone == "+8613811112222"))
    assert lin.name == "林一（新名字）" and sorted(t.tag for t in lin.tags) == ["回头客", "新客"]
    path.write_text("external_id,name,phone\nP1,林一,13811112222\nP2,林二二,\n", encoding="utf-8")
    job = run_import(session, path, kind="customers", format="customers")
    assert (job.stored_rows, job.unchanged_rows, job.customers_created) == (2, 0, 0)
    session.expire_all()
    assert session.scalar(select(Customer.name).where(Customer.id == lin.id)) == "林一"


def test_new_buyers_sharing_a_phone_are_one_customer(session, tmp_path):
    path = tmp_path / "twins.csv"
    path.write_text("order_id,placed_at,customer_id,customer_name,phone,sku,quantity,unit_price\n"
                    "T1,2026-04-01 10:00,A1,甲,13912345678,S1,1,1.00\n"
                    "T2,2026-04-01 11:00,A2,甲,139-1234-5678,S1,1,1.00\n", encoding="utf-8")
    job = run_import(session, path)
    assert job.customers_created == 1
    assert order(session, "T1").customer_id == order(session, "T2").customer_id
    assert count(session, CustomerIdentity) == 2


def test_empty_and_header_only_files(session, tmp_path):
    (tmp_path / "empty.csv").write_bytes(b"")
    job = run_import(session, tmp_path / "empty.csv")
    assert job.status == "failed" and "no header row" in job.error
    (tmp_path / "header.csv").write_text("order_id,placed_at,sku,quantity,unit_price\n")
    job = run_import(session, tmp_path / "header.csv")
    assert (job.status, job.total_rows, job.stored_rows) == ("done", 0, 0)
    (tmp_path / "fake.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    job = run_import(session, tmp_path / "fake.xlsx")
    assert job.status == "failed" and "not a readable .xlsx workbook" in job.error


def test_refunds_that_cannot_be_right_reject_their_order_and_the_rest_is_stored(session, tmp_path):
    path = tmp_path / "refunds.csv"
    path.write_text("order_id,placed_at,sku,quantity,unit_price,status,paid_amount,refunded_amount\n"
                    "R1,2026-04-01 10:00,S1,1,10.00,paid,10.00,-1.00\n"  # negative: the database would refuse it
                    "R2,2026-04-01 10:00,S1,1,10.00,paid,10.00,12.00\n"  # more than paid
                    "R3,2026-04-01 10:00,S1,1,10.00,pending,,5.00\n"  # never paid
                    "R4,2026-04-01 10:00,S1,2,10.00,completed,,5.00\n", encoding="utf-8")
    job = run_import(session, path)
    assert (job.status, job.stored_rows, job.rejected_rows) == ("done", 1, 3), job.error
    rejects = reject_lines(session, job.id)
    assert "refunded amount -¥1.00 is negative" in rejects[2][1]
    assert "refund of ¥12.00 exceeds what was paid (¥10.00)" in rejects[3][1]
    assert "pending (never paid) but reports a refund" in rejects[4][1]
    assert order(session, "R4").refunded_amount == 500
    assert stats(session, "main")["net_revenue_minor"] == 2000 - 500


def test_a_closed_taobao_trade_with_a_partial_refund_is_refunded_not_cancelled(session, tmp_path):
    text = (SAMPLES / "taobao.csv").read_bytes().decode("gb18030")
    head = text.splitlines()[0]
    row = ('="4000000000000001",tb_partial,10.00,59.90,交易关闭,2026-02-01 10:00:00,2026-02-01 10:01:00,,'
           "保温杯 500ml 不锈钢,1,CUP-1,1,49.90,张三,,浙江省 杭州市,49.90,,,,")
    (tmp_path / "closed.csv").write_bytes(f"{head}\n{row}\n".encode("gb18030"))
    job = run_import(session, tmp_path / "closed.csv", format="taobao")
    assert (job.stored_rows, job.rejected_rows) == (1, 0)
    closed = order(session, "4000000000000001")
    assert (closed.status, closed.paid_amount, closed.refunded_amount) == ("refunded", 5990, 4990)
    assert stats(session, "taobao")["net_revenue_minor"] == 1000  # the postage the buyer was not refunded


def test_a_buyer_stored_after_the_job_read_its_identities_is_found_not_duplicated(session, tmp_path):
    from shopcx.imports.formats.base import OrderHead
    from shopcx.imports.writer import OrderWriter

    run_import(session, SAMPLES / "generic.csv")
    shop = shops.get_shop(session, "main")
    job = service.create_job(session, kind="orders", format="generic", filename="x.csv", shop_code="main",
                             actor_label="test")
    session.flush()
    # An identity map read before another import (or the API) stored buyer C002.
    writer = OrderWriter(shop_id=shop.id, source="main", job_id=job.id, dry_run=False, identities={}, products={})
    head = OrderHead(external_id="LATE1", placed_at=order(session, "G1001").placed_at, currency="CNY",
                     customer_key="C002", status="paid")
    counts = writer.write(session, [(head, [(2, "CUP-1", "保温杯", None, 1, 4990, 4990)])])
    assert (counts.orders_created, counts.customers_created) == (1, 0)
    assert order(session, "LATE1").customer_id == order(session, "G1002").customer_id


def test_the_api_adds_orders_customers_and_products_after_an_import(session):
    # The bulk writer chose ids itself (max(id) on SQLite, the sequence on PostgreSQL); ORM inserts must follow.
    from datetime import datetime, timezone

    from shopcx.customers import service as customers
    from shopcx.customers.schemas import CustomerIn
    from shopcx.orders import service as orders
    from shopcx.orders.schemas import OrderIn
    from shopcx.staff.service import SYSTEM

    run_import(session, SAMPLES / "generic.csv")
    run_import(session, SAMPLES / "taobao.csv", format="taobao")
    run_import(session, SAMPLES / "customers.csv", kind="customers", format="customers")
    shop = shops.get_shop(session, "main")
    data = OrderIn.model_validate({
        "source": "main", "external_id": "API-1", "status": "paid",
        "placed_at": datetime(2026, 4, 1, tzinfo=timezone.utc),
        "customer": {"source": "main", "external_id": "API-C", "name": "新买家"},
        "lines": [{"sku": "NEW-SKU", "quantity": 1, "unit_price_amount": 100}],
        "refunds": [{"external_id": "RF", "amount": 50}]})
    result = orders.upsert_order(session, shop, data, actor=SYSTEM)
    assert result.created and order(session, "API-1").refunded_amount == 50
    assert orders.upsert_order(session, shop, data, actor=SYSTEM).changed is False
    customer, created = customers.upsert_customer(session, CustomerIn(source="x", external_id="y", name="z"),
                                                  actor=None)
    assert created and session.scalar(select(func.count(Customer.id)).where(Customer.id == customer.id)) == 1
    assert run_import(session, SAMPLES / "generic.csv").unchanged_rows == 8
