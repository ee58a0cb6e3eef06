"""Import use cases: create a job, run it (a job boundary with its own transactions), read jobs and rejects.

`run_job` commits per batch of complete orders and keeps the job row's counters current, so a page or
another process can poll `get_job` while it runs. Every row of the file ends up stored, unchanged or
rejected (with its line number, the field and a reason), and stored + unchanged + rejected = total_rows.

A reviews job imports a review export into a shop through `reviews.importer` (the file's header names the
columns, the platform is the shop's), one transaction per batch of lines, counting reviews created, updated and
revised.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from ..core import clock, db
from ..core.db import session_scope
from ..core.errors import Conflict, InvalidInput, ShopCXError
from ..core.money import check_currency
from ..core.spreadsheet import csv_row
from ..shops import service as shops
from ..staff.service import Actor, audit
from . import bulk, repository
from .formats import ORDER_FORMATS as FORMAT_NAMES
from .formats import get_format
from .models import ImportJob, ImportReject
from .reasons import reason_text

log = logging.getLogger("shopcx.imports")
KINDS = ("orders", "customers", "reviews")
# A running job beats every HEARTBEAT (batches commit more often still); two minutes without a beat means the
# importing process is gone (killed, or the server or terminal closed).
STALE_AFTER = timedelta(minutes=2)
HEARTBEAT = timedelta(seconds=30)
CUSTOMER_FORMATS = ("customers", "generic")


def create_job(session: Session, *, kind: str, format: str, filename: str, shop_code: str | None,
               actor_label: str, dry_run: bool = False, new_shop: dict | None = None) -> ImportJob:
    """A queued import job for a file about to be run; checks kind, format and shop."""
    if kind not in KINDS:
        raise InvalidInput("invalid_kind", f"kind: '{kind}' is not one of {', '.join(KINDS)}", field="kind")
    if kind == "orders":
        fmt = get_format(format).NAME
    elif kind == "reviews":
        if not shop_code:
            raise InvalidInput("reviews_need_shop", "shop: choose the shop whose orders the reviews are about",
                               field="shop")
        fmt = "reviews"  # the header names the columns, whatever export it came from
    elif (format or "customers").strip().lower() in CUSTOMER_FORMATS:
        fmt = "customers"
    else:
        raise InvalidInput("unknown_format", f"format: customers are imported from the generic customers file, "
                           f"not '{format}'", field="format")
    shop_id = shops.get_shop(session, shop_code).id if shop_code else None
    name = Path(filename or "upload").name[:255] or "upload"
    job = ImportJob(kind=kind, format=fmt, filename=name, shop_id=shop_id, status="queued", dry_run=dry_run,
                    total_rows=0, processed_rows=0, stored_rows=0, unchanged_rows=0, rejected_rows=0,
                    orders_created=0, customers_created=0, created_by=(actor_label or "system")[:120],
                    created_at=clock.now(), new_shop=new_shop if dry_run and shop_id is None else None)
    session.add(job)
    session.flush()
    return job


NEW_SHOP = "__new__"  # the import page's choice "create a new shop"


def new_shop_fields(name: str, currency: str, timezone: str) -> dict:
    """The new-shop form's fields checked: {"name", "currency", "timezone"}, or an error naming the field."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("shop_name_missing", "shop name: give the new shop a name", field="new_shop_name")
    timezone, currency = (timezone or "").strip(), (currency or "").strip().upper()
    try:
        shops.check_timezone(timezone)
    except InvalidInput:
        raise InvalidInput("new_shop_timezone", f"timezone: '{timezone}' is not an IANA timezone",
                           field="new_shop_timezone") from None
    try:
        check_currency(currency)
    except InvalidInput:
        raise InvalidInput("new_shop_currency", f"currency: '{currency}' is not a three-letter currency code",
                           field="new_shop_currency") from None
    return {"name": name[:120], "currency": currency, "timezone": timezone}


def create_shop_for_import(session: Session, *, format: str, name: str, currency: str, timezone: str,
                           actor: Actor, with_program: bool = False):
    """A shop the user asked for on the import page, coded after the format's platform ('taobao', 'taobao-2' …)."""
    from ..loyalty import service as loyalty

    wanted = new_shop_fields(name, currency, timezone)
    defaults = get_format(format).DEFAULT_SHOP if format in FORMAT_NAMES else None
    base = defaults.code if defaults else "shop"
    code, n = base, 1
    while shops.shop_exists(session, code):
        n += 1
        code = f"{base}-{n}"
    shop = shops.create_shop(session, code=code, name=wanted["name"],
                             platform=defaults.platform if defaults else "other", timezone=wanted["timezone"],
                             currency=wanted["currency"])
    audit(session, actor, "shop.create", "shop", shop.id, {"code": code, "name": shop.name, "via": "import"})
    if with_program:
        loyalty.create_program(session, shop, actor=actor)
    return shop


