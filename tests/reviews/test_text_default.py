"""The untrained default's fast SnowNLP term (text/snow.py) against SnowNLP itself, and the combined scores."""

from __future__ import annotations

import pytest

from shopcx.reviews.text import default, snow
from shopcx.reviews.text.tokenize import normalize

# Sentences that exercise the tagger: punctuation and Latin/digits between Chinese runs, a one-character run,
# traditional characters and rare characters the tagger never saw (it keeps the path through tag s for them),
# a long run without punctuation, and a run that starts with an unseen character.
SENTENCES = [
    "物流很快，质量不错，五星好评！",
    "垃圾产品，用了两天就坏了，客服也不理人",
    "屏幕显示效果很好但是电池不耐用,3天就没电了 iphone 12 pro",
    "好",
    "這個產品質量很好，個人覺得物超所值",
    "丂丒买来的伀伈手机壳，颜色偏暗",
    "丂手机不错",
    "收到货后发现包装破损里面的杯子碎了两个联系客服说让我自己拍照上传然后等了三天也没有人处理真是太失望了以后再也不会在这家店买东西了",
    "酒店位置很好，离地铁站近，房间干净，早餐种类也多，下次还会入住。",
    "書的內容一般般，紙張倒是不錯。",
]


@pytest.fixture(scope="module")
def snownlp():
    return pytest.importorskip("snownlp")


def test_words_are_snownlps_words(snownlp):
    from snownlp import seg

    texts = [normalize(text) for text in SENTENCES]
    assert snow.segment_many(texts) == [seg.seg(text) for text in texts]


def test_sentiments_match_snownlp(snownlp):
    texts = [normalize(text) for text in SENTENCES]
    expected = [snownlp.SnowNLP(text).sentiments for text in texts]
    assert snow.sentiments(texts) == pytest.approx(expected, abs=1e-9)


def test_small_chunks_give_the_same_words(snownlp, monkeypatch):
    from snownlp import seg

    monkeypatch.setattr(snow, "CHUNK_CHARS", 7)  # several texts per chunk boundary, and texts longer than a chunk
    texts = [normalize(text) for text in SENTENCES]
    assert snow.segment_many(texts) == [seg.seg(text) for text in texts]


def test_text_without_chinese_has_no_tagged_words():
    assert snow.segment_many(["good value , 5 stars", "", "!!!"]) == [["good", "value", ",", "5", "stars"], [], ["!!!"]]


def test_snownlp_term_has_the_right_sign_on_plain_reviews():
    good, bad = snow.log_odds_many(["质量很好，很喜欢，推荐购买", "质量太差了，非常失望，不会再买"])
    assert good > 2 and bad < -2


@pytest.mark.parametrize("text", ["", " ", "。。。", "!?", "~"])
def test_nothing_to_read_scores_one_half(text):
    assert default.score(text) == 0.5
    assert default.scores([text]) == [0.5]


@pytest.mark.parametrize(("text", "positive"), [
    ("质量不好", False),
    ("没有问题，很满意", True),
    ("外观还不错，但是用了一周就坏了，太差了", False),
    ("价格有点贵，不过质量真的很好，值得购买", True),
    ("不满意，客服态度很差", False),
    ("it is not good, the screen broke after a week", False),
    ("great speaker, the sound is amazing", True),
])
def test_negation_and_contrast(text, positive):
    assert (default.score(normalize(text)) >= 0.5) is positive


def test_a_batch_scores_each_text_as_alone():
    texts = [normalize(text) for text in [*SENTENCES, "", "great product", "   "]]
    batch = default.scores(texts)
    assert batch == pytest.approx([default.score(text) for text in texts], abs=1e-12)
    assert batch[-3] == 0.5 and batch[-1] == 0.5
    assert default.scores([]) == []


def test_without_lexicon_words_the_score_is_snownlps_clipped_at_four(snownlp):
    # Neither text holds a lexicon word, so z is SnowNLP's log-odds alone, clipped to ±4.
    plain, strong = normalize("房间在三楼，窗外是一条马路"), normalize("这本书讲的是一个家族的故事")
    assert default.lexicon_score(default.words(plain)) == 0 == default.lexicon_score(default.words(strong))
    assert default.score(plain) == pytest.approx(snownlp.SnowNLP(plain).sentiments, abs=1e-9)  # ≈ 0.10
    assert snownlp.SnowNLP(strong).sentiments > 0.99
    assert default.score(strong) == pytest.approx(0.9820137900379085, abs=1e-12)  # 1 / (1 + e^-4)
