"""Review exports uploaded on the import page: a job with progress, rejects by line, replays and resumes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.core.events import OutboxEvent
from shopcx.imports import pages as import_pages
from shopcx.imports import service
from shopcx.imports.models import ImportJob
from shopcx.reviews.models import Review
from shopcx.reviews.service import importer
from shopcx.staff import rules
from shopcx.staff.models import AuditLog

from ..factories import make_shop
from ..reviews.helpers import at, order
from ..web import conftest as web

SAMPLES = Path(__file__).resolve().parents[1] / "reviews" / "samples"
REVIEWS = (SAMPLES / "taobao_reviews.csv").read_bytes()
REVISIONS = (SAMPLES / "taobao_revisions.csv").read_bytes()

# The web tests' client and signed-in staff, as fixtures of this module too.
client, make_user, login = web.client, web.make_user, web.login


@pytest.fixture
def shop(session):
    """A Taobao shop with the orders T0001–T0006 the sample reviews are about (T9999 is not there)."""
    shop = make_shop(session, code="tb", name="淘宝店", platform="taobao")
    for n in range(1, 7):
        order(session, shop, f"T000{n}")
    return shop


@pytest.fixture
def inline_runner(monkeypatch):
    monkeypatch.setattr(import_pages, "runner", import_pages.run_quietly)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    from shopcx.core.settings import get_settings

    monkeypatch.setattr(get_settings(), "data_dir", tmp_path)
    return tmp_path


def _upload(staff, content: bytes, *, filename: str = "评价.csv", **fields):
    data = {"kind": "reviews", "format": "generic", "shop": "tb"} | fields
    return staff.post("/imports", data, files={"file": (filename, content, "text/csv")})


def _job(session, response) -> ImportJob:
    assert response.status_code == 303, response.text
    job_id = int(re.fullmatch(r"/imports/(\d+)", response.headers["location"]).group(1))
    return service.get_job(session, job_id)


def _counts(job: ImportJob) -> tuple:
    return (job.status, job.total_rows, job.processed_rows, job.stored_rows, job.unchanged_rows, job.rejected_rows)


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_uploaded_review_export_is_imported_with_counts_and_a_reject_report(login, shop, inline_runner,
                                                                               session):
    staff = login("operations")
    form = staff.get("/imports").text
    assert '<option value="reviews">评价</option>' in form and 'id="reviews-help"' in form
    with clock.frozen_at(at("2026-03-13", 4)):
        job = _job(session, _upload(staff, REVIEWS))
    assert (job.kind, job.format, job.shop_id) == ("reviews", "reviews", shop.id)
    # 9 lines: RV001, RV002, RV003 and RV008 stored; 5 refused (unknown order, 7 stars, a bad date, a bad
    # class word, no review id).
    assert _counts(job) == ("done", 9, 9, 4, 0, 5)
    assert service.review_counts(job) == {"created": 4, "updated": 0, "revised": 0}
    assert _count(session, Review, Review.shop_id == shop.id) == 4

    progress = staff.get(f"/imports/{job.id}/progress").text
    assert 'hx-trigger="every 1s"' not in progress and 'aria-valuenow="100"' in progress
    assert re.search(r'id="count-reviews-created">4<', progress)
    assert re.search(r'id="count-reviews-updated">0<', progress)
    assert re.search(r'id="count-rejected">5<', progress) and "新订单" not in progress
    assert "评价导出" in staff.get(f"/imports/{job.id}").text

    report = staff.get(f"/imports/{job.id}/rejects.csv")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert [(r["line_no"], r["field"]) for r in rows] == [
        ("5", "订单编号"), ("6", "星级"), ("7", "评价时间"), ("8", "评价结果"), ("10", "评价ID")]
    unknown = rows[0]
    assert unknown["reason"] == "第 5 行：“订单编号”：店铺 tb 中找不到订单“T9999”，请先导入订单。"
    assert unknown["raw"].startswith("RV004,T9999,,好评,5")
    assert rows[2]["raw"].startswith("RV006,T0005,,中评,3") and "yesterday" in rows[2]["reason"]

    audit = session.scalars(select(AuditLog).where(AuditLog.action == "import.reviews")).one()
    assert audit.entity_id == str(job.id)
    assert (audit.changes["created"], audit.changes["rejected"]) == (4, 5)


def test_the_same_upload_again_changes_nothing(login, shop, inline_runner, session):
    staff = login("manager")
    with clock.frozen_at(at("2026-03-13", 4)):
        _job(session, _upload(staff, REVIEWS, filename="first.csv"))
        before = (_count(session, Review), _count(session, OutboxEvent), _count(session, AuditLog))
        again = _job(session, _upload(staff, REVIEWS, filename="again.csv"))
    assert _counts(again) == ("done", 9, 9, 0, 4, 5)
    assert service.review_counts(again) == {"created": 0, "updated": 0, "revised": 0}
    # Only the upload itself is audited; no review, event or import.reviews entry is added.
    assert (_count(session, Review), _count(session, OutboxEvent), _count(session, AuditLog)) == (
        before[0], before[1], before[2] + 1)


def test_a_revision_export_counts_updated_and_revised_reviews(login, shop, inline_runner, session):
    staff = login("owner")
    with clock.frozen_at(at("2026-03-13", 4)):
        _job(session, _upload(staff, REVIEWS))
        job = _job(session, _upload(staff, REVISIONS, filename="改评.csv"))
    assert _counts(job) == ("done", 2, 2, 1, 1, 0)
    assert service.review_counts(job) == {"created": 0, "updated": 1, "revised": 1}
    progress = staff.get(f"/imports/{job.id}/progress").text
    assert re.search(r'id="count-reviews-revised">1<', progress)
    rv002 = session.scalar(select(Review).where(Review.external_id == "RV002").execution_options(
        populate_existing=True))
    assert rv002.rating_class == "good" and rv002.revision_count == 1


def test_a_dry_run_counts_but_stores_no_review(login, shop, inline_runner, session):
    staff = login("owner")
    job = _job(session, _upload(staff, REVIEWS, dry_run="1"))
    assert _counts(job) == ("done", 9, 9, 4, 0, 5) and job.dry_run
    assert _count(session, Review) == 0
    assert len(service.reject_rows(session, job.id)[0]) == 5


def test_a_failed_job_resumes_and_stores_each_review_once(login, shop, inline_runner, session, monkeypatch):
    staff = login("operations")
    monkeypatch.setattr(importer, "BATCH", 2)  # two reviews a batch: lines 2–3, 4–5, 6–10
    real = importer.store_lines
    calls = []

    def dies_on_the_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("server went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "store_lines", dies_on_the_second_batch)
    with clock.frozen_at(at("2026-03-13", 4)):
        job = _job(session, _upload(staff, REVIEWS))
        assert (job.status, job.processed_rows, job.stored_rows) == ("failed", 2, 2)
        assert "server went away" in job.error
        page = staff.get(f"/imports/{job.id}").text
        assert 'id="resume"' in page
        resumed = staff.post(f"/imports/{job.id}/resume")
    assert resumed.status_code == 303
    job = service.get_job(session, job.id)
    # The first batch (RV001, RV002) was kept and is found unchanged; the rest is stored now.
    assert _counts(job) == ("done", 9, 9, 2, 2, 5)
    assert service.review_counts(job)["created"] == 2
    assert _count(session, Review) == 4
    assert _count(session, OutboxEvent, OutboxEvent.topic == "review_received") == 4
    assert len(service.reject_rows(session, job.id)[0]) == 5  # the first attempt's rejects were replaced


def test_progress_is_reported_per_batch(shop, session, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "BATCH", 2)
    path = tmp_path / "reviews.csv"
    path.write_bytes(REVIEWS)
    job = service.create_job(session, kind="reviews", format="taobao", filename=path.name, shop_code="tb",
                             actor_label="test")
    seen = []
    with clock.frozen_at(at("2026-03-13", 4)):
        service.run_job(job.id, path, lambda done, total: seen.append((done, total)))
    assert seen == [(0, 9), (2, 9), (4, 9), (9, 9)]  # two reviews a batch: lines 2–3, 4–5, 6–10
    assert service.get_job(session, job.id).heartbeat_at is not None


def test_reviews_need_a_shop(login, shop, inline_runner, session):
    staff = login("owner")
    refused = staff.htmx_post("/imports", {"kind": "reviews", "format": "generic", "shop": ""},
                              files={"file": ("r.csv", REVIEWS, "text/csv")})
    assert refused.status_code == 422 and "请选择评价对应订单所在的店铺" in refused.text
    assert _count(session, ImportJob) == 0


def test_roles_without_the_permissions_are_refused(login, client, make_user, shop, inline_runner, session,
                                                  monkeypatch):
    analyst = login("analyst")
    assert analyst.get("/imports").status_code == 403
    assert _upload(analyst, REVIEWS).status_code == 403
    # A role that may run imports but not write reviews gets neither the choice nor the import.
    monkeypatch.setitem(rules.PERMISSIONS, "operations", rules.PERMISSIONS["operations"] - {"reviews:write"})
    client.cookies.clear()
    web.sign_in(client, make_user("operations", username="ops2").username)
    home = client.get("/imports")
    ops = web.Staff(client, None, web.csrf_of(home.text))
    assert home.status_code == 200 and 'value="reviews"' not in home.text
    assert _upload(ops, REVIEWS).status_code == 403
    assert _upload(ops, b"order_id,placed_at,customer_id,sku,quantity,unit_price\n", kind="orders",
                   filename="o.csv").status_code == 303
    assert _count(session, Review) == 0 and _count(session, ImportJob, ImportJob.kind == "reviews") == 0
