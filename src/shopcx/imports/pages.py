"""Import pages: upload a file, watch its progress, download the reject report, see past jobs."""

from __future__ import annotations

import logging
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from ..core import db
from ..core.errors import InvalidInput, PermissionDenied
from ..core.settings import get_settings
from ..shops import service as shops
from ..staff import service as staff
from ..web import exports
from ..web.auth import PageSession, Viewer, require, verify_csrf
from ..web.format import mask_text
from ..web.pagination import Page, page_number
from ..web.templating import is_htmx, render, wants_fragment
from . import service as imports
from .formats import bundle
from .reasons import reason_text

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
log = logging.getLogger(__name__)

FORMATS = ("generic", "taobao", "shopify", "online-retail", "cdnow")
FORMATS += ("woocommerce", "jd", "pinduoduo", "youzan")
KINDS = ("orders", "customers", "reviews")
# Beyond imports:run, what a kind needs: reviews are written as a reviews:write user would write them.
KIND_PERMISSION = {"reviews": "reviews:write"}
ACTIVE = ("queued", "running")
# The new-shop form's choices (any ISO currency and IANA zone can be typed as well).
CURRENCIES = ("CNY", "HKD", "TWD", "USD", "EUR", "GBP", "JPY", "KRW", "SGD", "AUD", "CAD", "TRY")
TIMEZONES = ("Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Tokyo", "Asia/Singapore", "Europe/London",
             "Europe/Berlin", "Europe/Istanbul", "America/New_York", "America/Chicago", "America/Los_Angeles",
             "Australia/Sydney", "UTC")
REJECT_PREVIEW = 20
JOBS_PER_PAGE = 20


def run_quietly(job_id: int, path: Path) -> None:
    """Run one import job to the end; its failure is recorded on the job by the service, and logged here."""
    try:
        imports.run_job(job_id, path)
    except Exception:
        log.exception("import job %s failed", job_id)


def run_in_thread(job_id: int, path: Path) -> None:
    """Import in a daemon thread; the job opens its own sessions and commits per batch."""
    threading.Thread(target=run_quietly, args=(job_id, path), name=f"import-{job_id}", daemon=True).start()


# How an uploaded file gets imported; tests set this to `run_quietly` so the job finishes inside the request.
runner: Callable[[int, Path], None] = run_in_thread


def _start(job_id: int, path: Path) -> None:
    runner(job_id, path)


def _kinds(viewer: Viewer) -> list[str]:
    return [kind for kind in KINDS if kind not in KIND_PERMISSION or viewer.can(KIND_PERMISSION[kind])]


def _check_kind(viewer: Viewer, kind: str) -> None:
    permission = KIND_PERMISSION.get(kind)
    if permission and not viewer.can(permission):
        raise PermissionDenied("forbidden", f"permission '{permission}' is needed to import {kind}")


def _safe_name(name: str | None) -> str:
    """A file name that cannot leave the uploads folder (keeps letters of any script, digits, . _ -)."""
    base = re.sub(r"[^\w.\-]+", "_", Path(name or "upload").name).strip("._") or "upload"
    return base[-120:]


def save_upload(upload: UploadFile) -> Path:
    """Store the uploaded file under data_dir/uploads with a unique name; an empty upload is refused."""
    folder = get_settings().data_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex[:12]}-{_safe_name(upload.filename)}"
    limit = get_settings().max_upload_mb << 20
    with open(path, "wb") as target:
        while chunk := upload.file.read(1 << 20):
            target.write(chunk)
            if target.tell() > limit:
                break
    if path.stat().st_size > limit:
        path.unlink()
        raise InvalidInput("file_too_large", f"file: larger than {get_settings().max_upload_mb} MB "
                           "(SHOPCX_MAX_UPLOAD_MB); import it with `shopcx import` instead", field="file",
                           values={"mb": get_settings().max_upload_mb})
    if path.stat().st_size == 0:
        path.unlink()
        raise InvalidInput("file_empty", "file: the file is empty or none was chosen", field="file")
    return path


