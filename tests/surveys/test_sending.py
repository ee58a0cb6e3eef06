# ruff: noqa: F811  (fixtures imported below are used as test arguments)
"""Survey sending through messaging: personal links queued as messages, the fatigue cap, quotas, reminders to
non-responders, waves drawn by a seeded sample, the order-delivered trigger, the sending page and its link list."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from shopcx.core import clock, jobs
from shopcx.messaging.models import Message
from shopcx.messaging.sender import send_due
from shopcx.staff.service import SYSTEM
from shopcx.surveys import service as surveys
from shopcx.surveys.sending import service as sending
from shopcx.surveys.tables import Invitation, Response

from ..api.conftest import token  # noqa: F401
from ..factories import make_order
from ..messaging.conftest import configured, http_provider, make_buyer, shop, smtp_server  # noqa: F401
from ..web.conftest import client, login, make_user  # noqa: F401
from .factories import scored_run

NOON = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TOKEN = re.compile(r"/s/([A-Za-z0-9_\-]+\.[0-9a-f]{64})")


@pytest.fixture(autouse=True)
def _noon():
    with clock.frozen_at(NOON):
        yield


def published(session, shop, code="csat"):
    survey = surveys.create_from_preset(session, shop.id, "csat_delivery", code=code, actor=SYSTEM)
    surveys.publish(session, survey, actor=SYSTEM)
    return survey


def messages(session, purpose="survey") -> list[Message]:
    session.expire_all()
    return list(session.scalars(select(Message).where(Message.purpose == purpose).order_by(Message.id)))


def test_invitations_go_out_as_e_mails_with_a_working_personal_link(session, shop, make_buyer, configured,
                                                                     smtp_server):
    survey = published(session, shop)
    buyers = [make_buyer(n) for n in range(3)]
    result = sending.send_invitations(session, survey, [b.id for b in buyers], wave="2026-12", actor=SYSTEM)
    assert (result.queued, result.skipped) == (3, [])
    assert send_due().sent == 3
    [mail] = smtp_server.inbox.to(buyers[0].email)
    assert mail["Subject"] == "买家0，您对青竹茶庄的这次购物满意吗？"
    [row] = [m for m in messages(session) if m.customer_id == buyers[0].id]
    assert row.ref_type == "survey_invitation" and row.status == "sent"
    token = TOKEN.search(row.body).group(1)
    assert surveys.open_link(session, token).id == row.ref_id
    assert "2027-01-05" in row.body  # the link's last day (30 days) in the shop's timezone


@pytest.mark.parametrize("channel", ["sms", "wechat"])
def test_invitations_by_sms_or_webhook_reach_the_provider_with_a_working_link(session, shop, make_buyer,
                                                                               http_provider, channel):
    from shopcx.messaging.config import get_messaging_settings

    settings = get_messaging_settings()
    saved = (settings.wechat_url, settings.wechat_secret)
    settings.wechat_url, settings.wechat_secret = settings.sms_url, "provider-secret"  # the same local provider
    try:
        survey = published(session, shop)
        source = "wechat" if channel == "wechat" else "taobao"  # a WeChat address is the buyer's WeChat identity
        buyer = make_buyer(1, consent=None, phone="+8613800138001", source=source,
                           consents={"email": True, "sms": True, "wechat": True})
        result = sending.send_invitations(session, survey, [buyer.id], wave="2026-12", channel=channel,
                                          actor=SYSTEM)
        assert (result.queued, result.skipped) == (1, [])
        assert send_due().sent == 1
    finally:
        settings.wechat_url, settings.wechat_secret = saved
    [(headers, body)] = http_provider.bodies
    assert body["channel"] == channel and body["to"] == ("+8613800138001" if channel == "sms" else "b1")
    assert headers["x-shopcx-signature"] and "/msg/c/" in body["body"] and "2027-01-05" in body["body"]
    [row] = messages(session)  # the stored text; the provider got it with the link click-tracked
    invitation = surveys.open_link(session, TOKEN.search(row.body).group(1))
    assert invitation.customer_id == buyer.id and invitation.channel == {"sms": "sms", "wechat": "webhook"}[channel]
    assert row.status == "sent" and row.provider == channel and row.ref_id == invitation.id


def test_fatigue_cap_across_surveys_and_one_per_wave(session, shop, make_buyer):
    csat, nps = published(session, shop, "csat"), published(session, shop, "nps2")
    buyer, other = make_buyer(10), make_buyer(11)
    sending.send_invitations(session, csat, [buyer.id], wave="2026-12", actor=SYSTEM)
    result = sending.send_invitations(session, nps, [buyer.id, other.id], wave="2026-12", actor=SYSTEM)
    assert result.queued == 1 and result.skipped == [(buyer.id, "fatigue")]
    sending.update_sending(session, nps, {"fatigue_days": 0}, actor=SYSTEM)
    again = sending.send_invitations(session, nps, [other.id], wave="2026-12", actor=SYSTEM)
    assert again.skipped == [(other.id, "already_invited")]
    with clock.frozen_at(NOON + timedelta(days=31)):
        later = sending.send_invitations(session, csat, [buyer.id], wave="2027-01", actor=SYSTEM)
    assert later.queued == 1


def test_no_link_is_made_for_who_cannot_be_reached(session, shop, make_buyer):
    survey = published(session, shop)
    no_consent, demo, fine = make_buyer(12, consent=None), make_buyer(13, source="demo"), make_buyer(14)
    result = sending.send_invitations(session, survey, [no_consent.id, demo.id, fine.id], wave="w", actor=SYSTEM)
    assert result.queued == 1 and result.reasons() == {"no_consent": 1, "demo": 1}
    invited = set(session.scalars(select(Invitation.customer_id).where(Invitation.survey_id == survey.id)))
    assert invited == {fine.id}


def test_quota_stops_a_wave(session, shop, make_buyer):
    survey = published(session, shop)
    sending.update_sending(session, survey, {"quota": 2, "fatigue_days": 0}, actor=SYSTEM)
    first = [make_buyer(20 + n) for n in range(2)]
    sending.send_invitations(session, survey, [b.id for b in first], wave="w1", actor=SYSTEM)
    for inv in session.scalars(select(Invitation).where(Invitation.survey_id == survey.id)):
        session.add(Response(shop_id=shop.id, survey_id=survey.id, version_id=inv.version_id, invitation_id=inv.id,
                             customer_id=inv.customer_id, wave="w1", locale="zh", partial=False, started_at=NOON,
                             updated_at=NOON, submitted_at=NOON))
    session.flush()
    late = make_buyer(22)
    result = sending.send_invitations(session, survey, [late.id], wave="w1", actor=SYSTEM)
    assert result.queued == 0 and result.reasons() == {"quota": 1}
    assert sending.send_invitations(session, survey, [late.id], wave="w2", actor=SYSTEM).queued == 1


def test_reminders_to_non_responders_at_most_n_d_days_apart(session, shop, make_buyer):
    survey = published(session, shop)
    sending.update_sending(session, survey, {"reminders": 2, "reminder_days": 3}, actor=SYSTEM)
    silent, answered = make_buyer(30), make_buyer(31)
    sending.send_invitations(session, survey, [silent.id, answered.id], wave="w", actor=SYSTEM)
    send_due()
    inv = session.scalars(select(Invitation).where(Invitation.customer_id == answered.id)).one()
    inv.answered_at = NOON + timedelta(days=1)
    session.flush()
    assert sending.send_reminders(session, survey) == 0  # too early
    for day, expected in ((3, 1), (4, 0), (6, 1), (9, 0), (12, 0)):
        with clock.frozen_at(NOON + timedelta(days=day, hours=1)):
            assert sending.send_reminders(session, survey) == expected, day
            send_due()
    reminders = messages(session, "survey_reminder")
    assert [m.customer_id for m in reminders] == [silent.id, silent.id]
    token = TOKEN.search(reminders[0].body).group(1)
    assert surveys.open_link(session, token).customer_id == silent.id  # the same personal link


def test_a_wave_to_a_seeded_sample(session, shop, make_buyer):
    assert sending.draw_sample(list(range(1, 11)), 3, seed=7) == sending.draw_sample(list(range(10, 0, -1)), 3, 7)
    assert sending.draw_sample([5, 3, 3, 1], None, seed=1) == [1, 3, 5]
    survey = published(session, shop)
    segment = [make_buyer(40 + n).id for n in range(6)]
    result = sending.send_wave(session, survey, segment, wave="2026-Q4", sample=4, seed=42, actor=SYSTEM)
    invited = set(session.scalars(select(Invitation.customer_id).where(Invitation.wave == "2026-Q4")))
    assert result.queued == 4 and invited == set(sending.draw_sample(segment, 4, 42))
    assert set(session.scalars(select(Invitation.ticket_id).where(Invitation.wave == "2026-Q4"))) == {None}


def test_an_order_delivered_invites_its_buyer_after_the_delay(session, shop, make_buyer):
    survey = published(session, shop)
    sending.update_sending(session, survey, {"trigger": "order_delivered", "delay_days": 2}, actor=SYSTEM)
    buyer = make_buyer(50)
    order = make_order(session, shop, status="delivered",
                       customer={"source": "taobao", "external_id": "b50"})
    jobs.dispatch_outbox()
    [row] = messages(session)
    assert row.customer_id == buyer.id and row.next_attempt_at == NOON + timedelta(days=2)
    assert session.get(Invitation, row.ref_id).order_id == order.id
    assert send_due().sent == 0
    with clock.frozen_at(NOON + timedelta(days=2)):
        assert send_due().sent == 1


def test_a_review_received_invites_its_writer_with_the_order(session, shop, make_buyer):
    """The third outbox trigger of the issue: a review received invites its writer, tied to the reviewed order."""
    from shopcx.reviews.schemas import ReviewIn
    from shopcx.reviews.service import reviews

    survey = published(session, shop)
    sending.update_sending(session, survey, {"trigger": "review_received", "delay_days": 1}, actor=SYSTEM)
    buyer = make_buyer(51)
    order = make_order(session, shop, status="completed", customer={"source": "taobao", "external_id": "b51"})
    jobs.dispatch_outbox()
    assert messages(session) == []  # the order alone triggers nothing here
    reviews.record_review(session, shop, ReviewIn(external_id="rv51", order_external_id=order.external_id, stars=2,
                                                   text="包装破了", reviewed_at=NOON), actor=SYSTEM)
    jobs.dispatch_outbox()
    [row] = messages(session)
    assert row.customer_id == buyer.id and row.next_attempt_at == NOON + timedelta(days=1)
    assert session.get(Invitation, row.ref_id).order_id == order.id


def test_the_sending_page_saves_rules_sends_a_wave_and_exports_links(session, shop, make_buyer, login):
    survey = published(session, shop)
    buyers = [make_buyer(60 + n) for n in range(2)]
    owner = login("owner")
    assert f'href="/surveys/{survey.id}/sending"' in owner.get(f"/surveys/{survey.id}").text
    page = owner.get(f"/surveys/{survey.id}/sending")
    assert page.status_code == 200 and "发送规则" in page.text
    assert owner.post(f"/surveys/{survey.id}/sending", {"channel": "agent", "reminders": "0", "delay_days": "1",
                                                        "reminder_days": "3", "fatigue_days": "30", "quota": "0",
                                                        "link_days": "14"}).status_code == 303
    assert sending.settings_of(session, survey)["channel"] == "agent"
    bad = owner.post(f"/surveys/{survey.id}/sending", {"reminders": "9"})
    assert bad.status_code == 422
    sent = owner.post(f"/surveys/{survey.id}/sending/wave", {"wave": "2026-12",
                                                             "customers": "\n".join(str(b.id) for b in buyers)})
    assert sent.status_code == 303 and "wave_2_0" in sent.headers["location"]
    sheet = owner.get(f"/surveys/{survey.id}/sending/links.xlsx?wave=2026-12")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and rows[0][2] == "问卷链接"
    assert surveys.open_link(session, TOKEN.search(rows[1][2]).group(1)).wave == "2026-12"
    assert login("manager", locale="en").get(f"/surveys/{survey.id}/sending").text.count("Sending rules") == 1


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sending_page_sends_a_wave_to_a_lifecycle_stage(session, shop, make_buyer, login, lang):
    survey = published(session, shop)
    buyers = [make_buyer(90 + n) for n in range(4)]
    # buyers 0 and 1 are repeat buyers, 2 and 3 first-time
    scored_run(session, shop.id, {b.id: ("repeat" if n < 2 else "first_time", "Loyal") for n, b in enumerate(buyers)})
    owner = login("owner", locale=lang)
    page = owner.get(f"/surveys/{survey.id}/sending").text
    assert ('<option value="stage:repeat">重复购买<' if lang == "zh" else
            '<option value="segment:cant_lose">Can&#39;t lose<') in page
    both = owner.post(f"/surveys/{survey.id}/sending/wave", {"wave": "w1", "audience": "stage:repeat",
                                                             "customers": str(buyers[3].id)})
    assert both.status_code == 422 and ("二选一" if lang == "zh" else "one of the two") in both.text
    sent = owner.post(f"/surveys/{survey.id}/sending/wave", {"wave": "w1", "audience": "stage:repeat"})
    assert sent.status_code == 303 and "wave_2_0" in sent.headers["location"]
    invited = set(session.scalars(select(Invitation.customer_id).where(Invitation.survey_id == survey.id)))
    assert invited == {buyers[0].id, buyers[1].id}


def test_cli_sends_a_wave_from_a_file_with_progress(session, shop, make_buyer, tmp_path):
    from typer.testing import CliRunner

    from shopcx.cli import app

    survey = published(session, shop)
    ids = [make_buyer(70 + n).id for n in range(4)]
    listed = tmp_path / "segment.txt"
    listed.write_text("\n".join(map(str, ids)), encoding="utf-8")
    done = CliRunner().invoke(app, ["surveys", "send", "--survey", str(survey.id), "--wave", "2026-12",
                                    "--customers", str(listed), "--sample", "3", "--seed", "5"])
    assert done.exit_code == 0, done.output
    assert "3 invitations queued" in done.output and "3 sent" in done.output
    assert len(messages(session)) == 3


def test_the_api_sets_rules_and_sends_a_wave(session, shop, make_buyer, client, token):
    survey = published(session, shop)
    ids = [make_buyer(80 + n).id for n in range(3)]
    writer = token("surveys:write")
    assert client.put(f"/api/v1/surveys/{survey.id}/sending", json={"quota": 5},
                          headers=token("surveys:read")).status_code == 403
    saved = client.put(f"/api/v1/surveys/{survey.id}/sending", json={"quota": 5}, headers=writer)
    assert saved.status_code == 200 and saved.json()["quota"] == 5
    bad = client.put(f"/api/v1/surveys/{survey.id}/sending", json={"reminders": 9}, headers=writer)
    assert bad.status_code == 422 and bad.json()["field"] == "reminders"
    sent = client.post(f"/api/v1/surveys/{survey.id}/waves", json={"wave": "api-1", "customer_ids": ids,
                                                                        "sample": 2, "seed": 3}, headers=writer)
    assert sent.json() == {"wave": "api-1", "drawn": 2, "queued": 2, "skipped": {}}
    log = client.get("/api/v1/messages?purpose=survey", headers=token("messaging:read")).json()
    assert log["total"] == 2 and {m["status"] for m in log["items"]} == {"queued"}


def test_cli_sends_a_wave_to_an_rfm_segment(session, shop, make_buyer):
    from typer.testing import CliRunner

    from shopcx.cli import app

    survey = published(session, shop)
    buyers = [make_buyer(110 + n) for n in range(5)]
    scored_run(session, shop.id, {b.id: ("repeat", "Can't lose" if n < 3 else "Loyal") for n, b in enumerate(buyers)})
    session.flush()
    done = CliRunner().invoke(app, ["surveys", "send", "--survey", str(survey.id), "--wave", "2026-12",
                                    "--segment", "cant_lose", "--no-deliver"])
    assert done.exit_code == 0, done.output
    assert "3 invitations queued" in done.output
    assert {m.customer_id for m in messages(session)} == {b.id for b in buyers[:3]}
    wrong = CliRunner().invoke(app, ["surveys", "send", "--survey", str(survey.id), "--wave", "w",
                                     "--segment", "whales", "--no-deliver"])
    assert wrong.exit_code != 0 and "segment" in wrong.output


def test_a_closed_ticket_invites_the_complainant_to_the_effort_survey_once(session, shop, make_buyer):
    """The desk emits ticket_closed from its one transition; the CES survey that follows tickets invites the buyer."""
    from shopcx.desk import service as desk
    from shopcx.staff.service import Actor

    manager = Actor(label="经理", role="manager")
    survey = surveys.create_from_preset(session, shop.id, "ces_ticket", code="ces", actor=SYSTEM)
    surveys.publish(session, survey, actor=SYSTEM)
    sending.update_sending(session, survey, {"trigger": "ticket_closed", "delay_days": 0}, actor=SYSTEM)
    buyer = make_buyer(60)
    ticket = desk.create_ticket(session, shop, channel="phone", subject="杯盖漏水", body="买家来电：杯盖漏水。",
                                actor=manager, customer_id=buyer.id, assign=False)
    desk.transition(session, ticket, "resolved", actor=manager, root_cause="杯盖密封圈批次不良")
    jobs.dispatch_outbox()
    assert messages(session) == []  # resolved is not closed: the buyer may still reply
    desk.transition(session, ticket, "closed", actor=manager)
    jobs.dispatch_outbox()
    jobs.dispatch_outbox()
    [row] = messages(session)
    invitation = session.get(Invitation, row.ref_id)
    assert row.customer_id == buyer.id and invitation.survey_id == survey.id
    assert (invitation.ticket_id, invitation.ticket_known) == (ticket.id, True)  # the desk shows its answer exactly
