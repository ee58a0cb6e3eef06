# ruff: noqa: F811  (the web suite's fixtures are imported below and used as test arguments)
"""The home page: the loop's figures from the domains' own service calls, targets, and today's list."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shopcx.core import clock
from shopcx.dashboard import figures as loop
from shopcx.dashboard import targets
from shopcx.desk import service as desk
from shopcx.reviews import service as reviews
from shopcx.staff.service import Actor

from ..api.conftest import token  # noqa: F401
from ..factories import make_shop
from ..loyalty.factories import make_member, make_program
from ..reviews.helpers import order, record
from ..web.conftest import client, csrf_of, login, make_user  # noqa: F401

NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)  # Fri 20 Mar 10:00 in Shanghai
MANAGER = Actor(label="user:manager1", role="manager")


def cst(*args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


@pytest.fixture
def loop_shop(session):
    """A shop with 3 positive and 1 negative review, a breached and a fresh ticket, and a loyalty member."""
    shop = make_shop(session, code="loop", name="循环店")
    session.flush()
    with clock.frozen_at(datetime(2026, 3, 10, 2, 0, tzinfo=UTC)):
        for stars in (5, 5, 4, 1):
            record(session, shop, order(session, shop), stars=stars, text="杯子漏水，很差" if stars == 1 else "好")
    desk.save_policy(session, shop, priority="normal", channel=None, first_response=120, next_response=240,
                     resolution=720, actor=MANAGER)
    desk.create_ticket(session, shop, channel="phone", subject="杯盖漏水", body="买家来电", actor=MANAGER,
                       assign=False, now=cst(2026, 3, 16, 9, 0))
    desk.create_ticket(session, shop, channel="phone", subject="发票抬头", body="买家来电", actor=MANAGER,
                       assign=False, now=cst(2026, 3, 20, 9, 30))
    _, program = make_program(session, shop)
    make_member(session, program, at=NOW)
    session.flush()
    return shop


def _by_key(found):
    return {f.key: f for f in found}


def test_figures_come_from_the_domains_and_leave_out_what_has_no_data(session, loop_shop):
    with clock.frozen_at(NOW):
        found = _by_key(loop.figures(session, [loop_shop], loop_shop, can=lambda p: True))
        counts = reviews.class_counts(session, loop_shop)
    # 好评率 = 3 positive (5, 5, 4 stars) of 4 reviews; the same number as the reviews dashboard's call.
    assert found["good_rate"].value == pytest.approx(0.75) == counts["good_rate"]
    assert found["good_rate"].n == 4 and found["good_rate"].as_of == "2026-03-20"
    assert found["good_rate"].href == f"/reviews/dashboard?shop={loop_shop.id}"
    # Two open tickets: the first missed its first response (due Mon 16 Mar 11:00) and its resolution (720 working
    # minutes: due Tue 17 Mar 12:00); the other's clocks still run. 0 of 2 decided clocks met (the desk's report).
    assert found["backlog"].value == 2
    assert found["sla_compliance"].value == 0 and found["sla_compliance"].n == 2
    assert found["tier_mix"].value == 1 and sum(r["members"] for r in found["tier_mix"].detail) == 1
    assert "points_liability" in found
    # No survey answers and no analysis run: no NPS, CSAT or repurchase card at all (no empty cards).
    assert not {"nps", "csat", "repurchase_rate", "lifecycle"} & found.keys()


def test_a_viewer_sees_only_figures_of_areas_they_may_open(session, loop_shop):
    with clock.frozen_at(NOW):
        found = _by_key(loop.figures(session, [loop_shop], loop_shop, can=lambda p: p == "reviews:read"))
    assert set(found) == {"good_rate"}


def test_target_status_and_the_shop_target_over_the_all_shops_one(session, loop_shop):
    targets.set_target(session, None, "good_rate", 0.7, actor=MANAGER)
    targets.set_target(session, loop_shop.id, "good_rate", 0.8, actor=MANAGER)
    targets.set_target(session, None, "backlog", 5, actor=MANAGER)
    assert targets.targets_for(session, None) == {"good_rate": 0.7, "backlog": 5}
    assert targets.targets_for(session, loop_shop.id) == {"good_rate": 0.8, "backlog": 5}
    with clock.frozen_at(NOW):
        found = _by_key(loop.figures(session, [loop_shop], loop_shop, can=lambda p: True,
                                     targets=targets.targets_for(session, loop_shop.id)))
    assert found["good_rate"].status == "missed"  # 75 % < 80 %
    assert found["backlog"].status == "met"  # 2 open tickets ≤ 5 (fewer is better)
    with pytest.raises(Exception) as bad:
        targets.set_target(session, None, "good_rate", 1.5, actor=MANAGER)
    assert getattr(bad.value, "code", "") == "target_out_of_range"


def test_home_page_lists_figures_and_todays_items_each_one_click_away(login, session, loop_shop):
    owner = login("owner")
    with clock.frozen_at(NOW):
        html = owner.get(f"/?shop={loop_shop.id}").text
    assert 'id="figure-good_rate"' in html and "75.0%" in html and "数据日期 2026-03-20" in html
    assert 'id="figure-nps"' not in html
    assert "今日待办" in html
    assert "杯盖漏水" in html and "发票抬头" in html  # breached, and due at 11:30 (within 4 hours)
    assert 'data-kind="review_bad"' in html and "杯子漏水" in html
    assert 'data-kind="review_neutral"' not in html
    # The first item is the breached ticket, and its link opens the ticket.
    first = html[html.index('class="list-row attention-item'):]
    href = first[first.index('href="') + 6:first.index('"', first.index('href="') + 6)]
    assert href.startswith("/desk/tickets/")
    with clock.frozen_at(NOW):
        assert owner.get(href).status_code == 200


def test_home_in_english_and_for_all_shops(login, session, loop_shop):
    make_shop(session, code="other", name="Other")
    session.flush()
    with clock.frozen_at(NOW):
        html = login("analyst", locale="en").get("/").text
    assert "All shops" in html and "Positive rate" in html and "As of 2026-03-20" in html
    assert "Needs attention today" not in html  # an analyst handles none of them


def test_targets_page_for_the_owner_only(login, session, loop_shop):
    owner = login("owner")
    page = owner.get("/dashboard/targets")
    assert page.status_code == 200
    saved = owner.post("/dashboard/targets", {"shop": "", "good_rate": "92", "backlog": "3", "nps": ""})
    assert saved.status_code == 200 and "目标已保存" in saved.text
    assert targets.targets_for(session, None) == {"good_rate": pytest.approx(0.92), "backlog": 3}
    refused = owner.post("/dashboard/targets", {"shop": "", "good_rate": "abc"})
    assert refused.status_code == 422
    assert login("agent", username="agent9").get("/dashboard/targets").status_code == 403
    assert csrf_of(page.text)


def test_api_returns_the_same_figures(session, loop_shop, client, token):
    headers = token("customers:read", "reviews:read", "desk:read")
    with clock.frozen_at(NOW):
        body = client.get(f"/api/v1/home?shop={loop_shop.id}", headers=headers).json()
    found = {f["key"]: f for f in body["figures"]}
    assert found["good_rate"]["value"] == pytest.approx(0.75) and found["good_rate"]["as_of"] == "2026-03-20"
    assert "tier_mix" not in found  # the token has no loyalty scope
    kinds = [i["kind"] for i in body["attention"]]
    assert kinds == []  # tickets and reviews need the write scopes to be handled
