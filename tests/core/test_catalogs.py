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


def test_every_audited_action_has_a_label():
    """The audit log names each action in the page's language (audit(session, actor, "<action>", …) in src)."""
    import ast
    from pathlib import Path

    actions = set()
    for path in (Path(__file__).resolve().parents[2] / "src" / "shopcx").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "audit" \
                    and len(node.args) > 2:
                actions |= {c.value for c in ast.walk(node.args[2]) if isinstance(c, ast.Constant)
                            and isinstance(c.value, str) and "." in c.value and not c.value.endswith("_")}
    assert len(actions) > 40
    missing = sorted(f"{locale}: action.{a}" for a in actions for locale in ("zh", "en")
                     if not i18n.has(f"action.{a}", locale))
    assert missing == []
