# ruff: noqa: F811  (the fixtures imported below are used as test arguments)
"""One review's page: the reply and the platform-rule guard, suggested replies, the care flow (open → contact →
resolve → revision → history), refusals shown inline, the order, delivery and the buyer's history.

The reviews are test_pages' `shop_reviews`."""

from __future__ import annotations

import html
import re

from sqlalchemy import select

from shopcx.reviews import service
from shopcx.reviews.models import ReviewContact
from shopcx.reviews.schemas import ContactIn
from shopcx.staff.service import SYSTEM

from ..web.conftest import client, login, make_user  # noqa: F401
from .helpers import at
from .test_pages import _element, _frozen, _order, _review, _text, shop_reviews  # noqa: F401

# --- one review: reply and the guard ---------------------------------------------------------------------------


def test_reply_offering_money_for_a_revision_is_refused_with_the_reason(session, login, shop_reviews):
    review = shop_reviews["reviews"]["bad-cup"]
    agent = login("agent")
    bribe = "亲，改成好评返现10元"
    refused = agent.htmx_post(f"/reviews/{review.id}/reply", {"text": bribe})
    assert refused.status_code == 422
    error = re.search(r'data-error-for="reply"><span>(.*?)</span>', refused.text, re.S).group(1)
    assert "平台规则" in error and "不能以改评为条件" in error
    assert f">{bribe}</textarea>" in refused.text  # what was typed is kept to be corrected
    session.refresh(review)
    assert review.reply_text is None
    whole = agent.post(f"/reviews/{review.id}/reply", {"text": bribe})  # without JavaScript: the page, inline
    assert whole.status_code == 422 and "<html" in whole.text and 'data-error-for="reply"' in whole.text
    fine = agent.htmx_post(f"/reviews/{review.id}/reply", {"text": "非常抱歉，客服会马上联系您处理漏水问题。"})
    assert fine.status_code == 200 and 'data-done="reply"' in fine.text
    assert "非常抱歉，客服会马上联系您处理漏水问题。" in _element(fine.text, "current-reply")
    session.refresh(review)
    assert review.reply_text == "非常抱歉，客服会马上联系您处理漏水问题。" and review.replied_by_id == agent.user.id


def test_suggested_replies_address_the_buyer_politely_and_name_the_product(login, shop_reviews):
    owner = login("owner")
    tb = shop_reviews["tb"]
    added = owner.post("/reviews/settings/templates", {"shop": tb.id, "rating_class": "good", "locale": "zh",
                                                        "body": "谢谢{name}喜欢{product}！{shop}"})
    assert added.status_code == 303
    page = owner.get(f"/reviews/{shop_reviews['reviews']['good-tea'].id}").text
    suggestions = re.findall(r'data-text="([^"]*)"', page)
    assert [html.unescape(s) for s in suggestions] == ["谢谢亲爱的顾客喜欢龙井！小雅生活馆"]


# --- one review: the care flow -------------------------------------------------------------------------------


def test_case_flow_open_contact_resolve_revision(session, login, make_user, shop_reviews):
    r = shop_reviews["reviews"]
    review = r["old-cup"]  # 01-05: no case was opened, its default 30-day window had closed
    owner = login("owner")
    kefu = make_user("agent", "kefu2")
    # This shop's platform allows 90 days to revise: the old 差评 can still be turned around.
    saved = owner.post("/reviews/settings", {"shop": shop_reviews["tb"].id, "platform": "taobao",
                                             "rating_days": "15", "revision_days": "90", "max_revisions": "1",
                                             "care_due_hours": "24", "followup_due_hours": "48",
                                             "reply_allowed": "1", "benchmark_description": "4.8",
                                             "benchmark_service": "", "benchmark_logistics": "4.7"})
    assert saved.status_code == 303 and "done=settings" in saved.headers["location"]
    url = f"/reviews/{review.id}"
    assert 'id="case-form"' in owner.get(url).text
    opened = owner.htmx_post(f"{url}/case", {"owner_id": str(kefu.id), "due_at": "2026-03-21T18:00"})
    assert opened.status_code == 200, opened.text[:500]
    case = service.case_for_review(session, review)
    assert (case.owner_id, case.due_at, case.status) == (kefu.id, at("2026-03-21", 10), "open")
    assert "Agent 测试" in _element(opened.text, "case-owner")

    agent = login("agent")
    bribe = agent.htmx_post(f"{url}/contact", {"channel": "phone", "result": "reached",
                                               "note": "跟买家说改好评就送优惠券"})
    assert bribe.status_code == 422 and 'data-error-for="contact"' in bribe.text and "平台规则" in bribe.text
    assert session.scalar(select(ReviewContact.id).where(ReviewContact.review_id == review.id)) is None
    logged = agent.htmx_post(f"{url}/contact", {"channel": "phone", "result": "reached",
                                                "note": "买家说杯盖漏水，同意补发", "at": "2026-03-20T11:30"})
    assert logged.status_code == 200
    contacts = _element(logged.text, "contacts")
    assert "电话" in contacts and "已联系上" in contacts and "买家说杯盖漏水，同意补发" in contacts
    assert "2026-03-20 11:30" in contacts

    resolved = agent.htmx_post(f"{url}/resolve", {"resolution": "补发新杯盖", "compensation": "5"})
    assert resolved.status_code == 200 and "补发新杯盖" in _element(resolved.text, "case-resolution")
    session.refresh(case)
    assert (case.status, case.compensation_amount, case.currency) == ("resolved", 500, "CNY")

    revised = agent.htmx_post(f"{url}/revision", {"rating": "good", "stars": "5"})
    assert revised.status_code == 200, revised.text[:500]
    history = _element(revised.text, "revision-table")
    assert "差评 · 2★" in _text(history) and "好评 · 5★" in _text(history)
    assert "电话 · 已联系上" in _text(history) and "买家说杯盖漏水" in history  # the contact that preceded it
    session.refresh(case)
    assert (case.status, case.outcome) == ("closed", "revised")
    assert "已关闭 · 买家已改评" in _text(_element(revised.text, "case-status"))
    assert 'id="revision-form"' not in revised.text  # one revision allowed: the form is gone
    again = agent.htmx_post(f"{url}/revision", {"rating": "bad", "stars": "1"})  # and a direct post is refused
    assert again.status_code == 409 and 'data-error-for="revision"' in again.text and "不能再修改" in again.text


