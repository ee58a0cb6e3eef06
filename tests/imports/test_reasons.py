"""Reject reasons in the reader's language (the formats store one English shape; pages show zh or en)."""

from __future__ import annotations

import pytest

from shopcx.imports.reasons import localize

CASES = [
    ("line 6: 购买数量 'two' is not a whole number", "第 6 行：购买数量“two”不是整数"),
    ("ExportOrderDetailList.csv line 6: 购买数量 'two' is not a whole number",
     "ExportOrderDetailList.csv 第 6 行：购买数量“two”不是整数"),
    ("line 6: 下单时间 '2026-04-31 08:00:00' is not a date and time (use YYYY-MM-DD HH:MM:SS)",
     "第 6 行：下单时间“2026-04-31 08:00:00”不是日期时间（请用 YYYY-MM-DD HH:MM:SS）"),
    ("line 5: order 41 not imported: its line 6 is bad (购买数量 'two' is not a whole number)",
     "第 5 行：订单 41 未导入：它的第 6 行有误（购买数量“two”不是整数）"),
    ("a.csv line 6: order 41 not imported: the 宝贝报表 (b.csv) has no item of it",
     "a.csv 第 6 行：订单 41 未导入：宝贝报表（b.csv）里没有它的商品"),
    ("b.csv line 7: 订单编号 49 is not in the 订单报表 (a.csv)", "b.csv 第 7 行：订单编号 49 不在订单报表（a.csv）里"),
    ("line 3: 订单状态 '已退货' is not a JD order status (等待付款, 完成)",
     "第 3 行：订单状态“已退货”不是可识别的订单状态（等待付款, 完成）"),
    ("line 4: order 9 not imported: its refund of ¥50.00 exceeds what was paid (¥40.00)",
     "第 4 行：订单 9 未导入：退款 ¥50.00 超过实付金额（¥40.00）"),
    ("line 2: 商品单价 is missing", "第 2 行：缺少商品单价"),
    ("line 10: 评价ID: is missing", "第 10 行：缺少评价ID"),
    ("line 6: 星级: Input should be less than or equal to 5", "第 6 行：星级不能大于 5"),
    ("line 8: 评价结果 '超级好评' is not 好评/中评/差评 (good/neutral/bad)",
     "第 8 行：评价结果“超级好评”不是好评、中评或差评"),
    ("line 8: something no pattern knows", "第 8 行：something no pattern knows"),
]


@pytest.mark.parametrize(("stored", "zh"), CASES)
def test_reasons_read_in_chinese_and_stay_english_in_english(stored, zh):
    assert localize(stored, "zh") == zh
    assert localize(stored, "en") == stored
