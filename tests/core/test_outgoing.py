"""The platform-rule guard on every text to a buyer (core.outgoing): what Taobao, JD and Pinduoduo forbid is
refused with the rule broken; apologies, refunds and compensation that do not depend on the review pass."""

from __future__ import annotations

import pytest

from shopcx.core import i18n
from shopcx.core.errors import InvalidInput
from shopcx.core.outgoing import CODES, check_outgoing, outgoing_problem

REFUSED = [
    # rewards for a 追评 (follow-up review)
    ("亲，加微信送您一张10元优惠券，追评一下好不好", "incentive_for_revision"),
    ("追评返现5元，带图再加3元", "incentive_for_revision"),
    ("麻烦亲追加一下评价，下次下单给您免单", "incentive_for_revision"),
    ("晒图追评送小礼品一份", "incentive_for_revision"),
    ("亲追评一下，我们送您20积分", "incentive_for_revision"),
    # rewards for a good or changed review
    ("亲，改好评送您5元红包", "incentive_for_revision"),
    ("麻烦您修改评价，我们给您返现10元", "incentive_for_revision"),
    ("好评返现，晒图再送小礼品", "incentive_for_revision"),
    ("给个五星好评，送您一张无门槛券", "incentive_for_revision"),
    ("亲，改成5星的话我们补偿您15块", "incentive_for_revision"),
    # rewards for deleting a review
    ("只要删除差评就给您补偿", "incentive_for_revision"),
    ("删掉评价后给您转账20元", "incentive_for_revision"),
    ("亲，撤销评价我们全额退款", "incentive_for_revision"),
    # moving the buyer off the platform to arrange money
    ("亲，加微信，给您返10元", "off_platform_contact"),
    ("加V详聊，给您补偿", "off_platform_contact"),
    ("麻烦加vx：xiaoya2026，我们给您退款", "off_platform_contact"),
    ("私聊返现哦亲", "off_platform_contact"),
    ("有问题联系客服QQ 123456789，给您赔偿", "off_platform_contact"),
    ("请留个电话，我们打红包给您", "off_platform_contact"),
    ("您好，拨打13800138000，我们给您补偿50元", "off_platform_contact"),
    ("加个微信吧，送您一张优惠券。", "off_platform_contact"),
    ("加我QQ，返您现金", "off_platform_contact"),
    # English wording
    ("If you update your review to 5 stars we will send you a $10 gift card.", "incentive_for_revision"),
    ("We can refund you once you remove the review", "incentive_for_revision"),
    ("Leave a follow-up review and get a coupon for your next order!", "incentive_for_revision"),
    ("Delete your feedback and we will give you cash back.", "incentive_for_revision"),
    ("Please add us on WeChat and we will compensate you.", "off_platform_contact"),
    ("Message me on WhatsApp for a refund.", "off_platform_contact"),
    ("Call me at my phone number and I will send you a voucher.", "off_platform_contact"),
    ("Contact us via WeChat to get your cashback.", "off_platform_contact"),
    ("Write another review and we will send you 20 points.", "incentive_for_revision"),
]

ALLOWED = [
    "非常抱歉给您带来不便，已为您办理退款并补发新品。",
    "已为您退款5元作为补偿。如果您对处理满意，欢迎再来。",
    "感谢您的好评！快递送达慢的问题我们已经和物流沟通。",
    "感谢您的追评，已为您退款5元。",
    "谢谢亲的追加评价，杯盖已经给您补发。",
    "非常抱歉，杯子漏水是我们的问题，已全额退款，不用退回。",
    "给您带来不便深表歉意，已通过平台给您发放一张10元优惠券，下次购物可用。",
    "电话联系，买家同意补发杯盖",
    "已通过旺旺联系买家，补发配件",
    "抱歉让您久等了，我们已经改进了包装，一块儿给您补寄赠品。",
    "亲，元旦期间快递送货较慢，请见谅。",
    "您好，收到您的反馈后我们已经改一下包装方式了，谢谢您的建议。",
    "很抱歉尺码不合适，可以申请七天无理由退货，运费我们承担。",
    "亲，商品质量问题支持换新，请在订单页申请售后，我们会第一时间处理。",
    "感谢您的评价，我们会继续努力。",
    "We are sorry about the broken handle and have refunded you in full.",
    "Thank you for your review! Your parcel was delivered late and we are fixing it.",
    "Thank you for your follow-up review; a replacement is on its way.",
    "We apologise for the delay and have issued a coupon for your next order.",
    "Sorry for the trouble. Please request a return in the order page and we will cover the postage.",
    "Your refund has been processed through the platform.",
    "We changed our packaging after your feedback. Thank you!",
    "电话联系买家，已道歉，买家表示理解。",
    "已在平台内为您补发，快递单号请在订单中查看。",
    "好的亲，已经为您登记，质量问题我们包退包换。",
    "感谢您的好评，欢迎下次光临！",
    "Thanks for the five stars!",
    "已为买家全额退款，买家接受。",
    "亲，抱歉给您添麻烦了，退款已经原路返回。",
    "We are sorry. We sent a new lid free of charge.",
    None,
    "",
]


def test_the_tables_are_large_enough():
    assert len(REFUSED) >= 30 and len(ALLOWED) >= 30


@pytest.mark.parametrize(("text", "code"), REFUSED)
def test_refused_with_the_rule_it_breaks(text, code):
    problem = outgoing_problem(text)
    assert problem is not None, text
    assert problem.code == code
    with pytest.raises(InvalidInput) as refused:
        check_outgoing(text, "text")
    assert refused.value.code == code and refused.value.field == "text"
    assert refused.value.values["phrase"]


@pytest.mark.parametrize("text", ALLOWED)
def test_apologies_refunds_and_unconditional_compensation_pass(text):
    assert outgoing_problem(text) is None, outgoing_problem(text)
    check_outgoing(text, "text")


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_guard_code_reads_in_both_languages_with_the_words_found(locale):
    for code in CODES:
        assert i18n.has(f"error.{code}", locale)
    with pytest.raises(InvalidInput) as refused:
        check_outgoing("亲，加微信，给您返10元", "text")
    shown = i18n.error_text(refused.value, locale)
    assert "加微信" in shown and ("微信" in shown if locale == "zh" else "WeChat" in shown)
