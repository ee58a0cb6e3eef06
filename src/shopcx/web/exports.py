"""Excel exports of staff lists: a short list downloads at once; a long one is written in the background while
the page shows its progress, then offers the file to the person who asked for it (for a day).

A list page builds an `Export` (its sheet and a function that reads its rows in pages) and returns `respond(...)`.
Every export is audited with its row count, since contact data may leave the system with it; one that shows
personal data unmasked (contacts, or buyers' words) is also one PII view in the privacy log, naming the export and
how many customers it carried."""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from ..core import clock, db
from ..core.errors import NotFound
from ..core.settings import get_settings
from ..staff import service as staff
from .auth import PageSession, Viewer, current_viewer, verify_csrf
from .sheets import XLSX, Sheet, write
from .templating import SECURITY_HEADERS, render, wants_fragment

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
log = logging.getLogger(__name__)

INLINE_ROWS = 2_000  # up to this many rows the file is written during the request
PAGE_ROWS = 1_000  # rows read per query while writing
KEEP_SECONDS = 24 * 3600  # a finished file is offered for a day


@dataclass
class Export:
    """One list as a workbook: `name` names the file and the audit entry; `rows(session, offset, limit)` reads
    one page of rows (dicts keyed by the sheet's column keys) in a stable order; `total` is the row count."""

    name: str
    sheet: Sheet
    total: int
    rows: Callable[[Session, int, int], list[dict]]
    filters: dict | None = None
    personal: tuple[str, ...] = ()  # personal data shown unmasked to `pii` viewers beyond the pii columns ("text")
    customer_key: str = "customer_id"  # the row key naming whose data a row is (counted for the PII log)

    def filename(self) -> str:
        return f"shopcx-{self.name.replace('_', '-')}-{clock.now().date().isoformat()}.xlsx"

    def unmasked(self) -> list[str]:
        """What the file shows of people unmasked (phone, email, text); empty when masked or nothing personal."""
        if not self.sheet.reveal_pii:
            return []
        return sorted({c.pii for c in self.sheet.columns if c.pii} | set(self.personal))


def counting(rows: Iterable, key: Callable, seen: set) -> Iterator:
    """The rows unchanged, noting in `seen` whose each one is (`key(row)`; None: nobody's)."""
    for row in rows:
        who = key(row)
        if who is not None:
            seen.add(who)
        yield row


def log_view(session: Session, actor_label: str, name: str, seen: Sized, fields: list[str], place: str) -> None:
    """The export as one PII view (privacy log): who, which export, how many customers (or rows of people) it
    carried, what was shown."""
    from ..privacy.erasure import log_export_view

    log_export_view(session, actor_label, name, len(seen), fields, place)


def all_rows(export: Export, session: Session) -> Iterator[dict]:
    """Every row of the export, a page at a time."""
    offset = 0
    while True:
        page = export.rows(session, offset, PAGE_ROWS)
        yield from page
        if len(page) < PAGE_ROWS:
            return
        offset += PAGE_ROWS


def _folder() -> Path:
    folder = get_settings().data_dir / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _state_path(job_id: str) -> Path:
    return _folder() / f"{job_id}.json"


def _save_state(job_id: str, state: dict) -> None:
    path = _state_path(job_id)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(state), encoding="utf-8")
    os.replace(temp, path)  # readers never see half a state


