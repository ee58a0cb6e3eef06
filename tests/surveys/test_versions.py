# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""A survey changed while someone answers: the answer is kept against the version the buyer saw (personal and
public links) with a clear message; every answer (not only the headline score) shows on the customer page; the
sending page's test send goes out."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from shopcx.staff.service import SYSTEM
from shopcx.surveys import presets, service
from shopcx.surveys.tables import Answer, Response

from ..factories import make_order
from ..web.conftest import client, login, make_user  # noqa: F401
from .test_pages import _frozen, shop  # noqa: F401  (the staff pages' frozen clock and shop)

ANSWER = {"csat": "2", "delivery": "1", "packaging": "4", "issue[]": ["late", "damaged"], "comment": "快递太慢了"}


@pytest.fixture
def survey(session, shop):
    survey = service.create_from_preset(session, shop.id, "csat_delivery", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    session.flush()
    return survey


def republish_as_nps(session, survey):
    """The shop replaces the questions (version 2) while a buyer still has version 1's form open."""
    service.save_draft(session, survey, presets.preset("nps")[4], actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    session.flush()


def stored(session, response_id: int) -> dict:
    return dict(session.execute(select(Answer.question, Answer.value).where(Answer.response_id == response_id)).all())


@pytest.mark.parametrize(("lang", "said"), [("zh", "已按您看到的那一版问卷保存"),
                                           ("en", "kept with the version you saw")])
def test_a_public_answer_to_a_version_replaced_meanwhile_is_kept_against_it(client, session, survey, lang, said):
    token = service.open_public_link(session, survey, actor=SYSTEM)
    form = client.get(f"/p/{token}?lang={lang}").text
    assert re.search(r'name="_version" value="1"', form)
    republish_as_nps(session, survey)
    done = client.post(f"/p/{token}", data={**ANSWER, "lang": lang, "_version": "1"})
    assert done.status_code == 200 and said in done.text and 'id="survey-thanks"' in done.text
    other = "kept with the version" if lang == "zh" else "已按您看到的"
    assert other not in done.text  # one language per page
    response = session.scalar(select(Response).where(Response.survey_id == survey.id))
    assert response.version_id == service.versions(session, survey)[0].id and response.anonymous
    assert stored(session, response.id)["comment"] == "快递太慢了"
    # a fresh visitor gets version 2 and no note
    assert 'name="_version" value="2"' in client.get(f"/p/{token}").text
    fresh = client.post(f"/p/{token}", data={"nps": "9", "_version": "2"})
    assert fresh.status_code == 200 and 'id="survey-version-changed"' not in fresh.text


def test_a_forged_version_number_is_read_as_the_current_version(client, session, survey):
    token = service.open_public_link(session, survey, actor=SYSTEM)
    refused = client.post(f"/p/{token}", data={"csat": "5", "_version": "7"})  # v7 never existed: v1 asks more
    assert refused.status_code == 422 and 'id="survey-error"' in refused.text
    assert session.scalar(select(Response).where(Response.survey_id == survey.id)) is None


def test_a_personal_link_answers_the_version_it_was_sent_with(client, session, shop, survey):
    buyer = make_order(session, shop).customer_id
    (link,), _ = service.invite(session, survey, [buyer], wave="2026-12", actor=SYSTEM)
    session.flush()
    assert client.post(f"/s/{link.token}", data={**ANSWER, "action": "save"}).status_code in (200, 303)
    republish_as_nps(session, survey)
    page = client.get(f"/s/{link.token}").text
    assert "快递太慢了" in page and 'name="nps"' not in page  # the saved half is shown with the questions it had
    assert client.post(f"/s/{link.token}", data={**ANSWER, "action": "submit"}).status_code == 200
    session.expire_all()
    response = session.scalar(select(Response).where(Response.customer_id == buyer))
    assert not response.partial and response.version_id == service.versions(session, survey)[0].id
    assert stored(session, response.id)["issue"] == ["late", "damaged"]


@pytest.mark.parametrize(("lang", "texts"), [
    ("zh", ("遇到了哪些问题？", "到货慢、商品破损", "还有什么想告诉我们的吗？", "快递太慢了", "第 1 版")),
    ("en", ("What went wrong?", "It arrived late, It arrived damaged", "Anything else you would like to tell us?",
            "快递太慢了", "version 1"))])
def test_every_answer_not_only_the_score_shows_on_the_customer_page(login, session, shop, survey, lang, texts):
    buyer = make_order(session, shop).customer_id
    (link,), _ = service.invite(session, survey, [buyer], wave="w1", actor=SYSTEM)
    service.answer(session, service.open_link(session, link.token),
                   {k.removesuffix("[]"): v for k, v in ANSWER.items()}, locale="zh", final=True)
    page = login("operations", locale=lang).get(f"/customers/{buyer}").text
    panel = page[page.index('id="customer-surveys"'):]
    panel = panel[:panel.index("</section>")]
    for text in texts:
        assert text in panel, text


@pytest.mark.parametrize(("lang", "said"), [("zh", "测试"), ("en", "Test")])
def test_the_sending_page_test_send_reaches_the_sandbox(login, session, shop, survey, lang, said):
    owner = login("owner", locale=lang)
    page = owner.get(f"/surveys/{survey.id}/sending").text
    assert f'action="/surveys/{survey.id}/sending/test"' in page
    sent = owner.post(f"/surveys/{survey.id}/sending/test", {"channel": "email", "to": "me@example.com"})
    assert sent.status_code == 303 and sent.headers["location"].endswith("result=test_sent")
    shown = owner.get(sent.headers["location"]).text
    assert 'id="sending-result"' in shown and said in shown
    assert "me@example.com" in owner.get("/messages").text
