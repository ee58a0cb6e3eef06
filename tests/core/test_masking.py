"""Contacts inside free text and contact-like identities are masked (issue 12 item 7); other text is kept."""

from __future__ import annotations

import pytest

from shopcx.core.security import mask_identity, mask_text

# (text as written, what a role without 'pii' sees): Chinese mobiles, landlines, international, e-mail.
CONTACTS = [
    ("13800138000", "138****8000"),
    ("打13800138000也没人接", "打138****8000也没人接"),
    ("138-1234-5678", "138-****-5678"),
    ("138 0013 8000", "138 **** 8000"),
    ("138.0013.8000", "138.****.8000"),
    ("+86 139 8765 4321", "+86 139 **** 4321"),
    ("+8613987654321", "+86139****4321"),
    ("(+86)13987654321", "(+86)139****4321"),
    ("0086 13987654321", "0086 139****4321"),
    ("１３８００１３８０００", "１３８****８０００"),
    ("电话：＋８６ １３９ ８７６５ ４３２１", "电话：＋８６ １３９ **** ４３２１"),
    ("010-88886666", "010-****6666"),
    ("(0755) 1234 5678", "(0755) **** 5678"),
    ("座机0755-12345678转8", "座机0755-****5678转8"),
    ("021 6666 8888", "021 **** 8888"),
    ("400-800-8888", "400-***-8888"),
    ("+1 (415) 555-2671", "+1 (415) ***-2671"),
    ("(415) 555-2671", "(415) ***-2671"),
    ("+44 20 7946 0958", "+44 20 7*** 0958"),
    ("+81 3-1234-5678", "+81 *-****-5678"),
    ("+852 9123 4567", "+852 **** 4567"),
    ("zhang.san@example.com", "z***@example.com"),
    ("邮箱ZHANG_SAN+shop@qq.com谢谢", "邮箱Z***@qq.com谢谢"),
    ("12345678@qq.com", "1***@qq.com"),
    ("zhangsan＠163．com", "z***＠163．com"),
    ("li@mail.example.co.uk, 13912345678", "l***@mail.example.co.uk, 139****5678"),
]

# Text that carries no contact and must come back unchanged: order and tracking numbers, prices, dates, SKUs.
KEPT = ["订单号 TB20260301001", "订单 3141592653589793238", "¥1,299.00", "价格 199.00 元 x3", "2026-03-01 10:30:00",
        "2026/03/01", "2026-03-01~2026-03-05", "SF1380013800012", "773012345678901", "SKU-138-0013", "1+1=2",
        "20261206", "7076812345678", "满 300 减 30，+50 积分", "tb_buyer_2024", "wxm_tb"]


@pytest.mark.parametrize(("text", "masked"), CONTACTS)
def test_contacts_in_text_are_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize("text", KEPT)
def test_text_without_contacts_is_kept(text):
    assert mask_text(text) == text


def test_an_order_number_next_to_a_phone_keeps_the_order_number():
    assert mask_text("订单号：2026030112345678900，电话 13912345678") == "订单号：2026030112345678900，电话 139****5678"


@pytest.mark.parametrize(("identity", "shown"), [("shopper@example.com", "s***@example.com"),
                                                  ("+8613800138000", "+86138****8000"),
                                                  ("13800138000", "138****8000"),
                                                  ("7076812345678", "7076812345678"), ("wxm_tb", "wxm_tb")])
def test_identities_that_are_contacts_are_masked(identity, shown):
    assert mask_identity(identity) == shown
