"""The platform-rule guard for every text the shop sends or shows a buyer: review replies, reply templates, care
contacts and resolutions, and later ticket answers and messages. One function, `check_outgoing`, refuses what the
marketplaces forbid; `outgoing_problem` says why without raising (for forms that explain before saving).

What the platforms forbid (Taobao 好评返现 and 评价规范, JD 诱导评价, Pinduoduo 虚假评价 rules):
- `incentive_for_revision`: money, gifts, coupons or points in exchange for a good review, a 追评 (follow-up
  review), a changed or deleted review;
- `off_platform_contact`: moving the buyer to WeChat, QQ, a phone number or a private chat to arrange money or
  compensation there (加微信返现, 私聊返现, 联系客服QQ补偿), where the platform cannot see it.
Compensation for a real problem (a refund, a replacement, a coupon for the trouble) and an apology are allowed as
long as they do not depend on the review and stay on the platform. Thanking a buyer for a review already written
("感谢您的追评") is not asking for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidInput

# Phrases that are an offence alone.
_ALWAYS = ("好评返现", "好评返", "返现好评", "好评送", "好评有礼", "好评有奖", "五星返现", "5星返现", "晒图返现",
           "改好评送", "改好评返", "改评返现", "删差评", "删除差评", "撤销差评", "撤掉差评", "删评返", "追评返现",
           "追评送", "追评有礼", "追评有奖", "追评返", "带图追评返", "晒单返现", "晒图有礼", "私聊返现", "私信返现",
           "加微信返现", "加v返现", "加vx返现", "加wx返现", "加qq返现", "微信返现", "返现加微信")
_INCENTIVE = ("红包", "返现", "现金", "返款", "返钱", "给钱", "打款", "转账", "退款", "退钱", "补偿", "赔偿", "赔付",
              "礼品", "礼物", "赠品", "小礼", "送您", "送你", "送个", "送一", "送张", "优惠券", "代金券", "券", "积分",
              "免单", "免费", "折扣", "元", "块钱", "块", "¥", "￥", "返利", "奖励", "好处")
_REVISION = re.compile(r"(改|修改|更改|删|删除|撤|撤销|撤回|追加|补)(一下|一个|下|个|掉|成|为|了)?"
                       r"(五星|5星|好评|评价|评论|差评|中评|评)|追评|追一下评|晒图|晒单|带图评价|给个?好评|打五星|五星好评|5星好评|好评")
_NOT_INCENTIVE = ("送达", "送货", "配送", "快递送", "送到", "运送", "发送", "送的", "元旦", "单元", "一块儿", "一块")
# A review the buyer already wrote, thanked for: not a request for one.
_THANKS = re.compile(r"(感谢|谢谢|多谢)(您|你|亲)?(的|对[^，,。]{0,12}的)?(追评|好评|评价|追加评价)")
_OFF_PLATFORM = re.compile(
    r"加(个|一下|下|我|我们|客服|店长)?的?(微信|微|v|vx|wx|威信|薇信|qq|扣扣|企鹅)|"
    r"(微信|vx|wx|qq|扣扣)(号|群|联系|私聊|上联系|上说|详聊)|"
    r"(联系|找|私聊)(我|我们|客服|店长|掌柜)?的?(微信|vx|wx|qq|扣扣|手机|私人电话)|"
    r"私聊|私信我|私下|线下|留(个|下)?(您的)?(电话|手机|微信)|(打|拨打|致电)(我|我们|这个|以下|下面)?的?(电话|手机|号码)|"
    r"(?<!\d)1[3-9]\d{9}(?!\d)",
    re.IGNORECASE)
_EN_INCENTIVE = re.compile(r"\b(money|cash|cashback|refund|rebate|gift|present|coupon|voucher|discount|reward|"
                           r"points?|free|paypal|compensat\w*|bonus|\$\s?\d|\d+\s?(dollars?|usd|rmb|yuan))",
                           re.IGNORECASE)
_EN_REVISION = re.compile(r"\b(change|update|revise|edit|amend|remove|delete|take down|withdraw|upgrade|improve)\b"
                          r"[^.!?]*\b(review|rating|feedback|stars?|comment)\b|\b(5|five)[- ]stars?\b|"
                          r"\bpositive (review|rating|feedback)|\bfollow[- ]?up (review|comment)|"
                          r"\b(another|second|additional) review\b|\b(leave|write|post|add) (us )?(a|another) "
                          r"(good |great |nice )?review\b", re.IGNORECASE)
_EN_THANKS = re.compile(r"\bthank(s| you)\b[^.!?]*?\bfor (your|the) (kind |follow[- ]?up )?(review|feedback|rating)",
                        re.IGNORECASE)
_EN_OFF_PLATFORM = re.compile(r"\b(wechat|weixin|whatsapp|telegram|qq|line id|private(ly)? (message|chat)|"
                              r"\bdm\b|direct message|call (me|us)|text (me|us)|my (phone|mobile|number)|"
                              r"phone number|contact (me|us) (on|via|by|at) (phone|mobile|wechat|qq|whatsapp))",
                              re.IGNORECASE)
_SENTENCE = re.compile(r"[。！？!?；;\n]+|(?<=[a-zA-Z])\.(?:\s|$)")

CODES = ("incentive_for_revision", "off_platform_contact")


@dataclass(frozen=True)
class OutgoingProblem:
    """Why a text may not go out: the error code and the words that broke the rule."""

    code: str
    phrase: str


def _plain(sentence: str) -> str:
    for word in _NOT_INCENTIVE:
        sentence = sentence.replace(word, "")
    return _EN_THANKS.sub(" ", _THANKS.sub("", sentence))


def _offer(squeezed: str, plain: str) -> str | None:
    hit = next((w for w in _INCENTIVE if w in squeezed), None)
    if hit:
        return hit
    found = _EN_INCENTIVE.search(plain)
    return found.group(0) if found else None


def outgoing_problem(text: str | None) -> OutgoingProblem | None:
    """The rule a text to a buyer breaks and the words that break it, or None when it may go out."""
    if not text or not text.strip():
        return None
    compact = re.sub(r"\s+", "", text).lower()
    for phrase in _ALWAYS:
        if phrase in compact:
            code = "off_platform_contact" if ("微信" in phrase or "私" in phrase or "加" in phrase) \
                else "incentive_for_revision"
            return OutgoingProblem(code, phrase)
    sentences = [s for s in _SENTENCE.split(text) if s and s.strip()]
    for sentence in sentences:
        plain = _plain(sentence)
        squeezed = re.sub(r"\s+", "", plain).lower()
        offer = _offer(squeezed, plain)
        change = _REVISION.search(squeezed) or _EN_REVISION.search(plain)
        if offer and change:
            return OutgoingProblem("incentive_for_revision", sentence.strip())
    # Off the platform: an invitation to WeChat/QQ/phone/private chat and money or compensation in the same text.
    whole = _plain(text)
    squeezed = re.sub(r"\s+", "", whole).lower()
    move = _OFF_PLATFORM.search(squeezed) or _EN_OFF_PLATFORM.search(whole)
    if move and _offer(squeezed, whole):
        return OutgoingProblem("off_platform_contact", move.group(0))
    return None


def check_outgoing(text: str | None, field: str) -> None:
    """Refuse a text to a buyer that breaks a platform rule (InvalidInput naming the field and the words)."""
    problem = outgoing_problem(text)
    if problem is None:
        return
    if problem.code == "incentive_for_revision":
        message = (f"{field}: platform rules (Taobao, JD, Pinduoduo) forbid offering money, gifts, coupons or points "
                   f"for a good review, a follow-up review or a changed or deleted review (found: "
                   f"'{problem.phrase[:80]}'). Compensate a real problem without asking for a review change.")
    else:
        message = (f"{field}: platform rules forbid moving the buyer to WeChat, QQ, a phone number or a private chat "
                   f"to arrange money or compensation (found: '{problem.phrase[:80]}'). Offer it on the platform.")
    raise InvalidInput(problem.code, message, field=field, values={"phrase": problem.phrase[:80]})