@router.get("/imports")
def import_page(request: Request, page: str = "1", viewer: Viewer = Depends(require("imports:run")),
                session: Session = PageSession):
    """The upload form and the past jobs (the jobs table alone for HTMX)."""
    number = page_number(page)
    jobs, total = imports.list_jobs(session, offset=(number - 1) * JOBS_PER_PAGE, limit=JOBS_PER_PAGE)
    context = {"jobs": jobs, "page": Page(number, JOBS_PER_PAGE, total),
               "tz": get_settings().default_timezone}
    if wants_fragment(request, "results"):
        return render(request, "imports/_jobs.html", context, viewer=viewer)
    settings = get_settings()
    context |= {"formats": FORMATS, "kinds": _kinds(viewer), "shops": shops.list_shops(session),
                "new_shop": imports.NEW_SHOP, "currencies": CURRENCIES, "timezones": TIMEZONES,
                "default_currency": settings.default_currency, "default_timezone": settings.default_timezone,
                "can_start_program": viewer.can("loyalty:settings")}
    return render(request, "imports/index.html", context, viewer=viewer)


def save_uploads(uploads: list[UploadFile]) -> tuple[Path, str]:
    """The uploaded file, or several (a 千牛 订单报表 and 宝贝报表) packed into one zip; and the job's file name."""
    chosen = [upload for upload in uploads if upload.filename]
    if len(chosen) <= 1:
        upload = chosen[0] if chosen else uploads[0]
        return save_upload(upload), upload.filename or "upload"
    saved: list[Path] = []
    try:
        for upload in chosen:
            saved.append(save_upload(upload))
        folder = get_settings().data_dir / "uploads"
        packed = bundle.pack(saved, folder / f"{uuid.uuid4().hex[:12]}-files.zip",
                             [_safe_name(upload.filename) for upload in chosen])
    finally:
        for path in saved:
            path.unlink(missing_ok=True)
    return packed, " + ".join(upload.filename for upload in chosen)


@router.post("/imports")
def start_import(request: Request, file: list[UploadFile] = File(...), kind: str = Form("orders"),
                 format: str = Form("generic"), shop: str = Form(""), dry_run: str = Form(""),
                 new_shop_name: str = Form(""), new_shop_currency: str = Form(""), new_shop_timezone: str = Form(""),
                 new_shop_program: str = Form(""),
                 viewer: Viewer = Depends(require("imports:run")), session: Session = PageSession):
    """Save the file, create the job (committed with this request) and run it in the background afterwards.

    The file goes into the shop the user chose. Creating a shop is a choice of its own ("new shop", with a name,
    currency and timezone); a dry run creates none and reads the file as a new shop's.
    """
    if kind not in KINDS:
        raise InvalidInput("invalid_kind", f"kind: '{kind}' is not one of {', '.join(KINDS)}", field="kind")
    _check_kind(viewer, kind)
    if format not in FORMATS:
        raise InvalidInput("invalid_format", f"format: '{format}' is not one of {', '.join(FORMATS)}",
                           field="format")
    if not shop and kind != "reviews":  # (a reviews import says why it needs a shop itself)
        raise InvalidInput("shop_not_chosen", "shop: choose the shop to import into, or create a new one",
                           field="shop")
    new_shop = None
    if shop == imports.NEW_SHOP:
        if dry_run:  # nothing is created: the job reads the file as this new shop's
            new_shop = imports.new_shop_fields(new_shop_name, new_shop_currency, new_shop_timezone)
            shop = ""
        else:
            created = imports.create_shop_for_import(
                session, format=format if kind == "orders" else "generic", name=new_shop_name,
                currency=new_shop_currency, timezone=new_shop_timezone, actor=viewer.actor,
                with_program=bool(new_shop_program) and viewer.can("loyalty:settings"))
            shop = created.code
    path, filename = save_uploads(file)
    try:
        job = imports.create_job(session, kind=kind, format=format, filename=filename,
                                 shop_code=shop or None, actor_label=viewer.actor.label,
                                 dry_run=bool(dry_run), new_shop=new_shop)
    except Exception:
        path.unlink(missing_ok=True)
        raise
    staff.audit(session, viewer.actor, "import.start", "import_job", job.id,
                {"kind": kind, "format": format, "filename": job.filename, "shop": shop or None,
                 "dry_run": bool(dry_run)})
    target = f"/imports/{job.id}"
    response: Response = (Response(status_code=204, headers={"HX-Redirect": target}) if is_htmx(request)
                          else RedirectResponse(target, status_code=303))
    # The job row is committed when this handler returns; the import starts only after that.
    response.background = BackgroundTask(_start, job.id, path)
    return response


