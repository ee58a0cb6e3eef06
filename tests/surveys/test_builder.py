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


MATRIX = {"key": "parts", "type": "matrix", "text_zh": "请为以下方面打分", "text_en": "Rate each part", "scale": "1-5",
          "low_zh": "很差", "low_en": "Poor", "high_zh": "很好", "high_en": "Great",
          "rows": "pack | 包装 | Packaging\nspeed | 发货速度 | Shipping speed"}


def test_show_if_servqual_and_matrix_questions_are_edited_in_zh_and_en(login, session, survey):
    owner = login("owner", locale="en")
    url = f"/surveys/{survey.id}/builder"
    added = owner.post(f"{url}/add", MATRIX | {"show_if_question": "nps", "show_if_values": "0, 1，2 3"})
    assert added.status_code == 303
    assert owner.post(f"{url}/add", {"key": "tidy", "type": "servqual", "text_zh": "包装整洁",
                                     "text_en": "Tidy packing", "dimension": "tangibles",
                                     "show_if_question": ""}).status_code == 303
    draft = service.latest_draft(session, survey)
    parts, tidy = draft.questions["questions"][2:]
    assert parts["show_if"] == {"question": "nps", "in": [0, 1, 2, 3]} and parts["scale"] == "1-5"
    assert parts["rows"] == [{"key": "pack", "text": {"zh": "包装", "en": "Packaging"}},
                             {"key": "speed", "text": {"zh": "发货速度", "en": "Shipping speed"}}]
    assert tidy == {"key": "tidy", "type": "servqual", "text": {"zh": "包装整洁", "en": "Tidy packing"},
                    "optional": False, "dimension": "tangibles"}
    page = owner.get(url).text
    assert "shown when nps is 0, 1, 2, 3" in page and "speed | 发货速度 | Shipping speed" in page
    assert '<option value="tangibles" selected>Tangibles</option>' in page

    # a show-if answer not on the earlier question's scale, or a later question, is refused naming the field
    wrong = owner.post(f"{url}/2", MATRIX | {"action": "save", "show_if_question": "nps", "show_if_values": "11"})
    assert wrong.status_code == 422 and "questions.parts.show_if" in wrong.text and "0–10" in wrong.text
    later = owner.post(f"{url}/0", {"action": "save", "key": "nps", "type": "rating", "text_zh": "推荐", "text_en": "R",
                                    "scale": "0-10", "low_zh": "不", "low_en": "No", "high_zh": "会", "high_en": "Yes",
                                    "show_if_question": "tidy", "show_if_values": "1"})
    assert later.status_code == 422 and "questions.nps.show_if" in later.text
    bad_rows = owner.post(f"{url}/2", MATRIX | {"action": "save", "rows": "pack 包装"})
    assert bad_rows.status_code == 422 and "Matrix rows" in bad_rows.text and "line 1" in bad_rows.text.lower()
    no_values = owner.post(f"{url}/2", MATRIX | {"action": "save", "show_if_question": "nps"})
    assert no_values.status_code == 422 and "Show only if" in no_values.text
    session.refresh(draft)
    assert draft.questions["questions"][2]["show_if"]["in"] == [0, 1, 2, 3]  # nothing of the refusals was kept

    # the buyer's preview asks the matrix only after a low score; publishing leaves version 2 as it was
    preview = owner.get(f"/surveys/{survey.id}/preview?lang=zh").text
    assert 'data-show-if="nps" data-show-in="0,1,2,3"' in preview and "发货速度" in preview
    assert owner.post(f"/surveys/{survey.id}/publish", {}).status_code == 303
    session.expire_all()
    assert service.published(session, survey).version == 2
    assert owner.post(f"{url}/3", {"action": "delete"}).status_code == 303
    session.expire_all()
    assert len(service.published(session, survey).questions["questions"]) == 4
    assert service.latest_draft(session, survey).version == 3
    zh = login("owner", username="boss-zh").get(url).text  # the same page in Chinese
    assert "当 nps 的答案为 0, 1, 2, 3 时显示" in zh and "矩阵行" in zh and "Matrix rows" not in zh
