"""Answers collected elsewhere, imported from files shaped like a 问卷星 (Wenjuanxing) CSV export (GB18030, one
header row, "(跳过)" for a skipped question, "┋" between choices) and a SurveyMonkey XLSX export (two header rows,
one column per option): the mapping, line-numbered rejects in the page's language, idempotent re-import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from shopcx.core import clock
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service
from shopcx.surveys.service import imports
from shopcx.surveys.tables import Answer, Response

from ..factories import make_order, make_shop

NOW = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)
WJX_HEAD = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP", "1、您对这次购物的整体体验满意吗？",
            "2、您对配送速度满意吗？", "3、商品到货时包装是否完好？", "4、遇到了哪些问题？",
            "5、还有什么想告诉我们的吗？"]
WJX_ROWS = [
    ["1", "2026/11/03 10:12:30", "95秒", "手机提交", "直接访问", "1.2.3.4(上海-上海)", "2", "1", "4", "到货慢┋商品破损",
     "快递太慢了"],
    ["2", "2026/11/03 11:00:00", "60秒", "手机提交", "微信", "5.6.7.8(浙江-杭州)", "5", "非常满意", "5", "(跳过)",
     "(空)"],
    ["3", "2026/11/04 09:00:00", "40秒", "手机提交", "微信", "5.6.7.9(浙江-杭州)", "9", "5", "5", "(跳过)", "(空)"],
    ["4", "2026/11/04 09:30:00", "40秒", "手机提交", "微信", "5.6.7.9(浙江-杭州)", "(跳过)", "4", "4", "(跳过)", ""],
    ["5", "2026/13/40 09:30:00", "40秒", "手机提交", "微信", "5.6.7.9(浙江-杭州)", "5", "4", "4", "(跳过)", ""],
]


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def survey(session):
    shop = make_shop(session, code="svimp", name="青竹茶庄")
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    session.flush()
    return survey


@pytest.fixture
def wjx(tmp_path):
    path = tmp_path / "问卷星_123456_按文本.csv"
    out = io.StringIO()
    csv.writer(out).writerows([WJX_HEAD, *WJX_ROWS])
    path.write_bytes(out.getvalue().encode("gb18030"))
    return path


@pytest.fixture
def monkey(tmp_path):
    book = Workbook()
    sheet = book.active
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
            "Last Name", "Custom Data 1"]
    sheet.append([*meta, "How satisfied are you with this order overall?",
                  "How satisfied are you with the delivery time?",
                  "How satisfied are you with the packaging on arrival?", "What went wrong?", None,
                  "Anything else you would like to tell us?"])
    sheet.append([None] * len(meta) + ["Response", "Response", "Response", "It arrived late", "It arrived damaged",
                                      "Open-Ended Response"])
    sheet.append([114000001, 431000, "11/03/2026 10:00:00 AM", "11/03/2026 10:05:00 AM", "", "", "", "", "",
                  2, 1, 4, "It arrived late", None, "slow"])
    sheet.append([114000002, 431000, "11/04/2026 08:00:00 PM", "11/04/2026 08:01:10 PM", "", "", "", "", "",
                  "Very satisfied", 5, 5, None, None, None])
    sheet.append([114000003, 431000, "11/04/2026 08:00:00 PM", "11/04/2026 08:01:10 PM", "", "", "", "", "",
                  2, 7, 5, None, "It arrived damaged", None])
    path = tmp_path / "Data_All_261106.xlsx"
    book.save(path)
    return path


def test_a_wenjuanxing_export_is_recognised_and_mapped_by_question_text(session, survey, wjx):
    sheet = imports.read_sheet(wjx)
    assert sheet.shape == "wenjuanxing" and sheet.header_lines == 1
    mapping = imports.suggest_mapping(service.published(session, survey), sheet)
    assert mapping == {"序号": "@respondent", "提交答卷时间": "@submitted", WJX_HEAD[6]: "csat",
                       WJX_HEAD[7]: "delivery", WJX_HEAD[8]: "packaging", WJX_HEAD[9]: "issue",
                       WJX_HEAD[10]: "comment"}


def test_rows_are_stored_and_bad_rows_rejected_with_line_and_reason(session, survey, wjx):
    mapping = imports.suggest_mapping(service.published(session, survey), imports.read_sheet(wjx))
    seen = []
    done = imports.import_answers(session, survey, wjx, mapping, locale="zh", actor=SYSTEM, progress=seen.append)
    assert (done.stored, done.already, len(seen)) == (2, 0, 5)
    assert [line for line, _ in done.rejects] == [4, 5, 6]
    (_, out_of_range), (_, missing), (_, bad_date) = done.rejects
    assert "1、您对这次购物的整体体验满意吗？" in out_of_range and "答案不在可选范围内" in out_of_range
    assert "4" in out_of_range
    assert "这一题需要回答" in missing
    assert "2026/13/40 09:30:00" in bad_date and "不是日期时间" in bad_date
    first = session.scalar(select(Response).where(Response.respondent == "1"))
    assert first.source == "import" and first.anonymous and first.customer_id is None and not first.partial
    assert first.submitted_at.replace(tzinfo=UTC) == datetime(2026, 11, 3, 10, 12, 30, tzinfo=UTC)
    assert first.wave == "2026-11"
    answers = dict(session.execute(select(Answer.question, Answer.value).where(Answer.response_id == first.id)).all())
    assert answers == {"csat": 2, "delivery": 1, "packaging": 4, "issue": ["late", "damaged"], "comment": "快递太慢了"}
    second = session.scalar(select(Response).where(Response.respondent == "2"))
    assert session.scalar(select(Answer.value).where(Answer.response_id == second.id,
                                                     Answer.question == "delivery")) == 5  # the end label


def test_importing_the_same_file_twice_stores_nothing_new(session, survey, wjx):
    mapping = imports.suggest_mapping(service.published(session, survey), imports.read_sheet(wjx))
    imports.import_answers(session, survey, wjx, mapping, actor=SYSTEM)
    again = imports.import_answers(session, survey, wjx, mapping, locale="en", actor=SYSTEM)
    assert (again.stored, again.already, len(again.rejects)) == (0, 2, 3)
    assert again.rejects[0][1] == "Line 4: 1、您对这次购物的整体体验满意吗？: 9 is outside 1–5"
    assert session.scalar(select(func.count(Response.id))) == 2


def test_a_surveymonkey_export_with_two_header_rows_and_a_column_per_option(session, survey, monkey):
    sheet = imports.read_sheet(monkey)
    assert sheet.shape == "surveymonkey" and sheet.header_lines == 2
    assert "What went wrong? / It arrived damaged" in sheet.columns
    mapping = imports.suggest_mapping(service.published(session, survey), sheet)
    assert mapping["Respondent ID"] == "@respondent" and mapping["End Date"] == "@submitted"
    assert mapping["How satisfied are you with the delivery time?"] == "delivery"
    mapping |= {"What went wrong? / It arrived late": "issue=late", "What went wrong? / It arrived damaged":
                "issue=damaged"}
    done = imports.import_answers(session, survey, monkey, mapping, locale="en", actor=SYSTEM)
    assert done.stored == 2 and [line for line, _ in done.rejects] == [5]
    assert "How satisfied are you with the delivery time?" in done.rejects[0][1] and "5" in done.rejects[0][1]
    first = session.scalar(select(Response).where(Response.respondent == "114000001"))
    assert first.submitted_at.replace(tzinfo=UTC) == datetime(2026, 11, 3, 10, 5, tzinfo=UTC)
    answers = dict(session.execute(select(Answer.question, Answer.value).where(Answer.response_id == first.id)).all())
    assert answers["issue"] == ["late"] and answers["csat"] == 2 and answers["comment"] == "slow"
    other = session.scalar(select(Response).where(Response.respondent == "114000002"))
    assert session.scalar(select(Answer.score).where(Answer.response_id == other.id, Answer.question == "csat")) == 5


def test_a_mapping_to_an_unknown_question_or_without_respondent_is_refused(session, survey, wjx, tmp_path):
    with pytest.raises(service.InvalidInput) as bad:
        imports.import_answers(session, survey, wjx, {"序号": "@respondent", "1、x": "nope"}, actor=SYSTEM)
    assert bad.value.code == "invalid_mapping"
    with pytest.raises(service.InvalidInput) as none:
        imports.import_answers(session, survey, wjx, {WJX_HEAD[6]: "csat"}, actor=SYSTEM)
    assert none.value.code == "import_no_respondent_column"
    assert session.scalar(select(func.count(Response.id))) == 0


def test_a_customer_column_links_the_answer_unless_the_survey_is_anonymous(session, survey, tmp_path):
    buyer = make_order(session, make_shop(session, code="svimp2")).customer_id
    path = tmp_path / "plain.csv"
    path.write_text(f"id,customer,csat,delivery,packaging\nr1,{buyer},5,5,5\nr2,999999,4,4,4\n", encoding="utf-8")
    mapping = {"id": "@respondent", "customer": "@customer", "csat": "csat", "delivery": "delivery",
               "packaging": "packaging"}
    done = imports.import_answers(session, survey, path, mapping, wave="2026-Q4", actor=SYSTEM)
    assert done.stored == 1 and done.rejects[0][0] == 3 and "999999" in done.rejects[0][1]
    stored = session.scalar(select(Response))
    assert stored.customer_id == buyer and not stored.anonymous and stored.wave == "2026-Q4"


def test_the_command_imports_with_a_progress_bar_and_prints_the_rejects(session, survey, wjx):
    import json

    from typer.testing import CliRunner

    from shopcx.cli import app

    done = CliRunner().invoke(app, ["surveys", "import", str(survey.id), str(wjx), "--lang", "zh", "--json"])
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert (out["shape"], out["stored"], out["already"], out["rejected"]) == ("wenjuanxing", 2, 0, 3)
    assert out["rejects"][0] == {"line": 4,
                                 "reason": "第 4 行：1、您对这次购物的整体体验满意吗？：答案不在可选范围内。"}
    again = CliRunner().invoke(app, ["surveys", "import", str(survey.id), str(wjx),
                                     "--map", "5、还有什么想告诉我们的吗？="])
    assert again.exit_code == 0 and "0 stored, 2 already imported, 3 rejected" in again.stdout
    unknown = CliRunner().invoke(app, ["surveys", "import", "999999", str(wjx)])
    assert unknown.exit_code == 2
