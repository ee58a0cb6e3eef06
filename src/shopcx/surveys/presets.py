"""The surveys shipped with ShopCX, written here in zh and en: CSAT after delivery, NPS, CES after a ticket,
SERVQUAL for an online shop, an ECSI-style questionnaire and the staff eNPS (anonymous).

SERVQUAL keeps the 22-item instrument of Parasuraman, Zeithaml & Berry (1988, "SERVQUAL: a multiple-item scale",
Journal of Retailing 64(1)) and its split over the five dimensions (tangibles 4, reliability 5, responsiveness 4,
assurance 4, empathy 5), each item reworded for a web shop and asked as an expectation / experience pair on 1–7.
The ECSI blocks follow the European Customer Satisfaction Index model (image, expectation, perceived quality,
perceived value, satisfaction, complaints, loyalty) on 1–10, as in the `satisfaction` data of R plspm.
"""

from __future__ import annotations

from .questions import validate_questions


def _t(zh: str, en: str) -> dict[str, str]:
    return {"zh": zh, "en": en}


def _rating(key: str, zh: str, en: str, scale: str, low: tuple[str, str], high: tuple[str, str], **more) -> dict:
    return {"key": key, "type": "rating", "text": _t(zh, en), "scale": scale, "low": _t(*low), "high": _t(*high),
            **more}


def _comment(key: str = "comment", zh: str = "还有什么想告诉我们的吗？",
             en: str = "Anything else you would like to tell us?") -> dict:
    return {"key": key, "type": "text", "text": _t(zh, en), "optional": True, "max_length": 2000}


_SAT5 = (("非常不满意", "Very dissatisfied"), ("非常满意", "Very satisfied"))
_NPS = (("完全不可能", "Not at all likely"), ("极有可能", "Extremely likely"))
_TEN = (("非常不同意", "Strongly disagree"), ("非常同意", "Strongly agree"))

CSAT_DELIVERY = {"questions": [
    _rating("csat", "您对这次购物的整体体验满意吗？", "How satisfied are you with this order overall?", "1-5", *_SAT5),
    _rating("delivery", "您对配送速度满意吗？", "How satisfied are you with the delivery time?", "1-5", *_SAT5),
    _rating("packaging", "商品到货时包装是否完好？", "How satisfied are you with the packaging on arrival?", "1-5",
            *_SAT5),
    {"key": "issue", "type": "multiple", "text": _t("遇到了哪些问题？", "What went wrong?"), "optional": True,
     "show_if": {"question": "csat", "in": [1, 2, 3]},
     "options": [{"key": "late", "text": _t("到货慢", "It arrived late")},
                 {"key": "damaged", "text": _t("商品破损", "It arrived damaged")},
                 {"key": "not_as_described", "text": _t("与描述不符", "Not as described")},
                 {"key": "service", "text": _t("客服态度", "Customer service")},
                 {"key": "other", "text": _t("其他", "Something else")}]},
    _comment(),
]}

NPS = {"questions": [
    _rating("nps", "您有多大可能把我们的店铺推荐给朋友或同事？",
            "How likely are you to recommend our shop to a friend or colleague?", "0-10", *_NPS),
    _comment("reason", "您给出这个分数的主要原因是什么？", "What is the main reason for your score?"),
]}

CES_TICKET = {"questions": [
    _rating("ces", "这次问题处理起来容易吗？", "How easy was it to get your issue resolved?", "1-7",
            ("非常困难", "Very difficult"), ("非常容易", "Very easy")),
    {"key": "resolved", "type": "single", "text": _t("您的问题解决了吗？", "Was your issue resolved?"),
     "options": [{"key": "yes", "text": _t("已解决", "Yes")}, {"key": "partly", "text": _t("部分解决", "Partly")},
                 {"key": "no", "text": _t("没有解决", "No")}]},
    _comment(),
]}

# (dimension, zh, en): "an excellent online shop …" (expectation) / "this shop …" (experience) on 1–7
_SERVQUAL_ITEMS = (
    ("tangibles", "店铺页面设计美观、易于浏览", "The shop's pages look modern and are easy to browse"),
    ("tangibles", "商品图片和详情清晰、真实", "Product photos and details are clear and true to life"),
    ("tangibles", "客服和店铺的文字沟通专业、整洁", "Messages from the shop and its agents look professional"),
    ("tangibles", "包装、发票和随附资料规范美观", "Packaging, invoices and enclosed leaflets are neat and proper"),
    ("reliability", "承诺的发货时间能够做到", "The shop ships by the time it promises"),
    ("reliability", "遇到问题时真诚地帮助解决",
     "When I have a problem, the shop shows a sincere interest in solving it"),
    ("reliability", "第一次就把订单处理正确", "The shop gets my order right the first time"),
    ("reliability", "在承诺的时间内完成退换货或退款", "Returns, exchanges and refunds are completed when promised"),
    ("reliability", "订单、物流和账单信息准确无误", "Order, tracking and billing information is accurate"),
    ("responsiveness", "准确告知订单何时发货、何时送达",
     "The shop tells me exactly when my order will ship and arrive"),
    ("responsiveness", "客服能迅速回复咨询", "Agents answer my questions promptly"),
    ("responsiveness", "客服总是愿意帮助我", "Agents are always willing to help me"),
    ("responsiveness", "促销高峰期也能及时回应", "The shop still responds quickly at peak sales times"),
    ("assurance", "客服的言行让我对店铺有信心", "The agents' behaviour gives me confidence in the shop"),
    ("assurance", "在这里付款和留下个人信息让我放心", "I feel safe paying and leaving my details with this shop"),
    ("assurance", "客服始终礼貌友好", "Agents are consistently courteous with me"),
    ("assurance", "客服具备解答商品问题的专业知识", "Agents have the knowledge to answer my product questions"),
    ("empathy", "店铺会关注我个人的需求", "The shop gives me individual attention"),
    ("empathy", "客服服务时间方便我联系", "Customer service hours are convenient for me"),
    ("empathy", "客服给予我个性化的关照", "Agents give me personal attention"),
    ("empathy", "店铺把我的利益放在心上", "The shop has my best interests at heart"),
    ("empathy", "店铺理解我的具体需求", "The shop understands my specific needs"),
)

