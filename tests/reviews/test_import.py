"""Review CSV import: stored once, rejects with line numbers, encodings, revisions from a file, the CLI."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shopcx.cli import app
from shopcx.core import clock
from shopcx.core.errors import ShopCXError
from shopcx.core.events import OutboxEvent
from shopcx.reviews import service
from shopcx.reviews.models import Review, ReviewCase
from shopcx.reviews.service.importer import import_reviews
from shopcx.staff.service import SYSTEM

from ..factories import make_shop
from .helpers import at, order

SAMPLES = Path(__file__).resolve().parent / "samples"
runner = CliRunner()


@pytest.fixture
def shop(session):
    shop = make_shop(session, code="tb", platform="taobao")
    for n in range(1, 7):
        order(session, shop, f"T000{n}")
    return shop


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _events(session, topic: str) -> int:
    return session.scalar(select(func.count(OutboxEvent.id)).where(OutboxEvent.topic == topic))


def test_import_stores_good_lines_and_rejects_bad_ones_by_line(session, shop):
    report = import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM)
    assert (report.lines, report.created, report.unchanged, report.rejected) == (9, 4, 0, 5)
    assert report.rejects == [
        (5, "订单编号", "line 5: 订单编号: no order 'T9999' in shop 'tb'; import the order first"),
        (6, "星级", "line 6: 星级: Input should be less than or equal to 5"),
        (7, "评价时间", "line 7: 评价时间 'yesterday' is not a date and time (use YYYY-MM-DD HH:MM:SS)"),
        (8, "评价结果", "line 8: 评价结果 '超级好评' is not 好评/中评/差评 (good/neutral/bad)"),
        (10, "评价ID", "line 10: 评价ID: is missing"),
    ]
    reviews = {r.external_id: r for r in session.scalars(select(Review))}
    assert set(reviews) == {"RV001", "RV002", "RV003", "RV008"}
    first = reviews["RV001"]
    assert first.reviewed_at == at("2026-03-10", 2)  # 10:00 in Shanghai, the shop's timezone
    assert first.image_urls == ["https://img.example.com/1.jpg", "https://img.example.com/2.jpg"]
    assert (first.reply_text, first.reviewer_name, first.dsr_logistics) == ("谢谢亲的好评", "t**1", 5)
    assert reviews["RV002"].followup_text == "客服处理了，换了新的" and len(reviews["RV002"].followups) == 1
    assert reviews["RV003"].is_default and reviews["RV003"].rating_class == "good"
    assert reviews["RV008"].rating_class == "neutral"  # the order id ="T0006" as Excel keeps it
    assert _events(session, "review_received") == 4


def test_the_same_file_twice_changes_nothing_and_emits_nothing(session, shop):
    import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM)
    before = (_count(session, Review), _count(session, OutboxEvent))
    again = import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 5)
    assert (_count(session, Review), _count(session, OutboxEvent)) == before


def test_a_gb18030_export_is_the_same_reviews(session, shop, tmp_path):
    import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM)
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((SAMPLES / "taobao_reviews.csv").read_text(encoding="utf-8").encode("gb18030"))
    report = import_reviews(session, gbk, shop=shop, platform="taobao", actor=SYSTEM)
    assert (report.created, report.unchanged) == (0, 4)


def test_default_good_review_counts_in_good_rate_but_not_in_dsr(session, shop):
    import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM)
    summary = service.dsr_summary(session, shop, as_of=date(2026, 3, 31))
    description = summary["dimensions"][0]
    assert (description["count"], description["mean"]) == (2, 3.5)  # RV001 5 and RV002 2; not the default
    counts = service.class_counts(session, shop, start=date(2026, 3, 1), end=date(2026, 3, 31))
    assert (counts["good"], counts["neutral"], counts["bad"], counts["default_good"]) == (2, 1, 1, 1)
    assert counts["good_rate"] == 0.5


def test_a_revision_file_records_history_once(session, shop):
    with clock.frozen_at(at("2026-03-13", 4)):
        first = import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao",
                               actor=SYSTEM)
        assert first.cases_opened == 2  # the 差评 and the 中评 are still inside the revision window
        report = import_reviews(session, SAMPLES / "taobao_revisions.csv", shop=shop, platform="taobao",
                                actor=SYSTEM)
        assert (report.updated, report.revised, report.unchanged) == (1, 1, 1)
        again = import_reviews(session, SAMPLES / "taobao_revisions.csv", shop=shop, platform="taobao",
                               actor=SYSTEM)
    assert (again.updated, again.unchanged) == (0, 2)
    review = session.scalar(select(Review).where(Review.external_id == "RV002"))
    [revision] = review.revisions
    assert (revision.from_class, revision.to_class, revision.revised_at) == ("bad", "good", at("2026-03-15", 10))
    assert review.text == "质量很差，用了两天就坏了"  # a file without a text column does not erase the text
    assert _events(session, "review_revised") == 1
    case = session.scalar(select(ReviewCase).where(ReviewCase.review_id == review.id))
    assert (case.status, case.outcome) == ("closed", "revised")


def test_a_line_refused_after_the_batch_began_leaves_the_others_stored_once(session, shop, tmp_path):
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("review_id,order_id,sku,stars,text,reviewed_at\n"
                     "A1,T0001,,5,好,2026-03-10 10:00\n"
                     "A2,T0002,NO-SUCH-SKU,4,还行,2026-03-10 10:00\n"
                     "A3,T0003,,1,差,2026-03-10 10:00\n"
                     "A1,T0001,,5,好,2026-03-10 10:00\n", encoding="utf-8")
    report = import_reviews(session, mixed, shop=shop, platform="taobao", actor=SYSTEM)
    assert (report.created, report.unchanged, report.rejected) == (2, 1, 1)  # the repeated A1 is a replay
    assert report.rejects == [(3, "sku", "line 3: sku: order T0002 has no line with SKU 'NO-SUCH-SKU'")]
    assert sorted(session.scalars(select(Review.external_id))) == ["A1", "A3"]
    assert _events(session, "review_received") == 2


def test_a_file_without_required_columns_or_a_dry_run(session, shop, tmp_path):
    bad = tmp_path / "no_date.csv"
    bad.write_text("评价ID,订单编号,星级\nRV1,T0001,5\n", encoding="utf-8")
    with pytest.raises(ShopCXError) as missing:
        import_reviews(session, bad, shop=shop, platform="taobao", actor=SYSTEM)
    assert missing.value.code == "missing_column" and "no reviewed_at column" in missing.value.message
    with pytest.raises(ShopCXError, match="platform: 'ebay'"):
        import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="ebay", actor=SYSTEM)
    dry = import_reviews(session, SAMPLES / "taobao_reviews.csv", shop=shop, platform="taobao", actor=SYSTEM,
                         dry_run=True)
    assert dry.created == 4 and _count(session, Review) == 0 and _count(session, OutboxEvent) == 6  # orders' own


def test_cli_import_prints_counts_and_writes_rejects(session, shop, tmp_path):
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["reviews", "import", str(SAMPLES / "taobao_reviews.csv"), "--platform", "taobao",
                                 "--rejects", str(rejects), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert (out["created"], out["rejected"], out["shop"]) == (4, 5, "tb")  # the only taobao shop
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["line", "column", "reason"] and [r[0] for r in rows[1:]] == ["5", "6", "7", "8", "10"]
    table = runner.invoke(app, ["reviews", "import", str(SAMPLES / "taobao_reviews.csv"), "-p", "taobao",
                                "--shop", "tb"])
    assert table.exit_code == 0 and "unchanged" in table.stdout and "line 5:" in table.output
    missing = runner.invoke(app, ["reviews", "import", str(tmp_path / "nope.csv"), "-p", "taobao"])
    assert missing.exit_code == 2 and "does not exist" in missing.output
    unknown = runner.invoke(app, ["reviews", "import", str(SAMPLES / "taobao_reviews.csv"), "-p", "taobao",
                                  "--shop", "nope"])
    assert unknown.exit_code == 2 and "no shop with code 'nope'" in unknown.output
    dsr = runner.invoke(app, ["reviews", "dsr", "--shop", "tb", "--as-of", "2026-03-31", "--json"])
    assert dsr.exit_code == 0, dsr.output
    assert json.loads(dsr.stdout)["summary"]["dimensions"][0]["mean"] == 3.5


def test_a_jd_export_without_review_ids_imports_with_stable_keys_and_class_codes(session):
    shop = make_shop(session, code="jdshop", platform="jd")
    for n in range(1, 6):
        order(session, shop, f"J000{n}")
    path = SAMPLES / "jd_reviews_no_id.csv"  # GB18030; 评价类型 is JD's class code, 创建时间 the review's date
    report = import_reviews(session, path, shop=shop, platform="jd", actor=SYSTEM)
    assert (report.created, report.rejected) == (3, 2)
    assert report.rejects == [
        (5, "评价类型", "line 5: 评价类型 '4' is not 好评/中评/差评 (good/neutral/bad)"),
        (6, "创建时间", "line 6: 创建时间 '2026-03-40 11:00:00' is not a date and time (use YYYY-MM-DD HH:MM:SS)")]
    reviews = list(session.scalars(select(Review)))
    by_text = {r.text: r for r in reviews}
    bad = by_text["杯盖漏水，客服也不回"]
    # Code 1 is a 差评 (not 1 star: the line has no stars at all); code 3 with 5 stars is a 好评.
    assert (bad.rating_class, bad.stars) == ("bad", None)
    assert by_text["保温效果很好，物流也快"].rating_class == "good"
    neutral = by_text["一般般吧"]
    assert (neutral.rating_class, neutral.followup_text) == ("neutral", "用了一周还行")
    assert bad.reviewed_at == at("2026-03-13", 0)  # 08:00 in Shanghai
    assert all(r.external_id.startswith("k:") for r in reviews)
    again = import_reviews(session, path, shop=shop, platform="jd", actor=SYSTEM)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert _count(session, Review) == 3


def test_a_taobao_export_with_first_review_and_followup_columns_and_no_ids(session, shop):
    path = SAMPLES / "taobao_reviews_no_id.csv"
    report = import_reviews(session, path, shop=shop, platform="taobao", actor=SYSTEM)
    assert (report.created, report.rejected) == (2, 0)
    second = session.scalar(select(Review).where(Review.text == "颜色和图片有色差"))
    assert (second.rating_class, second.followup_text, second.reply_text) == (
        "neutral", "后来想想也还行", "亲，抱歉给您带来不便")
    assert import_reviews(session, path, shop=shop, platform="taobao", actor=SYSTEM).unchanged == 2
