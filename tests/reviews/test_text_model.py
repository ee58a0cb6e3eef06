"""The trainable model's pieces on hand-worked examples: n-gram keys, the key index, the decision formula."""

from __future__ import annotations

import math

import numpy as np

from shopcx.reviews.text.features import KeyIndex, document_frequencies, ngram_keys
from shopcx.reviews.text.model import PolarityModel, stratified_holdout, train

from .helpers import two_category_reviews

GOOD, BAD = ord("好"), ord("差")


def test_ngram_keys_are_exact_base_65536_numbers():
    keys, doc = ngram_keys(["好差", "Ａ"], max_n=2)
    # Full-width Ａ is folded to "a" by NFKC and lower-casing; no n-gram spans two texts.
    pairs = sorted(zip(doc.tolist(), keys.tolist(), strict=True))
    assert pairs == [(0, GOOD), (0, BAD), (0, (GOOD << 16) | BAD), (1, ord("a"))]
    assert ngram_keys(["😀"], max_n=1)[0].tolist() == [0xE000 + (0x1F600 & 0x0FFF)]
    assert ngram_keys(["", "  "])[0].size == 0


def test_document_frequencies_count_texts_not_occurrences():
    keys, df = document_frequencies(["好好", "好差", "差"], chunk=2, max_n=2)
    assert dict(zip(keys.tolist(), df.tolist(), strict=True)) == {
        BAD: 2, GOOD: 2, (GOOD << 16) | GOOD: 1, (GOOD << 16) | BAD: 1}


def test_key_index_finds_every_key_and_nothing_else():
    rng = np.random.default_rng(0)
    vocabulary = np.unique(rng.integers(1, 2**63, 5000, dtype=np.int64).astype(np.uint64))
    index = KeyIndex(vocabulary)
    assert index.lookup(vocabulary).tolist() == list(range(len(vocabulary)))
    assert (index.lookup(np.array([12345, 2**62 + 7], dtype=np.uint64)) == -1).all()
    assert KeyIndex(np.zeros(0, dtype=np.uint64)).lookup(np.array([1], dtype=np.uint64)).tolist() == [-1]


def test_decision_is_the_folded_weights_over_the_tfidf_norm():
    model = PolarityModel(keys=np.array([BAD, GOOD], dtype=np.uint64), idf=np.ones(2, np.float32),
                          folded=np.array([-2.0, 2.0], np.float32), bias=0.0, info={"max_n": 2})
    # 好: tf 1, 2/1 = 2.  好好: tf 1+ln 2 on 好, (1+ln 2)·2/(1+ln 2) = 2.  好差: (2−2)/√2 = 0.  没: no known n-gram.
    assert np.allclose(model.decision(["好", "好好", "好差", "没"]), [2.0, 2.0, 0.0, 0.0], atol=1e-6)
    assert math.isclose(model.predict_proba(["好"])[0], 1 / (1 + math.exp(-2)), rel_tol=1e-6)


def test_stratified_holdout_keeps_the_share_of_each_group():
    groups = ["a"] * 50 + ["b"] * 30
    fit, held = stratified_holdout(groups, 0.2, seed=1)
    assert sorted(fit + held) == list(range(80)) and not set(fit) & set(held)
    assert sum(groups[i] == "a" for i in held) == 10 and sum(groups[i] == "b" for i in held) == 6
    assert stratified_holdout(groups, 0.2, seed=1) == (fit, held)
    assert stratified_holdout(["a"] * 10 + ["b"] * 4, 0.2) == (list(range(14)), [])


def test_training_learns_the_obvious():
    texts = ["很好", "非常好", "好评", "满意", "不错", "很差", "太差了", "差评", "失望", "垃圾"]
    model = train(texts, [1, 1, 1, 1, 1, 0, 0, 0, 0, 0], min_df=1)
    scores = model.predict_proba(["好评好评", "差评差评"])
    assert scores[0] > 0.5 > scores[1]
    assert model.info["rows"] == 10 and model.info["positive"] == 5 and model.info["negative"] == 5


