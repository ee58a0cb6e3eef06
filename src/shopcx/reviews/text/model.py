"""The trainable polarity model: character 1–4-grams, per-category weights, two regressions folded into one.

Features (Wang & Manning 2012, "Baselines and Bigrams"): sublinear tf × idf of character n-grams, L2-normalised
per review. Characters rather than jieba words keep classification fast (jieba alone manages a few thousand
reviews a second) and cover English and mixed text with the same code.

Categories (Daumé 2007, "Frustratingly Easy Domain Adaptation"): when training rows carry a product category,
every n-gram gets a shared weight and, per category with at least MIN_CATEGORY_ROWS reviews, a weight of its own
that is added for reviews of that category — 小 is a complaint about a hotel room and praise for a phone, and a
book review's plot words say nothing about the seller. Reviews whose category is not given (or unknown to the
model) get the category a multinomial regression recognises from the same n-grams (its most frequent
RECOGNIZER_FEATURES of them). On online_shopping_10_cats this lifts held-out accuracy by about half a point, and
recognising the category from the text keeps nearly all of it.

Two logistic regressions are fitted on those features and averaged on the log-odds scale: one on the features
scaled by their naive-Bayes log-count ratio r = log((p / |p|₁) / (q / |q|₁)) (p and q the smoothed counts of
reviews holding the n-gram among the positive and the negative ones; NBSVM with a logistic loss), one on the
features as they are. Both are linear in the same features, so the average folds into one weight per n-gram
(and per n-gram × category): classifying costs what one regression costs.

Saved as a NumPy .npz (loaded with allow_pickle=False, so a model file cannot run code) holding the n-gram keys,
idf, the folded weights, the category weights and the recogniser, and a JSON header (format, version, categories,
trained_at, rows, held-out accuracy).
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core import clock
from ...core.errors import InvalidInput
from .features import MAX_N, KeyIndex, counts, document_frequencies

FORMAT = "shopcx.review_polarity"
VERSION = 2
# Chosen by 5-fold cross-validation on the training side of online_shopping_10_cats (bench/text_bench.py split).
DEFAULT_C = 4.0  # the regression on NB-scaled features
PLAIN_C = 32.0  # the regression on the features as they are
MIN_DF = 2
NB_ALPHA = 0.5
MIN_CATEGORY_ROWS = 50  # fewer training reviews than this: the category has no weights of its own
MAX_CATEGORIES = 40  # the largest categories get weights of their own; the rest share the common weights
RECOGNIZER_FEATURES = 50_000
RECOGNIZER_C = 10.0
_ARRAYS = ("keys", "idf", "folded", "bias", "domain_ids", "domain_weights", "recognizer_features",
           "recognizer_weights", "recognizer_bias")


class ModelFileError(InvalidInput):
    """A model file that is missing, damaged or of another format or version."""


def _empty(dtype) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


@dataclass(frozen=True)
class PolarityModel:
    """A trained model: decision(x) = (Σ tf·u + Σ tf·u_category) / ‖tf·idf‖ + bias over the n-grams x holds."""

    keys: np.ndarray  # sorted uint64 n-gram keys (features.py)
    idf: np.ndarray  # float32, for the L2 norm
    folded: np.ndarray  # float32 shared weight per n-gram, idf folded in
    bias: float
    info: dict = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    domain_ids: np.ndarray = field(default_factory=lambda: _empty(np.int64))  # n-gram position × K + category
    domain_weights: np.ndarray = field(default_factory=lambda: _empty(np.float32))
    recognizer_features: np.ndarray = field(default_factory=lambda: _empty(np.int64))  # n-gram positions used
    recognizer_weights: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    recognizer_bias: np.ndarray = field(default_factory=lambda: _empty(np.float32))
    index: KeyIndex = field(init=False, repr=False, compare=False)
    domain_index: KeyIndex = field(init=False, repr=False, compare=False)
    recognizer_slot: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "index", KeyIndex(self.keys))
        # Key 0 marks an empty slot in a KeyIndex, hence the + 1.
        object.__setattr__(self, "domain_index", KeyIndex(self.domain_ids.astype(np.uint64) + np.uint64(1)))
        slot = np.full(len(self.keys), -1, dtype=np.int64)
        slot[self.recognizer_features] = np.arange(len(self.recognizer_features))
        object.__setattr__(self, "recognizer_slot", slot)

    def _category_numbers(self, categories: Sequence[str | None] | None, n: int) -> np.ndarray:
        """The model's number of each given category; -1 where none is given or the model does not know it."""
        if categories is None:
            return np.full(n, -1, dtype=np.int64)
        if len(categories) != n:
            raise ValueError("texts and categories differ in length")
        number = {name: i for i, name in enumerate(self.categories)}
        return np.array([number.get((c or "").strip(), -1) for c in categories], dtype=np.int64)

    def _recognize(self, doc: np.ndarray, feature: np.ndarray, x: np.ndarray, n: int) -> np.ndarray:
        """The most likely category of each text from its normalised n-gram values x; -1 for a text without any."""
        from scipy import sparse

        slot = self.recognizer_slot[feature]
        known = slot >= 0
        rows = sparse.csr_matrix((x[known], (doc[known], slot[known])),
                                 shape=(n, len(self.recognizer_features)))
        scores = np.asarray(rows @ self.recognizer_weights) + self.recognizer_bias
        found = np.argmax(scores, axis=1).astype(np.int64)
        found[np.bincount(doc[known], minlength=n) == 0] = -1
        return found

    def _batch(self, texts: list[str], given: np.ndarray, *, want_decision: bool = True):
        """(decision per text, category number per text) for one batch."""
        n = len(texts)
        doc, feature, how_many = counts(texts, self.index, self.info.get("max_n", MAX_N))
        tf = 1.0 + np.log(how_many)
        values = tf * self.idf[feature]
        norm = np.sqrt(np.bincount(doc, weights=values**2, minlength=n))
        category = given.copy()
        if self.categories:
            missing = category < 0
            if missing.any():
                x = values / norm[doc]
                category[missing] = self._recognize(doc, feature, x, n)[missing]
        if not want_decision:
            return None, category
        numerator = np.bincount(doc, weights=tf * self.folded[feature], minlength=n)
        if self.categories:
            at = category[doc] >= 0
            ids = feature[at] * len(self.categories) + category[doc[at]]
            position = self.domain_index.lookup(ids.astype(np.uint64) + np.uint64(1))
            hit = position >= 0
            numerator += np.bincount(doc[at][hit], weights=tf[at][hit] * self.domain_weights[position[hit]],
                                     minlength=n)
        decision = np.divide(numerator, norm, out=np.zeros(n), where=norm > 0) + self.bias
        return decision, category

    def decision(self, texts: list[str], categories: Sequence[str | None] | None = None,
                 batch: int = 20000) -> np.ndarray:
        """Log-odds of positive for each text (the bias alone for a text without a known n-gram).

        categories: the product category of each text, or None; a category the model was not trained on, or
        none at all, is recognised from the text.
        """
        given = self._category_numbers(categories, len(texts))
        out = np.empty(len(texts), dtype=np.float64)
        for start in range(0, len(texts), batch):
            stop = start + batch
            out[start:stop], _ = self._batch(texts[start:stop], given[start:stop])
        return out

    def predict_proba(self, texts: list[str], categories: Sequence[str | None] | None = None) -> np.ndarray:
        """P(positive) for each text."""
        return 1.0 / (1.0 + np.exp(-self.decision(texts, categories)))

    def recognize(self, texts: list[str], batch: int = 20000) -> list[str | None]:
        """The category the model reads in each text (None when it has no categories or the text no n-gram)."""
        found: list[str | None] = []
        given = np.full(len(texts), -1, dtype=np.int64)
        for start in range(0, len(texts), batch):
            _, numbers = self._batch(texts[start:start + batch], given[start:start + batch], want_decision=False)
            found.extend(self.categories[k] if k >= 0 else None for k in numbers.tolist())
        return found

    def save(self, path: Path) -> Path:
        """Write the model as .npz (parent folders created); returns the path written."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = json.dumps({"format": FORMAT, "version": VERSION, "categories": list(self.categories), **self.info},
                            ensure_ascii=False)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, header=np.array(header), keys=self.keys, idf=self.idf, folded=self.folded,
                                bias=np.array([self.bias]), domain_ids=self.domain_ids,
                                domain_weights=self.domain_weights, recognizer_features=self.recognizer_features,
                                recognizer_weights=self.recognizer_weights, recognizer_bias=self.recognizer_bias)
        tmp.replace(path)
        return path


def _open(path: Path, names: tuple[str, ...]) -> tuple[dict, dict[str, np.ndarray]]:
    """(header, the named arrays) of a model file; another format or version is refused with a clear error."""
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(str(data["header"]))
            if not isinstance(header, dict) or header.get("format") != FORMAT:
                found = header.get("format") if isinstance(header, dict) else None
                raise ModelFileError("model_format", f"model: {path} has format {found!r}, expected {FORMAT!r}",
                                     field="model")
            if header.get("version") != VERSION:
                raise ModelFileError("model_version", f"model: {path} is version {header.get('version')}, this "
                                     f"ShopCX reads version {VERSION}; train it again", field="model")
            return header, {name: data[name] for name in names}
    except FileNotFoundError:
        raise ModelFileError("model_not_found", f"model: {path} does not exist", field="model") from None
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError("model_unreadable", f"model: {path} is not a ShopCX review model ({exc})",
                             field="model") from None


def read_header(path: Path | str) -> dict:
    """A saved model's header (trained_at, source, rows, held-out accuracy, categories…) without its weights."""
    return _open(Path(path), ())[0]


