"""Review CSV import: `shopcx reviews import FILE --platform P [--shop CODE]`.

The file (CSV, gzip CSV or XLSX; UTF-8 or GB18030, read by the imports domain's reader) has a header row with
English or Chinese column names (see COLUMNS). Every line is created, updated, unchanged or rejected with its
line number and reason; a rejected line stores nothing, the good lines are stored. Importing the same file
again changes nothing and emits no event (reviews are idempotent on shop, platform and review id; a file without
review ids, as JD exports and crawled files are, gets a key made from the order, the product or line, the review
date and its text, so a replay finds the same reviews). A review
whose order is not in the shop is rejected: a review always belongs to an order.

`ReviewFile` and `store_lines` are the pieces: the import page's job (imports.service) stores each batch of
lines in its own transaction with the job's counters, the CLI stores them all in one.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ...core.errors import ShopCXError
from ...imports.errors import ImportFileError
from ...imports.formats.base import Parsers, RowError
from ...imports.formats.fields import excel_text, yes_no
from ...imports.formats.source import Table, raw_of
from ...shops.models import Shop
from ...staff.service import Actor, audit
from .. import rules
from ..schemas import ReviewIn
from .reviews import prefetch, record_review
from .settings import check_platform

BATCH = 500

# canonical column -> names a file may use (compared lower-cased, without spaces around)
COLUMNS: dict[str, tuple[str, ...]] = {
    "review_id": ("review_id", "review id", "external_id", "评价id", "评价编号", "评价号", "评论id", "commentid",
                  "comment_id", "guid"),
    "order_id": ("order_id", "order id", "order_external_id", "订单编号", "订单号", "订单id", "orderid",
                 "子订单编号"),
    "line_no": ("line_no", "line", "行号"),
    "sku": ("sku", "商家编码", "商品编码", "货号", "skuid", "sku_id", "商品sku"),
    "stars": ("stars", "star", "score", "星级", "评分", "打分", "评价星级", "商品评分"),
    # JD's class code (scoreType / 评价类型: 1 差评, 2 中评, 3 好评) is a class, never stars.
    "rating": ("rating", "class", "rating_class", "评价", "评价结果", "评价等级", "评价类型", "评价分类",
               "scoretype", "score_type", "commenttype", "comment_type"),
    "is_default": ("is_default", "default", "默认好评", "系统默认好评", "是否默认好评"),
    "dsr_description": ("dsr_description", "description", "描述相符", "宝贝与描述相符"),
    "dsr_service": ("dsr_service", "service", "服务态度", "卖家的服务态度"),
    "dsr_logistics": ("dsr_logistics", "logistics", "物流服务", "物流服务的质量", "发货速度"),
    "text": ("text", "content", "review", "comment", "评价内容", "评论内容", "内容", "初评", "初评内容",
             "首次评价"),
    "images": ("images", "image_urls", "photos", "图片", "评价图片", "晒图"),
    "reviewer": ("reviewer", "reviewer_name", "buyer", "nickname", "买家昵称", "昵称", "买家", "用户昵称",
                 "会员名"),
    "reviewed_at": ("reviewed_at", "review_date", "date", "created_at", "评价时间", "评价日期", "初评时间",
                    "创建时间", "creationtime", "creation_time", "评论时间"),
    "revised_at": ("revised_at", "修改时间", "改评时间"),
    "reply": ("reply", "reply_text", "商家回复", "卖家回复", "解释", "卖家解释", "回复内容"),
    "replied_at": ("replied_at", "回复时间", "解释时间"),
    "followup": ("followup", "followup_text", "追评", "追评内容", "追加评论", "追加评价", "aftercontent"),
    "followup_at": ("followup_at", "追评时间", "追加评论时间", "追加评价时间", "aftercreationtime"),
}
# Without a review id a line's key is made from what the platform cannot change about the review (see _key_of).
REQUIRED = ("order_id", "reviewed_at")
KEYED = "k:"  # prefix of a made key, so it never equals a platform's own review id
# JD's class codes
CLASS_CODES = {"1": "bad", "2": "neutral", "3": "good"}
RATING_COLUMNS = ("stars", "rating", "is_default")
_IMAGE_SPLIT = re.compile(r"[|;,\s]+")
_INT_FIELDS = {"stars": "stars", "dsr_description": "dsr_description", "dsr_service": "dsr_service",
               "dsr_logistics": "dsr_logistics", "line_no": "line_no"}
# ReviewIn field -> canonical column, to name the file's column in a rejection
_FIELD_COLUMN = {"external_id": "review_id", "order_external_id": "order_id", "reviewer_name": "reviewer",
                 "image_urls": "images", "reply_text": "reply", "followup_text": "followup"}

Reject = tuple[int, str | None, str]  # (line number, the file's column name or None, reason starting "line N: ")


@dataclass
class ImportReport:
    """What an import did, line by line counted."""

    file: str
    shop: str
    platform: str
    dry_run: bool = False
    lines: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    revised: int = 0
    cases_opened: int = 0
    rejects: list[Reject] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def as_dict(self) -> dict:
        return {"file": self.file, "shop": self.shop, "platform": self.platform, "dry_run": self.dry_run,
                "lines": self.lines, "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "revised": self.revised, "cases_opened": self.cases_opened, "rejected": self.rejected,
                "rejects": [{"line": n, "column": c, "reason": r} for n, c, r in self.rejects]}


def _header(fields: list[str]) -> tuple[dict[str, int], dict[str, str]]:
    """canonical column -> index, and canonical -> the name the file uses."""
    lookup = {alias: canon for canon, aliases in COLUMNS.items() for alias in aliases}
    found: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, raw in enumerate(fields):
        key = raw.strip().strip("\ufeff").strip('"').strip().lower()
        canon = lookup.get(key)
        if canon is not None and canon not in found:
            found[canon] = index
            names[canon] = raw.strip().strip("\ufeff")
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise ImportFileError("missing_column", f"file: the header has no {missing[0]} column (also accepted: "
                              f"{', '.join(COLUMNS[missing[0]][1:])})", field="file")
    if not any(c in found for c in RATING_COLUMNS):
        raise ImportFileError("missing_column", "file: the header needs a stars, rating (好评/中评/差评) or "
                              "is_default column", field="file")
    return found, names


class _Row:
    def __init__(self, line_no: int, fields: list[str], columns: dict[str, int], names: dict[str, str]):
        self.line_no, self.fields, self.columns, self.names = line_no, fields, columns, names

    def get(self, canon: str) -> str:
        index = self.columns.get(canon)
        if index is None or index >= len(self.fields):
            return ""
        return self.fields[index].strip()

    def name(self, canon: str) -> str:
        return self.names.get(canon, canon)


def _parse(row: _Row, parsers: Parsers, platform: str) -> ReviewIn:
    """A ReviewIn from one line; RowError names the file's column."""
    values: dict = {"platform": platform}
    values["external_id"] = excel_text(row.get("review_id")) or None
    values["order_external_id"] = excel_text(row.get("order_id")) or None
    for canon, target in _INT_FIELDS.items():
        text = row.get(canon)
        if text:
            try:
                number = float(text)
            except ValueError:
                raise RowError(row.name(canon), f"{row.name(canon)} '{text}' is not a number") from None
            if not number.is_integer():
                raise RowError(row.name(canon), f"{row.name(canon)} '{text}' is not a whole number")
            values[target] = int(number)
    rating_text = row.get("rating")
    if rating_text:
        try:
            code = rating_text.strip().removesuffix(".0")
            values["rating"] = CLASS_CODES.get(code) or rules.parse_class(rating_text)
        except ValueError as exc:
            raise RowError(row.name("rating"), f"{row.name('rating')} {exc}") from None
        if rating_text.strip().lower() in rules.DEFAULT_CLASS_WORDS:
            values["is_default"] = True
    default_text = row.get("is_default")
    if default_text:
        flag = yes_no(default_text, row.name("is_default"))
        if flag is not None:
            values["is_default"] = flag or values.get("is_default", False)
    for canon, target in (("text", "text"), ("reviewer", "reviewer_name"), ("reply", "reply_text"),
                          ("followup", "followup_text"), ("sku", "sku")):
        text = row.get(canon)
        if text:
            values[target] = text
    images = row.get("images")
    if images:
        values["image_urls"] = [part for part in _IMAGE_SPLIT.split(images) if part]
    for canon in ("reviewed_at", "revised_at", "replied_at", "followup_at"):
        text = row.get(canon)
        if text or canon == "reviewed_at":
            values[canon] = parsers.when(text, row.name(canon))
    # Only a file with no review id column at all gets made keys; a blank id in a file of ids is an error.
    if "review_id" not in row.columns and values["order_external_id"] and values.get("reviewed_at") is not None:
        values["external_id"] = _key_of(values)
    try:
        return ReviewIn.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = [str(part) for part in first.get("loc", ()) if not isinstance(part, int)]
        target = loc[0] if loc else None
        message = first.get("msg", "invalid").removeprefix("Value error, ")
        if target is None and ":" in message:  # a model check says which field it is about
            target, message = message.split(":", 1)
            message = message.strip()
        canon = _FIELD_COLUMN.get(target, target) if target else None
        column = row.name(canon) if canon else None
        if values.get(target) is None and target in ("external_id", "order_external_id"):
            message = "is missing"
        raise RowError(column, f"{column}: {message}" if column else message) from None


