"""Text analysis of stored reviews through `shopcx.reviews.text.analyze`, and hidden dissatisfaction.

The review text and its 追评 are analysed apart: the review is negative when either is (a 追评 is where a
five-star buyer tells what broke a week later), its score is the lower of the two, its aspects the union
in the order of the drivers. The shop's trained model (what `shopcx reviews train` saves at the text package's
default path) is used when there is one, the untrained default otherwise. A model trained with product
categories reads each review's category from its words (on online_shopping_10_cats that is as accurate as
being told), so stored reviews need no category lookup.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import lru_cache

from ...core import clock
from .. import rules
from ..models import Review

log = logging.getLogger("shopcx.reviews")
DRIVER_ORDER = ("quality", "description", "service", "logistics", "packaging", "price", "security")


def _analyzer():
    try:
        from ..text import analyze
    except ImportError:  # the text package is optional for storing reviews; a job analyses them later
        return None
    return analyze


@lru_cache(maxsize=4)
def _model(path: str, mtime: float):
    from ..text import load_model

    return load_model(path)


def _trained_model():
    try:
        from ..text import default_model_path
    except ImportError:
        return None
    path = default_model_path()
    if not path.is_file():
        return None
    try:
        return _model(str(path), path.stat().st_mtime)
    except Exception:  # a damaged model must not stop reviews being stored; the default analyser is used
        log.exception("cannot load the review polarity model %s", path)
        return None


def analyze_texts(texts: Iterable[str]) -> dict[str, object]:
    """text -> TextResult for each distinct non-empty text; {} when text analysis is unavailable."""
    distinct = sorted({t for t in texts if t and t.strip()})
    analyze = _analyzer()
    if not distinct or analyze is None:
        return {}
    return dict(zip(distinct, analyze(distinct, model=_trained_model()), strict=True))


def apply(review: Review, results: dict[str, object] | None = None) -> bool:
    """Store polarity, score, aspects and the hidden-dissatisfaction flag on review; False if analysis is missing."""
    texts = [t for t in (review.text, review.followup_text) if t and t.strip()]
    if not texts:
        review.polarity = review.polarity_score = None
        review.aspects = []
        review.hidden_negative = False
        review.analyzed_at = clock.now()
        return True
    known = dict(results or {})
    missing = [t for t in texts if t not in known]
    if missing:
        known.update(analyze_texts(missing))
    if any(t not in known for t in texts):
        return False
    found = [known[t] for t in texts]
    negative = any(r.polarity == "negative" for r in found)
    review.polarity = "negative" if negative else "positive"
    review.polarity_score = float(min(r.score for r in found))
    aspects = {a for r in found for a in r.aspects}
    review.aspects = [d for d in DRIVER_ORDER if d in aspects] + sorted(aspects - set(DRIVER_ORDER))
    review.hidden_negative = rules.is_hidden_negative(review.rating_class, review.is_default, review.polarity_score)
    review.analyzed_at = clock.now()
    return True


def apply_all(reviews: list[Review]) -> bool:
    """Analyse a batch of reviews with one analyser call; False (nothing changed) when analysis is unavailable."""
    cache = analyze_texts(t for r in reviews for t in (r.text, r.followup_text) if t)
    if not cache and any((r.text or "").strip() or (r.followup_text or "").strip() for r in reviews):
        return False
    for review in reviews:
        apply(review, cache)
    return True


def refresh_hidden(review: Review) -> None:
    """Re-derive the hidden-dissatisfaction flag after the class changed."""
    review.hidden_negative = rules.is_hidden_negative(review.rating_class, review.is_default, review.polarity_score)


def drivers_of(text: str) -> tuple[str, ...]:
    """The drivers a text mentions, by the aspect lexicon alone (no polarity model, so quick to load): the desk files
    complaints by them."""
    try:
        from ..text import aspects_of, normalize
    except ImportError:
        return ()
    return aspects_of(normalize(text or ""))
