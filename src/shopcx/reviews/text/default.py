"""The untrained default: SnowNLP's shopping-review model combined with the hand-written lexicon of lexicon.py.

SnowNLP (from PyPI, trained by its author on shopping reviews) reads the whole text but handles negation and
"X不错，但是Y太差" poorly; the lexicon pass handles exactly those: a negator before a sentiment word turns it
(不满意, 没有问题, not good), a degree word scales it (非常, 有点, very), and the clause after a contrast word
(但是, 不过, but) counts more. Both are put on the log-odds scale and added:

    z = SNOW_WEIGHT * clip(logit(p_snownlp), ±SNOW_CLIP) + LEXICON_WEIGHT * lexicon_score
    score = 1 / (1 + exp(-z))

Text without Chinese characters (English) has no SnowNLP term. The weights are round numbers set by hand.
p_snownlp is SnowNLP(text).sentiments, computed by snow.py for a whole batch at once (the same words and the same
naive-Bayes sum, ~100× faster than SnowNLP's per-character Python tagger); `scores` takes the batch.
"""

from __future__ import annotations

import math
import re

from .lexicon import EN_CONTRAST, EN_DEGREE, EN_PHRASES, EN_WORDS, ZH_CONTRAST, ZH_DEGREE, ZH_NEGATORS, ZH_WORDS
from .snow import log_odds_many
from .tokenize import has_cjk, is_negator, words

SNOW_WEIGHT = 1.0
SNOW_CLIP = 4.0
LEXICON_WEIGHT = 1.0
NEGATION_WINDOW = 3  # words between a negator and the sentiment word it turns
CONTRAST_WEIGHT = 1.5
NEGATED_POSITIVE = -0.8  # 不好: a denied positive is nearly as negative as the word was positive
NEGATED_NEGATIVE = -0.5  # 不差: a denied negative is only mildly positive
_CLAUSE_END = frozenset("。，,.!！?？;；~～…\n、:：")
_PHRASE_MAX = max((len(p.split()) for p in EN_PHRASES), default=1)


def _sentiment_at(tokens: list[str], i: int) -> tuple[float, int]:
    """The sentiment weight of the word (or English phrase) starting at i and how many tokens it spans."""
    for size in range(_PHRASE_MAX, 1, -1):
        phrase = " ".join(tokens[i:i + size])
        if phrase in EN_PHRASES:
            return EN_PHRASES[phrase], size
    word = tokens[i]
    return ZH_WORDS.get(word) or EN_WORDS.get(word) or _compound(word), 1


_PREFIXES = frozenset((*ZH_NEGATORS, *ZH_DEGREE))
_PREFIX_LENGTHS = sorted({len(prefix) for prefix in _PREFIXES}, reverse=True)


def _compound(word: str) -> float:
    """A jieba word that is a negator or degree word glued to a lexicon word (不太好, 很满意, 没坏)."""
    if len(word) < 2 or word.isascii():
        return 0.0
    for size in _PREFIX_LENGTHS:
        prefix = word[:size]
        if prefix in _PREFIXES and len(word) > size:
            rest = word[size:]
            weight = ZH_WORDS.get(rest) or _compound(rest)
            if not weight:
                return 0.0
            if prefix in ZH_NEGATORS:
                return weight * (NEGATED_POSITIVE if weight > 0 else NEGATED_NEGATIVE)
            return weight * ZH_DEGREE[prefix]
    return 0.0


def _degree(word: str) -> float | None:
    return ZH_DEGREE.get(word) or EN_DEGREE.get(word)


def lexicon_score(tokens: list[str]) -> float:
    """Sum of the sentiment words' weights after negation, degree and contrast (0 when none is found)."""
    total = 0.0
    clause_weight = 1.0
    negated_at = -100
    negations = 0
    degree = 1.0
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word in _CLAUSE_END:
            negations, degree = 0, 1.0
            i += 1
            continue
        if word in ZH_CONTRAST or word in EN_CONTRAST:
            # Everything after the contrast word is the writer's conclusion; what came before counts less.
            total *= 1.0 / CONTRAST_WEIGHT
            clause_weight = CONTRAST_WEIGHT
            negations, degree = 0, 1.0
            i += 1
            continue
        weight, span = _sentiment_at(tokens, i)
        if span == 1 and is_negator(word):  # a phrase such as "never again" is read whole
            negations += 1
            negated_at = i
            i += 1
            continue
        factor = _degree(word)
        if factor is not None and (not weight or _followed_by_sentiment(tokens, i)):
            degree *= factor
            i += 1
            continue
        if weight:
            if negations % 2 and i - negated_at <= NEGATION_WINDOW:
                weight = weight * (NEGATED_POSITIVE if weight > 0 else NEGATED_NEGATIVE)
            total += clause_weight * degree * weight
            negations, degree = 0, 1.0
        i += span
    return total


def _followed_by_sentiment(tokens: list[str], i: int) -> bool:
    """Whether the degree word at i modifies a sentiment word right after it (好 in 好差 vs 好 alone)."""
    return i + 1 < len(tokens) and (_sentiment_at(tokens, i + 1)[0] != 0.0 or is_negator(tokens[i + 1]))


_EMPTY = re.compile(r"^\W*$")


def score(normalized: str) -> float:
    """P(positive) of one normalised text by the untrained default; 0.5 when there is nothing to read."""
    return scores([normalized])[0]


def scores(normalized: list[str]) -> list[float]:
    """P(positive) of each normalised text; batching lets the SnowNLP term tag all the Chinese text at once."""
    out = [0.5] * len(normalized)
    filled = [i for i, text in enumerate(normalized) if not _EMPTY.match(text)]
    chinese = [i for i in filled if has_cjk(normalized[i])]
    snow = dict(zip(chinese, log_odds_many([normalized[i] for i in chinese]), strict=True)) if chinese else {}
    for i in filled:
        z = LEXICON_WEIGHT * lexicon_score(words(normalized[i]))
        if i in snow:
            z += SNOW_WEIGHT * max(-SNOW_CLIP, min(SNOW_CLIP, snow[i]))
        out[i] = 1.0 / (1.0 + math.exp(-z))
    return out
