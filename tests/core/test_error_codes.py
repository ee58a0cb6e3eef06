"""Every error a person can meet reads in the page's language: each code raised anywhere in src/shopcx has an
`error.<code>` text in 简体中文 and English, each field it names has a `field.<name>` label, and a text's
placeholders are filled by every place that raises it.

The codes are found by reading the source (any call of a ShopCXError class, or of a factory listed in
FACTORIES, whose first argument is a string), so a helper who adds `raise InvalidInput("new_code", ...)` needs
no list to update: this test names the missing key and the file. Add the texts to the domain's
`locales/zh*.json` and `en*.json` (or core/locales/*.errors.json for codes shared by domains).
"""

from __future__ import annotations

import ast
import re
import string
from collections import defaultdict
from pathlib import Path

import pytest

from shopcx.core import i18n
from shopcx.core.errors import ShopCXError

SRC = Path(__file__).resolve().parents[2] / "src" / "shopcx"
FACTORIES = {"invalid"}  # surveys.models.pls_spec.invalid(code, message, field)
BUILT_IN = {"field", "line", "message"}
_CJK = re.compile(r"[\u3400-\u9fff]")


class Site:
    def __init__(self, path: Path, line: int, field: str | None, values: set[str] | None):
        self.where = f"{path.relative_to(SRC)}:{line}"
        self.field = field
        self.values = values  # keys of a literal values={...}; None when not a literal


def _error_classes(trees) -> set[str]:
    bases = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    found, grew = {"ShopCXError"}, True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in found and parents & found:
                found.add(name)
                grew = True
    return found


def _sites() -> dict[str, list[Site]]:
    parsed = {path: ast.parse(path.read_text(encoding="utf-8")) for path in SRC.rglob("*.py")}
    callers = _error_classes(parsed.values()) | FACTORIES
    sites: dict[str, list[Site]] = defaultdict(list)
    for path, tree in parsed.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            first = node.args[0]
            if name not in callers or not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                continue
            field, values = None, set()
            for kw in node.keywords:
                if kw.arg == "field" and isinstance(kw.value, ast.Constant):
                    field = kw.value.value
                if kw.arg == "values":
                    values = {k.value for k in kw.value.keys if isinstance(k, ast.Constant)} \
                        if isinstance(kw.value, ast.Dict) else None
            if name in FACTORIES and len(node.args) > 2 and isinstance(node.args[2], ast.Constant):
                field = node.args[2].value
            sites[first.value].append(Site(path, node.lineno, field, values))
    # Codes chosen at run time from a table of reasons.
    from shopcx.core.outgoing import CODES
    from shopcx.loyalty.service.members import referrals
    from shopcx.loyalty.service.spending import redemption

    for code in [*CODES, *redemption._REFUSALS, *referrals._MESSAGES]:
        sites[code].append(Site(SRC / "core" / "outgoing.py", 0, None, {"phrase"}))
    return sites


SITES = _sites()


def test_the_source_scan_finds_the_codes():
    assert len(SITES) > 200
    assert {"insufficient_points", "incentive_for_revision", "off_platform_contact", "invalid_datetime"} <= set(SITES)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_error_code_has_a_text(locale):
    missing = sorted(f"error.{code}  ({sites[0].where})" for code, sites in SITES.items()
                     if not i18n.has(f"error.{code}", locale))
    assert missing == [], f"{len(missing)} error codes without a {locale} text:\n" + "\n".join(missing)


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_field_an_error_names_has_a_label(locale):
    fields = {site.field: site.where for sites in SITES.values() for site in sites if site.field}
    missing = sorted(f"field.{field}  ({where})" for field, where in fields.items()
                     if not i18n.has(f"field.{field}", locale))
    assert missing == [], f"{len(missing)} fields without a {locale} label:\n" + "\n".join(missing)


def test_chinese_texts_never_show_the_english_message():
    leaking = sorted(key for key, text in i18n.catalog("zh").items() if key.startswith("error.") and
                     "{message}" in text)
    assert leaking == []


def test_placeholders_are_filled_where_the_error_is_raised():
    problems = []
    for code, sites in SITES.items():
        for locale in ("zh", "en"):
            text = i18n.catalog(locale).get(f"error.{code}", "")
            wanted = {name for _, name, _, _ in string.Formatter().parse(text) if name} - BUILT_IN
            for site in sites:
                if site.where.endswith(":0"):  # chosen at run time; the module fills its own values
                    continue
                if wanted and (site.values is None or not wanted <= site.values):
                    problems.append(f"{site.where}: error.{code} ({locale}) needs values {sorted(wanted)}")
    assert problems == []


@pytest.mark.parametrize("locale", ["zh", "en"])
def test_every_error_code_renders_in_one_language(locale):
    """Each code shown as a page shows it: with its field label and a file line; no braces, no other language."""
    wrong = []
    for code, sites in SITES.items():
        site = next((s for s in sites if s.field), sites[0])
        values = {name: 7 for name in (site.values or ())}
        exc = ShopCXError(code, f"{site.field or 'x'}: some English detail", field=site.field, line=3,
                          values=values)
        shown = i18n.error_text(exc, locale)
        bare = shown.replace("{name}", "").replace("{product}", "").replace("{shop}", "")  # a template's own
        if "{" in bare or "}" in bare:
            wrong.append(f"{code}: unfilled placeholder in '{shown}'")
        if locale == "zh" and ("English detail" in shown or not _CJK.search(shown) or "3" not in shown):
            wrong.append(f"{code}: '{shown}'")
        if locale == "en" and _CJK.search(shown.replace("简体中文", "")):
            wrong.append(f"{code}: '{shown}'")
    assert wrong == []


def test_an_error_names_its_field_and_line_in_the_page_language():
    exc = ShopCXError("invalid_datetime", "placed_at: 'not a date' is not a date and time", field="placed_at",
                      line=3)
    assert i18n.error_text(exc, "zh").startswith("第 3 行：")
    assert i18n.error_text(exc, "en").startswith("Line 3: ")
    short = ShopCXError("insufficient_points", "points: 100000 asked, 12 available", field="points",
                        values={"asked": 100000, "available": 12})
    assert i18n.error_text(short, "zh") == "积分不足：需要 100000 积分，可用 12 积分。"
    assert "points" not in i18n.error_text(short, "zh")
    unknown = ShopCXError("brand_new_code", "thing: broke", field="weekly")
    assert i18n.error_text(unknown, "zh") == "每周工作时间：操作没有完成（错误代码 brand_new_code）。"
    assert i18n.error_text(unknown, "en") == "thing: broke"
