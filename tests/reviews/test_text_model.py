"""The trainable model's pieces on hand-worked examples: n-gram keys, the key index, the decision formula."""

from __future__ import annotations

import math

import numpy as np

from shopcx.reviews.text.features import KeyIndex, document_frequencies, ngram_keys
from shopcx.reviews.text.model import PolarityModel, stratified_holdout, train

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
