"""The weekly report by e-mail: to every active owner and manager with an address (permission reports:receive), in
their own language, as HTML with the charts inline (Content-ID) and the PDF attached. One mail per report and
recipient: a mail that went out is never sent again; one that failed for a while is tried at the next delivery."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock, i18n
from ..messaging import service as messaging
from ..shops import service as shops
from ..staff import service as staff
from ..staff.models import StaffUser
from ..staff.rules import can
from . import report_media, weekly
from .models import WeeklyReport, WeeklyReportMail

PERMISSION = "reports:receive"
DONE = ("sent", "sandbox")  # a mail in one of these states is not sent again
_MAIL_TEMPLATES = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates")),
                              autoescape=select_autoescape(default=True, default_for_string=True),
                              trim_blocks=True, lstrip_blocks=True)


def recipients(session: Session) -> list[StaffUser]:
    """Active staff whose role receives the report and who have an e-mail address."""
    return [u for u in staff.list_users(session) if u.is_active and u.email and can(u.role, PERMISSION)]


def mails_of(session: Session, report: WeeklyReport) -> list[WeeklyReportMail]:
    """The report's mails, one per recipient."""
    return list(session.scalars(select(WeeklyReportMail).where(WeeklyReportMail.report_id == report.id)
                                .order_by(WeeklyReportMail.id)))


def history(session: Session, report: WeeklyReport) -> list[WeeklyReport]:
    """The shop's reports up to this one, the last weeks the charts draw."""
    return list(session.scalars(select(WeeklyReport).where(WeeklyReport.shop_id == report.shop_id,
                                                           WeeklyReport.week_on <= report.week_on)
                                .order_by(WeeklyReport.week_on.desc()).limit(report_media.HISTORY_WEEKS)))


def pdf_of(session: Session, report: WeeklyReport, locale: str) -> bytes:
    """The report's PDF in locale, with its charts (the archive page's download and the mail's attachment)."""
    shop = shops.get_shop_by_id(session, report.shop_id)
    return report_media.pdf(report, shop.name, locale, report_media.charts(history(session, report), report))


def compose(report: WeeklyReport, shop_name: str, locale: str, pictures: dict[str, bytes],
            pdf_bytes: bytes) -> EmailMessage:
    """The mail in locale: a plain-text part, an HTML part showing each chart by Content-ID, the PDF attached."""
    week = report.week_on.isoformat()
    sentences = weekly.sentences(report, locale)
    cids = {key: make_msgid("chart")[1:-1] for key in pictures}
    message = EmailMessage()
    message["Subject"] = i18n.t("weekly.mail_subject", locale, shop=shop_name, week=week)
    lines = [i18n.t("weekly.of_week", locale, week=week), shop_name, "", *sentences, ""]
    lines += [f"{i18n.t('dashboard.figure.' + r['key'], locale)}: {weekly.shown(r, 'value')}"
              for r in report.content["figures"]]
    message.set_content("\n".join(lines))
    html = _MAIL_TEMPLATES.get_template("weekly_mail.html").render(
        t=lambda key, **values: i18n.t(key, locale, **values), report=report, shop_name=shop_name,
        sentences=sentences, shown=weekly.shown, cids=cids, locale=locale)
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for key, png in pictures.items():
        html_part.add_related(png, "image", "png", cid=f"<{cids[key]}>", filename=f"{key}.png")
    message.add_attachment(pdf_bytes, "application", "pdf", filename=f"weekly-{shop_name}-{week}-{locale}.pdf")
    return message


def deliver(session: Session, report: WeeklyReport) -> list[WeeklyReportMail]:
    """Mail the report to each recipient not yet reached; returns the mails tried now (with their outcome)."""
    done = {m.user_id: m for m in mails_of(session, report)}
    due = [u for u in recipients(session) if u.id not in done or done[u.id].status not in DONE]
    if not due:
        return []
    shop = shops.get_shop_by_id(session, report.shop_id)
    pictures = report_media.charts(history(session, report), report)
    by_locale: dict[str, tuple[bytes, list[StaffUser]]] = {}
    for user in due:
        locale = i18n.normalize_locale(user.locale)
        if locale not in by_locale:
            by_locale[locale] = (report_media.pdf(report, shop.name, locale, pictures), [])
        by_locale[locale][1].append(user)
    mails = [(user, locale, compose(report, shop.name, locale, pictures, pdf_bytes))
             for locale, (pdf_bytes, users) in by_locale.items() for user in users]
    outcomes = messaging.send_staff_mails([(user.email, message) for user, _, message in mails])
    now, tried = clock.now(), []
    for (user, locale, _), outcome in zip(mails, outcomes, strict=True):
        row = done.get(user.id) or WeeklyReportMail(report_id=report.id, user_id=user.id, attempts=0)
        row.address, row.locale, row.status, row.reason = user.email, locale, outcome.status, outcome.reason
        row.attempts += 1
        row.sent_at = now if outcome.status in DONE else None
        session.add(row)
        tried.append(row)
    session.flush()
    return tried


def retry_due(session: Session, weeks: int = 2) -> list[int]:
    """Reports of the last weeks with a mail that did not go out yet (a temporary failure): tried again each hour."""
    since = clock.now().date() - timedelta(weeks=weeks)
    return sorted(set(session.scalars(
        select(WeeklyReportMail.report_id).join(WeeklyReport, WeeklyReport.id == WeeklyReportMail.report_id)
        .where(WeeklyReportMail.status == "retry", WeeklyReport.week_on >= since))))
