"""The trainable polarity model: NB-weighted TF-IDF of character 1–4-grams with logistic regression.

Features (Wang & Manning 2012, "Baselines and Bigrams", NBSVM, with a logistic loss): sublinear tf × idf,
L2-normalised per review, then each feature scaled by its naive-Bayes log-count ratio
r = log((p / |p|₁) / (q / |q|₁)), p and q the smoothed counts of reviews holding the n-gram among the positive and
the negative ones. Characters rather than jieba words keep classification fast (jieba alone manages a few
thousand reviews a second) and cover English and mixed text with the same code.

Saved as a NumPy .npz (loaded with allow_pickle=False, so a model file cannot run code) holding the n-gram keys,
idf, one folded weight per n-gram and a JSON header (format, version, trained_at, rows, held-out accuracy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...core import clock
from ...core.errors import InvalidInput
from .features import MAX_N, KeyIndex, counts, document_frequencies

FORMAT = "shopcx.review_polarity"
VERSION = 1
DEFAULT_C = 4.0  # chosen by 5-fold cross-validation on the training side of online_shopping_10_cats
MIN_DF = 2
NB_ALPHA = 0.5


class ModelFileError(InvalidInput):
    """A model file that is missing, damaged or of another format or version."""


@dataclass(frozen=True)
class PolarityModel:
    """A trained model: decision(x) = Σ tf·u / ‖tf·idf‖ + bias over the n-grams x holds."""

    keys: np.ndarray  # sorted uint64 n-gram keys (features.py)
    idf: np.ndarray  # float32, for the L2 norm
    folded: np.ndarray  # float32 idf × NB ratio × LR weight per n-gram
    bias: float
    info: dict = field(default_factory=dict)
    index: KeyIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "index", KeyIndex(self.keys))

    def decision(self, texts: list[str], batch: int = 20000) -> np.ndarray:
        """Log-odds of positive for each text (the bias alone for a text without a known n-gram)."""
        out = np.empty(len(texts), dtype=np.float64)
        for start in range(0, len(texts), batch):
            part = texts[start:start + batch]
            doc, feature, how_many = counts(part, self.index, self.info.get("max_n", MAX_N))
            tf = 1.0 + np.log(how_many)
            numerator = np.bincount(doc, weights=tf * self.folded[feature], minlength=len(part))
            norm = np.sqrt(np.bincount(doc, weights=(tf * self.idf[feature]) ** 2, minlength=len(part)))
            out[start:start + len(part)] = np.divide(numerator, norm, out=np.zeros(len(part)), where=norm > 0)
            out[start:start + len(part)] += self.bias
        return out

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """P(positive) for each text."""
        return 1.0 / (1.0 + np.exp(-self.decision(texts)))

    def save(self, path: Path) -> Path:
        """Write the model as .npz (parent folders created); returns the path written."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = json.dumps({"format": FORMAT, "version": VERSION, **self.info}, ensure_ascii=False)
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, header=np.array(header), keys=self.keys, idf=self.idf, folded=self.folded,
                                bias=np.array([self.bias]))
        tmp.replace(path)
        return path


def load_model(path: Path | str) -> PolarityModel:
    """Read a model saved by PolarityModel.save; another format or version is refused with a clear error."""
    path = Path(path)
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
            arrays = {name: data[name] for name in ("keys", "idf", "folded", "bias")}
    except FileNotFoundError:
        raise ModelFileError("model_not_found", f"model: {path} does not exist", field="model") from None
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        raise ModelFileError("model_unreadable", f"model: {path} is not a ShopCX review model ({exc})",
                             field="model") from None
    keys, idf, folded = arrays["keys"], arrays["idf"], arrays["folded"]
    if keys.dtype != np.uint64 or not (len(keys) == len(idf) == len(folded)) or arrays["bias"].shape != (1,):
        raise ModelFileError("model_unreadable", f"model: {path} is damaged (array shapes do not match)",
                             field="model")
    info = {k: v for k, v in header.items() if k not in ("format", "version")}
    return PolarityModel(keys=keys, idf=idf.astype(np.float32), folded=folded.astype(np.float32),
                         bias=float(arrays["bias"][0]), info=info)


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


def train(texts: list[str], labels: list[int] | np.ndarray, *, c: float = DEFAULT_C, min_df: int = MIN_DF,
          info: dict | None = None) -> PolarityModel:
    """Fit the model on texts with labels 1 (positive) / 0 (negative); both classes must be present."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(labels, dtype=np.int8)
    if len(texts) != len(y):
        raise ValueError("texts and labels differ in length")
    if len(set(y.tolist())) < 2:
        raise InvalidInput("one_class", "labels: training needs both positive and negative reviews",
                           field="labels")
    keys, df = document_frequencies(texts)
    keep = df >= min_df
    if not keep.any():
        keep[:] = True  # a tiny training set: every n-gram occurs once
    keys, df = keys[keep], df[keep]
    idf = (np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0).astype(np.float32)
    matrix = _matrix(texts, keys, idf)
    present = matrix.copy()
    present.data[:] = 1.0
    positive = np.asarray(present[y == 1].sum(axis=0)).ravel() + NB_ALPHA
    negative = np.asarray(present[y == 0].sum(axis=0)).ravel() + NB_ALPHA
    ratio = (np.log(positive / positive.sum()) - np.log(negative / negative.sum())).astype(np.float32)
    scaled = matrix.multiply(ratio).tocsr()
    fit = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=0).fit(scaled, y)
    folded = (idf * ratio * fit.coef_.ravel()).astype(np.float32)
    meta = {"trained_at": clock.now().isoformat(), "rows": int(len(y)), "positive": int((y == 1).sum()),
            "negative": int((y == 0).sum()), "features": int(len(keys)), "max_n": MAX_N, "c": c, "min_df": min_df,
            **(info or {})}
    return PolarityModel(keys=keys, idf=idf, folded=folded, bias=float(fit.intercept_[0]), info=meta)
