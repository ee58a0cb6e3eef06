"""The import page: upload, the job's progress fragment, the reject report and past jobs."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from shopcx.imports import pages as import_pages
from shopcx.imports import service as import_service
from shopcx.imports.models import ImportJob
from shopcx.staff.models import AuditLog

GOOD_AND_BAD = (
    "order_id,placed_at,customer_id,customer_name,sku,product_name,quantity,unit_price,status\n"
    "W-1001,2026-03-01 10:00,c1,张三,CUP-1,保温杯,2,49.90,paid\n"
    "W-1001,2026-03-01 10:00,c1,张三,TEA-9,西湖龙井,1,128.00,paid\n"
    "W-1002,2026-03-32 09:00,c2,李四,CUP-1,保温杯,1,49.90,paid\n"
    "W-1003,2026-03-05 11:30,c3,王五,CUP-1,保温杯,two,49.90,paid\n"
    "W-1004,2026-03-06 12:00,c1,张三,CUP-1,保温杯,1,49.90,completed\n"
)


@pytest.fixture
def inline_runner(monkeypatch):
    """Run uploaded imports inside the request (after its commit) so tests see the finished job."""
    monkeypatch.setattr(import_pages, "runner", import_pages.run_quietly)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    return tmp_path


def _upload(staff, content: str, *, filename: str = "orders.csv", htmx: bool = False, **fields):
    data = {"kind": "orders", "format": "generic", "shop": "tmall"} | fields
    files = {"file": (filename, content.encode("utf-8"), "text/csv")}
    if htmx:
        return staff.htmx_post("/imports", data, files=files)
    return staff.post("/imports", data, files=files)


def test_upload_runs_the_job_and_offers_the_reject_report(login, shop_data, inline_runner, data_dir, session):
    staff = login("operations")
    page = staff.get("/imports")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "online-retail" in page.text
    response = _upload(staff, GOOD_AND_BAD, filename="三月订单.csv")
    assert response.status_code == 303
    job_id = int(re.fullmatch(r"/imports/(\d+)", response.headers["location"]).group(1))
    job = session.get(ImportJob, job_id)
    session.refresh(job)
    assert (job.status, job.filename) == ("done", "三月订单.csv")
    assert job.created_by == f"user:{staff.user.username}"
    assert [p.name.endswith("三月订单.csv") for p in (data_dir / "uploads").iterdir()] == [True]

    progress = staff.get(f"/imports/{job_id}/progress")
    assert progress.status_code == 200 and "<html" not in progress.text
    assert 'hx-trigger="every 1s"' not in progress.text  # finished: polling stops
    assert 'aria-valuenow="100"' in progress.text and "已完成" in progress.text
    assert re.search(r'id="count-stored">3<', progress.text)
    assert re.search(r'id="count-rejected">2<', progress.text)
    assert f'href="/imports/{job_id}/rejects.csv"' in progress.text
    table = progress.text[progress.text.index('id="reject-table"'):]
    assert "<td class=\"num\">4</td>" in table and "<td class=\"num\">5</td>" in table

    report = staff.get(f"/imports/{job_id}/rejects.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    assert "attachment" in report.headers["content-disposition"]
    text = report.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["line_no"] for r in rows] == ["4", "5"]
    assert all(r["reason"] for r in rows)

    assert ">W-1001</a>" in staff.get("/orders", params={"q": "W-1001"}).text
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "import.start")).one()
    assert audit.entity_id == str(job_id) and audit.changes["format"] == "generic"


def test_job_page_polls_while_running(login, shop_data, data_dir, monkeypatch, session):
    started = []
    monkeypatch.setattr(import_pages, "runner", lambda job_id, path: started.append((job_id, path)))
    staff = login("manager")
    response = _upload(staff, GOOD_AND_BAD, htmx=True)
    assert response.status_code == 204 and response.headers["hx-redirect"].startswith("/imports/")
    (job_id, path), = started
    assert path.read_text(encoding="utf-8") == GOOD_AND_BAD
    page = staff.get(f"/imports/{job_id}")
    assert f'hx-get="/imports/{job_id}/progress" hx-trigger="every 1s"' in page.text
    assert "排队中" in page.text and "rejects.csv" not in page.text
    job = session.get(ImportJob, job_id)
    job.status, job.total_rows, job.processed_rows = "running", 200, 50
    session.flush()
    running = staff.get(f"/imports/{job_id}/progress").text
    assert 'aria-valuenow="25"' in running and 'width: 25%' in running and 'hx-trigger="every 1s"' in running


def test_dry_run_stores_nothing(login, shop_data, inline_runner, data_dir, session):
    staff = login("owner")
    response = _upload(staff, GOOD_AND_BAD, dry_run="1")
    job = session.get(ImportJob, int(response.headers["location"].rsplit("/", 1)[1]))
    session.refresh(job)
    assert job.dry_run and job.status == "done"
    assert ">W-1001</a>" not in staff.get("/orders", params={"q": "W-1001"}).text
    assert "试运行" in staff.get("/imports").text


def test_bad_upload_is_refused_inline(login, shop_data, data_dir):
    staff = login("owner")
    empty = _upload(staff, "", htmx=True)
    assert empty.status_code == 422 and "请选择要导入的文件" in empty.text
    wrong = _upload(staff, GOOD_AND_BAD, htmx=True, format="excel-97")
    assert wrong.status_code == 422 and "请选择文件格式" in wrong.text
    no_shop = _upload(staff, GOOD_AND_BAD, htmx=True, shop="nope")
    assert no_shop.status_code == 404 and "找不到该店铺" in no_shop.text
    assert list((data_dir / "uploads").iterdir()) == []


def test_past_jobs_are_listed(login, shop_data, inline_runner, data_dir):
    staff = login("operations")
    _upload(staff, GOOD_AND_BAD, filename="first.csv")
    _upload(staff, GOOD_AND_BAD, filename="second.csv")
    listing = staff.get("/imports").text
    assert listing.index("second.csv") < listing.index("first.csv")
    home = staff.get("/").text
    assert "second.csv" in home and "已完成" in home


def test_raw_rows_are_masked_for_roles_without_pii(login, make_user, client, session, shop_data, inline_runner,
                                                   data_dir):
    from sqlalchemy import select

    from shopcx.privacy.models import PiiView

    from .conftest import sign_in

    content = ("order_id,placed_at,customer_id,customer_name,phone,email,sku,quantity,unit_price\n"
               "M-1,2026-03-01 10:00,m1,钱七,13712345678,qian.qi@example.com,CUP-1,oops,49.90\n")
    operations = login("operations")
    job_id = _upload(operations, content).headers["location"].rsplit("/", 1)[1]
    preview = operations.get(f"/imports/{job_id}/progress").text
    report = operations.get(f"/imports/{job_id}/rejects.csv").content.decode("utf-8-sig")
    for text in (preview, report):
        assert "137****5678" in text and "q***@example.com" in text
        assert "13712345678" not in text and "qian.qi" not in text
    client.cookies.clear()
    sign_in(client, make_user("owner", username="boss").username)
    assert "13712345678" in client.get(f"/imports/{job_id}/rejects.csv").text
    assert "qian.qi@example.com" in client.get(f"/imports/{job_id}/progress").text
    # Only the unmasked rows are PII views, the file and the page each: who saw them, the one rejected row, "raw
    # rows" in the page's words; the operations role saw them masked and is not in the log.
    assert "qian.qi@example.com" in client.get(f"/imports/{job_id}").text
    views = session.scalars(select(PiiView).order_by(PiiView.id)).all()
    assert [(v.actor, v.customers, v.fields, v.place) for v in views] == [
        ("user:boss", 1, "rows", f"import_rejects /imports/{job_id}/rejects.csv"),
        ("user:boss", 1, "rows", f"import_rejects /imports/{job_id}/progress"),
        ("user:boss", 1, "rows", f"import_rejects /imports/{job_id}")]
    assert "原始数据行" in client.get("/privacy/views").text


def test_imports_need_the_imports_permission(login, shop_data, data_dir):
    staff = login("analyst")
    assert staff.get("/imports").status_code == 403
    assert _upload(staff, GOOD_AND_BAD).status_code == 403
    assert staff.get("/imports/1/rejects.csv").status_code == 403


def test_unknown_job_is_404(login):
    staff = login("owner")
    assert staff.get("/imports/98765").status_code == 404
    assert staff.get("/imports/98765/rejects.csv").status_code == 404


def test_an_interrupted_import_is_shown_as_such_and_runs_again(login, shop_data, inline_runner, data_dir,
                                                                 session):
    from datetime import timedelta

    from shopcx.core import clock

    staff = login("operations")
    job_id = int(_upload(staff, GOOD_AND_BAD).headers["location"].rsplit("/", 1)[1])
    job = session.get(ImportJob, job_id)
    session.refresh(job)
    assert job.status == "done" and job.source_path
    # The process died mid-import: the row still says running and its heartbeat stopped.
    job.status, job.finished_at = "running", None
    session.flush()
    assert 'data-status="running"' in staff.get(f"/imports/{job_id}/progress").text
    assert staff.post(f"/imports/{job_id}/resume", {}).status_code == 409
    with clock.frozen_at(clock.now() + timedelta(minutes=3)):
        progress = staff.get(f"/imports/{job_id}/progress").text
        assert 'data-status="interrupted"' in progress and 'id="resume"' in progress
        assert "hx-trigger" not in progress  # no more polling of a dead job
        assert staff.post(f"/imports/{job_id}/resume", {}).status_code == 303
    session.refresh(job)
    assert (job.status, job.stored_rows, job.unchanged_rows, job.rejected_rows) == ("done", 0, 3, 2)
    actions = session.scalars(select(AuditLog.action).where(AuditLog.entity_id == str(job_id))).all()
    assert "import.resume" in actions


def test_the_reject_report_cannot_smuggle_spreadsheet_formulas(login, shop_data, inline_runner, data_dir):
    staff = login("manager")
    content = GOOD_AND_BAD.replace("W-1003,2026-03-05 11:30,c3,王五", "=1+2,2026-03-32 11:30,c3,王五")
    job_id = int(_upload(staff, content).headers["location"].rsplit("/", 1)[1])
    report = staff.get(f"/imports/{job_id}/rejects.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(report)))
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert any(cell.startswith("'=1+2,") for row in rows for cell in row)


def test_an_upload_over_the_size_limit_is_refused(login, shop_data, inline_runner, data_dir, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "max_upload_mb", 0)
    answer = _upload(login("manager"), GOOD_AND_BAD, htmx=True)
    assert "file_too_large" in answer.text or "MB" in answer.text
    assert not list((data_dir / "uploads").iterdir())


def test_a_qianniu_pair_is_uploaded_as_two_files_at_once(login, shop_data, inline_runner, data_dir, session):
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "imports" / "samples"
    staff = login("operations")
    assert "multiple" in staff.get("/imports").text
    files = [("file", ("ExportOrderList.csv", (samples / "taobao_orders_report.csv").read_bytes(), "text/csv")),
             ("file", ("ExportOrderDetailList.csv", (samples / "taobao_items_report.csv").read_bytes(), "text/csv"))]
    response = staff.post("/imports", {"kind": "orders", "format": "taobao", "shop": "tmall"}, files=files)
    assert response.status_code == 303
    job = session.get(ImportJob, int(response.headers["location"].rsplit("/", 1)[1]))
    session.refresh(job)
    assert (job.status, job.filename, job.stored_rows, job.rejected_rows) == (
        "done", "ExportOrderList.csv + ExportOrderDetailList.csv", 4, 3)
    rejects = import_service.reject_rows(session, job.id)[0]
    assert [(row.line_no, row.field) for row in rejects] == [(6, "购买数量"), (6, "订单编号"), (7, None)]
    assert "ExportOrderList.csv" in rejects[1].reason  # the order without items names the file its line is in
    assert [p.suffix for p in (data_dir / "uploads").iterdir()] == [".zip"]  # kept for a resume, as one file


def test_the_page_imports_into_the_chosen_shop_and_never_creates_one_silently(login, shop_data, inline_runner,
                                                                              data_dir, session):
    from shopcx.shops.models import Shop

    staff = login("owner")
    page = staff.get("/imports").text
    assert "按格式默认" not in page and "新建店铺…" in page and "天猫旗舰店 (tmall · CNY · Asia/Shanghai)" in page
    shops_before = session.query(Shop).count()
    refused = _upload(staff, GOOD_AND_BAD, htmx=True, shop="")
    assert refused.status_code == 422 and "请选择要导入的店铺，或新建一个店铺。" in refused.text
    assert _upload(staff, GOOD_AND_BAD, shop="intl").status_code == 303
    job = session.scalars(select(ImportJob).order_by(ImportJob.id.desc())).first()
    assert job.shop_id == session.scalar(select(Shop.id).where(Shop.code == "intl"))
    assert session.query(Shop).count() == shops_before


def test_a_new_shop_is_an_explicit_choice_with_name_currency_and_timezone(login, shop_data, inline_runner, data_dir,
                                                                          session):
    from shopcx.loyalty.models import LoyaltyProgram
    from shopcx.shops.models import Shop

    staff = login("owner")
    bad = _upload(staff, GOOD_AND_BAD, htmx=True, shop="__new__", new_shop_name="Lisboa Store",
                  new_shop_currency="EUR", new_shop_timezone="Europe/Lisbon2")
    assert bad.status_code == 422 and "新店铺的时区无效" in bad.text
    assert session.scalar(select(Shop).where(Shop.name == "Lisboa Store")) is None
    nameless = _upload(staff, GOOD_AND_BAD, htmx=True, shop="__new__", new_shop_name=" ")
    assert nameless.status_code == 422 and "请填写新店铺的名称" in nameless.text
    made = _upload(staff, GOOD_AND_BAD, shop="__new__", new_shop_name="Lisboa Store", new_shop_currency="eur",
                   new_shop_timezone="Europe/Lisbon", new_shop_program="1")
    assert made.status_code == 303
    shop = session.scalar(select(Shop).where(Shop.name == "Lisboa Store"))
    assert (shop.code, shop.currency, shop.timezone, shop.platform) == ("main", "EUR", "Europe/Lisbon", "other")
    assert session.scalar(select(LoyaltyProgram.id).where(LoyaltyProgram.shop_id == shop.id)) is not None
    job = session.get(ImportJob, int(made.headers["location"].rsplit("/", 1)[1]))
    session.refresh(job)
    assert (job.shop_id, job.status, job.stored_rows) == (shop.id, "done", 3)


def test_a_dry_run_says_what_it_would_store(login, shop_data, inline_runner, data_dir, session):
    from shopcx.shops import service as shops
    from shopcx.shops.models import Shop

    staff = login("operations")
    # A shop coded 'main' exists already with these orders: the dry run for a new shop must not count them.
    main = shops.create_shop(session, code="main", name="Main", timezone="Asia/Shanghai", currency="CNY")
    assert _upload(staff, GOOD_AND_BAD, shop=main.code).status_code == 303
    response = _upload(staff, GOOD_AND_BAD, shop="__new__", new_shop_name="试一试", new_shop_currency="CNY",
                       new_shop_timezone="Asia/Shanghai", dry_run="1")
    assert response.status_code == 303
    assert session.scalar(select(Shop).where(Shop.name == "试一试")) is None  # a dry run creates no shop
    progress = staff.get(response.headers["location"] + "/progress").text
    assert re.search(r'id="count-stored">3</b><span>将保存<', progress)
    assert "已保存" not in progress and "没有保存任何数据" in progress


def test_an_order_from_an_order_level_report_says_why_it_has_no_lines(login, shop_data, data_dir, session):
    from pathlib import Path

    from ..imports.helpers import order, run_import

    samples = Path(__file__).resolve().parents[1] / "imports" / "samples"
    run_import(session, samples / "taobao_order_level.csv", format="taobao", shop="tmall")
    stored = order(session, "4102938475620001")
    page = login("operations").get(f"/orders/{stored.id}").text
    assert "导入自订单级报表" in page and "计入营收，不计入商品统计" in page


def test_an_imported_taobao_order_received_by_the_buyer_is_not_in_transit(login, shop_data, inline_runner,
                                                                         data_dir, session):
    """Issue 13, item 10: 交易成功 with a 确认收货时间 shows as delivered, its history at the file's times."""
    from pathlib import Path

    from shopcx.orders.models import Order

    sample = Path(__file__).resolve().parents[1] / "imports" / "samples" / "taobao.csv"
    staff = login("operations")
    files = {"file": ("淘宝订单.csv", sample.read_bytes(), "text/csv")}
    response = staff.post("/imports", {"kind": "orders", "format": "taobao", "shop": "tmall"}, files=files)
    assert response.status_code == 303
    done = session.scalar(select(Order).where(Order.external_id == "3021458866120538"))
    page = staff.get(f"/orders/{done.id}").text
    assert "运输中" not in page and "准时送达" in page
    assert "2026-01-09 10:02" in page and "2026-01-06 16:20" in page  # received and shipped, shop time
    sent = session.scalar(select(Order).where(Order.external_id == "3021458866120542"))
    assert "运输中" in staff.get(f"/orders/{sent.id}").text