def _key_of(values: dict) -> str:
    """A stable key for a review the file gives no id: platform, order, product or line, date and text."""
    # The shop is the other half of the identity (reviews are unique per shop, platform and key). The reply and
    # the 追评 are left out, so a later export that adds them updates the review instead of adding another.
    parts = (values["platform"], values["order_external_id"], values.get("sku") or str(values.get("line_no") or ""),
             values["reviewed_at"].date().isoformat(), " ".join((values.get("text") or "").split()))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]
    return f"{KEYED}{digest}"


@dataclass
class Lines:
    """A run of a review file's lines: the reviews read from it and the lines refused while reading."""

    names: dict[str, str]
    delimiter: str | None
    count: int = 0
    reviews: list[tuple[int, ReviewIn]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    fields: dict[int, list[str]] = field(default_factory=dict)

    def raw(self, line_no: int) -> str | None:
        """The line as the file had it (for a reject report), if it is in this run."""
        found = self.fields.get(line_no)
        return None if found is None else raw_of(found, self.delimiter)


class ReviewFile:
    """A review export opened for reading: the header is checked at once, the lines are read in batches."""

    def __init__(self, path: Path, *, platform: str, timezone: str):
        self.platform = check_platform(platform)
        self.path = Path(path)
        self.table = Table(self.path)
        self.parsers = Parsers(timezone)
        self._rows = self.table.rows()
        header = next(self._rows, None)
        if header is None:
            raise ImportFileError("file_empty", "file: the file is empty", field="file")
        self.columns, self.names = _header(header[1])

    def count(self) -> int:
        """The number of lines after the header (reads the file once more, on its own)."""
        return max(sum(1 for _ in Table(self.path).rows()) - 1, 0)

    def batches(self, size: int | None = None) -> Iterator[Lines]:
        """The remaining lines, parsed, in runs of up to `size` (BATCH) reviews and at most 4 × size lines."""
        size = size or BATCH
        lines = Lines(self.names, self.table.delimiter)
        for line_no, fields, problem in self._rows:
            lines.count += 1
            lines.fields[line_no] = fields
            if problem:
                lines.rejects.append((line_no, None, f"line {line_no}: {problem}"))
            else:
                try:
                    row = _Row(line_no, fields, self.columns, self.names)
                    lines.reviews.append((line_no, _parse(row, self.parsers, self.platform)))
                except (RowError, ShopCXError) as exc:
                    lines.rejects.append((line_no, exc.field, f"line {line_no}: {exc.message}"))
            # A file of mostly bad lines still comes in bounded runs (each run is one transaction of a job).
            if len(lines.reviews) >= size or lines.count >= 4 * size:
                yield lines
                lines = Lines(self.names, self.table.delimiter)
        if lines.count:
            yield lines


def store_lines(session: Session, shop: Shop, lines: Lines, report: ImportReport, actor: Actor) -> None:
    """Store one run of lines into shop and add what happened to report (rejects in the order found)."""
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares repeated statements, and PostgreSQL may keep the generic plan it made while the review
        # table was still empty (a scan): every later lookup then reads the whole table. Plan each one afresh.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    report.lines += lines.count
    report.rejects.extend(lines.rejects)
    _store(session, shop, lines.reviews, report, actor, lines.names)


def import_reviews(session: Session, path: Path, *, shop: Shop, platform: str, actor: Actor,
                   dry_run: bool = False, progress: Callable[[ImportReport], None] | None = None) -> ImportReport:
    """Import a review file into shop; rejected lines are reported with their number and reason.

    `progress`, if given, is called with the report so far after each batch of lines is stored.
    """
    reader = ReviewFile(path, platform=platform, timezone=shop.timezone)
    report = ImportReport(file=Path(path).name, shop=shop.code, platform=reader.platform, dry_run=dry_run)
    outer = session.begin_nested() if dry_run else None
    for lines in reader.batches():
        store_lines(session, shop, lines, report, actor)
        if progress is not None:
            progress(report)
    report.rejects.sort()
    if outer is not None:
        outer.rollback()
    elif report.created or report.updated:
        audit(session, actor, "review.import", "shop", shop.id,
              {"file": report.file, "platform": report.platform, "created": report.created,
               "updated": report.updated, "unchanged": report.unchanged, "rejected": report.rejected})
    return report


def _reject(exc: ShopCXError, line_no: int, names: dict[str, str]) -> Reject:
    canon = _FIELD_COLUMN.get(exc.field, exc.field) if exc.field else None
    column = names.get(canon, canon) if canon else None
    message = exc.message
    if column and exc.field and message.startswith(f"{exc.field}:"):  # name the file's column
        message = column + message[len(exc.field):]
    return line_no, column, f"line {line_no}: {message}"


def _count(report: ImportReport, result) -> None:
    if result.created:
        report.created += 1
        report.cases_opened += result.case_id is not None
    elif result.changed:
        report.updated += 1
        report.revised += result.revised
    else:
        report.unchanged += 1


class _RowFailed(Exception):
    """A line failed in a way that may have written part of it: the batch is redone line by line."""


def _store(session: Session, shop: Shop, batch: list[tuple[int, ReviewIn]], report: ImportReport,
           actor: Actor, names: dict[str, str]) -> None:
    """Store a batch in one savepoint; if a line fails after it may have written, redo the batch line by line.

    A savepoint per line costs two round trips and, on PostgreSQL, a subtransaction each (thousands of them
    slow every later statement of the transaction), so lines share one unless one of them goes wrong. An
    unknown order is refused before anything is written and keeps the batch together.
    """
    if not batch:
        return
    # One query for the orders, one for the stored reviews and one analyser call per batch: per review they
    # would dominate the import.
    context = prefetch(session, shop, [data for _, data in batch])
    results, rejects = [], []
    savepoint = session.begin_nested()
    try:
        for line_no, data in batch:
            try:
                results.append(record_review(session, shop, data, actor=actor, source="import", batch=context))
            except ShopCXError as exc:
                if exc.code != "unknown_order":  # raised before any write; others may come after one
                    raise _RowFailed from exc
                rejects.append(_reject(exc, line_no, names))
        savepoint.commit()
    except (_RowFailed, SQLAlchemyError):
        savepoint.rollback()
        _store_line_by_line(session, shop, batch, report, actor, names)
        return
    report.rejects.extend(rejects)
    for result in results:
        _count(report, result)


def _store_line_by_line(session: Session, shop: Shop, batch: list[tuple[int, ReviewIn]], report: ImportReport,
                        actor: Actor, names: dict[str, str]) -> None:
    context = prefetch(session, shop, [data for _, data in batch])
    for line_no, data in batch:
        savepoint = session.begin_nested()
        try:
            result = record_review(session, shop, data, actor=actor, source="import", batch=context)
        except ShopCXError as exc:
            savepoint.rollback()  # a failed line is never added to the context: nothing there to undo
            report.rejects.append(_reject(exc, line_no, names))
            continue
        savepoint.commit()
        _count(report, result)
