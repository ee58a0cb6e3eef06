"""Start an analysis from the page (in a background thread, like an import) and show its progress."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from ...core import clock
from ...core.errors import Conflict, PermissionDenied, ShopCXError
from ...staff import service as staff
from ...web.auth import PageSession, Viewer, require, verify_csrf
from ...web.templating import is_htmx, render
from .. import service as insights

router = APIRouter(include_in_schema=False, dependencies=[Depends(verify_csrf)])
log = logging.getLogger(__name__)

# Who may start an analysis from the page: the roles that may import data (owner, manager, operations).
RUN_PERMISSION = "imports:run"


@dataclass(frozen=True)
class AnalysisState:
    """This process's page-started analysis: idle, running, done or failed."""

    status: str = "idle"
    step: str | None = None
    done: int = 0
    total: int = 0
    started_at: object = None
    finished_at: object = None
    run_id: int | None = None
    error: str | None = None


_lock = threading.Lock()
_state = AnalysisState()


def state() -> AnalysisState:
    """The page-started analysis of this process."""
    return _state


def _set_state(new: AnalysisState) -> None:
    global _state
    with _lock:
        _state = new


def _set(**changes) -> None:
    global _state
    with _lock:
        _state = replace(_state, **changes)


def may_run(viewer: Viewer) -> bool:
    """Whether the viewer may start an analysis from the page."""
    return viewer.can(RUN_PERMISSION) or viewer.role in ("owner", "manager")


def _tick(step: str, done: int, total: int) -> None:
    _set(step=step, done=done, total=total)


def analyse_quietly() -> None:
    """Compute and store one analysis run (the service opens its own units of work); a failure is kept for the
    page and logged."""
    try:
        run = insights.run_analysis(progress=_tick)
    except ShopCXError as exc:
        _set(status="failed", finished_at=clock.now(), error=exc.message)
        return
    except Exception as exc:
        log.exception("analysis started from the page failed")
        _set(status="failed", finished_at=clock.now(), error=f"{type(exc).__name__}: {exc}"[:300])
        return
    if run.status == "done":
        _set(status="done", finished_at=clock.now(), run_id=run.id, done=1, total=1)
    else:
        _set(status="failed", finished_at=clock.now(), run_id=run.id, error=(run.error or "")[:300])


def analyse_in_thread() -> None:
    """Analyse in a daemon thread (the page polls the progress fragment)."""
    threading.Thread(target=analyse_quietly, name="insights-analysis", daemon=True).start()


# How the page starts an analysis; tests set this to `analyse_quietly` so it finishes inside the request.
runner: Callable[[], None] = analyse_in_thread


def _start() -> None:
    runner()


@router.post("/insights/run")
def start_analysis(request: Request, viewer: Viewer = Depends(require("customers:read")),
                   session: Session = PageSession):
    """Start `shopcx analyze` for today in the background (one at a time per process); audited."""
    global _state
    if not may_run(viewer):
        raise PermissionDenied("forbidden", f"permission '{RUN_PERMISSION}' is needed to start an analysis")
    with _lock:
        if _state.status == "running":
            raise Conflict("analysis_running", "an analysis is already running; wait for it to finish")
        _state = AnalysisState(status="running", started_at=clock.now())
    staff.audit(session, viewer.actor, "insights.analyze", "analysis_run", None)
    response: Response = (Response(status_code=204, headers={"HX-Redirect": "/insights"}) if is_htmx(request)
                          else RedirectResponse("/insights", status_code=303))
    response.background = BackgroundTask(_start)
    return response


@router.get("/insights/progress")
def progress(request: Request, viewer: Viewer = Depends(require("customers:read"))):
    """The fragment the empty page polls while an analysis runs; once done, the page reloads with the results."""
    current = state()
    headers = {"HX-Redirect": "/insights"} if current.status == "done" and is_htmx(request) else None
    return render(request, "insights/_progress.html", {"analysis": current}, viewer=viewer, headers=headers)
