"""Review and complaint text analysis: polarity with a score, and the drivers the text talks about.

    analyze(["物流很快，质量不错", "客服态度太差"])            # untrained default (SnowNLP + lexicon)
    analyze(texts, model=load_model("var/models/review_polarity.npz"))   # a model trained on the shop's reviews
    analyze(texts, model=model, categories=["手机", None])   # with the product category where it is known

`score` is P(positive) in 0..1 and `polarity` is "positive" when score ≥ 0.5, else "negative". Text that is
empty or only whitespace scores exactly 0.5 and so reads as positive: on Chinese platforms a review left blank
counts as a default 好评. `aspects` are keys of DRIVERS found by the keyword table in aspects.py, in DRIVERS order.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .aspects import DRIVERS, aspects_of
from .tokenize import normalize

__all__ = ["DRIVERS", "TextResult", "analyze", "default_model_path", "load_default_model", "load_model",
           "polarity_of"]

THRESHOLD = 0.5


@dataclass(frozen=True)
class TextResult:
    """Polarity ("positive" | "negative"), score = P(positive) in 0..1, and the drivers mentioned."""

    polarity: str
    score: float
    aspects: tuple[str, ...]


def polarity_of(score: float) -> str:
    """"positive" when score ≥ 0.5 (ties, such as blank text, count as positive), else "negative"."""
    return "positive" if score >= THRESHOLD else "negative"


def analyze(texts: list[str], model=None, categories: list[str | None] | None = None) -> list[TextResult]:
    """Polarity, score and aspects of each text; model=None uses the untrained default.

    categories (one per text, None allowed) tell a model trained with categories which product each review is
    about; where none is given the model recognises it from the text. The untrained default ignores them.
    """
    if categories is not None and len(categories) != len(texts):
        raise ValueError("texts and categories differ in length")
    normalized = [normalize(text) for text in texts]
    filled = [i for i, text in enumerate(normalized) if text]
    scores = [0.5] * len(texts)
    if filled:
        if model is None:
            from .default import scores as default_scores

            for i, value in zip(filled, default_scores([normalized[i] for i in filled]), strict=True):
                scores[i] = value
        else:
            wanted = [categories[i] for i in filled] if categories is not None else None
            for i, value in zip(filled, model.predict_proba([normalized[i] for i in filled], wanted), strict=True):
                scores[i] = float(value)
    return [TextResult(polarity_of(value), value, aspects_of(text)) for value, text in zip(scores, normalized,
                                                                                           strict=True)]


def load_model(path: Path | str):
    """A trained polarity model read from its .npz file (never unpickled)."""
    from .model import load_model as _load

    return _load(path)


def default_model_path() -> Path:
    """Where `shopcx reviews train` saves the shop's model unless told otherwise."""
    from ...core.settings import get_settings

    return get_settings().data_dir / "models" / "review_polarity.npz"


def load_default_model():
    """The shop's trained model if one has been saved at the default path, else None (untrained default)."""
    path = default_model_path()
    return load_model(path) if path.is_file() else None