def load_model(path: Path | str) -> PolarityModel:
    """Read a model saved by PolarityModel.save; another format or version is refused with a clear error."""
    path = Path(path)
    header, arrays = _open(path, _ARRAYS)
    categories = tuple(str(name) for name in header.get("categories") or ())
    k = len(categories)
    keys, idf, folded = arrays["keys"], arrays["idf"], arrays["folded"]
    recognizer = arrays["recognizer_weights"]
    consistent = (keys.dtype == np.uint64 and len(keys) == len(idf) == len(folded) and arrays["bias"].shape == (1,)
                  and len(arrays["domain_ids"]) == len(arrays["domain_weights"])
                  and (k == 0 or (recognizer.shape == (len(arrays["recognizer_features"]), k)
                                  and arrays["recognizer_bias"].shape == (k,)
                                  and int(arrays["recognizer_features"].max(initial=0)) < len(keys)
                                  and int(arrays["domain_ids"].max(initial=0)) < len(keys) * k)))
    if not consistent:
        raise ModelFileError("model_unreadable", f"model: {path} is damaged (array shapes do not match)",
                             field="model")
    info = {name: value for name, value in header.items() if name not in ("format", "version", "categories")}
    return PolarityModel(keys=keys, idf=idf.astype(np.float32), folded=folded.astype(np.float32),
                         bias=float(arrays["bias"][0]), info=info, categories=categories,
                         domain_ids=arrays["domain_ids"].astype(np.int64),
                         domain_weights=arrays["domain_weights"].astype(np.float32),
                         recognizer_features=arrays["recognizer_features"].astype(np.int64),
                         recognizer_weights=recognizer.astype(np.float32),
                         recognizer_bias=arrays["recognizer_bias"].astype(np.float32))


