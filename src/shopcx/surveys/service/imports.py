"""Answers collected elsewhere, imported from a CSV or XLSX export (问卷星 / Wenjuanxing, SurveyMonkey, or any
sheet with one row per respondent) through a column-to-question mapping.

Shapes: a 问卷星 export has one header row (序号, 提交答卷时间, 所用时间, 来源, 来源详情, 来自IP, then "1、question"
columns; a skipped question reads "(跳过)" or "(空)"; several choices are joined with "┋"). A SurveyMonkey export
has two header rows (Respondent ID, Collector ID, Start Date, End Date, …, then the questions on the first row and
"Response", "Open-Ended Response", an option or a matrix row on the second); a multiple choice is one column per
option holding the option's text when chosen.

The mapping names, for each column, a form field of the published version (`key`, `key.e` / `key.p` for a
SERVQUAL pair, `key.row` for a matrix row), `key=option` (a column per option: any non-blank, non-zero cell chooses
it), or one of `@respondent` (required), `@submitted`, `@customer` (a customer id); other columns are ignored.
A rating cell may hold the number ("5", "5.0", "5 非常满意") or the scale's end label; a choice the option's key,
its zh or en text or its 1-based number. Each row is checked like a buyer's final answer; a row that fails is
rejected with its file line and the reason, the others are stored. Importing the same file twice stores nothing
new: a (survey, respondent id) already stored is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...core import clock, i18n
from ...core.errors import InvalidInput, ShopCXError
from ...customers.models import Customer
from ...imports.formats.source import Table
from ...staff.service import Actor, audit
from ..questions import SCALES, SERVQUAL_SCALE, parse_answers
from ..tables import Answer, Response, Survey, SurveyVersion
from .surveys import published

SPECIAL = ("@respondent", "@submitted", "@customer")
BLANKS = {"", "(跳过)", "(空)", "（跳过）", "（空）", "-3", "(skipped)", "n/a"}
RESPONDENT_HEADERS = ("respondent id", "序号", "答卷编号", "respondent", "id")
SUBMITTED_HEADERS = ("end date", "提交答卷时间", "submitted", "提交时间")
_MULTI = re.compile(r"[┋|;；,，]")
_NUMBER = re.compile(r"^\s*(-?\d+)(?:\.0+)?(?:\b|\s|$)")
_NUMBERING = re.compile(r"^\s*(?:Q?\d+[、.．:：)]\s*|\(\d+\)\s*)")
_DATES = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M", "%m/%d/%Y %I:%M:%S %p",
          "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%Y-%m-%d", "%Y/%m/%d")


@dataclass(frozen=True)
class Sheet:
    """A file's columns (named as the mapping names them) and where its data starts."""

    shape: str  # "wenjuanxing", "surveymonkey" or "plain"
    columns: list[str]
    header_lines: int


@dataclass
class ImportOutcome:
    stored: int = 0
    already: int = 0
    rejects: list[tuple[int, str]] = field(default_factory=list)  # (file line, reason in the page's language)


def _rows(path: Path) -> Iterable[tuple[int, list[str]]]:
    return ((line, fields) for line, fields, _problem in Table(path).rows())


def read_sheet(path: Path) -> Sheet:
    """The header of an export: its shape and its column names (SurveyMonkey's two header rows joined as
    "question / option" where the second row names an option or a row)."""
    head = []
    for _line, fields in _rows(path):
        head.append(fields)
        if len(head) == 2:
            break
    if not head:
        raise InvalidInput("import_empty_file", "file: the file has no header row", field="file")
    first = [c.strip() for c in head[0]]
    if first and first[0].lower() == "respondent id" and len(head) > 1:
        columns, question = [], ""
        second = head[1] + [""] * (len(first) - len(head[1]))
        for top, sub in zip(first, second, strict=False):
            question, sub = top or question, sub.strip()
            columns.append(question if sub in ("", "Response", "Open-Ended Response") else f"{question} / {sub}")
        return Sheet("surveymonkey", columns, 2)
    shape = "wenjuanxing" if "提交答卷时间" in first or (first and first[0] == "序号") else "plain"
    return Sheet(shape, first, 1)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", _NUMBERING.sub("", text)).strip("？?:：").lower()