def run_job(job_id: int, path: Path, progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Run the import of path for this job; returns the job as it ended (done or failed)."""
    # A done job is returned as it is. A queued, failed or interrupted one starts over: what an earlier
    # attempt stored is found again and counted as unchanged.
    from . import customer_import, order_import

    with session_scope() as session:
        repository.touch_job(session, job_id)
        job = repository.get_job(session, job_id)
        if job.status == "done":
            return job
        job.status, job.started_at, job.finished_at, job.error = "running", clock.now(), None, None
        job.heartbeat_at, job.source_path = clock.now(), str(Path(path).resolve())
        for counter in ("total_rows", "processed_rows", "stored_rows", "unchanged_rows", "rejected_rows",
                        "orders_created", "customers_created", "reviews_created", "reviews_updated",
                        "reviews_revised"):
            setattr(job, counter, 0)
        repository.delete_rejects(session, job_id)
        kind = job.kind
    runner = {"orders": order_import.run, "customers": customer_import.run, "reviews": _run_reviews}[kind]
    beat = _Heartbeat(job_id)
    try:
        runner(job_id, Path(path), progress)
    except ShopCXError as exc:
        _fail(job_id, exc.message)
    except KeyboardInterrupt:
        _fail(job_id, INTERRUPTED_MESSAGE)
        raise
    except Exception as exc:
        _fail(job_id, f"internal error: {type(exc).__name__}: {exc}")
        raise
    finally:
        beat.stop()
    with session_scope() as session:
        return repository.get_job(session, job_id)


class _Heartbeat:
    """Stamps the job's heartbeat every HEARTBEAT while it runs, also through long stretches without a batch
    (reading and checking a large file), so only a job whose process is gone goes stale (CLI and page alike)."""

    def __init__(self, job_id: int):
        self.job_id = job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"import-{job_id}-heartbeat", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT.total_seconds()):
            try:
                # Its own unit of work, not the job's: one UPDATE in a short transaction.
                with session_scope(write=True) as session:
                    repository.beat(session, self.job_id)
            except Exception as exc:  # a missed beat is retried at the next one
                log.info("import job %s heartbeat not written: %s", self.job_id, exc)

    def stop(self) -> None:
        self._stop.set()


def _run_reviews(job_id: int, path: Path, progress: Callable[[int, int], None] | None) -> None:
    """Import the job's review file into its shop (the job is already marked running)."""
    # Each batch, its rejects and the job's counters commit together, so a killed job leaves whole batches and
    # counts that match them; running it again finds those reviews stored (unchanged) and stores the rest.
    from ..reviews.service.importer import ImportReport, ReviewFile, store_lines
    from .order_import import REJECT_COLUMNS

    with session_scope() as session:
        job = repository.get_job(session, job_id)
        shop = shops.get_shop_by_id(session, job.shop_id)
        shop_id, shop_code, platform, timezone = shop.id, shop.code, shop.platform, shop.timezone
        dry_run, actor, filename = job.dry_run, Actor(label=job.created_by or "system"), job.filename
    reader = ReviewFile(path, platform=platform, timezone=timezone)
    total = reader.count()
    with session_scope() as session:
        repository.touch_job(session, job_id)
        repository.get_job(session, job_id).total_rows = total
    if progress:
        progress(0, total)
    report = ImportReport(file=filename, shop=shop_code, platform=reader.platform, dry_run=dry_run)
    done = 0
    for lines in reader.batches():
        created, updated, unchanged, revised, rejected = (report.created, report.updated, report.unchanged,
                                                          report.revised, report.rejected)
        with session_scope() as session:
            repository.touch_job(session, job_id)
            repository.lock_source(session, f"reviews:{shop_id}")
            trial = session.begin_nested() if dry_run else None
            store_lines(session, shops.get_shop_by_id(session, shop_id), lines, report, actor)
            if trial is not None:
                trial.rollback()
            bulk.copy_rows(session, ImportReject.__table__, REJECT_COLUMNS,
                           [(job_id, line_no, column, reason[:255], lines.raw(line_no))
                            for line_no, column, reason in report.rejects[rejected:]])
            repository.add_progress(session, job_id, processed_rows=lines.count,
                                    stored_rows=report.created - created + report.updated - updated,
                                    unchanged_rows=report.unchanged - unchanged,
                                    rejected_rows=report.rejected - rejected,
                                    reviews_created=report.created - created,
                                    reviews_updated=report.updated - updated,
                                    reviews_revised=report.revised - revised)
        done += lines.count
        if progress:
            progress(done, total)
    with session_scope() as session:
        job = repository.finish_job(session, job_id)
        if not dry_run and (report.created or report.updated):  # a replay changed nothing: no audit entry
            audit(session, actor, "import.reviews", "import_job", job_id,
                  {"file": filename, "shop_id": shop_id, "platform": report.platform, "created": report.created,
                   "updated": report.updated, "revised": report.revised, "unchanged": report.unchanged,
                   "cases_opened": report.cases_opened, "rejected": report.rejected})


def review_counts(job: ImportJob) -> dict[str, int]:
    """A reviews job's reviews created, updated and revised."""
    return {"created": job.reviews_created, "updated": job.reviews_updated, "revised": job.reviews_revised}


def is_interrupted(job: ImportJob) -> bool:
    """A job marked interrupted, or a running one whose heartbeat stopped (killed, or the server restarted)."""
    if job.status == "interrupted":
        return True
    last = job.heartbeat_at or job.started_at
    return job.status == "running" and last is not None and clock.now() - last > STALE_AFTER


def mark_interrupted() -> int:
    """Mark running jobs whose heartbeat stopped as interrupted (they can be resumed); returns how many.

    Run by `shopcx import` before it starts and every few minutes by the worker, so a killed import does not
    stay 'running' in the job list forever.
    """
    def sweep() -> int:
        with session_scope(write=True) as session:
            return repository.mark_stale(session, clock.now() - STALE_AFTER, INTERRUPTED_MESSAGE)

    return db.retrying(sweep, what="marking stale import jobs interrupted")


INTERRUPTED_MESSAGE = "interrupted; run the import again to finish it (what was stored is kept)"


def resumable_path(session: Session, job_id: int) -> Path:
    """The file an interrupted or failed job can be run again from, or an error saying why not."""
    job = repository.get_job(session, job_id)
    if not (job.status == "failed" or is_interrupted(job)):
        raise Conflict("not_resumable", f"job: import {job_id} is {job.status}; only an interrupted or "
                           "failed import can be run again", field="job")
    if not job.source_path or not Path(job.source_path).is_file():
        raise Conflict("file_gone", f"job: the file of import {job_id} is no longer kept; upload it again",
                           field="job")
    return Path(job.source_path)


def _fail(job_id: int, message: str) -> None:
    """Record the job as failed in a fresh write transaction, retried while another writer holds the lock."""
    def record() -> None:
        with session_scope(write=True) as session:
            job = repository.get_job(session, job_id)
            job.status, job.error, job.finished_at = "failed", message[:2000], clock.now()

    try:
        db.retrying(record, what=f"recording import job {job_id} as failed")
    except Exception:  # keep the import's own error; the stale heartbeat shows the job as interrupted
        log.exception("import job %s could not be recorded as failed", job_id)


def get_job(session: Session, job_id: int) -> ImportJob:
    """The job with its current counters (fresh from the database, for polling)."""
    return repository.get_job(session, job_id)


def list_jobs(session: Session, *, offset: int = 0, limit: int = 50) -> tuple[list[ImportJob], int]:
    """One page of jobs, newest first, and the total number."""
    return repository.list_jobs(session, offset=max(offset, 0), limit=min(max(limit, 1), 500))


def reject_rows(session: Session, job_id: int, *, offset: int = 0, limit: int = 50) -> tuple[list[ImportReject], int]:
    """One page of a job's rejected rows in file order, and their number."""
    repository.get_job(session, job_id)
    return repository.reject_page(session, job_id, offset=max(offset, 0), limit=min(max(limit, 1), 1000))


def reject_report_csv(session: Session, job_id: int, locale: str | None = None) -> Iterator[str]:
    """The job's reject report as CSV lines (line_no, field, reason, raw), header first, for download; with a
    locale the reasons read in that language (`reasons.reason_text`), else as stored."""
    repository.get_job(session, job_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(("line_no", "field", "reason", "raw"))
    for line_no, field, reason, raw in repository.iter_rejects(session, job_id):
        # The raw row comes from an uploaded file: a spreadsheet must not run it as a formula.
        shown = reason_text(reason, field, locale) if locale else reason
        yield line(csv_row((line_no, field or "", shown, raw or "")))

