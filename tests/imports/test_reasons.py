"""Reject reasons read in the page's language: each sentence shape the parsers write, in 简体中文 and English."""

from __future__ import annotations

import re

import pytest

from shopcx.imports.reasons import SHAPES, reason_text

# One stored reason of each shape, as formats/ writes them (line prefix included).
STORED = [
    ("line 3: placed_at 'not a date' is not a date and time (use YYYY-MM-DD HH:MM:SS)", "placed_at",
     "第 3 行：“placed_at”的值“not a date”不是日期时间（请写成 YYYY-MM-DD HH:MM:SS）。"),
    ("line 4: quantity 'many' is not a whole number", "quantity", "第 4 行：“quantity”的值“many”不是整数。"),
    ("line 5: sku is missing", "sku", "第 5 行：“sku”为空。"),
    ("line 6: unit_price 'abc' is not an amount of money", "unit_price", "第 6 行：“unit_price”的值“abc”不是金额。"),
    ("line 7: placed_at '1900-01-01' is out of range (years 1970–2100)", "placed_at",
     "第 7 行：“placed_at”的值“1900-01-01”超出了允许的范围。"),
    ("line 8: 买家会员名 is longer than 128 characters", "买家会员名", "第 8 行：“买家会员名”超过了 128 个字符。"),
    ("line 9: sku 'ABCDEFGHIJKLMNOPQRST…' is longer than 64 characters", "sku", "第 9 行：“sku”超过了 64 个字符。"),
    ("line 10: phone '12' is not a phone number", "phone", "第 10 行：“phone”的值“12”不是手机号码。"),
    ("line 11: email 'x@' is not an email address", "email", "第 11 行：“email”的值“x@”不是邮箱地址。"),
    ("line 12: accepts_marketing 'maybe' is not yes or no", "accepts_marketing",
     "第 12 行：“accepts_marketing”的值“maybe”不是“是/否”。"),
    ("line 13: currency 'RMBX' is not a three-letter currency code", "currency",
     "第 13 行：“currency”的值“RMBX”不是三位字母的币种代码。"),
    ("line 14: status 'lost' is not one of pending, paid, shipped", "status",
     "第 14 行：“status”的值“lost”不是可以识别的选项。"),
    ("line 15: 订单状态 '未知' is not a Taobao order status (等待买家付款, …)", "订单状态",
     "第 15 行：“订单状态”的值“未知”不是可以识别的选项。"),
    ("line 16: customer_id 'b9' differs from the order's first row (b1)", "customer_id",
     "第 16 行：“customer_id”的值“b9”与同一订单的其他行不一致。"),
    ("line 17: dollar_value must not be negative", "dollar_value", "第 17 行：“dollar_value”不能是负数。"),
    ("line 18: sku and product_name are both missing", "sku", "第 18 行：商家编码和商品名称都为空。"),
    ("line 19: order B-1 not imported: its line 18 is bad (sku and product_name are both missing)", None,
     "第 19 行：订单 B-1 未导入：它的第 18 行有误（商家编码和商品名称都为空。）"),
    ("line 20: order B-2 not imported: its refund of ¥60.00 exceeds what was paid (¥49.90)", None,
     "第 20 行：订单 B-2 未导入：退款 ¥60.00 超过了实付金额 ¥49.90。"),
    ("line 21: order B-3 not imported: no row of this order carries the order's own fields", None,
     "第 21 行：订单 B-3 未导入：这个订单没有一行带有订单本身的信息。"),
    ("line 22: birthday '1990/13/01' is not a date written YYYY-MM-DD", "birthday",
     "第 22 行：“birthday”的值“1990/13/01”不是日期（请写成 YYYY-MM-DD）。"),
    ("line 23: the row has no external_id, phone, email or name to know the customer by", "external_id",
     "第 23 行：这一行没有客户编号、手机、邮箱或姓名，无法识别客户。"),
    ("line 24: has 3 values; expected customer_id date number_of_cds dollar_value", None,
     "第 24 行：这一行有 3 个值，列数不对。"),
    ("line 26: 订单编号: no order 'T9999' in shop 'tb'; import the order first", "订单编号",
     "第 26 行：“订单编号”：店铺 tb 中找不到订单“T9999”，请先导入订单。"),
    ("line 25: something new the parsers say one day", "gender", "第 25 行：“gender”的值无法使用。"),
]


@pytest.mark.parametrize(("stored", "field", "shown"), STORED)
def test_a_stored_reason_reads_in_chinese(stored, field, shown):
    assert reason_text(stored, field, "zh") == shown


@pytest.mark.parametrize(("stored", "field", "shown"), STORED)
def test_and_in_english(stored, field, shown):
    text = reason_text(stored, field, "en")
    assert text.startswith("Line ") and not re.search(r"[行的值为]", text)


def test_every_shape_has_a_text_in_both_languages():
    from shopcx.core import i18n

    keys = {key for key, _ in SHAPES} | {"at_line", "order_line_bad", "order_not_imported", "unusable_column",
                                         "unusable_row"}
    assert [k for k in sorted(keys) for loc in ("zh", "en") if not i18n.has(f"imports.reason.{k}", loc)] == []