def stratified_holdout(groups, share: float, seed: int = 7, min_group: int = 5) -> tuple[list[int], list[int]]:
    """Indices (train, held out): share of each group held out at random; none when a group has < min_group rows."""
    keys = list(groups)
    members: dict = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    if len(members) < 2 or min(len(rows) for rows in members.values()) < min_group:
        return list(range(len(keys))), []
    rng = np.random.default_rng(seed)
    held: list[int] = []
    for key in sorted(members, key=str):
        rows = np.asarray(members[key])
        held.extend(rng.permutation(rows)[: max(1, round(share * len(rows)))].tolist())
    chosen = set(held)
    return [i for i in range(len(keys)) if i not in chosen], sorted(held)


def _matrix(texts: list[str], keys: np.ndarray, idf: np.ndarray):
    """Sublinear-tf × idf rows, L2-normalised, as a CSR matrix over the vocabulary."""
    from scipy import sparse

    doc, feature, how_many = counts(texts, KeyIndex(keys))
    values = (1.0 + np.log(how_many)) * idf[feature]
    norm = np.sqrt(np.bincount(doc, weights=values**2, minlength=len(texts)))
    values = values / norm[doc]
    return sparse.csr_matrix((values.astype(np.float32), (doc, feature)), shape=(len(texts), len(keys)))


