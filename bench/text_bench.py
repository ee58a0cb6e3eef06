"""Review polarity accuracy and speed on real corpora, with the baselines run beside ShopCX's methods.

Methods, all in one run:
  snownlp    SnowNLP's own sentiment model (PyPI), threshold 0.5
  default    ShopCX untrained default: SnowNLP + hand-written lexicon (shopcx.reviews.text.default)
  baseline   plain character 1–3-gram TF-IDF + logistic regression (scikit-learn, C=4, sublinear tf)
  trained    ShopCX trainable model (shopcx.reviews.text.model): character 1–4-gram TF-IDF, weights per product
             category, NB-scaled and plain logistic regressions folded into one; trained with the category
             column and scored with the category given
  trained:recognised   the same model scored without the category: it reads the category from the text
  trained:text-only    the same method trained without categories (what a one-category shop gets)

Data (../shared/data, research-only, never copied): online_shopping_10_cats (80% file) split 80/20 stratified by
category × label with a fixed seed; the models train on the 80% part and are scored on the 20% part, per category
too. ChnSentiCorp test and waimai_10k (all rows) are scored with the models trained on online_shopping (no
category given: the trained model recognises one of its ten, which for take-away food is a guess). Amazon
Alexa reviews (English; ≥ 4 stars positive, ≤ 2 negative, 3 left out) are scored by the default (lexicon only,
SnowNLP reads Chinese) and by models trained on an 80/20 split of Amazon itself.

reviews/s is wall-clock on one process; the trained model is also timed on a large batch (the held-out texts
repeated to --big rows), alone and through analyze() (which adds the aspects), with wall-clock and CPU time,
since CPU time is what "per core" means on a machine shared with other work.

    .venv/bin/python bench/text_bench.py                 # everything (SnowNLP is slow: a few minutes)
    .venv/bin/python bench/text_bench.py --slow-rows 2000  # SnowNLP and default on at most 2,000 rows per set

Prints tables and, as its last line, one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shopcx.reviews.text import analyze  # noqa: E402
from shopcx.reviews.text import model as text_model  # noqa: E402
from shopcx.reviews.text.tokenize import normalize  # noqa: E402

DATA = Path(os.environ.get("SHOPCX_SHARED_DATA", ROOT.parent / "shared" / "data"))
SPLIT_SEED = 20240601
SPLIT_SHARE = 0.2
csv.field_size_limit(1 << 24)


def online_shopping() -> list[tuple[str, int, str]]:
    """(category, label, review) rows of the 80% file."""
    path = DATA / "online_shopping_10_cats" / "online_shopping_10_cats_80pct.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        return [(row["cat"], int(row["label"]), row["review"]) for row in csv.DictReader(handle)]


def chnsenticorp_test() -> list[tuple[str, int, str]]:
    with open(DATA / "chnsenticorp" / "test.tsv", encoding="utf-8", newline="") as handle:
        return [("", int(row["label"]), row["text_a"])
                for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def waimai() -> list[tuple[str, int, str]]:
    with open(DATA / "waimai_10k" / "waimai_10k.csv", encoding="utf-8", newline="") as handle:
        return [("", int(row["label"]), row["review"]) for row in csv.DictReader(handle)]


def amazon() -> list[tuple[str, int, str]]:
    """Alexa reviews with ≥ 4 stars (positive) or ≤ 2 (negative); 3 stars are left out."""
    with open(DATA / "amazon_alexa_reviews" / "amazon_alexa.tsv", encoding="utf-8-sig", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["variation"], int(int(row["rating"]) >= 4), row["verified_reviews"]) for row in rows
                if int(row["rating"]) != 3]


def split(rows, groups) -> tuple[list, list]:
    train_at, test_at = text_model.stratified_holdout(groups, SPLIT_SHARE, seed=SPLIT_SEED)
    return [rows[i] for i in train_at], [rows[i] for i in test_at]


class Baseline:
    """Plain character 1–3-gram TF-IDF + logistic regression, the floor to beat."""

    def __init__(self, texts, labels):
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=2)
        self.fit = LogisticRegression(C=4, max_iter=3000).fit(self.vectorizer.fit_transform(texts), labels)

    def predict_proba(self, texts):
        return self.fit.predict_proba(self.vectorizer.transform(texts))[:, 1]


def snownlp_scores(texts):
    from snownlp import SnowNLP

    return np.array([SnowNLP(t).sentiments if t.strip() else 0.5 for t in texts])


def default_scores(texts):
    return np.array([r.score for r in analyze(texts)])


def timed(function, texts):
    """(scores, reviews per second of wall-clock)."""
    started = time.perf_counter()
    scores = np.asarray(function(texts))
    seconds = time.perf_counter() - started
    return scores, len(texts) / seconds if seconds > 0 else float("inf")


def squeezed(text: str) -> str:
    """The text normalised with its whitespace removed, to find the same review in two data sets."""
    return "".join(normalize(text).split())


def accuracy(scores, labels) -> float:
    return float(np.mean((np.asarray(scores) >= 0.5) == (np.asarray(labels) == 1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slow-rows", type=int, default=0, help="Score SnowNLP and the default on at most this "
                        "many rows per data set (a fixed sample); 0 = all rows.")
    parser.add_argument("--big", type=int, default=200_000, help="Rows in the large throughput batch.")
    args = parser.parse_args()
    results: list[dict] = []
    per_category: dict[str, dict[str, float]] = defaultdict(dict)

    def sample(rows):
        if not args.slow_rows or len(rows) <= args.slow_rows:
            return rows
        picked = np.random.default_rng(1).choice(len(rows), args.slow_rows, replace=False)
        return [rows[i] for i in sorted(picked)]

    def record(dataset, method, rows, scores, rate, categories=False):
        labels = [r[1] for r in rows]
        results.append({"dataset": dataset, "method": method, "rows": len(rows), "accuracy": accuracy(scores, labels),
                        "reviews_per_s": rate})
        if categories:
            cats = np.array([r[0] for r in rows])
            for cat in sorted(set(cats)):
                at = cats == cat
                per_category[cat][method] = accuracy(np.asarray(scores)[at], np.asarray(labels)[at])
                per_category[cat].setdefault("rows", int(at.sum()))  # the first method scores every row
        print(f"  {dataset:<28} {method:<18} {len(rows):>6}  {results[-1]['accuracy']:.4f}  {rate:>10,.0f}/s",
              flush=True)

    print("dataset                      method               rows  accuracy   reviews/s")
    shopping = online_shopping()
    train_rows, test_rows = split(shopping, [f"{c}_{y}" for c, y, _ in shopping])
    train_texts, train_labels = [r[2] for r in train_rows], [r[1] for r in train_rows]
    train_categories, test_categories = [r[0] for r in train_rows], [r[0] for r in test_rows]
    started = time.perf_counter()
    trained = text_model.train(train_texts, train_labels, categories=train_categories)
    train_seconds = time.perf_counter() - started
    text_only = text_model.train(train_texts, train_labels)
    started = time.perf_counter()
    baseline = Baseline(train_texts, train_labels)
    baseline_seconds = time.perf_counter() - started
    test_texts = [r[2] for r in test_rows]
    name = "online_shopping 20% held-out"
    record(name, "baseline", test_rows, *timed(baseline.predict_proba, test_texts), categories=True)
    record(name, "trained", test_rows, *timed(lambda texts: trained.predict_proba(texts, test_categories), test_texts),
           categories=True)
    record(name, "trained:recognised", test_rows, *timed(trained.predict_proba, test_texts), categories=True)
    record(name, "trained:text-only", test_rows, *timed(text_only.predict_proba, test_texts), categories=True)
    recognised = np.array(trained.recognize(test_texts)) == np.array(test_categories)
    print(f"  (the trained model names the right category for {recognised.mean():.4f} of the held-out reviews)")
    slow = sample(test_rows)
    record(name, "snownlp", slow, *timed(snownlp_scores, [r[2] for r in slow]), categories=True)
    record(name, "default", slow, *timed(default_scores, [r[2] for r in slow]), categories=True)

    seen = {squeezed(text) for text in train_texts}
    for dataset, rows in (("chnsenticorp test", chnsenticorp_test()), ("waimai_10k", waimai())):
        texts = [r[2] for r in rows]
        record(dataset, "baseline", rows, *timed(baseline.predict_proba, texts))
        record(dataset, "trained", rows, *timed(trained.predict_proba, texts))
        slow = sample(rows)
        record(dataset, "snownlp", slow, *timed(snownlp_scores, [r[2] for r in slow]))
        record(dataset, "default", slow, *timed(default_scores, [r[2] for r in slow]))
        # ChnSentiCorp was drawn from the same reviews as online_shopping_10_cats: most of its test rows are in the
        # training split word for word, so the trained models are also scored on the rows that are not.
        unseen = [r for r in rows if squeezed(r[2]) not in seen]
        if len(unseen) < len(rows):
            print(f"  ({len(rows) - len(unseen):,} of the {len(rows):,} rows occur in the training split)")
            texts = [r[2] for r in unseen]
            record(f"{dataset}, unseen", "baseline", unseen, *timed(baseline.predict_proba, texts))
            record(f"{dataset}, unseen", "trained", unseen, *timed(trained.predict_proba, texts))

    reviews = amazon()
    amazon_train, amazon_test = split(reviews, [r[1] for r in reviews])
    texts = [r[2] for r in amazon_test]
    record("amazon alexa (all)", "default", reviews, *timed(default_scores, [r[2] for r in reviews]))
    record("amazon alexa 20% held-out", "default", amazon_test, *timed(default_scores, texts))
    en_baseline = Baseline([r[2] for r in amazon_train], [r[1] for r in amazon_train])
    en_trained = text_model.train([r[2] for r in amazon_train], [r[1] for r in amazon_train])
    record("amazon alexa 20% held-out", "baseline", amazon_test, *timed(en_baseline.predict_proba, texts))
    record("amazon alexa 20% held-out", "trained", amazon_test, *timed(en_trained.predict_proba, texts))
    majority = float(np.mean([r[1] for r in amazon_test]))
    print(f"  (amazon held-out: {majority:.4f} of the reviews are positive, the accuracy of always saying so)")

    big = (test_texts * (args.big // len(test_texts) + 1))[: args.big]
    big_categories = (test_categories * (args.big // len(test_texts) + 1))[: args.big]
    throughput = {"rows": len(big)}
    for label, categories in (("", None), ("given_", big_categories)):
        wall, cpu = time.perf_counter(), time.process_time()
        trained.predict_proba(big, categories)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        throughput.update({f"{label}wall_per_s": len(big) / wall, f"{label}cpu_per_s": len(big) / cpu})
    wall, cpu = time.perf_counter(), time.process_time()
    analyze(big, model=trained)  # the public API: polarity, score and aspects
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    throughput.update(analyze_wall_per_s=len(big) / wall, analyze_cpu_per_s=len(big) / cpu)

    note = f" (snownlp and default on a sample of {args.slow_rows:,})" if args.slow_rows else ""
    print(f"\nonline_shopping_10_cats held-out accuracy per category{note}")
    methods = ("baseline", "trained", "trained:recognised", "trained:text-only", "snownlp", "default")
    print(f"  {'category':<8} {'rows':>5}  " + "  ".join(f"{m.split(':')[-1]:>10}" for m in methods))
    for cat, scores in sorted(per_category.items()):
        print(f"  {cat:<8} {scores['rows']:>5}  " + "  ".join(f"{scores.get(m, float('nan')):>10.4f}"
                                                            for m in methods))
    print(f"\ntrained model: {len(trained.keys):,} n-grams, {len(trained.domain_ids):,} category weights, "
          f"trained on {len(train_rows):,} reviews in {train_seconds:.1f} s (baseline {baseline_seconds:.1f} s)")
    print(f"trained model on {len(big):,} reviews, category read from the text: {throughput['wall_per_s']:,.0f}/s "
          f"wall-clock, {throughput['cpu_per_s']:,.0f}/s per CPU-second (one process); category given: "
          f"{throughput['given_wall_per_s']:,.0f}/s wall-clock, {throughput['given_cpu_per_s']:,.0f}/s per CPU-second")
    print(f"analyze() with aspects on the same batch: {throughput['analyze_wall_per_s']:,.0f}/s wall-clock, "
          f"{throughput['analyze_cpu_per_s']:,.0f}/s per CPU-second")
    print(json.dumps({"results": results, "per_category": per_category, "throughput": throughput,
                      "train_seconds": train_seconds, "split_seed": SPLIT_SEED}, ensure_ascii=False))


if __name__ == "__main__":
    main()
