"""The label catalogs: one English vocabulary for the review classes, and (test_error_codes) every error code
readable in both languages."""

from __future__ import annotations

import re

import pytest

from shopcx.core import i18n

# The English words for the platforms' review vocabulary (CONTRIBUTING.md, "English vocabulary").
CHINESE_ONLY = ("好评", "中评", "差评", "追评", "改评", "晒图", "默认好评")
NOT_OURS = re.compile(r"\b(good|bad) reviews?\b|\bgood rate\b", re.IGNORECASE)


@pytest.mark.parametrize("word", CHINESE_ONLY)
def test_english_labels_use_the_english_review_vocabulary(word):
    found = sorted(key for key, text in i18n.catalog("en").items() if word in text)
    assert found == [], f"'{word}' in English labels: {found}"


def test_english_labels_say_positive_neutral_negative():
    found = sorted(key for key, text in i18n.catalog("en").items() if NOT_OURS.search(text))
    assert found == []
    en = i18n.catalog("en")
    assert (en["review.class.good"], en["review.class.neutral"], en["review.class.bad"]) == \
        ("Positive", "Neutral", "Negative")
