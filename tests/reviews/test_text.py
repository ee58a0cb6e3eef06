"""Review text analysis: lexicon and negation, drivers, blank text, and the untrained default through analyze()."""

from __future__ import annotations

import pytest

from shopcx.reviews.text import DRIVERS, TextResult, analyze, polarity_of
from shopcx.reviews.text.aspects import aspects_of
from shopcx.reviews.text.default import lexicon_score
from shopcx.reviews.text.tokenize import normalize, words


def lexicon(text: str) -> float:
    return lexicon_score(words(normalize(text)))


@pytest.mark.parametrize(("text", "sign"), [
    ("不好", -1), ("不错", 1), ("没有问题", 1), ("一点也不满意", -1), ("很满意", 1), ("不太好用", -1),
    ("不贵", 1), ("好差啊", -1), ("not good", -1), ("not bad", 1), ("I love it", 1), ("never again", -1),
    ("it stopped working", -1), ("doesn't work", -1),
])
def test_lexicon_reads_negation_and_degree(text, sign):
    assert lexicon(text) * sign > 0


def test_degree_words_scale_and_contrast_weighs_the_conclusion():
    assert lexicon("非常满意") > lexicon("满意") > lexicon("有点满意") > 0
    # The clause after 但是 is the conclusion: praise first and a complaint after it reads negative.
    assert lexicon("质量不错，但是物流太慢") < 0 < lexicon("物流太慢，但是质量不错")


def test_the_four_hand_worked_examples_through_the_default():
    results = analyze(["不好", "不错", "没有问题", "一点也不满意"])
    assert [r.polarity for r in results] == ["negative", "positive", "positive", "negative"]
    assert all(isinstance(r, TextResult) and 0.0 <= r.score <= 1.0 for r in results)
    assert results[1].score > 0.5 > results[0].score


def test_english_and_mixed_text():
    en = analyze(["Works great, I love it!", "It stopped working after a week. Very disappointed.",
                  "The privacy settings are creepy and it keeps listening in"])
    assert [r.polarity for r in en] == ["positive", "negative", "negative"]
    assert en[1].aspects == ("quality",)
    assert "security" in en[2].aspects
    mixed = analyze(["iPhone质量很好, fast shipping, 客服也很耐心"])[0]
    assert mixed.polarity == "positive"
    assert mixed.aspects == ("quality", "service", "logistics")


def test_blank_text_is_neutral_and_never_crashes():
    results = analyze(["", "   ", "\n\t", "\ufeff"])
    assert all(r == TextResult("positive", 0.5, ()) for r in results)
    assert analyze([]) == []
    # Punctuation alone carries nothing to read either.
    assert analyze(["。。。！"])[0].score == 0.5


def test_score_to_polarity_threshold():
    assert polarity_of(0.5) == "positive"
    assert polarity_of(0.4999) == "negative"
    assert polarity_of(1.0) == "positive" and polarity_of(0.0) == "negative"


@pytest.mark.parametrize(("text", "expected"), [
    ("物流太慢了，快递三天才到", ("logistics",)),
    ("送货慢", ("logistics",)),
    ("包装破损，瓶子压坏了，洗发水漏了一半", ("packaging",)),
    ("客服态度很差，问了也不回复", ("service",)),
    ("质量一般，洗了一次就掉色", ("quality",)),
    ("和描述不符，色差严重，跟图片完全不一样", ("description",)),
    ("价格便宜，性价比高", ("price",)),
    ("买完就接到骚扰电话，个人信息被泄露了", ("security",)),
    ("发货快，包装完好，就是有点贵，做工一般", ("quality", "logistics", "packaging", "price")),
    ("贵州的朋友推荐的，宝贵的经验", ()),
    ("the box was crushed and the delivery was late", ("logistics", "packaging")),
    ("Customer service never replied and I worry about my privacy", ("service", "security")),
    ("great sound quality for the price", ("quality", "price")),
    ("漏发了一件", ("logistics",)),
])
def test_aspects_from_the_driver_keywords(text, expected):
    assert aspects_of(normalize(text)) == expected


def test_aspects_follow_the_order_of_drivers():
    assert DRIVERS == ("quality", "description", "service", "logistics", "packaging", "price", "security")
    found = analyze(["隐私泄露，价格贵，包装烂，物流慢，客服差，与描述不符，质量差"])[0].aspects
    assert found == DRIVERS


def test_normalize_folds_width_case_and_space():
    assert normalize("\ufeffＧＯＯＤ　好评！\n\n很好") == "good 好评! 很好"
    assert words(normalize("质量很好,not bad")) == ["质量", "很好", ",", "not", "bad"]
