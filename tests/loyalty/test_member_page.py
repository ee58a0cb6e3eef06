"""The buyer's member page behind a signed link: what it shows, links that are forged, altered or expired, the
redeem button (once per tap, guarded by the link's own form token), and the two languages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shopcx.core import clock
from shopcx.loyalty.models import Coupon, LoyaltyAccount, PointsEntry
from shopcx.loyalty.service.daily import DailyResult, activate_due
from shopcx.loyalty.service.members import accounts, links
from shopcx.loyalty.service.points.earning import sync_order
from shopcx.loyalty.service.spending import rewards
from shopcx.staff.service import SYSTEM
from shopcx.web.app import create_app

from ..factories import make_order
from .factories import make_program

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def client(session):
    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


def _member(session, shop, name: str, yuan: int, day: str = "2026-05-01"):
    paid = datetime.fromisoformat(day).replace(hour=2, tzinfo=UTC)
    order = make_order(session, shop, status="completed", placed_at=paid, paid_at=paid, completed_at=paid,
                       customer={"source": "taobao", "external_id": f"mp-{name}", "name": name},
                       lines=[{"sku": "TEA-1", "name": "龙井", "quantity": 1, "unit_price_amount": yuan * 100}])
    sync_order(session, order)
    return order


@pytest.fixture
def shop(session):
    """Two members of one program: 王芳 (¥1,200 → silver, 1,200 points) and 李雷 (¥300, 300 points), available;
    a ¥10 coupon for 500 points in the catalogue."""
    shop, program = make_program(session)
    wang, li = _member(session, shop, "王芳", 1200), _member(session, shop, "李雷", 300)
    activate_due(session, program, date(2026, 6, 15), DailyResult())
    rewards.create_reward(session, program, actor=SYSTEM, code="cash10", name_zh="10元无门槛券",
                          name_en="¥10 off", kind="coupon_amount", points_cost=500, amount_off=1000)
    rewards.create_reward(session, program, actor=SYSTEM, code="gold-gift", name_zh="金卡礼盒",
                          name_en="Gold gift box", kind="gift", points_cost=100, min_tier_code="gold")
    session.flush()
    ids = {name: accounts.find_account(session, program.program.id, order.customer_id).id
           for name, order in (("王芳", wang), ("李雷", li))}
    return {"shop": shop, "program": program, "ids": ids}


def _form(html: str) -> dict:
    """The redeem form's hidden fields (the page shows it once the member has tapped a reward: ?confirm=…)."""
    form = re.search(r'<form method="post" action="(/m/[^"]+/redeem)".*?</form>', html, re.S)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', form.group(0)))
    return {"action": form.group(1), **fields}


def test_valid_link_shows_tier_points_rewards_and_history(client, shop):
    token = links.issue(shop["ids"]["王芳"])
    page = client.get(f"/m/{token}")
    assert page.status_code == 200
    html = page.text
    assert 'name="viewport"' in html and 'lang="zh-CN"' in html
    assert 'id="m-tier-name">银卡会员<' in html and "王芳，您好" in html
    assert re.search(r'id="m-balance">1,200<', html) and "可抵 ¥12.00" in html
    # simple_config: gold at ¥5,000 or 10 orders; silver kept with ¥500 or 2 orders.
    assert "距离金卡会员" in html and "再消费 ¥3,800.00" in html and "再购买 9 单" in html
    assert "已满足保级条件" in html
    assert 'data-reward="cash10"' in html and "兑换</button>" in html
    gift = re.search(r'<div class="m-reward([^"]*)" data-reward="gold-gift">(.*?)data-reward=', html, re.S)
    assert gift.group(1) == " m-unavailable"  # 100 points are affordable, but it is for gold members
    assert "该奖励需要更高的会员等级" in gift.group(2) and "/redeem" not in gift.group(2)
    assert "订单积分" in html and "+1,200" in html
    # Only this member: no other member's name, no staff navigation or notes.
    assert "李雷" not in html and "/loyalty/members" not in html and "csrf_token" not in html
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["Cache-Control"] == "no-store"


def test_pending_and_expiring_points_with_dates(session, client):
    shop, program = make_program(session)
    order = _member(session, shop, "赵敏", 250, day="2026-06-10")  # inside its 15-day return window on 15 June
    account = accounts.find_account(session, program.program.id, order.customer_id)
    from shopcx.loyalty.service.points import ledger

    ledger.lock_account(session, account)
    ledger.credit(session, account, 80, key="test:expiring", kind="adjust", reason="manual",
                  expires_on=date(2026, 7, 1), note="内部备注：补偿")
    session.flush()
    html = client.get(f"/m/{links.issue(account.id)}").text
    assert re.search(r'id="m-pending">250<', html) and re.search(r'id="m-balance">80<', html)
    assert re.search(r'id="m-expiring">80<', html) and "2026-07-01" in html and "80 积分到期" in html
    assert "内部备注" not in html  # staff notes never reach the member


@pytest.mark.parametrize("mangle", [
    lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"),  # signature altered
    lambda t: base64.urlsafe_b64encode(b"999.99999999999").decode().rstrip("=") + t[t.index("."):],  # payload swapped
    lambda t: "not-a-token",
    lambda t: t + "." + t,
])
def test_forged_links_get_the_friendly_not_found_page(client, shop, mangle):
    token = mangle(links.issue(shop["ids"]["王芳"]))
    page = client.get(f"/m/{token}")
    assert page.status_code == 404 and 'id="member-gone"' in page.text and "这个会员链接无效" in page.text
    assert "王芳" not in page.text