def suggest_mapping(version: SurveyVersion, sheet: Sheet) -> dict[str, str]:
    """A first mapping by the columns' names: the respondent id and submission time columns, and each column
    whose name is a question's key or its zh or en text (numbering like "1、" ignored)."""
    by_text: dict[str, str] = {}
    for q in version.questions["questions"]:
        fields = {"servqual": [], "matrix": []}.get(q["type"], [q["key"]])
        for name in [q["key"], q["text"]["zh"], q["text"]["en"]]:
            for f in fields:
                by_text.setdefault(_norm(name), f)
    out: dict[str, str] = {}
    for column in sheet.columns:
        low = column.strip().lower()
        if low in RESPONDENT_HEADERS and "@respondent" not in out.values():
            out[column] = "@respondent"
        elif low in SUBMITTED_HEADERS and "@submitted" not in out.values():
            out[column] = "@submitted"
        elif (hit := by_text.get(_norm(column))) and hit not in out.values():
            out[column] = hit
    return out


def check_mapping(version: SurveyVersion, mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping without ignored columns; InvalidInput naming a target that is not a field of the version, or a
    missing respondent id column."""
    fields: set[str] = set(SPECIAL)
    for q in version.questions["questions"]:
        key = q["key"]
        if q["type"] == "servqual":
            fields |= {f"{key}.e", f"{key}.p"}
        elif q["type"] == "matrix":
            fields |= {f"{key}.{r['key']}" for r in q["rows"]}
        elif q["type"] == "multiple":
            fields |= {key} | {f"{key}={o['key']}" for o in q["options"]}
        else:
            fields.add(key)
    used = {c: t.strip() for c, t in mapping.items() if t and t.strip()}
    for column, target in used.items():
        if target not in fields:
            raise InvalidInput("invalid_mapping", f"mapping: column {column!r} names {target!r}, which is not a "
                               f"question of this survey", field="mapping", values={"column": column})
    if "@respondent" not in used.values():
        raise InvalidInput("import_no_respondent_column", "mapping: name the column holding the respondent id",
                           field="mapping")
    return used


def _choice(q: Mapping, text: str) -> str:
    options = q["options"]
    for o in options:
        if text.lower() in (o["key"].lower(), o["text"]["zh"].lower(), o["text"]["en"].lower()):
            return o["key"]
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]["key"]
    return text


def _number(q: Mapping, text: str, scale: tuple[int, int]) -> str:
    if (m := _NUMBER.match(text)) is not None:
        return m.group(1)
    ends = {q.get("low", {}).get("zh"): scale[0], q.get("low", {}).get("en"): scale[0],
            q.get("high", {}).get("zh"): scale[1], q.get("high", {}).get("en"): scale[1]}
    return str(ends[text]) if text in ends and text else text


def to_form(version: SurveyVersion, mapping: Mapping[str, str], row: Mapping[str, str]) -> dict[str, object]:
    """One row (column → cell text) as the buyer's form `parse_answers` reads."""
    questions = {q["key"]: q for q in version.questions["questions"]}
    form: dict[str, object] = {}
    for column, target in mapping.items():
        text = (row.get(column) or "").strip()
        if target in SPECIAL or text.lower() in BLANKS:
            continue
        if "=" in target:
            key, option = target.split("=", 1)
            if text not in ("0", "否", "no", "No", "FALSE", "false"):
                form.setdefault(key, []).append(option)
            continue
        key = target.split(".")[0]
        q = questions[key]
        if q["type"] == "single":
            form[target] = _choice(q, text)
        elif q["type"] == "multiple":
            form.setdefault(key, []).extend(_choice(q, part.strip()) for part in _MULTI.split(text) if part.strip())
        elif q["type"] in ("rating", "matrix"):
            form[target] = _number(q, text, SCALES[q["scale"]])
        elif q["type"] == "servqual":
            form[target] = _number(q, text, SERVQUAL_SCALE)
        else:
            form[target] = text
    return form


def parse_when(text: str) -> datetime | None:
    text = (text or "").strip()
    for pattern in _DATES:
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def import_answers(session: Session, survey: Survey, path: Path, mapping: Mapping[str, str], *, wave: str = "",
                   locale: str = "zh", actor: Actor, progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Store the rows of an export as submitted responses of the published version (source `import`); rows
    already imported (same respondent id) are skipped, bad rows rejected with their line and reason."""
    version = published(session, survey)
    if version is None:
        raise InvalidInput("survey_not_published", "publish the survey before importing answers")
    sheet = read_sheet(path)
    used = check_mapping(version, mapping)
    missing = [c for c in used if c not in sheet.columns]
    if missing:
        raise InvalidInput("import_missing_column", f"mapping: the file has no column {missing[0]!r}",
                           field="mapping", values={"column": missing[0]})
    known = set(session.scalars(select(Response.respondent).where(Response.survey_id == survey.id,
                                                                  Response.respondent.is_not(None))))
    target_of = {target: column for column, target in used.items()}
    outcome, now = ImportOutcome(), clock.now()
    for n, (line, fields) in enumerate(_rows(path), start=1):
        if n <= sheet.header_lines:
            continue
        if progress:
            progress(1)
        row = dict(zip(sheet.columns, fields, strict=False))
        try:
            respondent = (row.get(target_of["@respondent"]) or "").strip()
            if not respondent or len(respondent) > 80:
                raise InvalidInput("import_no_respondent", "the respondent id is missing or too long",
                                   field=target_of["@respondent"])
            if respondent in known:
                outcome.already += 1
                continue
            when = now
            if "@submitted" in target_of and (raw := row.get(target_of["@submitted"], "").strip()):
                if (when := parse_when(raw)) is None:
                    raise InvalidInput("import_bad_date", f"{raw!r} is not a date and time",
                                       field=target_of["@submitted"], values={"value": raw})
            customer_id = _customer(session, survey, row.get(target_of.get("@customer", ""), ""),
                                    target_of.get("@customer"))
            try:
                parsed = parse_answers(version.questions, to_form(version, used, row), complete=True)
            except InvalidInput as exc:  # name the file's column, not the question key
                column = target_of.get(exc.field or "") or target_of.get((exc.field or "").split(".")[0]) \
                    or next((c for c, t in used.items() if t.split("=")[0] == (exc.field or "")), exc.field)
                raise InvalidInput(exc.code, f"{column}: {exc.message.split(': ', 1)[-1]}", field=column,
                                   values=exc.values) from None
        except ShopCXError as exc:
            exc.line = line
            outcome.rejects.append((line, i18n.error_text(exc, locale)))
            continue
        response = Response(shop_id=survey.shop_id, survey_id=survey.id, version_id=version.id,
                            customer_id=customer_id, wave=(wave or when.strftime("%Y-%m"))[:20], locale=locale,
                            partial=False, anonymous=survey.anonymous or customer_id is None, source="import",
                            respondent=respondent, started_at=when, updated_at=now, submitted_at=when)
        session.add(response)
        session.flush()
        session.add_all(Answer(response_id=response.id, question=key, value=value, score=score)
                        for key, (value, score) in parsed.items())
        known.add(respondent)
        outcome.stored += 1
    audit(session, actor, "survey.import", "survey", survey.id,
          {"stored": outcome.stored, "already": outcome.already, "rejected": len(outcome.rejects)})
    session.flush()
    return outcome


def _customer(session: Session, survey: Survey, text: str, column: str | None) -> int | None:
    text = (text or "").strip()
    if survey.anonymous or not text:
        return None
    customer = session.get(Customer, int(text)) if text.isdigit() else None
    if customer is None or customer.erased_at is not None:
        raise InvalidInput("import_unknown_customer", f"{text!r} is not a customer of this shop", field=column,
                           values={"value": text})
    return customer.id


def count_rows(path: Path) -> int:
    """The data rows of a file (for a progress bar)."""
    sheet = read_sheet(path)
    return max(sum(1 for _ in _rows(path)) - sheet.header_lines, 0)
