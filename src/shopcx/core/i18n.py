"""Interface language: 简体中文 first, English second.

Labels every page shares live in core/locales/<locale>.json; each domain keeps its own in <domain>/locales/
(<locale>.json, and <locale>.<part>.json where one file grew too long), a folder the composition root
(shopcx/domains.py) hands to `add_catalogs`. They are merged into one
flat catalog; a key defined in two files is a mistake and raises.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .errors import ShopCXError

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"
LOCALE_NAMES = {"zh": "简体中文", "en": "English"}
_DIR = Path(__file__).resolve().parent / "locales"
_domain_dirs: list[Path] = []

_LUNAR_MONTHS = ("正", "二", "三", "四", "五", "六", "七", "八", "九", "十", "冬", "腊")
_DIGITS = "一二三四五六七八九十"


def add_catalogs(folders: Iterable[Path]) -> None:
    """Merge the `<locale>.json` files of these folders (the domains' label catalogs) into every catalog."""
    _domain_dirs.extend(folder for folder in folders if folder not in _domain_dirs)
    catalog.cache_clear()


@lru_cache
def catalog(locale: str) -> dict[str, str]:
    """All labels of one locale (flat dotted keys)."""
    merged: dict[str, str] = {}
    for folder in [_DIR, *_domain_dirs]:
        for path in [folder / f"{locale}.json", *sorted(folder.glob(f"{locale}.*.json"))]:
            if not path.is_file():
                continue
            labels = json.loads(path.read_text(encoding="utf-8"))
            clash = merged.keys() & labels.keys()
            if clash:
                raise ValueError(f"{path} redefines {sorted(clash)[:5]}")
            merged.update(labels)
    return merged


def normalize_locale(value: str | None) -> str:
    """A supported locale for any input ('en-US' -> 'en'; unknown -> the default)."""
    short = (value or "").strip().lower().replace("_", "-").split("-")[0]
    return short if short in LOCALES else DEFAULT_LOCALE


def has(key: str, locale: str) -> bool:
    """Whether key has a label in locale."""
    return key in catalog(normalize_locale(locale))


def t(key: str, locale: str, **values) -> str:
    """The label for key in locale (falling back to Chinese, then the key), with {placeholders} filled."""
    locale = normalize_locale(locale)
    text = catalog(locale).get(key)
    if text is None:
        text = catalog(DEFAULT_LOCALE).get(key, key)
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text


class _Blank(dict):
    """Values for an error text; a placeholder the raise site did not fill reads as '…', never as {name}."""

    def __missing__(self, key: str) -> str:
        return "…"


def field_label(field: str | None, locale: str) -> str:
    """The label of a form or API field (`field.<name>` in the catalogs), else the name itself."""
    if not field:
        return ""
    key = f"field.{field}"
    return t(key, locale) if has(key, locale) else field


def error_text(exc: ShopCXError, locale: str) -> str:
    """A business error as a person reads it, all in one language: the catalog's `error.<code>` filled with the
    error's values, the field's label in front (unless the text already names it) and the file line (when there is one).

    Chinese texts never show the error's English `message`; English texts may ({message}). A code without a
    catalog text (tests/core/test_catalogs.py fails on one) shows as a generic sentence with the code in zh.
    """
    locale = normalize_locale(locale)
    key = f"error.{exc.code}"
    label = field_label(exc.field, locale)
    if has(key, locale):
        raw = catalog(locale)[key]
        values = {**exc.values, "field": label, "line": exc.line if exc.line is not None else "",
                  "message": exc.message if locale == "en" else ""}
        text = raw.format_map(_Blank(values))
    elif locale == "en":
        raw, text = "{message}", exc.message
    else:
        raw, text = "", t("error.unknown", locale, code=exc.code)
    if label and "{field}" not in raw and "{message}" not in raw and label.lower() not in text.lower():
        text = t("error.with_field", locale, field=label, text=text)
    if exc.line is not None and "{line}" not in raw:
        text = t("error.at_line", locale, line=exc.line, text=text)
    return text


def lunar_day_name(day: int) -> str:
    """1 -> 初一, 15 -> 十五, 20 -> 二十, 23 -> 廿三, 30 -> 三十."""
    if day <= 10:
        return "初" + _DIGITS[day - 1]
    if day < 20:
        return "十" + _DIGITS[day - 11]
    if day == 20:
        return "二十"
    if day < 30:
        return "廿" + _DIGITS[day - 21]
    return "三十"


def lunar_date_label(month: int, day: int, leap: bool, locale: str) -> str:
    """A lunar month/day as people say it: 农历八月十五, 农历闰四月初八; 'Lunar 8/15' in English."""
    if normalize_locale(locale) == "zh":
        return f"农历{'闰' if leap else ''}{_LUNAR_MONTHS[month - 1]}月{lunar_day_name(day)}"
    return f"Lunar {'leap ' if leap else ''}month {month}, day {day}"
