# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""Data rights through the pages: a buyer's request verified by a one-time code, staff recording a request, the
export download, an erasure that asks first about an open ticket, staff views of phones logged, retention."""

from __future__ import annotations

import hashlib
import hmac
import io
import re
import zipfile
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from shopcx.core import clock
from shopcx.core.settings import get_settings
from shopcx.imports.models import ImportJob, ImportReject
from shopcx.messaging import service as messaging
from shopcx.messaging.channels.lists import SANDBOX
from shopcx.messaging.models import Message, Suppression
from shopcx.messaging.sender import send_due
from shopcx.privacy import erasure, service
from shopcx.privacy.models import DataRequest, PiiView

from ..web.conftest import client, csrf_of, login, make_user  # noqa: F401
from .helpers import leftovers
from .test_erasure import EMAIL, NAME, PHONE, _buyer


def test_deadline_counts_working_days_across_the_national_day_holiday():
    # Mon 28 Sep 2026 + 15 working days: 1–7 Oct are the National Day holiday, Sat 10 Oct a 调休 working day:
    # 29, 30 Sep (2), 8, 9, 10 Oct (5), 12–16 (10), 19–23 (15) -> Fri 23 Oct; without the holiday: Mon 19 Oct.
    assert service.due_on(date(2026, 9, 28), 15) == date(2026, 10, 23)


def _sent_code(session, request_id: int) -> str:
    """Run the messaging sender and read the code the sandbox provider carried for this request."""
    report = send_due()
    assert report.sent >= 1
    session.expire_all()  # the sender recorded the outcome in its own unit of work
    [message] = messaging.messages_for(session, "data_request", [request_id])
    assert (message.status, message.provider, message.purpose) == ("sent", "sandbox", "verification")
    outgoing = next(o for o in reversed(SANDBOX) if o.id == message.id)
    assert "/msg/u/" not in outgoing.body and outgoing.unsubscribe_url is None  # not marketing: no footer
    return re.search(r"\b(\d{6})\b", outgoing.body).group(1)


def test_buyer_asks_with_the_code_sent_to_the_phone_on_record(client, session):
    _, customer, _ = _buyer(session)
    page = client.get("/data-request")
    assert page.status_code == 200 and "个人信息请求" in page.text
    # 23:30 in Shanghai, inside the default quiet hours: a code the buyer just asked for is not held till morning.
    with clock.frozen_at(datetime(2026, 3, 10, 15, 30, tzinfo=UTC)):
        sent = client.post("/data-request", data={"csrf_token": csrf_of(page.text), "kind": "export",
                                                  "contact": PHONE})
        request_id = int(re.search(r'action="/data-request/(\d+)"', sent.text).group(1))
        code = _sent_code(session, request_id)
        assert code not in sent.text and "验证码已发送" in sent.text  # the page never shows the code
        [message] = messaging.messages_for(session, "data_request", [request_id])
        assert message.channel == "sms" and message.address == "+86" + PHONE and "15 分钟内有效" in message.body
        wrong = client.post(f"/data-request/{request_id}", data={"csrf_token": csrf_of(sent.text), "code": "000000"
                            if code != "000000" else "111111"})
        assert wrong.status_code == 422 and "验证码不正确" in wrong.text
        done = client.post(f"/data-request/{request_id}", data={"csrf_token": csrf_of(sent.text), "code": code})
    assert done.status_code == 200 and 'id="request-done"' in done.text
    found = session.get(DataRequest, request_id)
    assert found.status == "open" and found.customer_id == customer.id and found.due_on is not None
    assert found.contact_masked and PHONE not in found.contact_masked
    # An unknown contact gets the same page, no request and no message.
    before = session.query(Message).count()
    other = client.post("/data-request", data={"csrf_token": csrf_of(page.text), "kind": "erase",
                                               "contact": "13700000000"})
    assert other.status_code == 200 and "验证码已发送" in other.text and session.query(Message).count() == before


def test_a_buyer_chooses_english_and_every_step_stays_in_it(client, session):
    """The page offers the other language; the choice rides along in the forms, so the code's message, the next
    step and an error are all in English (the page followed only the staff's interface cookie before)."""
    _, _, _ = _buyer(session)
    page = client.get("/data-request")
    assert 'href="/data-request?lang=en"' in page.text
    english = client.get("/data-request?lang=en")
    assert english.status_code == 200 and "Your personal data" in english.text and "个人信息请求" not in english.text
    assert 'name="lang" value="en"' in english.text
    with clock.frozen_at(datetime(2026, 3, 10, 3, 0, tzinfo=UTC)):
        sent = client.post("/data-request", data={"csrf_token": csrf_of(english.text), "kind": "export",
                                                  "contact": PHONE, "lang": "en"})
        request_id = int(re.search(r'action="/data-request/(\d+)"', sent.text).group(1))
        [message] = messaging.messages_for(session, "data_request", [request_id])
        assert message.locale == "en" and 'name="lang" value="en"' in sent.text and "验证码" not in sent.text
        assert "?lang=" not in sent.text  # no switch mid-way: the code step is a POST's answer
        wrong = client.post(f"/data-request/{request_id}", data={"csrf_token": csrf_of(sent.text), "lang": "en",
                                                                 "code": "000000" if _sent_code(session, request_id)
                                                                 != "000000" else "111111"})
    assert wrong.status_code == 422 and "验证码" not in wrong.text and 'lang="en"' in wrong.text


def test_the_code_goes_by_e_mail_in_the_page_language_and_is_kept_as_a_hash(session):
    _buyer(session)
    # The buyer's address bounced hard before (suppressed): no code can reach it, the message says why.
    blocked = service.start_public_request(session, "export", EMAIL, locale="en")
    [message] = messaging.messages_for(session, "data_request", [blocked.id])
    assert (message.status, message.reason) == ("skipped", "suppressed")
    session.query(Suppression).delete()
    request = service.start_public_request(session, "export", EMAIL.upper(), locale="en")
    [message] = messaging.messages_for(session, "data_request", [request.id])
    assert (message.channel, message.address, message.locale, message.status) == ("email", EMAIL, "en", "queued")
    assert message.subject == "Your code for a personal data request"
    assert message.expires_at == request.code_expires_at
    code = _sent_code(session, request.id)
    key = get_settings().resolved_secret_key().encode()
    assert request.code_hash == hmac.new(key, f"data-request:{request.id}:{code}".encode(), hashlib.sha256).hexdigest()


def test_staff_record_export_and_erase_with_confirmation(login, session):
    _, customer, ticket = _buyer(session)
    owner = login("owner")
    page = owner.get(f"/customers/{customer.id}")
    assert 'id="privacy-panel"' in page.text
    views = session.scalars(select(PiiView).where(PiiView.customer_id == customer.id)).all()
    assert views and views[-1].actor == f"user:{owner.user.username}" and "phone" in views[-1].fields
    # The next visit lists that view in the panel, its fields in the page's words (not the stored keys).
    panel = owner.get(f"/customers/{customer.id}").text.split('id="privacy-panel"', 1)[1]
    assert "电话" in panel and "phone" not in panel.split("</section>", 1)[0]
    made = owner.post("/privacy/requests", {"customer": str(customer.id), "kind": "export"})
    assert made.status_code == 303
    export_page = made.headers["location"]
    download = owner.post(export_page + "/export")
    assert download.headers["content-type"] == "application/zip"
    assert "order.csv" in zipfile.ZipFile(io.BytesIO(download.content)).namelist()
    erase = owner.post("/privacy/requests", {"customer": str(customer.id), "kind": "erase"})
    erase_page = erase.headers["location"]
    assert f"ticket #{ticket.id}" in owner.get(erase_page).text
    refused = owner.post(erase_page + "/erase")
    assert refused.status_code == 409
    assert leftovers(session, [PHONE])  # nothing erased
    assert owner.post(erase_page + "/erase", {"confirm": "yes"}).status_code == 303
    assert leftovers(session, [PHONE, EMAIL, NAME]) == []
    assert owner.get("/privacy").status_code == 200
    assert login("agent", username="agent5").get("/privacy").status_code == 403


def test_retention_empties_old_raw_import_rows(session):
    old = ImportJob(kind="orders", format="generic", filename="old.csv", status="done", created_by="system",
                    created_at=clock.now() - timedelta(days=100))
    new = ImportJob(kind="orders", format="generic", filename="new.csv", status="done", created_by="system",
                    created_at=clock.now() - timedelta(days=2))
    session.add_all([old, new])
    session.flush()
    session.add_all([ImportReject(job_id=old.id, line_no=2, reason="bad", raw=f"{NAME},{PHONE}"),
                     ImportReject(job_id=new.id, line_no=2, reason="bad", raw="李四,13700000000")])
    session.flush()
    assert erasure.apply_retention(session)["imports"] == 1
    raws = {r.job_id: r.raw for r in session.scalars(select(ImportReject))}
    assert raws[old.id] is None and raws[new.id] == "李四,13700000000"
    assert datetime.now(UTC)  # the job's own clock comes from core.clock