def test_revision_outside_the_window_and_bad_form_values_are_refused_inline(session, login, shop_reviews):
    review = shop_reviews["reviews"]["old-cup"]
    agent = login("agent")
    url = f"/reviews/{review.id}"
    late = agent.htmx_post(f"{url}/revision", {"rating": "good", "stars": "5"})
    assert late.status_code == 409 and 'data-error-for="revision"' in late.text
    assert "这条评价现在不能再修改" in late.text and "revision window" not in late.text
    assert agent.htmx_post(f"{url}/case", {"owner_id": "abc"}).status_code == 422
    bad_time = agent.htmx_post(f"{url}/case", {"due_at": "tomorrow"})
    assert bad_time.status_code == 422 and 'data-error-for="case"' in bad_time.text
    assert service.case_for_review(session, review) is None
    no_case = agent.htmx_post(f"{url}/resolve", {"resolution": "x"})
    assert no_case.status_code == 404 and 'data-error-for="resolve"' in no_case.text


def test_review_page_shows_order_delivery_and_the_buyers_history(session, login, shop_reviews):
    r = shop_reviews["reviews"]
    tb = shop_reviews["tb"]
    # 王小明 reviewed an earlier order too, and was contacted about it.
    _order(session, tb, "T-BAD-2", name="王小明", buyer="wxm", sku="TEA-9", product="龙井")
    earlier = _review(session, tb, "T-BAD-2", "earlier", 3, at("2026-03-12"), (3, 3, 3), "一般")
    service.log_contact(session, service.case_for_review(session, earlier),
                        ContactIn(channel="wechat", result="no_answer", note="留言了"), actor=SYSTEM)
    service.add_followup(session, r["bad-cup"], "用了一周，杯盖还是漏", at("2026-03-17"), actor=SYSTEM)
    session.flush()
    page = login("agent").get(f"/reviews/{r['bad-cup'].id}").text
    assert 'href="https://img.example.com/leak.jpg"' in _element(page, "review-card")
    assert "用了一周，杯盖还是漏" in _element(page, "followups") and "2026-03-17 10:00" in _element(page, "followups")
    delivery = _element(page, "delivery")
    assert "顺丰速运" in delivery and "2026-03-03 10:00" in delivery and "2026-03-06 10:00" in delivery
    assert "ship-late" in delivery and "晚 3 天" in delivery
    assert "保温杯" in _element(page, "order") and "T-BAD" in _element(page, "order")
    assert "杯子漏水，客服也不理人" in _element(page, "review-text")
    assert [d for _, d in re.findall(r'data-dim="(\w+)">(\d)<', page)] == ["2", "1", "2"]
    history = _element(page, "customer-history")
    assert f'href="/reviews/{earlier.id}"' in history and "龙井" in history
    assert "微信" in history and "未接通" in history and "留言了" in history


def test_an_unknown_review_is_a_404_page(login, shop_reviews):
    agent = login("agent")
    missing = agent.get("/reviews/987654321")
    assert missing.status_code == 404 and "找不到该评价" in missing.text
    assert agent.htmx_post("/reviews/987654321/reply", {"text": "谢谢"}).status_code == 404
