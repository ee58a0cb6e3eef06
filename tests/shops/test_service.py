"""Shops: ensure_shop when another process creates the same shop between the look and the insert."""

from __future__ import annotations

import pytest

from shopcx.core.errors import InvalidInput
from shopcx.shops import service as shops


def test_ensure_shop_takes_the_shop_another_import_created_a_moment_ago(session, monkeypatch):
    original = shops.create_shop

    def raced(session, **values):
        original(session, code=values["code"], name="先到的导入", platform="taobao")  # the other process wins
        return original(session, **values)

    monkeypatch.setattr(shops, "create_shop", raced)
    shop = shops.ensure_shop(session, code="main", name="main", platform="other")
    assert shop.name == "先到的导入" and shop.platform == "taobao"
    monkeypatch.setattr(shops, "create_shop", original)
    assert shops.ensure_shop(session, code="main").id == shop.id  # found at the first look now


def test_ensure_shop_still_refuses_bad_values(session):
    with pytest.raises(InvalidInput) as caught:
        shops.ensure_shop(session, code="x", platform="nowhere")
    assert caught.value.code == "invalid_platform"
