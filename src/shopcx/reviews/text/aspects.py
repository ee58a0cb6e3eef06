"""Driver tags: which of the satisfaction drivers a review or complaint talks about, from a keyword table.

The drivers are the five of the design brief (quality, description, service, logistics, security/privacy) plus
packaging/damage and price/value, which complaints name often enough to be counted apart. Chinese keywords match
as substrings of the normalised text; English ones as whole words. A keyword says the text is *about* the driver,
whatever its polarity (质量很好 and 质量太差 are both quality).
"""

from __future__ import annotations

import re

DRIVERS = ("quality", "description", "service", "logistics", "packaging", "price", "security")

_KEYWORDS: dict[str, tuple[str, str]] = {
    "quality": (
        "质量 做工 品质 材质 用料 质感 坏了 坏掉 掉色 褪色 起球 开线 脱线 缩水 故障 毛病 死机 黑屏 蓝屏 失灵 闪退 "
        "耐用 结实 不耐用 瑕疵 次品 劣质 残次 假货 正品 山寨 翻新 漏电 不新鲜 新鲜 变质 发霉 过期 腐烂 烂了 效果 好用 "
        "难用 不好用 音质 画质 音效 续航 松动 异响 卡顿",
        "quality build build_quality made cheaply_made material broke broken breaks defective faulty malfunction "
        "malfunctioning stopped_working quit_working died durable sturdy flimsy glitch glitches glitchy sound_quality "
        "poor_quality fake counterfeit knockoff",
    ),
    "description": (
        "描述 不符 相符 色差 图片 实物 货不对板 宣传 虚假 夸大 详情页 尺码 名不副实 跟图 和图 型号不对 颜色不对 "
        "误导 不一致 与介绍",
        "description described as_pictured picture pictures photo photos advertised advertising misleading listing "
        "not_as_shown as_shown size_chart different_from not_what_i_ordered",
    ),
    "service": (
        "客服 态度 回复 服务 售后 卖家 掌柜 店家 商家 回应 耐心 热情 不理 敷衍 退换 换货 退款 前台 服务员 解答 沟通 "
        "保修 维修 退货 退钱",
        "customer_service support seller service staff rude helpful response responded reply replied refund "
        "warranty contacted agent representative",
    ),
    "logistics": (
        "物流 快递 发货 送货 配送 到货 收货 送到 派送 顺丰 申通 圆通 中通 韵达 邮政 运输 运费 签收 揽收 丢件 漏发 "
        "错发 少发 送达 送来 邮寄 包邮",
        "shipping shipped ship shipment delivery delivered deliver arrived arrival arrive courier carrier ups usps "
        "fedex dhl tracking on_time transit",
    ),
    "packaging": (
        "包装 破损 压坏 压扁 压碎 漏 盒子 箱子 纸箱 外箱 包裹 泡沫 气泡膜 封口 密封 撞坏 磕碰 碎了 摔坏 挤压 瘪了 "
        "包得 包的",
        "packaging package packaged box boxes crushed dented leak leaked leaking bubble_wrap wrapped wrapping "
        "seal sealed torn",
    ),
    "price": (
        "价格 价钱 便宜 贵 性价比 实惠 划算 优惠 降价 打折 折扣 促销 差价 价位 不值 物美价廉 划不来 涨价 保价 "
        "值这个价 超值 物超所值",
        "price priced pricing cheap cheaper expensive cost costs value worth money deal bargain overpriced discount "
        "discounted sale affordable",
    ),
    "security": (
        "隐私 泄露 泄漏 个人信息 骚扰电话 骚扰短信 骚扰 诈骗 电话号码 手机号 信息安全 账号被盗 被盗 盗号 盗刷 钓鱼 "
        "垃圾短信 推销电话",
        "privacy private personal_information personal_data my_data data_breach spam spam_calls hacked stolen "
        "security secure spying spy eavesdrop eavesdropping surveillance listening_in",
    ),
}

# Compounds that hold another driver's keyword: 压坏了 is damage in transit (packaging), not 坏了 (quality);
# 漏发 is a missing item (logistics), not a leak. They are read first and then blanked out.
_SPECIAL = {"漏发": "logistics", "漏电": "quality", "压坏了": "packaging", "摔坏了": "packaging",
            "撞坏了": "packaging", "碰坏了": "packaging"}
# Words that hold a keyword but mean something else (贵州 is a province, 漏洞 a bug, 服务器 a server).
_NOT_KEYWORDS = re.compile("|".join(("贵州", "贵阳", "贵宾", "宝贵", "珍贵", "高贵", "富贵", "贵族", "贵姓", "漏洞",
                                     "遗漏", "疏漏", "服务器", "服务区", *_SPECIAL)))


def _tables() -> tuple[dict[str, list[tuple[str, str]]], re.Pattern, dict[str, str]]:
    """Chinese keywords by first character, one regex for the English ones, and the driver of each keyword."""
    driver_of: dict[str, str] = {}
    for driver in DRIVERS:
        zh, en = _KEYWORDS[driver]
        for word in (*zh.split(), *(w.replace("_", " ") for w in en.split())):
            driver_of.setdefault(word, driver)
    by_first: dict[str, list[tuple[str, str]]] = {}
    for word, driver in driver_of.items():
        if not word.isascii():
            by_first.setdefault(word[0], []).append((word, driver))
    english = sorted((w for w in driver_of if w.isascii()), key=len, reverse=True)
    pattern = re.compile(r"(?<![a-z])(?:" + "|".join(re.escape(word) for word in english) + r")(?![a-z])")
    return by_first, pattern, driver_of


# A scan per first character beats one regex of ~300 alternatives by ~5× on short Chinese reviews.
_BY_FIRST, _ENGLISH, _DRIVER_OF = _tables()
_FIRST = frozenset(_BY_FIRST)
_LATIN = re.compile("[a-z]")


def aspects_of(normalized: str) -> tuple[str, ...]:
    """The drivers a normalised text mentions, in the order of DRIVERS."""
    if not normalized:
        return ()
    found = {driver for word, driver in _SPECIAL.items() if word in normalized}
    text = _NOT_KEYWORDS.sub(" ", normalized)
    for first in _FIRST.intersection(text):
        for word, driver in _BY_FIRST[first]:
            if driver not in found and word in text:
                found.add(driver)
    if _LATIN.search(text):
        found.update(_DRIVER_OF[match] for match in _ENGLISH.findall(text))
    return tuple(driver for driver in DRIVERS if driver in found)


def keywords(driver: str) -> tuple[list[str], list[str]]:
    """The Chinese and English keywords of one driver (for documentation and tests)."""
    zh, en = _KEYWORDS[driver]
    return zh.split(), [word.replace("_", " ") for word in en.split()]
