"""Reading review files for `shopcx reviews train|classify`: columns by name, labels in three spellings.

Files are read by the import module's reader (CSV, gzip CSV or XLSX; UTF-8 with or without BOM or GB18030;
comma, tab or semicolon), so a file that imports also classifies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...core.errors import InvalidInput

POSITIVE_WORDS = frozenset({"1", "positive", "pos", "正面", "好评", "积极"})
NEGATIVE_WORDS = frozenset({"0", "negative", "neg", "负面", "差评", "消极"})


# Headers read as the product category when --category-column is not given (as the importers read columns by
# name): Taobao/Tmall 宝贝类目 and 类目, Shopify's product type, WooCommerce's categories, and the plain names.
CATEGORY_NAMES = frozenset({"category", "categories", "cat", "product category", "product_category", "product type",
                            "product_type", "类目", "宝贝类目", "商品类目", "品类", "商品分类"})
NO_CATEGORY = "none"


class ReviewFileError(InvalidInput):
    """A review file (or one of its lines) that cannot be used; the message names the column or line."""


@dataclass
class ReviewFile:
    """A file's header, its data rows (line number, fields) and the delimiter it used."""

    header: list[str]
    rows: list[tuple[int, list[str]]]
    delimiter: str

    def column(self, name: str, option: str) -> int:
        """The position of the column called name, or an error naming it and the columns there are."""
        wanted = name.strip().lower()
        for position, title in enumerate(self.header):
            if title.strip().lower() == wanted:
                return position
        raise ReviewFileError("column_missing", f"{option}: the file has no column '{name}' (its columns: "
                              f"{', '.join(self.header)})", field=option.lstrip("-").replace("-", "_"))


def category_column(data: ReviewFile, name: str | None, taken: tuple[int, ...]) -> tuple[int | None, bool]:
    """(position of the category column or None, whether it was found by its name rather than named).

    name "none" leaves categories out; no name looks for a header in CATEGORY_NAMES that is not one of the columns
    already taken (the text or the label).
    """
    if name is not None and name.strip().lower() == NO_CATEGORY:
        return None, False
    if name:
        return data.column(name, "--category-column"), False
    for position, title in enumerate(data.header):
        if position not in taken and title.strip().lower() in CATEGORY_NAMES:
            return position, True
    return None, False


def read_file(path: Path) -> ReviewFile:
    """Every non-blank row of the file; a line that does not decode is an error naming it."""
    from ...imports.formats.source import Table

    if not Path(path).is_file():
        raise ReviewFileError("file_unreadable", f"--input: {path} does not exist or is not a file", field="input")
    table = Table(Path(path))
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    try:
        for line_no, fields, problem in table.rows():
            if problem:
                raise ReviewFileError("line_unreadable", f"--input: line {line_no}: {problem}", field="input")
            if header is None:
                header = [title.strip().lstrip("\ufeff") for title in fields]
                continue
            rows.append((line_no, fields))
    except InvalidInput as exc:
        if isinstance(exc, ReviewFileError):
            raise
        raise ReviewFileError(exc.code, f"--input: {exc.message.removeprefix('file: ')}", field="input") from None
    if header is None:
        raise ReviewFileError("file_empty", f"--input: {Path(path).name} is empty (no header line)", field="input")
    return ReviewFile(header=header, rows=rows, delimiter=table.delimiter or ",")


@dataclass
class Labelled:
    """Texts with labels 1/0 (and categories, when a column was named), the label scheme and the rows left out."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    categories: list[str] | None = None
    scheme: str = ""
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def _stars(value: str) -> int | None:
    try:
        number = float(value)
    except ValueError:
        return None
    return int(number) if number.is_integer() and 1 <= number <= 5 else None


def label_scheme(values: list[str]) -> str:
    """'stars' when any label is a whole number 2–5 (then all must be 1–5), else 0/1 and words (positive…)."""
    for value in values:
        stars = _stars(value.strip())
        if stars is not None and stars >= 2:
            return "stars"
    return "binary"


def labelled_rows(data: ReviewFile, text_column: int, label_column: int, label_name: str,
                  category_column: int | None = None) -> Labelled:
    """Texts and 1/0 labels: 0/1, positive/negative, or stars (≥ 4 positive, ≤ 2 negative, 3 skipped)."""
    out = Labelled(categories=[] if category_column is not None else None)
    values = [fields[label_column] if label_column < len(fields) else "" for _, fields in data.rows]
    out.scheme = label_scheme(values)
    for (line_no, fields), raw in zip(data.rows, values, strict=True):
        value = raw.strip().lower()
        text = fields[text_column].strip() if text_column < len(fields) else ""
        if not value:
            out.skip("no label")
            continue
        if out.scheme == "stars":
            stars = _stars(value)
            if stars is None:
                raise ReviewFileError("bad_label", f"--label-column '{label_name}', line {line_no}: '{raw}' is not "
                                      f"1–5 stars like the rest of the column", field="label_column")
            if stars == 3:
                out.skip("3 stars")
                continue
            label = 1 if stars >= 4 else 0
        elif value.removesuffix(".0") in POSITIVE_WORDS:
            label = 1
        elif value.removesuffix(".0") in NEGATIVE_WORDS:
            label = 0
        else:
            raise ReviewFileError("bad_label", f"--label-column '{label_name}', line {line_no}: '{raw}' is not a "
                                  f"label (use 0/1, positive/negative or 1–5 stars)", field="label_column")
        if not text:
            out.skip("empty text")
            continue
        out.texts.append(text)
        out.labels.append(label)
        if out.categories is not None:
            out.categories.append(fields[category_column].strip() if category_column < len(fields) else "")
    return out


def stored_rows(rows) -> Labelled:
    """Texts and 1/0 labels of stored reviews: stars (≥ 4 positive, ≤ 2 negative) or else the class (好评 / 差评).

    A 中评 or 3-star review says neither; a default review's text is the platform's, not the buyer's; a revised
    review's text may belong to the class it had before: all three are left out and counted.
    """
    out = Labelled(scheme="stored", categories=[])
    for text, stars, rating_class, revisions, is_default, category in rows:
        if is_default:
            out.skip("default review")
            continue
        if revisions:
            out.skip("revised")
            continue
        label = (1 if stars >= 4 else 0 if stars <= 2 else None) if stars is not None else \
            {"good": 1, "bad": 0}.get(rating_class)
        if label is None:
            out.skip("neutral")
            continue
        if not text.strip():
            out.skip("empty text")
            continue
        out.texts.append(text.strip())
        out.labels.append(label)
        out.categories.append((category or "").strip())
    return out
