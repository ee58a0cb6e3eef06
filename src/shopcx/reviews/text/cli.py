"""`shopcx reviews train` and `shopcx reviews classify`: learn polarity from the shop's rated reviews, tag a file."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

import typer
from rich.console import Console

from ...core.spreadsheet import csv_row

NEW_COLUMNS = ("polarity", "polarity_score", "aspects")


def _fail(err: Console, message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]", highlight=False, soft_wrap=True)
    return typer.Exit(2)


# What the spinner on stderr says at each stage of training.
STAGE_NOTES = {"reading": "reading the stored reviews", "held-out check": "training on the held-out split",
               "training": "training on all rows", "saving": "saving the model", "done": "done"}


def _train(input_path: Path | None, shop_code: str | None, text_column: str | None, label_column: str | None,
           category_column: str | None, model_path: Path | None, c: float) -> None:
    from .csvdata import category_column as category_column_of
    from .csvdata import labelled_rows, read_file
    from .model import MIN_CATEGORY_ROWS
    from .training import HOLDOUT_SHARE, train_from_rows, train_from_shop

    err = Console(stderr=True)
    out = Console(soft_wrap=True)
    if (input_path is None) == (shop_code is None):
        raise _fail(err, "--input / --shop: give either a file (--input with --text-column and --label-column) or "
                    "a shop whose stored reviews to learn from (--shop), not both")
    started = time.perf_counter()
    found = False
    with err.status("reading") as spinner:
        def on_stage(stage: str) -> None:
            spinner.update(STAGE_NOTES.get(stage, stage))

        if shop_code is not None:
            from ...cli import require_schema

            require_schema()
            result = train_from_shop(shop_code, model_path=model_path, c=c, on_stage=on_stage)
            category_column = category_column or "product category"
        else:
            for option, value in (("--text-column", text_column), ("--label-column", label_column)):
                if not value:
                    raise _fail(err, f"{option}: required with --input")
            data = read_file(input_path)
            text_at, label_at = data.column(text_column, "--text-column"), data.column(label_column, "--label-column")
            category_at, found = category_column_of(data, category_column, (text_at, label_at))
            category_column = data.header[category_at] if category_at is not None else None
            rows = labelled_rows(data, text_at, label_at, label_column, category_at)
            result = train_from_rows(rows, source=input_path.name, rows_read=len(data.rows), model_path=model_path,
                                     c=c, on_stage=on_stage, started=started)
    skipped = ", ".join(f"{count:,} {reason}" for reason, count in result.skipped.items()) or "none"
    out.print(f"rows read        {result.rows_read:,} from {result.source}")
    out.print(f"rows used        {result.rows:,} ({result.positive:,} positive, {result.negative:,} "
              f"negative; labels read as {result.scheme})")
    out.print(f"rows skipped     {skipped}")
    if result.accuracy is None:
        out.print("held-out check   not run (fewer than 5 rows of a class)")
    else:
        out.print(f"held-out accuracy {result.accuracy:.2%} on {result.holdout_rows:,} rows kept out of training "
                  f"({HOLDOUT_SHARE:.0%} per class); the saved model is refitted on all rows")
    out.print(f"features         {result.features:,} character n-grams")
    if found:
        out.print(f"category column  '{category_column}' (found by its name; --category-column none leaves it out)")
    if category_column:
        sizes = result.categories
        if sizes:
            shown = ", ".join(f"{name} {size:,}" for name, size in list(sizes.items())[:12])
            more = f" and {len(sizes) - 12} more" if len(sizes) > 12 else ""
            out.print(f"categories       {len(sizes)} with weights of their own ({shown}{more}); a review without "
                      "a category gets the one its words point to")
        else:
            out.print(f"categories       none with weights of their own (each needs {MIN_CATEGORY_ROWS} rows and "
                      "two are needed); one set of weights for all")
    out.print(f"model            {result.path}")
    out.print(f"time             {time.perf_counter() - started:.1f} s")


def _classify(input_path: Path, text_column: str, category_column: str | None, output_path: Path,
              model_path: Path | None) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import analyze, default_model_path, load_model
    from .csvdata import category_column as category_column_of
    from .csvdata import read_file

    err = Console(stderr=True)
    started = time.perf_counter()
    data = read_file(input_path)
    text_at = data.column(text_column, "--text-column")
    if model_path is not None:
        model, using = load_model(model_path), f"model {model_path}"
    elif default_model_path().is_file():
        model, using = load_model(default_model_path()), f"model {default_model_path()}"
    else:
        model, using = None, "the untrained default (SnowNLP + lexicon); train a model for better accuracy"
    category_at = None
    if model is not None and model.categories:  # only a model trained with categories reads them
        category_at, _ = category_column_of(data, category_column, (text_at,))
        if category_at is not None:
            using += f", categories from column '{data.header[category_at]}'"
    elif category_column and category_column.strip().lower() != "none":
        data.column(category_column, "--category-column")  # a named column must exist all the same
    width = len(data.header)
    for line_no, fields in data.rows:
        if len(fields) > width:
            raise _fail(err, f"--input: line {line_no} has {len(fields)} fields but the header has {width}")
    header = list(data.header)
    positions = []
    for name in NEW_COLUMNS:
        if name not in header:  # a file classified before keeps its columns and gets new values
            header.append(name)
        positions.append(header.index(name))
    batch = 5000 if model is not None else 2000
    output_path.parent.mkdir(parents=True, exist_ok=True)
    partial = output_path.with_name(output_path.name + ".partial")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    try:
        with open(partial, "w", encoding="utf-8-sig", newline="") as handle, \
                Progress(*columns, console=err, transient=False) as bar:
            writer = csv.writer(handle, delimiter=data.delimiter)
            writer.writerow(csv_row(header))
            task = bar.add_task("classify", total=len(data.rows))
            for start in range(0, len(data.rows), batch):
                part = data.rows[start:start + batch]
                texts = [fields[text_at] if text_at < len(fields) else "" for _, fields in part]
                categories = None if category_at is None else [
                    fields[category_at] if category_at < len(fields) else None for _, fields in part]
                results = analyze(texts, model, categories)
                for (_, fields), result in zip(part, results, strict=True):
                    row = fields + [""] * (len(header) - len(fields))
                    row[positions[0]] = result.polarity
                    row[positions[1]] = f"{result.score:.4f}"
                    row[positions[2]] = ";".join(result.aspects)
                    writer.writerow(csv_row(row))
                bar.update(task, advance=len(part))
        os.replace(partial, output_path)
    finally:
        partial.unlink(missing_ok=True)
    seconds = time.perf_counter() - started
    rate = len(data.rows) / seconds if seconds > 0 else 0.0
    Console(soft_wrap=True).print(f"classified {len(data.rows):,} rows with {using} in {seconds:.1f} s "
                                  f"({rate:,.0f} rows/s) → {output_path}")


def register(reviews_app: typer.Typer) -> None:
    """Add `train` and `classify` to `shopcx reviews`."""

    @reviews_app.command("train")
    def train_command(
            input_path: Path | None = typer.Option(None, "--input", help="CSV, gzip CSV or XLSX with review text "
                                                   "and a label."),
            shop: str | None = typer.Option(None, "--shop", help="Learn from this shop's stored reviews instead: "
                                            "stars or 好评/差评 as labels, the product's category as category."),
            text_column: str | None = typer.Option(None, "--text-column", help="Column holding the review text "
                                                   "(with --input)."),
            label_column: str | None = typer.Option(None, "--label-column",
                                                    help="0/1, positive/negative, or stars 1–5 (≥4 positive, ≤2 "
                                                         "negative, 3 skipped) (with --input)."),
            category_column: str | None = typer.Option(
                None, "--category-column", help="Column with the product category: categories with enough "
                "rows learn words of their own (小 is bad in a hotel room, fine on a phone). Default: a column named "
                "category, cat, product type, 类目, 宝贝类目, 商品类目 or 品类 if there is one; none: no categories."),
            model: Path | None = typer.Option(None, "--model", help="Where to save; default "
                                              "SHOPCX_DATA_DIR/models/review_polarity.npz."),
            c: float = typer.Option(4.0, "--c", min=1e-4, help="Inverse regularisation strength of the regression on "
                                          "naive-Bayes-scaled n-grams.")):
        """Learn review polarity from the shop's own rated reviews (a file or the stored ones) and save the model."""
        from ...core.errors import ShopCXError

        try:
            _train(input_path, shop, text_column, label_column, category_column, model, c)
        except ShopCXError as exc:
            raise _fail(Console(stderr=True), exc.message) from None

    @reviews_app.command("classify")
    def classify_command(
            input_path: Path = typer.Option(..., "--input", help="CSV, gzip CSV or XLSX with review text."),
            text_column: str = typer.Option(..., "--text-column", help="Column holding the review text."),
            output: Path = typer.Option(..., "--output", help="CSV to write: every input column plus polarity, "
                                        "polarity_score and aspects."),
            category_column: str | None = typer.Option(
                None, "--category-column", help="Column with the product category, for a model trained with "
                "categories (default: found by its name as in train; none: no column); where a row has none, or one "
                "the model does not know, the text decides."),
            model: Path | None = typer.Option(None, "--model", help="A trained model; default the saved shop "
                                              "model, else the untrained default.")):
        """Add polarity, polarity_score (P(positive), 4 decimals) and aspects (driver keys, ';') to every row."""
        from ...core.errors import ShopCXError

        try:
            _classify(input_path, text_column, category_column, output, model)
        except ShopCXError as exc:
            raise _fail(Console(stderr=True), exc.message) from None
