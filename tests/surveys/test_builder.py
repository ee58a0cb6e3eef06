# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The draft builder: add, edit (zh/en texts), reorder and remove questions; a bad question is refused naming it
and nothing is lost; the published version never changes; the preview shows the draft."""

from __future__ import annotations

import pytest

from shopcx.staff.service import SYSTEM
from shopcx.surveys import service

from ..factories import make_shop
from ..web.conftest import client, login, make_user  # noqa: F401

NEW = {"key": "speed", "type": "rating", "text_zh": "客服回复快吗？", "text_en": "Did our agents reply quickly?",
       "scale": "1-5", "low_zh": "很慢", "low_en": "Very slow", "high_zh": "很快", "high_en": "Very fast"}


@pytest.fixture
def survey(session):
    shop = make_shop(session, code="svbld")
    survey = service.create_from_preset(session, shop.id, "nps", actor=SYSTEM)
    service.publish(session, survey, actor=SYSTEM)
    session.flush()
    return survey


def test_add_reorder_edit_and_remove_through_the_page(login, session, survey):
    owner = login("owner", locale="en")
    page = owner.get(f"/surveys/{survey.id}/builder")
    assert page.status_code == 200 and "your first change starts a new draft" in page.text
    assert owner.post(f"/surveys/{survey.id}/builder/add", NEW).status_code == 303
    draft = service.latest_draft(session, survey)
    assert draft.version == 2 and [q["key"] for q in draft.questions["questions"]] == ["nps", "reason", "speed"]
    assert service.published(session, survey).version == 1
    assert len(service.published(session, survey).questions["questions"]) == 2
    owner.post(f"/surveys/{survey.id}/builder/2", {"action": "up"})
    session.refresh(draft)
    assert [q["key"] for q in draft.questions["questions"]] == ["nps", "speed", "reason"]
    owner.post(f"/surveys/{survey.id}/builder/1", NEW | {"action": "save", "type": "single", "text_en": "Fast?",
                                                        "options": "yes | 是 | Yes\nno | 否 | No"})
    session.refresh(draft)
    speed = draft.questions["questions"][1]
    assert speed["type"] == "single" and speed["text"] == {"zh": "客服回复快吗？", "en": "Fast?"}
    assert [o["key"] for o in speed["options"]] == ["yes", "no"] and "scale" not in speed
    preview = owner.get(f"/surveys/{survey.id}/preview?lang=zh").text
    assert "客服回复快吗？" in preview and "是" in preview
    owner.post(f"/surveys/{survey.id}/builder/1", {"action": "delete"})
    session.refresh(draft)
    assert [q["key"] for q in draft.questions["questions"]] == ["nps", "reason"]


def test_a_bad_question_is_refused_naming_it_and_the_draft_is_kept(login, session, survey):
    owner = login("owner")
    owner.post(f"/surveys/{survey.id}/builder/add", NEW)
    refused = owner.post(f"/surveys/{survey.id}/builder/add", NEW | {"key": "nps"})
    assert refused.status_code == 422 and "题目设置有误" in refused.text
    bad_options = owner.post(f"/surveys/{survey.id}/builder/add", NEW | {"key": "x1", "type": "single",
                                                                         "options": "yes 是 Yes"})
    assert bad_options.status_code == 422 and "第 1 行" in bad_options.text
    assert [q["key"] for q in service.latest_draft(session, survey).questions["questions"]] == ["nps", "reason",
                                                                                                "speed"]


def test_an_analyst_cannot_open_the_builder(login, survey):
    assert login("analyst").get(f"/surveys/{survey.id}/builder").status_code in (403, 404)