def load_state(job_id: str) -> dict | None:
    """A background export's state (status, done, total, file name, who asked), or None."""
    if not job_id.isalnum():
        return None
    try:
        return json.loads(_state_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _sweep() -> None:
    """Remove files and states older than KEEP_SECONDS."""
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            continue


def write_in_background(job_id: str, export: Export, state: dict) -> None:
    """Write the workbook with its own session, recording progress; a failure is recorded as failed."""
    def tick(done: int) -> None:
        _save_state(job_id, state | {"done": done})

    try:
        target = _folder() / f"{job_id}.xlsx"
        seen: set = set()
        with db.session_scope() as session, open(target.with_suffix(".part"), "wb") as handle:
            rows = counting(all_rows(export, session), lambda row: row.get(export.customer_key), seen)
            written = write(export.sheet, rows, handle, progress=tick)
            if state.get("pii"):
                log_view(session, state["actor"], export.name, seen, state["pii"], state["place"])
        os.replace(target.with_suffix(".part"), target)
        _save_state(job_id, state | {"status": "done", "done": written, "total": written})
    except Exception as exc:  # recorded for the page; the log has the traceback
        log.exception("export %s failed", export.name)
        _save_state(job_id, state | {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]})


def _in_thread(job_id: str, export: Export, state: dict) -> None:
    threading.Thread(target=write_in_background, args=(job_id, export, state), name=f"export-{export.name}",
                     daemon=True).start()


# How a long export is started; tests set this to `write_in_background` so it finishes inside the request.
runner: Callable[[str, Export, dict], None] = _in_thread


def _download(path_or_handle, filename: str) -> Response:
    headers = SECURITY_HEADERS | {"Content-Disposition": f'attachment; filename="{filename}"'}
    if isinstance(path_or_handle, Path):
        return FileResponse(path_or_handle, media_type=XLSX, headers=headers)

    def chunks() -> Iterator[bytes]:
        with path_or_handle:
            while chunk := path_or_handle.read(1 << 16):
                yield chunk

    return StreamingResponse(chunks(), media_type=XLSX, headers=headers)


def respond(request: Request, viewer: Viewer, session: Session, export: Export) -> Response:
    """The file now (short lists) or the progress page of a background export (long ones); audited."""
    staff.audit(session, viewer.actor, "export.run", "export", export.name,
                {"rows": export.total, "filters": export.filters or {}, "contacts": export.sheet.reveal_pii})
    shown, place = export.unmasked(), request.url.path
    if export.total <= INLINE_ROWS:
        handle, seen = tempfile.TemporaryFile(), set()
        write(export.sheet, counting(all_rows(export, session), lambda row: row.get(export.customer_key), seen),
              handle)
        if shown:
            log_view(session, viewer.actor.label, export.name, seen, shown, place)
        handle.seek(0)
        return _download(handle, export.filename())
    _sweep()
    job_id = uuid.uuid4().hex
    state = {"status": "running", "done": 0, "total": export.total, "user_id": viewer.user_id,
             "name": export.name, "filename": export.filename(), "title": export.sheet.title,
             "started_at": clock.now().isoformat(), "pii": shown, "actor": viewer.actor.label, "place": place}
    _save_state(job_id, state)
    runner(job_id, export, state)
    return render(request, "export_progress.html", {"job_id": job_id, "job": load_state(job_id)}, viewer=viewer,
                  status=202)


def _own(job_id: str, viewer: Viewer) -> dict:
    state = load_state(job_id)
    if state is None or state.get("user_id") != viewer.user_id:
        raise NotFound("export_job_not_found", "there is no export at this address (or it is older than a day)")
    return state


@router.get("/exports/{job_id}")
def export_progress(request: Request, job_id: str, viewer: Viewer = Depends(current_viewer),
                    session: Session = PageSession):
    """A background export's progress (the part alone for HTMX polling), then its download link."""
    state = _own(job_id, viewer)
    template = "_export_status.html" if wants_fragment(request, "export-status") else "export_progress.html"
    return render(request, template, {"job_id": job_id, "job": state}, viewer=viewer)


@router.get("/exports/{job_id}/file")
def export_file(job_id: str, viewer: Viewer = Depends(current_viewer)):
    """The finished workbook, for the person who asked for it."""
    state = _own(job_id, viewer)
    path = _folder() / f"{job_id}.xlsx"
    if state.get("status") != "done" or not path.exists():
        raise NotFound("export_not_ready", "the export is not finished yet")
    return _download(path, state["filename"])
