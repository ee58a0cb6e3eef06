"""The shops page: the owner enters the key the platform signs with; it is shown once and stored encrypted."""

from __future__ import annotations

from shopcx.shops import service as shops
from shopcx.shops.webhooks import secret_of

from ..factories import make_shop

KEY = "wc_secret_7f3a91c2d4e5b6a8"  # invented


def test_the_owner_enters_a_key_shown_once_and_a_bad_one_is_refused_in_chinese(login, session):
    make_shop(session, code="woo", platform="woocommerce", currency="EUR", timezone="Europe/Berlin")
    session.flush()
    staff = login("owner")
    page = staff.get("/shops")
    assert page.status_code == 200 and "/api/v1/webhooks/woo/orders" in page.text and "DE" in page.text
    saved = staff.post("/shops/woo/webhook-key", {"webhook_secret": KEY})
    assert saved.status_code == 200 and KEY in saved.text
    shop = shops.get_shop(session, "woo")
    session.refresh(shop)
    assert secret_of(shop) == KEY and KEY not in shop.webhook_secret
    assert KEY not in staff.get("/shops").text  # shown once only
    bad = staff.htmx_post("/shops/woo/webhook-key", {"webhook_secret": "short"})
    assert bad.status_code == 422 and "8–255" in bad.text and "密钥" in bad.text
    session.refresh(shop)
    assert secret_of(shop) == KEY


def test_an_agent_cannot_see_or_change_keys(login):
    agent = login("agent")
    assert agent.get("/shops").status_code == 403