def _job_context(session: Session, job_id: int, locale: str) -> dict:
    job = imports.get_job(session, job_id)
    interrupted = imports.is_interrupted(job)
    finished = job.status not in ACTIVE or interrupted
    rows = imports.reject_rows(session, job.id, offset=0, limit=REJECT_PREVIEW)[0] if finished else []
    rejects = [{"line_no": r.line_no, "field": r.field, "raw": r.raw,
                "reason": reason_text(r.reason, r.field, locale)} for r in rows]
    total = job.total_rows or 0
    percent = 100 if finished and job.status == "done" else (
        min(100, round(100 * job.processed_rows / total)) if total else 0)
    return {"job": job, "finished": finished, "rejects": rejects, "percent": percent, "interrupted": interrupted,
            "status": "interrupted" if interrupted else job.status,
            "review_counts": imports.review_counts(job) if job.kind == "reviews" else None,
            "tz": get_settings().default_timezone}


@router.get("/imports/{job_id}")
def job_page(request: Request, job_id: int, viewer: Viewer = Depends(require("imports:run")),
             session: Session = PageSession):
    """One job: its progress (polled until it finishes), counts and first rejected rows."""
    context = _job_context(session, job_id, viewer.locale)
    _log_rows_shown(session, viewer, context["rejects"], request.url.path)
    return render(request, "imports/job.html", context, viewer=viewer)


@router.get("/imports/{job_id}/progress")
def job_progress(request: Request, job_id: int, viewer: Viewer = Depends(require("imports:run")),
                 session: Session = PageSession):
    """The progress fragment the job page polls every second until the job has finished."""
    context = _job_context(session, job_id, viewer.locale)
    _log_rows_shown(session, viewer, context["rejects"], request.url.path)
    return render(request, "imports/_progress.html", context, viewer=viewer)


def _log_rows_shown(session: Session, viewer: Viewer, rejects: list[dict], place: str) -> None:
    """The first rejected rows, shown as the file had them (contacts and all) to a role with 'pii', are one PII
    view in the privacy log, as their CSV is; masked for everyone else, and nothing logged. Rejects are listed
    only once the job has finished, so the fragment polled until then logs nothing."""
    shown = [r for r in rejects if r["raw"]]
    if shown and viewer.can("pii"):
        exports.log_view(session, viewer.actor.label, "import_rejects", shown, ["rows"], place)


@router.post("/imports/{job_id}/resume")
def resume_import(request: Request, job_id: int, viewer: Viewer = Depends(require("imports:run")),
                  session: Session = PageSession):
    """Run an interrupted or failed import again from its kept file; what it stored is kept."""
    _check_kind(viewer, imports.get_job(session, job_id).kind)
    path = imports.resumable_path(session, job_id)
    staff.audit(session, viewer.actor, "import.resume", "import_job", job_id)
    target = f"/imports/{job_id}"
    response: Response = (Response(status_code=204, headers={"HX-Redirect": target}) if is_htmx(request)
                          else RedirectResponse(target, status_code=303))
    response.background = BackgroundTask(_start, job_id, path)
    return response


@router.get("/imports/{job_id}/rejects.csv")
def reject_report(job_id: int, viewer: Viewer = Depends(require("imports:run")),
                  session: Session = PageSession):
    """The rejected rows as CSV (UTF-8 with BOM for Excel); raw contacts masked for roles without 'pii'."""
    job = imports.get_job(session, job_id)
    reveal = viewer.can("pii")
    if reveal:  # the rows as the file had them, contacts and all: one PII view in the privacy log
        exports.log_view(session, viewer.actor.label, "import_rejects", range(job.rejected_rows or 0), ["rows"],
                         f"/imports/{job_id}/rejects.csv")

    def body() -> Iterator[bytes]:
        # The request's session is closed once this handler returns; the stream reads with its own.
        with db.session_scope() as own:
            first = True
            for chunk in imports.reject_report_csv(own, job_id, locale=viewer.locale):
                if first and not chunk.startswith("\ufeff"):
                    chunk = "\ufeff" + chunk
                first = False
                yield (chunk if reveal else mask_text(chunk)).encode("utf-8")

    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="import-{job.id}-rejects.csv"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