def _domains(categories: Sequence[str | None] | None, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    """(names, number per row): categories with enough rows, largest first; -1 for the other rows."""
    if categories is None:
        return (), np.full(n, -1, dtype=np.int64)
    if len(categories) != n:
        raise ValueError("texts and categories differ in length")
    cleaned = [(c or "").strip() for c in categories]
    sizes = Counter(c for c in cleaned if c)
    names = tuple(sorted((name for name, size in sizes.items() if size >= MIN_CATEGORY_ROWS),
                         key=lambda name: (-sizes[name], name))[:MAX_CATEGORIES])
    if len(names) < 2:  # one category is the whole shop: the shared weights are its weights
        return (), np.full(n, -1, dtype=np.int64)
    number = {name: i for i, name in enumerate(names)}
    return names, np.array([number.get(c, -1) for c in cleaned], dtype=np.int64)


def _augmented(matrix, domain: np.ndarray, k: int):
    """[x, x in the columns of the row's category]: the shared block, then one block per category."""
    from scipy import sparse

    if not k:
        return matrix
    coo = matrix.tocoo()
    width = matrix.shape[1]
    own = domain[coo.row] >= 0
    rows = np.concatenate([coo.row, coo.row[own]])
    columns = np.concatenate([coo.col, coo.col[own] + width * (1 + domain[coo.row[own]])])
    values = np.concatenate([coo.data, coo.data[own]])
    return sparse.csr_matrix((values, (rows, columns)), shape=(matrix.shape[0], width * (1 + k)))


def _nb_ratio(matrix, y: np.ndarray) -> np.ndarray:
    present = matrix.copy()
    present.data[:] = 1.0
    positive = np.asarray(present[y == 1].sum(axis=0)).ravel() + NB_ALPHA
    negative = np.asarray(present[y == 0].sum(axis=0)).ravel() + NB_ALPHA
    return (np.log(positive / positive.sum()) - np.log(negative / negative.sum())).astype(np.float32)


def _recognizer(matrix, df: np.ndarray, domain: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n-gram positions, weights F × k, bias k) of a multinomial regression telling the categories apart."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    features = np.sort(np.argsort(-df, kind="stable")[:RECOGNIZER_FEATURES])
    rows = domain >= 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # 300 passes of saga are enough to rank categories
        fit = LogisticRegression(C=RECOGNIZER_C, max_iter=300, solver="saga", random_state=0).fit(
            matrix[rows][:, features], domain[rows])
    weights, bias = fit.coef_.T, fit.intercept_
    if k == 2:  # a binary fit has one column, the log-odds of the second category: the first scores 0
        weights, bias = np.hstack([np.zeros_like(weights), weights]), np.concatenate([[0.0], bias])
    return (features.astype(np.int64), np.ascontiguousarray(weights, dtype=np.float32), bias.astype(np.float32))


def train(texts: list[str], labels: list[int] | np.ndarray, *, categories: Sequence[str | None] | None = None,
          c: float = DEFAULT_C, plain_c: float = PLAIN_C, min_df: int = MIN_DF,
          info: dict | None = None) -> PolarityModel:
    """Fit the model on texts with labels 1 (positive) / 0 (negative); both classes must be present.

    categories (optional, one per text, blank allowed): the product category; categories with enough rows get
    weights of their own and a recogniser for texts whose category is not given.
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=np.int8)
    if len(texts) != len(y):
        raise ValueError("texts and labels differ in length")
    if len(set(y.tolist())) < 2:
        raise InvalidInput("one_class", "labels: training needs both positive and negative reviews",
                           field="labels")
    names, domain = _domains(categories, len(texts))
    k = len(names)
    keys, df = document_frequencies(texts)
    keep = df >= min_df
    if not keep.any():
        keep[:] = True  # a tiny training set: every n-gram occurs once
    keys, df = keys[keep], df[keep]
    idf = (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0).astype(np.float32)
    matrix = _matrix(texts, keys, idf)
    features = _augmented(matrix, domain, k)
    ratio = _nb_ratio(features, y)
    scaled = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=0).fit(
        features.multiply(ratio).tocsr(), y)
    plain = LogisticRegression(C=plain_c, max_iter=3000, solver="liblinear", random_state=0).fit(features, y)
    # Mean of the two log-odds: one weight per column, the idf of the column's n-gram folded in.
    weights = (ratio * scaled.coef_.ravel() + plain.coef_.ravel()) / 2.0
    bias = float(scaled.intercept_[0] + plain.intercept_[0]) / 2.0
    width = len(keys)
    folded = (idf * weights[:width]).astype(np.float32)
    extra: dict = {}
    if k:
        own = weights[width:].reshape(k, width) * idf  # row = category, column = n-gram
        category, position = np.nonzero(own)
        order = np.argsort(position * k + category, kind="stable")
        category, position = category[order], position[order]
        extra = {"categories": names, "domain_ids": (position * k + category).astype(np.int64),
                 "domain_weights": own[category, position].astype(np.float32)}
        extra["recognizer_features"], extra["recognizer_weights"], extra["recognizer_bias"] = _recognizer(
            matrix, df, domain, k)
    sizes = Counter(domain[domain >= 0].tolist())
    meta = {"trained_at": clock.now().isoformat(), "rows": int(len(y)), "positive": int((y == 1).sum()),
            "negative": int((y == 0).sum()), "features": int(width), "max_n": MAX_N, "c": c, "plain_c": plain_c,
            "min_df": min_df, "category_rows": {names[i]: int(sizes[i]) for i in range(k)},
            "category_weights": int(len(extra.get("domain_ids", ()))), **(info or {})}
    return PolarityModel(keys=keys, idf=idf, folded=folded, bias=bias, info=meta, **extra)