SERVQUAL = {"questions": [
    *({"key": f"sq{i:02d}", "type": "servqual", "dimension": dim, "text": _t(zh, en)}
      for i, (dim, zh, en) in enumerate(_SERVQUAL_ITEMS, start=1)),
    {"key": "importance", "type": "matrix", "optional": True,
     "text": _t("以下五个方面对您有多重要？", "How important is each of these to you?"), "scale": "1-7",
     "low": _t("不重要", "Not important"), "high": _t("非常重要", "Very important"),
     "rows": [{"key": "tangibles", "text": _t("有形度：页面、图片、包装", "Tangibles: pages, photos, packaging")},
              {"key": "reliability", "text": _t("信赖度：按承诺做到", "Reliability: doing what was promised")},
              {"key": "responsiveness", "text": _t("反应度：及时回应", "Responsiveness: prompt help")},
              {"key": "assurance", "text": _t("专业度：专业与可信", "Assurance: knowledge and trust")},
              {"key": "empathy", "text": _t("同理度：关心与理解", "Empathy: care and understanding")}]},
    _comment(),
]}

_ECSI_ITEMS = {
    "imag": (("这是一家值得信赖的店铺", "This shop is trustworthy"),
             ("这家店铺在业内口碑好", "This shop has a good name in its field"),
             ("这家店铺关心顾客", "This shop cares about its customers"),
             ("这家店铺对社会有贡献", "This shop contributes to society"),
             ("这家店铺不断创新", "This shop is innovative and forward looking")),
    "expe": (("购买前，我期望商品质量很高", "Before buying, I expected the products to be of high quality"),
             ("购买前，我期望店铺能满足我的需要", "Before buying, I expected the shop to meet my needs"),
             ("购买前，我期望服务可靠", "Before buying, I expected reliable service"),
             ("购买前，我期望选择丰富", "Before buying, I expected a wide choice"),
             ("购买前，我期望少出差错", "Before buying, I expected few mistakes")),
    "qual": (("商品的整体质量", "The overall quality of the products"),
             ("客服的专业程度", "The competence of customer service"),
             ("发货与物流的可靠性", "The reliability of shipping and delivery"),
             ("售后服务的质量", "The quality of after-sales service"),
             ("信息与页面的清晰程度", "The clarity of the information and pages")),
    "val": (("考虑到价格，商品质量物有所值", "Given the price, the quality is good value"),
            ("考虑到质量，价格是合理的", "Given the quality, the price is fair"),
            ("与其他店铺相比，这里更划算", "Compared with other shops, this one is good value"),
            ("付出的时间和精力是值得的", "The time and effort it took were worth it")),
    "sat": (("总体而言，我对这家店铺满意", "Overall, I am satisfied with this shop"),
            ("这家店铺达到了我的期望", "This shop met my expectations"),
            ("与理想中的店铺相比，这家店铺很接近", "This shop comes close to my ideal shop"),
            ("在这里购物是愉快的", "Shopping here is a pleasant experience")),
    "comp": (("如果我投诉，店铺会妥善处理", "If I complained, the shop would handle it well"),),
    "loy": (("我会再次在这家店铺购物", "I will buy from this shop again"),
            ("我会向他人推荐这家店铺", "I would recommend this shop to others"),
            ("即使价格稍高我也会选择这里", "I would choose this shop even if it cost a little more"),
            ("我会关注这家店铺的新品", "I will follow this shop's new products")),
}

ECSI = {"questions": [
    _rating(f"{block}{i}", zh, en, "1-10", *_TEN)
    for block, items in _ECSI_ITEMS.items() for i, (zh, en) in enumerate(items, start=1)
]}

ENPS = {"questions": [
    _rating("enps", "您有多大可能向朋友推荐来我们团队工作？",
            "How likely are you to recommend working on our team to a friend?", "0-10", *_NPS),
    _comment("better", "有什么能让这里成为更好的工作场所？", "What would make this a better place to work?"),
]}

# code → (kind, zh name, en name, anonymous, questions)
PRESETS: dict[str, tuple[str, str, str, bool, dict]] = {
    "csat_delivery": ("csat", "收货满意度", "Satisfaction after delivery", False, CSAT_DELIVERY),
    "nps": ("nps", "推荐意愿（NPS）", "Net Promoter Score", False, NPS),
    "ces_ticket": ("ces", "客服省力度（CES）", "Effort after a ticket (CES)", False, CES_TICKET),
    "servqual": ("servqual", "服务质量（SERVQUAL）", "Service quality (SERVQUAL)", False, SERVQUAL),
    "ecsi": ("ecsi", "顾客满意指数（ECSI）", "Customer satisfaction index (ECSI)", False, ECSI),
    "enps": ("enps", "员工推荐意愿（eNPS，匿名）", "Employee NPS (anonymous)", True, ENPS),
}


def preset(code: str) -> tuple[str, str, str, bool, dict]:
    """One shipped survey, its questions validated (a KeyError for an unknown code is the caller's to refuse)."""
    kind, zh, en, anonymous, doc = PRESETS[code]
    return kind, zh, en, anonymous, validate_questions(doc)
