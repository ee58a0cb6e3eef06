# ruff: noqa: F811  (fixtures from other suites are imported below and used as test arguments)
"""The weekly report by e-mail through a real local SMTP server: owners and managers with an address, each in their
language, the charts inline by Content-ID, the PDF attached (its text read back in both languages), once each."""

from __future__ import annotations

import io
from datetime import date

from pypdf import PdfReader

from shopcx.core import clock
from shopcx.dashboard import delivery, weekly
from shopcx.dashboard.models import WeeklyReportMail
from shopcx.staff import service as staff
from shopcx.staff.service import Actor

from ..messaging.conftest import configured, smtp_server  # noqa: F401
from ..web.conftest import client, login, make_user  # noqa: F401
from .test_home import NOW, loop_shop  # noqa: F401

OWNER = Actor(label="user:owner1", role="owner")


def _people(session):
    made = {}
    for name, role, locale, email in (("boss", "owner", "zh", "boss@example.com"),
                                      ("mgr", "manager", "en", "mgr@example.com"),
                                      ("agent", "agent", "zh", "agent@example.com"),
                                      ("mgr2", "manager", "zh", None)):
        made[name] = staff.create_user(session, username=name, password="s3cret-pass-123", role=role,
                                       locale=locale, email=email)
    session.flush()
    return made


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _report(session, loop_shop):
    with clock.frozen_at(NOW):
        weekly.build_report(session, loop_shop, date(2026, 3, 9), actor=OWNER)
        report, _ = weekly.build_report(session, loop_shop, date(2026, 3, 16), actor=OWNER)
    return report


def test_mailed_once_per_recipient_in_their_language_with_charts_and_pdf(session, loop_shop, configured,
                                                                         smtp_server):
    _people(session)
    report = _report(session, loop_shop)
    with clock.frozen_at(NOW):
        tried = delivery.deliver(session, report)
    assert sorted((m.address, m.locale, m.status) for m in tried) == [
        ("boss@example.com", "zh", "sent"), ("mgr@example.com", "en", "sent")]  # not the agent, not mgr2
    inbox = smtp_server.inbox
    assert inbox.to("agent@example.com") == [] and len(inbox.received) == 2
    zh, en = inbox.to("boss@example.com")[0], inbox.to("mgr@example.com")[0]
    assert zh["Subject"] == "循环店 · 2026-03-16 这一周的周报"
    assert en["Subject"] == "循环店 · report for the week of 2026-03-16"

    # 好评率 3 of 4 = 75.0%; 2 open tickets; the one member holds no points: a liability of ¥0.00 (in yuan, not 分).
    for mail, words in ((zh, ("好评率", "未结工单", "75.0%", "¥0.00")),
                        (en, ("Positive rate", "Open tickets", "75.0%", "¥0.00"))):
        html = mail.get_body(("html",)).get_content()
        images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
        # Of the charted figures the shop has 好评率, SLA compliance and the backlog: one picture each, by Content-ID.
        assert len(images) == 3
        for image in images:
            assert image["Content-ID"].strip("<>") in html and image.get_content()[:8] == b"\x89PNG\r\n\x1a\n"
        pdfs = [p for p in mail.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert len(pdfs) == 1
        text = _pdf_text(pdfs[0].get_content())
        for word in words:
            assert word in html and word in text, word
    assert "本周三大变化" in _pdf_text(zh.get_payload()[-1].get_content())
    assert "The three biggest movements" in _pdf_text(en.get_payload()[-1].get_content())

    # Delivering again (the hourly job, a second click) sends nothing more.
    assert delivery.deliver(session, report) == [] and len(inbox.received) == 2
    assert session.query(WeeklyReportMail).count() == 2


def test_a_refused_mail_is_tried_again_and_a_sent_one_is_not(session, loop_shop, configured, smtp_server):
    _people(session)
    report = _report(session, loop_shop)
    smtp_server.inbox.answers = ["451 4.3.0 try later"]  # the first DATA (one of the two mails) is refused
    first = delivery.deliver(session, report)
    assert sorted(m.status for m in first) == ["retry", "sent"]
    assert delivery.retry_due(session, weeks=600) == [report.id]
    again = delivery.deliver(session, report)
    assert [(m.status, m.attempts) for m in again] == [("sent", 2)]
    assert len(smtp_server.inbox.received) == 2 and delivery.retry_due(session, weeks=600) == []


def test_archive_page_offers_the_pdf_and_sends(login, session, loop_shop, configured, smtp_server):
    owner = login("owner")
    owner.user.email = "owner1@example.com"
    session.flush()
    report = _report(session, loop_shop)
    pdf = owner.get(f"/reports/weekly/{report.id}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and "好评率" in _pdf_text(pdf.content)
    page = owner.get(f"/reports/weekly/{report.id}")
    assert "下载 PDF" in page.text and "还没有发送给任何人。" in page.text and "¥0.00" in page.text
    sent = owner.post(f"/reports/weekly/{report.id}/send", {})
    assert sent.status_code == 303
    assert "已发送" in owner.get(f"/reports/weekly/{report.id}").text
    assert len(smtp_server.inbox.to("owner1@example.com")) == 1


def test_the_monday_job_builds_and_mails_last_weeks_report_once(session, loop_shop, configured, smtp_server):
    from datetime import UTC, datetime

    from shopcx.dashboard import jobs
    from shopcx.dashboard.models import WeeklyReport

    _people(session)
    monday_nine = datetime(2026, 3, 23, 1, 0, tzinfo=UTC)  # Mon 23 Mar 09:00 in Shanghai
    with clock.frozen_at(monday_nine):
        assert jobs.build_due_reports() == 1
    with clock.frozen_at(monday_nine.replace(hour=2)):
        assert jobs.build_due_reports() == 0  # built already; nobody mailed twice
    session.expire_all()
    [report] = session.query(WeeklyReport).all()
    assert report.week_on == date(2026, 3, 16)
    assert sorted(rcpt for rcpt, _ in smtp_server.inbox.received) == ["boss@example.com", "mgr@example.com"]