def test_category_weights_and_the_recogniser_on_a_hand_worked_model():
    # Shared: 好 +2, 差 −2.  In category "hotel", 好 has −4 of its own.  The recogniser reads 差 as hotel, 好 as phone.
    model = PolarityModel(keys=np.array([BAD, GOOD], dtype=np.uint64), idf=np.ones(2, np.float32),
                          folded=np.array([-2.0, 2.0], np.float32), bias=0.0, info={"max_n": 1},
                          categories=("hotel", "phone"), domain_ids=np.array([1 * 2 + 0], np.int64),
                          domain_weights=np.array([-4.0], np.float32), recognizer_features=np.array([0, 1], np.int64),
                          recognizer_weights=np.array([[1.0, 0.0], [0.0, 1.0]], np.float32),
                          recognizer_bias=np.zeros(2, np.float32))
    assert np.allclose(model.decision(["好", "好", "好", "好"], ["hotel", "phone", "未知", None]),
                       [-2.0, 2.0, 2.0, 2.0], atol=1e-6)
    # 好差 without a category: the recogniser ties and takes the first, hotel: (2 − 4 − 2)/√2.
    assert np.allclose(model.decision(["好差"]), [-4 / math.sqrt(2)], atol=1e-6)
    assert model.recognize(["差", "好", "没"]) == ["hotel", "phone", None]


def test_a_word_means_opposite_things_intwo_category_reviews():
    texts, labels, categories = two_category_reviews()
    model = train(texts, labels, categories=categories, min_df=1)
    assert model.categories == ("手机", "酒店") or model.categories == ("酒店", "手机")
    assert model.info["category_rows"] == {"酒店": 60, "手机": 60}
    given = model.predict_proba(["小", "小", "大", "大"], ["酒店", "手机", "酒店", "手机"])
    assert given[0] < 0.5 < given[1] and given[2] > 0.5 > given[3]
    # No category given: the noun tells which one it is.
    assert model.recognize(["房间很小", "机身很小"]) == ["酒店", "手机"]
    recognised = model.predict_proba(["房间很小", "机身很小"])
    assert recognised[0] < 0.5 < recognised[1]
    # Without categories the same words cannot be told apart: 小 is as often good as bad.
    blind = train(texts, labels, min_df=1)
    assert blind.categories == () and abs(blind.predict_proba(["小"])[0] - 0.5) < 0.1


def test_small_or_single_categories_share_the_common_weights(tmp_path):
    texts, labels, categories = two_category_reviews()
    one = train(texts, labels, categories=["全店"] * len(texts), min_df=1)
    assert one.categories == () and one.info["category_rows"] == {}
    # 酒店 keeps its 60 rows; the phone reviews split into three categories of 20, too few for weights of their own.
    mixed = [c if c == "酒店" else f"手机{i % 3}" for i, c in enumerate(categories)]
    few = train(texts, labels, categories=mixed, min_df=1)
    assert few.categories == ()  # one category with enough rows is no different from none
    texts2, labels2, categories2 = two_category_reviews(per_class=30)
    third = [f"{t}书" for t in texts2[:60]]
    both = train(texts + third, labels + labels2[:60], categories=categories + ["书籍"] * 60, min_df=1)
    assert set(both.categories) == {"酒店", "手机", "书籍"}
    path = both.save(tmp_path / "m.npz")
    from shopcx.reviews.text.model import load_model

    again = load_model(path)
    probe = ["房间很小", "机身很大", "好书"]
    assert again.categories == both.categories
    assert np.allclose(again.decision(probe), both.decision(probe), atol=1e-5)
    assert np.allclose(again.decision(probe, ["手机", None, "酒店"]), both.decision(probe, ["手机", None, "酒店"]),
                       atol=1e-5)