def test_a_link_for_another_member_shows_only_that_member(client, shop):
    html = client.get(f"/m/{links.issue(shop['ids']['李雷'])}").text
    assert "李雷，您好" in html and "王芳" not in html and re.search(r'id="m-balance">300<', html)


def test_expired_link(client, shop):
    token = links.issue(shop["ids"]["王芳"], days=90)
    with clock.frozen_at(NOW + timedelta(days=89, hours=23)):
        assert client.get(f"/m/{token}").status_code == 200
    with clock.frozen_at(NOW + timedelta(days=90)):
        page = client.get(f"/m/{token}")
    assert page.status_code == 404 and "这个会员链接已过期" in page.text


def test_link_tokens_are_signed_with_the_site_key(shop, monkeypatch):
    from shopcx.core.settings import get_settings

    token = links.issue(shop["ids"]["王芳"])
    assert links.verify(token) == shop["ids"]["王芳"]
    monkeypatch.setattr(get_settings(), "secret_key", "another-key")
    with pytest.raises(links.LinkRefused):
        links.verify(token)


def test_a_link_signed_before_core_tokens_still_opens(shop):
    from shopcx.core.settings import get_settings

    key, account_id = get_settings().resolved_secret_key().encode(), shop["ids"]["王芳"]
    payload = base64.urlsafe_b64encode(f"{account_id}.{int(NOW.timestamp()) + 3600}".encode()).decode().rstrip("=")
    token = f"{payload}.{hmac.new(key, b'shopcx.member-link.v1:' + payload.encode(), hashlib.sha256).hexdigest()}"
    assert links.verify(token) == account_id
    form = hmac.new(key, b"shopcx.member-form.v1:" + token.encode(), hashlib.sha256).hexdigest()
    assert links.form_token(token) == form and links.form_token_matches(token, form)


def test_redeem_twice_with_the_same_form_takes_points_once(client, shop, session):
    account_id = shop["ids"]["王芳"]
    token = links.issue(account_id)
    page = client.get(f"/m/{token}").text
    assert 'method="post"' not in page  # one tap only asks; nothing is spent before the member confirms
    asked = client.get(f"/m/{token}?confirm=cash10").text
    assert "确认用 500 积分兑换「10元无门槛券」吗？兑换后剩余 700 积分。" in asked and "确认兑换</button>" in asked
    form = _form(asked)
    action = form.pop("action")
    account = session.get(LoyaltyAccount, account_id)
    session.refresh(account)
    assert account.balance == 1200
    first = client.post(action, data=form)
    second = client.post(action, data=form)  # a double tap sends the same key
    assert first.status_code == second.status_code == 200
    code = re.search(r'id="m-new-code">([A-Z0-9-]+)<', first.text).group(1)
    assert re.search(r'id="m-new-code">([A-Z0-9-]+)<', second.text).group(1) == code
    assert "兑换成功" in first.text and re.search(r'id="m-balance">700<', second.text)
    assert "有效期至 2026-07-14" in first.text  # 30 days counting today, 15 June
    session.refresh(account)
    assert account.balance == 700
    assert session.query(PointsEntry).filter_by(account_id=account_id, kind="redeem").count() == 1
    assert session.query(Coupon).filter_by(account_id=account_id).one().created_by == f"member:{account_id}"
    from shopcx.staff.models import AuditLog

    assert session.query(AuditLog).filter_by(action="loyalty.redeem", actor=f"member:{account_id}").count() == 1
    # A new tap from the page drawn after the redemption is a new redemption.
    again = _form(client.get(f"/m/{token}?confirm=cash10").text)
    client.post(again.pop("action"), data=again)
    session.refresh(account)
    assert account.balance == 200 and session.query(Coupon).filter_by(account_id=account_id).count() == 2


def test_redeem_needs_the_links_form_token_and_enough_points(client, shop, session):
    account_id = shop["ids"]["李雷"]  # 300 points: the 500-point coupon is out of reach
    token = links.issue(account_id)
    other = links.issue(shop["ids"]["王芳"])
    forged = client.post(f"/m/{token}/redeem", data={"reward": "cash10", "key": "abc",
                                                    "form_token": links.form_token(other)})
    assert forged.status_code == 403 and "表单已失效" in forged.text
    short = client.post(f"/m/{token}/redeem", data={"reward": "cash10", "key": "abc",
                                                   "form_token": links.form_token(token)})
    assert short.status_code == 409 and 'id="m-error"' in short.text
    account = session.get(LoyaltyAccount, account_id)
    session.refresh(account)
    assert account.balance == 300 and session.query(Coupon).filter_by(account_id=account_id).count() == 0
    page = client.get(f"/m/{token}").text
    assert "还差 200 积分" in page
    # Asking to confirm a reward that is out of reach shows no redeem form.
    assert "/redeem" not in client.get(f"/m/{token}?confirm=cash10").text


def test_english_and_chinese(client, shop):
    token = links.issue(shop["ids"]["王芳"])
    zh = client.get(f"/m/{token}").text
    en = client.get(f"/m/{token}?lang=en").text
    assert "我的积分" in zh and "积分兑换" in zh
    assert 'lang="en"' in en and "My points" in en and "Redeem points" in en and "Silver" in en
    assert "spend ¥3,800.00 more" in en and 'name="lang" value="en"' in en
    asked = client.get(f"/m/{token}?lang=en&confirm=cash10").text
    assert "Spend 500 points on ¥10 off? 700 points will be left." in asked and "Yes, redeem</button>" in asked
    assert "我的积分" not in en
    gone = client.get("/m/forged.token?lang=en")
    assert gone.status_code == 404 and "This member link is not valid." in gone.text
