"""`shopcx surveys ...`: `model` estimates a PLS path model (ECSI/ACSI style) from any CSV of answers and a
SPEC.json, and prints paths, R², outer weights and loadings, GoF and the index block's 0–100 index.
Exit codes: 0 done, 2 bad input (the message names the block, column or CSV line), 1 the work failed."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ..core.errors import InvalidInput, command_errors

surveys_app = typer.Typer(no_args_is_help=True, help="Surveys: satisfaction models and measures.")
err = Console(stderr=True)
NEEDS_NO_DATABASE = {"model"}  # reads only files: an analyst's CSV and SPEC.json


@surveys_app.callback()
def _group(ctx: typer.Context) -> None:
    """The root command leaves the schema check to this group (see shopcx.cli.CHECKS_SCHEMA_ITSELF)."""
    if ctx.invoked_subcommand not in NEEDS_NO_DATABASE and not ctx.resilient_parsing:
        from ..cli import require_schema

        require_schema()



def register(app: typer.Typer) -> None:
    """Add `shopcx surveys` to the command line."""
    app.add_typer(surveys_app, name="surveys", help="Surveys: satisfaction models and measures.")


def _errors():
    """Business errors end the command with their one-line message (core.errors.command_errors)."""
    return command_errors(err)


def read_spec(path: Path) -> dict:
    """SPEC.json as an object, or InvalidInput naming the file."""
    if not path.is_file():
        raise InvalidInput("invalid_spec", f"--spec: {path} does not exist or is not a file", field="spec")
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput("invalid_spec", f"--spec: {path} is not JSON ({exc})", field="spec") from None
    if not isinstance(spec, dict):
        raise InvalidInput("invalid_spec", f"--spec: {path} must hold one JSON object", field="spec")
    return spec


def _spec_items(spec: dict) -> list[str]:
    blocks = spec.get("blocks")
    out: list[str] = []
    for body in (blocks.values() if isinstance(blocks, dict) else []):
        items = body.get("items") if isinstance(body, dict) else body
        out += [i for i in (items if isinstance(items, list) else []) if isinstance(i, str)]
    return out


def read_answers(path: Path, wanted: list[str]) -> dict[str, list[float]]:
    """The CSV's columns by header name; the spec's items as numbers (an empty cell is missing), any other column
    kept only by name. A value that is not a number is refused naming its CSV line and column."""
    if not path.is_file():
        raise InvalidInput("invalid_input", f"--input: {path} does not exist or is not a file", field="input")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if not header:
            raise InvalidInput("invalid_input", f"--input: {path} is empty", field="input")
        names = [h.strip() for h in header]
        where = {name: i for i, name in enumerate(names) if name}
        columns: dict[str, list[float]] = {name: [] for name in where}
        numeric = [name for name in wanted if name in where]
        for line, row in enumerate(rows, start=2):
            if not row:
                continue
            if len(row) != len(names):
                raise InvalidInput("invalid_input", f"line {line}: {len(row)} fields, the header has {len(names)}",
                                   field="input", line=line)
            for name in numeric:
                cell = row[where[name]].strip()
                if cell in ("", "NA", "NaN"):
                    columns[name].append(math.nan)
                    continue
                try:
                    columns[name].append(float(cell))
                except ValueError:
                    raise InvalidInput("not_numeric", f"line {line}: column {name}: {cell!r} is not a number",
                                       field=name, line=line) from None
    return {name: values for name, values in columns.items() if name in numeric} | \
        {name: [] for name in where if name not in numeric}


def _index_scale(spec: dict, answers: dict[str, list[float]], scale: str | None) -> tuple[tuple[float, float] | None,
                                                                                         bool]:
    """The index block's answer scale: the spec's, else --scale, else the range observed in its items."""
    if spec.get("scale") is not None or not spec.get("index"):
        return None, False
    if scale:
        try:
            lo, hi = (float(v) for v in scale.split(","))
        except ValueError:
            raise InvalidInput("invalid_input", f"--scale: expected MIN,MAX such as 1,10, got {scale!r}",
                               field="scale") from None
        return (lo, hi), False
    body = (spec.get("blocks") or {}).get(spec["index"])
    items = body.get("items") if isinstance(body, dict) else body
    values = [v for item in (items or []) for v in answers.get(item, []) if not math.isnan(v)]
    if not values:
        return None, False
    return (min(values), max(values)), True


def model_result(result, inferred: bool) -> dict:
    """The one JSON object of `--json`: paths, outer, r2, gof, index, and the full report beside them."""
    def num(v: float) -> float | None:
        return float(v) if math.isfinite(v) else None

    full = result.to_dict()
    paths = {f"{a}->{b}": num(result.path(a, b)) for a, b in result.model.paths}
    outer = {item: {"weight": num(w), "loading": num(lo)}
             for item, w, lo in zip(result.items, result.weights, result.loadings, strict=True)}
    r2 = {lv: num(r) for lv, r in zip(result.lvs, result.r_squared, strict=True)}
    index = num(result.index.mean) if result.index is not None else None
    out = {"paths": paths, "outer": outer, "r2": r2, "gof": num(result.gof), "index": index,
           "index_block": result.index.block if result.index is not None else None,
           "index_scale": list(result.index.scale) if result.index is not None else None,
           "index_scale_inferred": inferred, "n": result.n, "dropped_rows": result.dropped_rows,
           "iterations": result.iterations}
    for key in ("inner_model", "effects", "inner_summary", "unidimensionality"):
        out[key] = full[key]
    return out


def _print_tables(data: dict) -> None:
    out = Console(soft_wrap=True)
    out.print(f"{data['n']} respondents ({data['dropped_rows']} incomplete rows dropped), "
              f"{data['iterations']} iterations")
    paths = Table("path", "coefficient", title="Inner model")
    for name, coef in data["paths"].items():
        paths.add_row(name.replace("->", " → "), f"{coef:.4f}")
    out.print(paths)
    r2 = Table("block", "R²", title="R²")
    for lv, value in data["r2"].items():
        r2.add_row(lv, f"{value:.4f}")
    out.print(r2)
    outer = Table("item", "weight", "loading", title="Outer model")
    for item, wl in data["outer"].items():
        outer.add_row(item, f"{wl['weight']:.4f}", f"{wl['loading']:.4f}")
    out.print(outer)
    out.print(f"GoF {data['gof']:.4f}" if data["gof"] is not None else "GoF —")
    if data["index"] is not None:
        lo, hi = data["index_scale"]
        note = " (scale taken from the answers' range)" if data["index_scale_inferred"] else ""
        out.print(f"Index of {data['index_block']}: {data['index']:.2f} / 100 on the scale {lo:g}–{hi:g}{note}")


@surveys_app.command("model")
def model(input: Path = typer.Option(..., "--input", help="CSV of answers: one row per respondent, items by header."),
          spec_path: Path = typer.Option(..., "--spec", help="SPEC.json: blocks, paths, scheme, scaled, index."),
          scale: str = typer.Option(None, "--scale", help="Answer scale MIN,MAX of the index block (e.g. 1,10); "
                                                          "default: the spec's \"scale\", else the answers' range."),
          drop_missing: bool = typer.Option(False, "--drop-missing", help="Drop incomplete rows instead of refusing."),
          as_json: bool = typer.Option(False, "--json", help="End with one JSON object.")):
    """Estimate a PLS path model (Wold/Lohmöller, as R plspm) from a CSV of answers."""
    from .models import pls

    with _errors():
        spec = read_spec(spec_path)
        answers = read_answers(input, _spec_items(spec))
        index_scale, inferred = _index_scale(spec, answers, scale)
        result = pls.estimate({k: v for k, v in answers.items() if v or k in _spec_items(spec)}, spec,
                              scale=index_scale, missing="drop" if drop_missing else "refuse")
        data = model_result(result, inferred)
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        _print_tables(data)


def parse_maps(maps: list[str]) -> dict[str, str]:
    """--map "COLUMN=TARGET" options as a mapping (an empty TARGET ignores the column)."""
    out: dict[str, str] = {}
    for item in maps:
        column, sep, target = item.rpartition("=") if item.count("=") == 1 else item.partition("=")
        if not sep or not column.strip():
            raise InvalidInput("invalid_mapping", f"--map: {item!r} is not COLUMN=QUESTION", field="mapping",
                               values={"column": item})
        out[column.strip()] = target.strip()
    return out


@surveys_app.command("import")
def import_file(survey_id: int = typer.Argument(..., help="The survey's id (shown on its page)."),
                file: Path = typer.Argument(..., help="CSV or XLSX export (问卷星, SurveyMonkey, one row per answer)."),
                maps: list[str] = typer.Option([], "--map", help="COLUMN=QUESTION (repeat); overrides the mapping "
                                               "suggested from the column names. QUESTION may be @respondent, "
                                               "@submitted, @customer, key, key.e / key.p, key.row or key=option."),
                wave: str = typer.Option("", "--wave", help="Wave of the answers (default: the submission month)."),
                lang: str = typer.Option("en", "--lang", help="Language of the reject reasons: zh or en."),
                as_json: bool = typer.Option(False, "--json", help="End with one JSON object.")):
    """Import answers collected elsewhere; rows already imported (same respondent id) are skipped."""
    from ..core import db
    from ..staff.service import Actor
    from .service import get_survey, imports, published

    with _errors():
        if not file.is_file():
            raise InvalidInput("invalid_input", f"file: {file} does not exist or is not a file", field="file")
        with db.session_scope(write=True) as session:
            survey = get_survey(session, [s for s in [_shop_of(session, survey_id)] if s], survey_id)
            version = published(session, survey)
            sheet = imports.read_sheet(file)
            mapping = (imports.suggest_mapping(version, sheet) if version else {}) | parse_maps(maps)
            total = imports.count_rows(file)
            with _bar() as bar:
                task = bar.add_task("import", total=total)
                outcome = imports.import_answers(session, survey, file, mapping, wave=wave, locale=lang,
                                                 actor=Actor(label="cli"), progress=lambda n: bar.advance(task, n))
    data = {"survey": survey_id, "shape": sheet.shape, "mapping": mapping, "stored": outcome.stored,
            "already": outcome.already, "rejected": len(outcome.rejects),
            "rejects": [{"line": line, "reason": reason} for line, reason in outcome.rejects]}
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    out = Console(soft_wrap=True)
    out.print(f"{sheet.shape}: {outcome.stored} stored, {outcome.already} already imported, "
              f"{len(outcome.rejects)} rejected")
    for _line, reason in outcome.rejects:
        out.print(reason)


def _shop_of(session, survey_id: int) -> int | None:
    from .tables import Survey

    survey = session.get(Survey, survey_id)
    return survey.shop_id if survey is not None else None


def _bar():
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False)


@surveys_app.command("index")
def index(survey_id: int = typer.Argument(..., help="The survey's id (shown on its page)."),
          as_json: bool = typer.Option(False, "--json", help="End with one JSON object.")):
    """The satisfaction index (0–100) of each wave: PLS-weighted satisfaction items for an ECSI survey, else the
    headline question's mean on 0–100."""
    from ..core import db
    from .service import get_survey, index_by_wave

    with _errors(), db.session_scope() as session:
        survey = get_survey(session, [s for s in [_shop_of(session, survey_id)] if s], survey_id)
        method, waves = index_by_wave(session, survey)
        data = {"survey": survey_id, "code": survey.code, "method": method,
                "waves": [{"wave": w.wave, "index": round(w.index, 4), "n": w.n} for w in waves]}
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    table = Table("wave", "index (0–100)", "answers", title=f"{data['code']}: satisfaction index ({method})")
    for w in data["waves"]:
        table.add_row(w["wave"], f"{w['index']:.1f}", str(w["n"]))
    Console(soft_wrap=True).print(table)


from .sending.cli import register_send  # noqa: E402

register_send(surveys_app, err)
