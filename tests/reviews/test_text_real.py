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
    model = train([text for _, _, text in fit], [label for _, label, _ in fit])
    saved = model.save(tmp_path / "shopping.npz")
    from shopcx.reviews.text import load_model

    results = analyze([text for _, _, text in held], model=load_model(saved))
    # 94.3% on this split; the plain character TF-IDF + LR baseline scores 93.9% on it (bench/text_bench.py).
    assert accuracy([r.score for r in results], held) >= 0.94


@pytest.mark.slow
def test_untrained_default_on_a_fixed_sample(shopping):
    _, held = shopping
    picked = np.random.default_rng(3).choice(len(held), 1500, replace=False)
    sample = [held[i] for i in sorted(picked)]
    results = analyze([text for _, _, text in sample])
    # SnowNLP alone scores about 84% on unseen reviews of this corpus; the default adds the lexicon.
    assert accuracy([r.score for r in results], sample) >= 0.85
