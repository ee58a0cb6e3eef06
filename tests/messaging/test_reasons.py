"""A message's stored reason in the reader's words, zh and en, for each form a reason takes."""

from __future__ import annotations

import pytest

from shopcx.messaging.reasons import reason_words

CARE = ("care.reason", "messaging.reason")


@pytest.mark.parametrize(("reason", "zh", "en"), [
    ("quiet_hours", "等待店铺免打扰时段结束", "Waiting for the end of the shop's quiet hours"),
    ("no_consent", "买家未同意通过此渠道接收消息", "No consent for this channel"),
    ("topic_muted", "买家在偏好设置页关闭了这类消息", "The buyer turned this topic off on their preference page"),
    ("connection: TimeoutError: timed out", "无法连接发送渠道（TimeoutError: timed out）",
     "The channel could not be reached (TimeoutError: timed out)"),
    ("550 5.1.1 no such user", "服务器回复：550 5.1.1 no such user", "The server answered: 550 5.1.1 no such user"),
    ("gave up after 8 attempts: 451 try later", "尝试 8 次后放弃——最后一次：服务器回复：451 try later",
     "Given up after 8 attempts — last: The server answered: 451 try later"),
    ("interrupted: the sender stopped while sending; not sent again to avoid a double",
     "发送时发送程序中断；为避免买家重复收到，不再重发",
     "The sender stopped while sending it; not sent again so the buyer never gets it twice"),
    ("something new", "something new", "something new"),  # no label: shown as stored, never hidden
    (None, "", ""),
])
def test_messaging_reasons_in_words(reason, zh, en):
    assert reason_words(reason, "zh") == zh
    assert reason_words(reason, "en") == en


def test_care_reasons_come_first_from_cares_labels():
    assert reason_words("campaign_cancelled", "zh", CARE) == "活动已取消"
    assert reason_words("template_error: zh.body: ZeroDivisionError: division by zero", "en", CARE) == (
        "The template could not be filled in: zh.body: ZeroDivisionError: division by zero")
    assert reason_words("frequency_cap", "en", CARE) == (
        "Waiting: the buyer has had as many messages as the frequency caps allow")
    assert reason_words("campaign_cancelled", "zh") == "campaign_cancelled"  # messaging's labels alone do not know it
